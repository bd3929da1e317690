"""FIT decoder: device totals from FIT_TOTALS.csv, defects in invalid/, hand-made files."""

from __future__ import annotations

import contextlib
import gzip
import itertools
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loadwatch.errors import CorruptFile, IngestError, NotAnActivity, UndatedActivity
from loadwatch.ingest.formats.fit import decode, decode_records, round_offset
from loadwatch.ingest.formats.fit_crc import MIN_BLOCK, crc16
from loadwatch.ingest.formats.fit_profile import device_string, map_sport
from loadwatch.ingest.track import SAMPLE_SCHEMA, Track
from support.paths import corpus_manifest, fit_totals

TOTALS = fit_totals()
MANIFEST = {row["file"]: row for row in corpus_manifest()}
ACTIVITIES = sorted(f for f, r in TOTALS.items() if r["file_type"] == "activity")
NOT_ACTIVITIES = sorted(f for f, r in TOTALS.items() if r["file_type"] not in ("activity", ""))
INVALID_FIT = sorted(f for f in MANIFEST if f.startswith("invalid/") and f.endswith(".fit"))
# Pool-swim files whose length records carry no timestamp: they are not samples.
UNTIMED_RECORDS = {
    "fit/gc_20160517-063148-1-1328-ANTFS-4-0.FIT",
    "fit/gc_AleV_Swim_2015-02-09-16-15.fit",
}


def _bytes(corpus: Path, rel: str) -> bytes:
    data = (corpus / rel).read_bytes()
    return gzip.decompress(data) if rel.endswith(".gz") else data


def _cell(row: dict[str, str], key: str) -> float | None:
    return float(row[key]) if row[key] else None


# --- corpus -------------------------------------------------------------------------------
@pytest.mark.corpus
@pytest.mark.parametrize("rel", ACTIVITIES)
def test_activity_matches_device_totals(corpus: Path, rel: str) -> None:
    row = TOTALS[rel]
    n_sessions = int(row["n_sessions"])
    if n_sessions == 0:
        with pytest.raises(NotAnActivity):
            decode(_bytes(corpus, rel), rel)
        return
    tracks = decode_records(_bytes(corpus, rel), rel, fast_records=True, allow_unplaced=True)
    assert len(tracks) == n_sessions
    assert [t.session_index for t in tracks] == list(range(n_sessions))
    for csv_key, attr in (
        ("total_distance_m", "distance_m"),
        ("total_timer_time_s", "timer_time_s"),
        ("total_elapsed_time_s", "elapsed_time_s"),
        ("total_ascent_m", "ascent_m"),
        ("total_descent_m", "descent_m"),
    ):
        expected = _cell(row, csv_key)
        if expected is not None:
            got = sum(getattr(t.totals, attr) or 0.0 for t in tracks)
            assert got == pytest.approx(expected, abs=0.01), csv_key
    start = row["start_time"]
    if start.isdigit():  # the device clock was not set: FIT "system time" since power-on
        anchored = [t for t in tracks if t.start_time is not None]
        if not anchored:
            assert all("relative to device power-on" in " ".join(t.warnings) for t in tracks)
            # ...and the product refuses it: a run without a date cannot count toward load.
            # A failed file, not "not an activity" (trial 10 F7): a 10 km run is lost.
            with pytest.raises(UndatedActivity, match=r"clock was never set.*import-log"):
                decode(_bytes(corpus, rel), rel)
    else:
        expected_start = datetime.fromisoformat(start).replace(tzinfo=UTC)
        assert min(t.start_time for t in tracks if t.start_time) == expected_start
    n_samples = sum(len(t.samples) for t in tracks)
    if rel in UNTIMED_RECORDS:
        assert n_samples < int(row["n_records"])
    else:
        assert n_samples == int(row["n_records"])
    for t in tracks:
        assert dict(t.samples.schema) == SAMPLE_SCHEMA
        assert t.samples["time"].is_sorted()
    device = MANIFEST[rel]["device"]
    assert tracks[0].device == device or (tracks[0].device or "").startswith(device + " / ")


@pytest.mark.corpus
@pytest.mark.parametrize("rel", NOT_ACTIVITIES)
def test_not_an_activity_names_the_file_type(corpus: Path, rel: str) -> None:
    with pytest.raises(NotAnActivity, match=TOTALS[rel]["file_type"]):
        decode(_bytes(corpus, rel), rel)


@pytest.mark.corpus
@pytest.mark.parametrize("rel", INVALID_FIT)
def test_invalid_file_recovers_with_warning_or_fails_clearly(corpus: Path, rel: str) -> None:
    try:
        tracks = decode(_bytes(corpus, rel), rel)
    except CorruptFile as e:
        assert "\n" not in str(e) and rel in str(e)
        return
    assert tracks
    assert all(t.warnings for t in tracks)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("rel", "defect", "n_samples"),
    [
        ("invalid/pyfitparse_activity-filecrc.fit", "file CRC mismatch", 14),
        ("invalid/pyfitparse_activity-unexpected-eof.fit", "truncated", 14),
        ("invalid/pyfitparse_activity-settings-nodata.fit", "truncated", 14),
        ("invalid/pyfitparse_activity-settings-corruptheader.fit", "invalid header", 14),
        ("invalid/pyfitparse_nick.fit", "truncated", 14391),
        ("invalid/pyfitparse_coros-pace-2-cycling-misaligned-fields.fit", "not a multiple", 11272),
        ("invalid/pyfitparse_strava-android-app-201.10-b1218918.fit", "local message type 11", 473),
        (
            "invalid/gpsbabel_lezyne_super_gps-garmin_fit-sample-bad-endian.fit",
            "undefined developer data index 11",
            804,
        ),
    ],
)
def test_defect_is_named_and_data_kept(corpus: Path, rel: str, defect: str, n_samples: int) -> None:
    tracks = decode(_bytes(corpus, rel), rel)
    assert any(defect in w for w in tracks[0].warnings), tracks[0].warnings
    assert sum(len(t.samples) for t in tracks) == n_samples


@pytest.mark.corpus
def test_truncation_warning_counts_kept_records(corpus: Path) -> None:
    rel = "invalid/pyfitparse_activity-unexpected-eof.fit"
    (track,) = decode(_bytes(corpus, rel), rel)
    assert "truncated: file ends before its declared size; kept 14 records" in track.warnings
    assert track.totals.distance_m == pytest.approx(5.73)


@pytest.mark.corpus
def test_null_compressed_speed_distance_keeps_distance(corpus: Path) -> None:
    # get_values() nulls record.distance here; the raw field keeps it.
    rel = "fit/pyfitparse_null_compressed_speed_dist.fit"
    (track,) = decode(_bytes(corpus, rel), rel)
    dist = track.samples["distance"]
    assert dist.null_count() == 0
    assert dist.max() == pytest.approx(13400.14, abs=1.0)


@pytest.mark.corpus
def test_compressed_speed_distance_accumulates(corpus: Path) -> None:
    rel = "fit/pyfitparse_compressed-speed-distance.fit"
    (track,) = decode_records(_bytes(corpus, rel), rel, fast_records=True, allow_unplaced=True)
    dist = track.samples["distance"].drop_nulls()
    assert dist.is_sorted()
    assert dist.max() == pytest.approx(10248.67, rel=0.01)


@pytest.mark.corpus
def test_relative_times_anchored_by_timestamp_correlation(corpus: Path) -> None:
    # VIRB: session start_time is system time 2; timestamp_correlation maps system 69 to
    # 2017-06-28 02:34:13 UTC, so the start is 67 s earlier.
    rel = "fit/gpsbabel_garmin-virb-ultra-30.fit"
    (track,) = decode(_bytes(corpus, rel), rel)
    assert track.start_time == datetime(2017, 6, 28, 2, 33, 6, tzinfo=UTC)
    assert track.samples["time"].min().year == 2017  # type: ignore[union-attr]


@pytest.mark.corpus
def test_multisport_sessions_in_time_order(corpus: Path) -> None:
    for rel in ("fit/mkfit_triathlon_summary_first.fit", "fit/mkfit_triathlon_summary_last.fit"):
        tracks = decode(_bytes(corpus, rel), rel)
        # Trial F13: the transitions are named, not "other" with a pace.
        assert [t.sport for t in tracks] == [
            "swimming", "transition", "cycling", "transition", "running"
        ]  # fmt: skip
        assert [len(t.samples) for t in tracks] == [676, 156, 1566, 70, 1575]
        for a, b in itertools.pairwise(tracks):
            assert a.samples["time"].max() < b.samples["time"].min()  # type: ignore[operator]


@pytest.mark.corpus
def test_developer_fields_do_not_leak_between_files(corpus: Path) -> None:
    rel = "fit/pyfitparse_developer-types-sample.fit"  # defines developer data index 0
    assert decode(_bytes(corpus, rel), rel)
    (track,) = decode(_fit(_DEV_FIELD_WITHOUT_DEFINITION), "leak.fit")
    assert any("undefined developer data index 0" in w for w in track.warnings)
    assert track.samples["heart_rate"].to_list() == [150.0, 151.0]


@pytest.mark.corpus
@pytest.mark.parametrize(
    "rel",
    [
        "fit/pyfitparse_antfs-dump.63.fit",  # compressed timestamp headers, empty definitions
        "fit/pyfitparse_compressed-speed-distance.fit",  # accumulating components
        "fit/pyfitparse_null_compressed_speed_dist.fit",
        "fit/pyfitparse_developer-types-sample.fit",  # developer fields in records
        "fit/pyfitparse_event_timestamp.fit",
        "fit/gc_GarminHRMswim.FIT",
        "fit/gc_2017_hrv.FIT",  # hrv messages take the skip path
        "fit/gc_FR55-CoreTemp-Walk.fit",  # array-valued record fields
        "invalid/pyfitparse_strava-android-app-201.10-b1218918.fit",
    ],
)
def test_record_fast_path_matches_fitparse_path(corpus: Path, rel: str) -> None:
    data = _bytes(corpus, rel)
    fast = decode_records(data, rel, fast_records=True, allow_unplaced=True)
    slow = decode_records(data, rel, fast_records=False, allow_unplaced=True)
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow, strict=True):
        assert a.samples.equals(b.samples)
        assert (a.totals, a.warnings, a.start_time) == (b.totals, b.warnings, b.start_time)


# --- hand-made files ----------------------------------------------------------------------
def _crc16(data: bytes) -> int:
    table = (0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
             0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400)  # fmt: skip
    crc = 0
    for byte in data:
        for nibble in (byte & 0xF, byte >> 4):
            tmp = table[crc & 0xF]
            crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ table[nibble]
    return crc


def _fit(body: bytes, *, bad_crc: bool = False) -> bytes:
    data = struct.pack("<BBHI4s", 12, 0x10, 2132, len(body), b".FIT") + body
    return data + struct.pack("<H", _crc16(data) ^ (1 if bad_crc else 0))


def _define(local: int, mesg: int, fields: list[tuple[int, int, int]],
            dev: list[tuple[int, int, int]] | None = None) -> bytes:  # fmt: skip
    head = 0x40 | local | (0x20 if dev else 0)
    out = struct.pack("<BBBHB", head, 0, 0, mesg, len(fields))
    out += b"".join(struct.pack("BBB", *f) for f in fields)
    if dev:
        out += bytes([len(dev)]) + b"".join(struct.pack("BBB", *d) for d in dev)
    return out


def _data(local: int, fmt: str, *values: int) -> bytes:
    return bytes([local]) + struct.pack("<" + fmt, *values)


T0 = 1_000_000_000  # FIT seconds: 2021-09-09 01:46:40 UTC
T0_UTC = datetime(1989, 12, 31, tzinfo=UTC) + timedelta(seconds=T0)
FILE_ID = _define(0, 0, [(0, 1, 0x00), (1, 2, 0x84), (2, 2, 0x84)])  # type, manufacturer, product
RECORD = _define(1, 20, [(253, 4, 0x86), (0, 4, 0x85), (1, 4, 0x85), (5, 4, 0x86), (3, 1, 0x02)])
SESSION = _define(
    2, 18, [(2, 4, 0x86), (7, 4, 0x86), (8, 4, 0x86), (9, 4, 0x86), (5, 1, 0x00), (6, 1, 0x00)]
)
LAP = _define(3, 19, [(2, 4, 0x86), (7, 4, 0x86), (8, 4, 0x86), (9, 4, 0x86)])
ACTIVITY = _define(4, 34, [(253, 4, 0x86), (5, 4, 0x86)])
HALF_DEG = 2**30 // 2  # 45 degrees in semicircles


def _record(dt: int, dist_m: float, hr: int) -> bytes:
    return _data(1, "IiiIB", T0 + dt, HALF_DEG, -HALF_DEG, round(dist_m * 100), hr)


def _session(start: int, elapsed: float, dist_m: float, sport: int, sub: int) -> bytes:
    ms = round(elapsed * 1000)
    return _data(2, "IIIIBB", T0 + start, ms, ms, round(dist_m * 100), sport, sub)


_HEAD = FILE_ID + _data(0, "BHH", 4, 1, 1018) + RECORD + SESSION + LAP + ACTIVITY
_DEV_FIELD_WITHOUT_DEFINITION = (
    _HEAD
    + _define(5, 20, [(253, 4, 0x86), (3, 1, 0x02)], dev=[(0, 2, 0)])
    + _data(5, "IBH", T0, 150, 7)
    + _data(5, "IBH", T0 + 1, 151, 8)
)


def test_hand_made_trail_run_with_offset() -> None:
    body = (
        _HEAD
        + _record(0, 0.0, 120)
        + _record(10, 30.5, 130)
        + _session(0, 10.0, 30.5, 1, 3)  # running / trail
        + _data(4, "II", T0 + 10, T0 + 10 + 7200 + 20)  # local is UTC+2h (20 s of clock skew)
    )
    (track,) = decode(_fit(body), "trail.fit")
    assert isinstance(track, Track)
    assert track.sport == "trail_running"
    assert track.start_time == T0_UTC
    assert track.utc_offset_s == 7200
    assert track.device == "garmin/fr310xt"
    assert track.totals.distance_m == pytest.approx(30.5)
    assert track.totals.timer_time_s == pytest.approx(10.0)
    assert track.samples["lat"].to_list() == [45.0, 45.0]
    assert track.samples["lon"].to_list() == [-45.0, -45.0]
    assert track.samples["distance"].to_list() == [0.0, 30.5]
    assert track.samples["heart_rate"].to_list() == [120.0, 130.0]
    assert track.samples["time"].to_list() == [T0_UTC, T0_UTC + timedelta(seconds=10)]
    assert track.warnings == ()


def test_hand_made_multisport_assigns_records_by_session_window() -> None:
    body = (
        _HEAD
        + b"".join(_record(dt, dt * 3.0, 140) for dt in range(0, 6))
        + b"".join(_record(dt, dt * 8.0, 150) for dt in range(100, 103))
        # sessions written last and out of order, as some devices do
        + _session(100, 2.0, 16.0, 2, 0)
        + _session(0, 5.0, 15.0, 1, 1)  # running / treadmill
    )
    tracks = decode(_fit(body), "multi.fit")
    assert [t.sport for t in tracks] == ["treadmill_running", "cycling"]
    assert [len(t.samples) for t in tracks] == [6, 3]
    assert [t.totals.distance_m for t in tracks] == [pytest.approx(15.0), pytest.approx(16.0)]
    assert tracks[1].start_time == T0_UTC + timedelta(seconds=100)


def test_records_without_session_use_lap_totals() -> None:
    body = (
        _HEAD
        + _record(0, 0.0, 100)
        + _record(4, 12.0, 110)
        + _data(3, "IIII", T0, 2000, 2000, 600)
        + _data(3, "IIII", T0 + 2, 2000, 2000, 600)
    )
    (track,) = decode(_fit(body), "nosession.fit")
    assert track.start_time == T0_UTC
    assert track.totals.distance_m == pytest.approx(12.0)
    assert track.totals.timer_time_s == pytest.approx(4.0)
    assert len(track.samples) == 2


def test_crc_mismatch_is_a_warning() -> None:
    body = _HEAD + _record(0, 0.0, 100) + _record(1, 2.0, 100) + _session(0, 1.0, 2.0, 1, 0)
    (track,) = decode(_fit(body, bad_crc=True), "crc.fit")
    assert "file CRC mismatch" in track.warnings
    assert len(track.samples) == 2


def test_truncated_file_keeps_records_read() -> None:
    body = _HEAD + b"".join(_record(dt, dt * 1.0, 100) for dt in range(10))
    data = _fit(body)[:-10]  # records are 18 bytes: cut inside the last one
    (track,) = decode(data, "cut.fit")
    assert "truncated: file ends before its declared size; kept 9 records" in track.warnings
    assert len(track.samples) == 9


# Around the smallest block, and sizes whose blocks are 64 and 128 bytes long.
@pytest.mark.parametrize(
    "size", [0, 1, 7, MIN_BLOCK - 1, MIN_BLOCK, MIN_BLOCK + 1, 5 * MIN_BLOCK + 3, 30_003, 200_003]
)
def test_vectorised_crc_matches_sdk_algorithm(size: int) -> None:
    data = bytes((i * 7919 + 13) % 251 for i in range(size))
    assert crc16(data) == _crc16(data)


def test_settings_file_is_not_an_activity() -> None:
    body = FILE_ID + _data(0, "BHH", 2, 1, 1018)
    with pytest.raises(NotAnActivity, match="settings"):
        decode(_fit(body), "settings.fit")


def test_activity_without_timestamps_is_not_an_activity() -> None:
    body = _HEAD + _data(2, "IIIIBB", 0xFFFFFFFF, 1000, 1000, 100, 1, 0)
    with pytest.raises(NotAnActivity, match="without timestamps"):
        decode(_fit(body), "notime.fit")


@pytest.mark.parametrize(
    "data",
    [b"", b"not a fit file at all", b"\x0e\x10\x00\x00\x00\x00\x00\x00.FIX\x00\x00"],
)
def test_garbage_is_corrupt(data: bytes) -> None:
    with pytest.raises(CorruptFile, match="not a FIT file"):
        decode(data, "junk.fit")


def test_every_failure_is_an_ingest_error() -> None:
    good = _fit(_HEAD + _record(0, 0.0, 100) + _record(1, 1.0, 100) + _session(0, 1, 1, 1, 0))
    for cut in range(0, len(good), 7):
        with contextlib.suppress(IngestError):
            decode(good[:cut], "cut.fit")


# --- tables -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sport", "sub", "expected"),
    [
        ("running", "trail", "trail_running"),
        ("running", "treadmill", "treadmill_running"),
        ("running", "indoor_running", "treadmill_running"),
        ("running", "virtual_activity", "treadmill_running"),
        ("running", "street", "running"),
        ("running", None, "running"),
        ("walking", "generic", "walking"),
        ("hiking", None, "hiking"),
        ("cycling", "mountain", "cycling"),
        ("cycling", "indoor_cycling", "cycling"),
        ("e_biking", None, "cycling"),
        ("swimming", "lap_swimming", "swimming"),
        ("transition", None, "transition"),  # trial F13: named, not "other"
        ("generic", "generic", "other"),
        (53, 0, "other"),
        (None, None, "other"),
    ],
)
def test_map_sport(sport: object, sub: object, expected: str) -> None:
    assert map_sport(sport, sub) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (7200, 7200),
        (7190, 7200),
        (-18000 + 400, -18000),
        (19800, 19800),
        (20700 - 449, 20700),
        (5 * 3600 + 45 * 60, 20700),
        (0, 0),
        (15 * 3600, None),
    ],
)
def test_round_offset(seconds: int, expected: int | None) -> None:
    assert round_offset(seconds) == expected


def test_device_string() -> None:
    assert device_string("garmin", 3121, None, None) == "garmin/edge530 (3121)"
    assert device_string("garmin", "fr935", None, None) == "garmin/fr935"
    assert (
        device_string("wahoo_fitness", 31, None, "ELEMNT BOLT") == "wahoo_fitness/31 / ELEMNT BOLT"
    )
    assert device_string("hammerhead", 2, "Karoo 2", "Karoo 2") == "hammerhead/Karoo 2"
    assert device_string(294, 802, "COROS PACE 2", None) == "Coros(294)/COROS PACE 2"
    assert device_string("stryd", None, None, None) == "stryd"
    assert device_string(None, 5, None, None) is None
