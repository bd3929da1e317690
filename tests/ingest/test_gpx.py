"""GPX decoder: the real corpus (counts derived independently with ElementTree) and the
decisions documented in ``loadwatch.ingest.formats.gpx``, on small hand-built documents."""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from gpxpy.gpx import GPXException, GPXXMLSyntaxException

from loadwatch.errors import (
    CorruptFile,
    InputTooLarge,
    NotAnActivity,
    UndatedActivity,
    UnsafeInput,
)
from loadwatch.ingest.formats import gpx
from loadwatch.ingest.track import SAMPLE_SCHEMA, Track
from support.paths import CORPUS, CORPUS_SKIP, HAVE_CORPUS, corpus_manifest, fit_totals

GPX_FILES = sorted(
    row["file"]
    for row in corpus_manifest()
    if row["format"] == "gpx" or row["file"].endswith(".gpx")
)
MANIFEST = {row["file"]: row for row in corpus_manifest()}
NOT_ACTIVITY_NOTES = ("route only", "waypoints only", "no track points", "no timestamps")


def _decode(rel: str) -> list[Track]:
    return gpx.decode((CORPUS / rel).read_bytes(), Path(rel).name)


def _independent(rel: str) -> tuple[list[datetime], int]:
    """Plausible (≥ 1980) <trkpt> times and the number of timed <trkseg>, by plain ElementTree."""
    root = ET.fromstring((CORPUS / rel).read_bytes())
    stamps: list[datetime] = []
    timed_segments = 0
    for seg in root.iter():
        if not seg.tag.endswith("trkseg"):
            continue
        seg_times = []
        for pt in seg:
            if not pt.tag.endswith("trkpt"):
                continue
            text = next((c.text for c in pt if c.tag.endswith("}time") or c.tag == "time"), None)
            if not text:
                continue
            t = datetime.fromisoformat(text.strip())
            t = t if t.tzinfo else t.replace(tzinfo=UTC)
            if t.year >= 1980:
                seg_times.append(t.astimezone(UTC))
        stamps += seg_times
        timed_segments += bool(seg_times)
    return stamps, timed_segments


# --- every corpus GPX: Tracks or one clear line ------------------------------------------
@pytest.mark.skipif(not HAVE_CORPUS, reason=CORPUS_SKIP)
@pytest.mark.parametrize("rel", GPX_FILES)
def test_corpus_gpx_gives_tracks_or_one_clear_line(corpus: Path, rel: str) -> None:
    note = MANIFEST[rel]["note"]
    try:
        tracks = _decode(rel)
    except (NotAnActivity, CorruptFile, UndatedActivity) as e:
        message = str(e)
        assert message and "\n" not in message
        if rel.startswith("invalid/"):
            assert isinstance(e, CorruptFile)
            assert message.startswith("malformed XML at line 1, column 0")
        elif rel == "gpx/gpxpy_Mojstrovka.gpx":  # every stamp the 1901 placeholder
            assert isinstance(e, UndatedActivity)
        else:
            assert isinstance(e, NotAnActivity)
        return
    assert rel.startswith("gpx/"), "an invalid file decoded"
    assert not any(n in note for n in NOT_ACTIVITY_NOTES), note
    stamps, timed_segments = _independent(rel)
    # Every plausible timed point is kept, across all tracks and segments.
    assert sum(t.samples.height for t in tracks) == len(stamps)
    assert sum(t.samples["segment"].n_unique() for t in tracks) >= timed_segments
    assert tracks[0].start_time == min(stamps)
    assert [t.session_index for t in tracks] == list(range(len(tracks)))
    starts = [t.start_time for t in tracks if t.start_time is not None]
    assert starts == sorted(starts) and len(starts) == len(tracks)
    creator = MANIFEST[rel]["device"].removeprefix("creator: ")
    for t in tracks:
        assert dict(t.samples.schema) == SAMPLE_SCHEMA
        assert t.samples["time"].is_sorted()
        assert t.samples["segment"].min() == 0
        assert t.device == (creator or None)
        assert t.format == "gpx"


@pytest.mark.skipif(not HAVE_CORPUS, reason=CORPUS_SKIP)
@pytest.mark.parametrize(
    ("rel", "fragment"),
    [
        ("gpx/gpxpy_route.gpx", "route only (55 route points)"),
        ("gpx/togeojson_trek.gpx", "route only (120 route points)"),
        ("gpx/togeojson_wpt.gpx", "waypoints only (40)"),
        ("gpx/gc_MetadataOnly.gpx", "no tracks, routes or waypoints"),
        ("gpx/togeojson_empty_trk.gpx", "the tracks hold no points"),
        ("gpx/gc_A_ride_mapped_on_11_22_2011.gpx", "track has no timestamps (9722 points)"),
        ("gpx/togeojson_style.gpx", "track has no timestamps"),
        ("gpx/togeojson_unique_trkpt.gpx", "at one instant"),
    ],
)
def test_not_an_activity_reasons(corpus: Path, rel: str, fragment: str) -> None:
    with pytest.raises(NotAnActivity) as e:
        _decode(rel)
    assert fragment in str(e.value)


# --- several tracks / segments -----------------------------------------------------------
def test_multitrack_mapsource_days_are_three_outings_with_all_points(corpus: Path) -> None:
    tracks = _decode("gpx/togeojson_multitrackgpx.gpx")
    assert [t.name for t in tracks] == ["Tag 1", "Tag 2", "Tag 3"]
    assert [t.samples.height for t in tracks] == [1966, 1685, 1584]
    assert [t.start_time.date().isoformat() for t in tracks if t.start_time] == [
        "2008-07-12",
        "2008-07-13",
        "2008-07-14",
    ]


def test_blue_hills_tracks_are_ordered_by_time_not_document(corpus: Path) -> None:
    tracks = _decode("gpx/togeojson_blue_hills.gpx")
    assert [(t.name, t.samples.height, t.samples["segment"].n_unique()) for t in tracks] == [
        ("SHORT LOOP", 436, 3),
        ("BIG LOOP", 309, 9),
        ("BUCK HILL", 498, 2),
    ]


def test_cerknicko_eight_tracks_minutes_apart_are_one_outing(corpus: Path) -> None:
    (track,) = _decode("gpx/gpxpy_cerknicko-jezero.gpx")
    assert track.samples.height == 296
    # 8 <trk>, the first empty: 7 segments, none joined to the next.
    assert track.samples["segment"].n_unique() == 7
    assert track.name == "ACTIVE LOG #2"


def test_sixteen_segments_numbered_in_order(corpus: Path) -> None:
    (track,) = _decode("gpx/gc_1292585194-20906.gpx")
    assert track.samples["segment"].unique().sort().to_list() == list(range(16))
    assert track.samples["segment"].is_sorted()


def test_cerknicko_variants(corpus: Path) -> None:
    (zero,) = _decode("gpx/gpxpy_cerknicko-jezero-with-elevations-zero.gpx")
    assert zero.samples["altitude"].null_count() == 296
    assert any("altitude is 0 at every point" in w for w in zero.warnings)
    (no_ele,) = _decode("gpx/gpxpy_cerknicko-jezero-without-elevations.gpx")
    assert no_ele.samples["altitude"].null_count() == no_ele.samples.height == 295
    (no_creator,) = _decode("gpx/gpxpy_cerknicko-jezero-no-creator.gpx")
    assert no_creator.device is None
    (few_times,) = _decode("gpx/gpxpy_cerknicko-without-times.gpx")
    assert few_times.samples.height == 5
    assert "291 of 296 points have no timestamp and were dropped" in few_times.warnings


def test_isolated_zero_altitude_is_a_dropout(corpus: Path) -> None:
    (track,) = _decode("gpx/togeojson_zero_elevation.gpx")
    assert track.samples["altitude"].to_list() == [61.5696, None, 62.484]


def test_opentracks_pause_markers_split_segments_and_lose_positions(corpus: Path) -> None:
    (track,) = _decode("gpx/opentracks_legacy_gpx_pause_resume.gpx")
    s = track.samples
    assert s.height == 6
    assert s["lat"].null_count() == 2
    assert s["segment"].to_list() == [0, 0, 0, 1, 2, 2]
    # Without the markers the naive length is ~39,500 km; the valid points span ~333 m.
    valid = s.filter(s["lat"].is_not_null())
    assert valid["lat"].max() == 3 and valid["lon"].max() == 14.003


# --- channels ----------------------------------------------------------------------------
def test_garmin_trackpoint_extension_channels(corpus: Path) -> None:
    rel = "gpx/gc_UrbanBiker2019-04-18_16-12.gpx"
    text = (CORPUS / rel).read_text(encoding="utf-8")
    (track,) = _decode(rel)
    s = track.samples
    assert s["heart_rate"].drop_nulls().len() == text.count("<gpxtpx:hr>") == 2736
    assert s["cadence"].drop_nulls().len() == text.count("<gpxtpx:cad>")
    assert s["speed"].drop_nulls().len() == text.count("<gpxtpx:speed>")
    first_hr = float(re.search(r"<gpxtpx:hr>([\d.]+)<", text).group(1))  # type: ignore[union-attr]
    assert s["heart_rate"].drop_nulls()[0] == first_hr
    assert s["segment"].n_unique() == 2  # 3 <trkseg>, the first empty


def test_cluetrust_distance_and_hr(corpus: Path) -> None:
    (track,) = _decode("gpx/gc_Move_2014_01_17_09_33_11.gpx")
    s = track.samples
    assert s["heart_rate"].null_count() == 0
    assert s["distance"].null_count() == 0 and s["distance"].is_sorted()


def test_local_offset_kept_and_times_in_utc(corpus: Path) -> None:
    (track,) = _decode("gpx/opentracks_legacy_gpx_trackpointextensions_incorrect.gpx")
    assert track.utc_offset_s == 3600
    assert track.start_time == datetime(2020, 2, 2, 2, 2, 3, tzinfo=UTC)
    assert track.sport == "cycling"  # <type>mountain biking</type>
    assert track.samples["segment"].n_unique() == 3


# --- sport -------------------------------------------------------------------------------
def _fit_twins() -> dict[str, str]:
    """GPX file → the FIT file GPSBabel converted it from, when that FIT names its sport."""
    twins = {}
    for rel in GPX_FILES:
        m = re.search(r"GPSBabel conversion of (fit/\S+\.fit)", MANIFEST[rel]["note"])
        if m and fit_totals()[m.group(1)]["sport"]:
            twins[rel] = m.group(1)
    return twins


@pytest.mark.skipif(not HAVE_CORPUS, reason=CORPUS_SKIP)
@pytest.mark.parametrize("rel", sorted(_fit_twins()))
def test_speed_guess_matches_the_fit_twin(corpus: Path, rel: str) -> None:
    fit_rel = _fit_twins()[rel]
    totals = fit_totals()[fit_rel]
    (track,) = _decode(rel)
    if fit_rel == "fit/gpsbabel_garmin-forerunner-10.fit":
        # The session says running, but 10,207.73 m in a 1,499.4 s timer is 6.81 m/s
        # (2:27 /km, faster than the 10 km world record): ridden, whatever the watch was told.
        assert float(totals["total_distance_m"]) / float(totals["total_timer_time_s"]) > 6.8
        assert track.sport == "cycling"
    else:
        assert track.sport == totals["sport"]
    assert track.start_time is not None
    assert track.start_time.replace(tzinfo=None) == datetime.fromisoformat(totals["start_time"])


@pytest.mark.parametrize(
    ("rel", "sport"),
    [
        ("gpx/gc_UrbanBiker2019-04-18_16-12.gpx", "cycling"),  # file name
        ("gpx/gpsbabel_bike~gpx.gpx", "cycling"),  # file name
        ("gpx/togeojson_run.gpx", "running"),  # file name
        ("gpx/togeojson_run_gpxtpx.gpx", "running"),  # file name
        ("gpx/gpxpy_track-with-less-sec-time.gpx", "running"),  # <type>run</type>
        ("gpx/pytrainer_gpxplus_sample.gpx", "running"),  # track name "running2012-01-26"
        ("gpx/togeojson_multitrackgpx.gpx", "walking"),  # 1.37 m/s median
        ("gpx/gpsbabel_gtrnctr-lap_s.tcx.gpx", "running"),  # twin of a Running TCX
    ],
)
def test_corpus_sports(corpus: Path, rel: str, sport: str) -> None:
    assert _decode(rel)[0].sport == sport


@pytest.mark.parametrize(
    ("text", "sport"),
    [
        ("9", "running"),
        ("1", "cycling"),
        ("running", "running"),
        ("Trail Running", "trail_running"),
        ("trail_running", "trail_running"),
        ("TrailRun", "trail_running"),
        ("Morning Run", "running"),
        ("hiking", "hiking"),
        ("Walk", "walking"),
        ("mountain biking", "cycling"),
        ("UrbanBiker2019-04-18_16-12", "cycling"),
        ("Evening Ride", "cycling"),
        ("open_water_swimming", "swimming"),
        ("treadmill", "treadmill_running"),
        ("Nordic skiing", "other"),
        ("strides", None),  # not "ride"
        ("brunch", None),  # not "run"
        ("the category", None),
        ("NC", None),
    ],
)
def test_sport_from_words(text: str, sport: str | None) -> None:
    assert gpx.sport_from_words(text, strava_codes=True) == sport


def test_strava_codes_only_in_the_type() -> None:
    assert gpx.sport_from_words("9") is None  # a file called 9.gpx is not a run
    (track,) = gpx.decode(_doc(_trk(_line(1.2))), "9.gpx")
    assert track.sport == "walking"


def _line(speed_mps: float, n: int = 120, dt_s: int = 5, start: datetime | None = None) -> str:
    """A northbound straight line at ``speed_mps``; 1° latitude ≈ 111,195 m."""
    t0 = start or datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
    step = speed_mps * dt_s / 111_195.0
    return "".join(
        f'<trkpt lat="{45 + i * step:.8f}" lon="7.0"><ele>{300 + i % 3}</ele>'
        f"<time>{(t0 + timedelta(seconds=i * dt_s)).isoformat().replace('+00:00', 'Z')}</time>"
        "</trkpt>"
        for i in range(n)
    )


def _doc(*tracks: str, creator: str = "test") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<gpx version="1.1" creator="{creator}" xmlns="http://www.topografix.com/GPX/1/1">'
        + "".join(tracks)
        + "</gpx>"
    ).encode()


def _trk(*segments: str, type_: str | None = None, name: str | None = None) -> str:
    head = (f"<name>{name}</name>" if name else "") + (f"<type>{type_}</type>" if type_ else "")
    return "<trk>" + head + "".join(f"<trkseg>{s}</trkseg>" for s in segments) + "</trk>"


@pytest.mark.parametrize(
    ("speed", "sport"),
    [(1.2, "walking"), (3.0, "running"), (4.8, "running"), (8.0, "cycling"), (20.0, "other")],
)
def test_sport_guessed_from_speed(speed: float, sport: str) -> None:
    (track,) = gpx.decode(_doc(_trk(_line(speed))), "activity_123.gpx")
    assert track.sport == sport
    assert any("guessed from the moving speed" in w for w in track.warnings)


def test_declared_type_wins_over_speed() -> None:
    (track,) = gpx.decode(_doc(_trk(_line(8.0), type_="9")), "x.gpx")
    assert track.sport == "running"
    assert not track.warnings


# --- outings -----------------------------------------------------------------------------
def test_split_after_a_long_pause_only() -> None:
    t0 = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
    one_hour_later = t0 + timedelta(minutes=10, hours=1)  # the first line lasts 10 min
    three_hours_later = t0 + timedelta(minutes=10, hours=3, seconds=1)
    joined = gpx.decode(
        _doc(_trk(_line(3.0, start=t0)), _trk(_line(3.0, start=one_hour_later))), "x.gpx"
    )
    assert len(joined) == 1
    assert joined[0].samples["segment"].n_unique() == 2
    assert joined[0].samples.height == 240
    split = gpx.decode(
        _doc(_trk(_line(3.0, start=t0)), _trk(_line(3.0, start=three_hours_later))), "x.gpx"
    )
    assert [t.samples.height for t in split] == [120, 120]
    assert [t.session_index for t in split] == [0, 1]
    assert split[1].start_time == three_hours_later


def test_isolated_instants_hours_apart_are_not_an_activity() -> None:
    first = _line(3.0, n=1)
    later = _line(3.0, n=1, start=datetime(2024, 5, 1, 11, 0, tzinfo=UTC))
    with pytest.raises(NotAnActivity, match="2 timestamped points in 2 outings"):
        gpx.decode(_doc(_trk(first), _trk(later)), "x.gpx")


# A recording whose clock was never set is a failed file, in FIT's words (trial F7): its run
# is lost unless the user logs it, where a route (no times) loses nothing.
UNDATED = (
    r"^the device clock was never set \(every timestamp is a placeholder before 1980, e\.g\. "
    r"{stamp}\), so the recording cannot be placed in time: log its distance and time with "
    r"`loadwatch import-log` to count it$"
)


def test_corpus_gpx_with_only_placeholder_times_is_undated(corpus: Path) -> None:
    with pytest.raises(
        UndatedActivity, match=UNDATED.format(stamp=r"1901-12-13T20:45:52\.207343Z")
    ):
        _decode("gpx/gpxpy_Mojstrovka.gpx")


@pytest.mark.parametrize("streaming", [True, False])
@pytest.mark.parametrize("spread_s", [0, 5])
def test_every_time_1970_is_undated_not_a_route(streaming: bool, spread_s: int) -> None:
    # A watch with an unset clock writes 1970-01-01 (all one instant, or counting up).
    points = "".join(
        f'<trkpt lat="{45 + i * 1e-4}" lon="7"><time>'
        f"{(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=i * spread_s)):%Y-%m-%dT%H:%M:%SZ}"
        "</time></trkpt>"
        for i in range(30)
    )
    with pytest.raises(UndatedActivity, match=UNDATED.format(stamp=r"1970-01-01T00:00:00Z?")):
        gpx.decode_with(_doc(_trk(points)), "x.gpx", streaming=streaming)


def test_placeholder_times_among_real_ones_are_dropped() -> None:
    real = _line(3.0, n=3)
    bogus = '<trkpt lat="45" lon="7"><time>1901-12-13T20:45:52Z</time></trkpt>'
    (track,) = gpx.decode(_doc(_trk(bogus + real + bogus)), "x.gpx")
    assert track.samples.height == 3
    assert any("2 point(s) with a placeholder time before 1980" in w for w in track.warnings)


def test_gpx10_speed_heart_rate_sentinel_and_origin_point() -> None:
    doc = (
        b'<gpx version="1.0" creator="c" xmlns="http://www.topografix.com/GPX/1/0"><trk><trkseg>'
        b'<trkpt lat="45" lon="7"><time>2024-05-01T06:00:00Z</time><speed>3.1</speed>'
        b"<extensions><hr>255</hr></extensions></trkpt>"
        b'<trkpt lat="0" lon="0"><time>2024-05-01T06:00:05+02:00</time><speed>3.3</speed>'
        b"<extensions><x:TrackPointExtension xmlns:x='urn:any'><x:hr>150</x:hr>"
        b"<x:cad>88</x:cad></x:TrackPointExtension></extensions></trkpt>"
        b"</trkseg></trk></gpx>"
    )
    (track,) = gpx.decode(doc, "x.gpx")
    s = track.samples.sort("speed")
    assert s["speed"].to_list() == [3.1, 3.3]
    assert s["heart_rate"].to_list() == [None, 150.0]
    assert s["cadence"].to_list() == [None, 88.0]
    assert s["lat"].to_list() == [45.0, None]
    # 06:00:05+02:00 is 04:00:05 UTC: sorted first.
    assert track.samples["time"][0] == datetime(2024, 5, 1, 4, 0, 5, tzinfo=UTC)
    assert track.utc_offset_s == 7200  # the earliest point carries +02:00
    assert any("255 (no sensor)" in w for w in track.warnings)
    assert any("(0, 0)" in w for w in track.warnings)


# --- safety ------------------------------------------------------------------------------
def billion_laughs(levels: int = 10) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, levels)
    ]
    return (
        '<?xml version="1.0"?><!DOCTYPE gpx [' + "".join(entities) + "]>"
        f'<gpx version="1.1" creator="x"><trk><name>&lol{levels - 1};</name></trk></gpx>'
    ).encode()


def test_billion_laughs_is_refused() -> None:
    doc = billion_laughs()
    assert len(doc) < 2_000  # ten levels of ten: 10**9 "lol" if it were ever expanded
    with pytest.raises(UnsafeInput, match="entity declaration 'lol0'"):
        gpx.decode(doc, "bomb.gpx")


def test_external_entity_is_refused() -> None:
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<gpx version="1.1" creator="&xxe;"><trk/></gpx>'
    )
    with pytest.raises(UnsafeInput, match="file:///etc/passwd"):
        gpx.decode(doc, "xxe.gpx")


def test_external_dtd_is_refused() -> None:
    doc = b'<?xml version="1.0"?><!DOCTYPE gpx SYSTEM "http://127.0.0.1:9/x.dtd"><gpx/>'
    with pytest.raises(UnsafeInput, match="external XML reference"):
        gpx.decode(doc, "dtd.gpx")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            b"<gpx>\n<trk>\n<trkseg></trk>\n</gpx>",
            "malformed XML at line 3, column 10: mismatched tag",
        ),
        (b"", "empty GPX file"),
        (b"  \n", "empty GPX file"),
        (b"<gpx><trk>", "malformed XML at line 1, column 10: no element found"),
        (b"<kml/>", "not a GPX document: the root element is <kml>"),
        (b"\xff\xfe\x00garbage", "malformed XML at line 1"),
    ],
)
def test_corrupt_documents(doc: bytes, message: str) -> None:
    with pytest.raises(CorruptFile) as e:
        gpx.decode(doc, "bad.gpx")
    assert str(e.value).startswith(message)


def test_hand_computed_running_track() -> None:
    (track,) = gpx.decode(_doc(_trk(_line(3.0, n=5), name="Tempo")), "t.gpx")
    s = track.samples
    assert track.name == "Tempo"
    assert s["lat"].to_list() == pytest.approx([45 + i * 15 / 111_195.0 for i in range(5)])
    assert s["altitude"].to_list() == [300.0, 301.0, 302.0, 300.0, 301.0]
    assert (s["time"][-1] - s["time"][0]) == timedelta(seconds=20)
    assert s["segment"].to_list() == [0] * 5
    assert s["heart_rate"].null_count() == 5


# --- reading through gpxpy ---------------------------------------------------------------
def test_gpxpy_is_imported_by_the_reference_reader_only() -> None:
    src = Path(gpx.__file__).parents[2]  # src/loadwatch
    importers = sorted(
        p.relative_to(src).as_posix()
        for p in src.rglob("*.py")
        if re.search(r"^\s*(import|from) gpxpy\b", p.read_text(encoding="utf-8"), re.MULTILINE)
    )
    assert importers == ["ingest/formats/gpx_reference.py"]


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "windows-1252", "UTF-16", "UTF-8"])
def test_text_is_decoded_as_the_xml_declaration_says(encoding: str) -> None:
    text = _doc(_trk(_line(3.0, n=5), name="Läufchen am Wörthsee")).decode()
    data = text.replace('encoding="UTF-8"', f'encoding="{encoding}"').encode(encoding)
    if encoding == "UTF-8":
        data = codecs.BOM_UTF8 + data
    (track,) = gpx.decode(data, "t.gpx")
    assert track.name == "Läufchen am Wörthsee"
    assert track.samples.height == 5


def test_unknown_encoding_is_one_line() -> None:
    doc = _doc(_trk(_line(3.0, n=5))).replace(b'encoding="UTF-8"', b'encoding="x-klingon"')
    with pytest.raises(CorruptFile) as e:
        gpx.decode(doc, "k.gpx")
    assert (
        str(e.value) == "GPX declares an unknown character encoding (unknown encoding: x-klingon)"
    )


def test_malformed_xml_position_is_in_the_users_bytes() -> None:
    # gpxpy strips the root's xmlns="..." before parsing, which shifts columns on that line;
    # the whole document is that one line here, and the column reported is still the user's.
    broken = _doc(_trk(_line(3.0, n=3))).replace(b"</trkseg></trk>", b"</trk></trkseg>")
    column = broken.index(b"</trk></trkseg>") + 2  # expat points at the end tag's name
    with pytest.raises(CorruptFile) as e:
        gpx.decode(broken, "b.gpx")
    assert str(e.value) == f"malformed XML at line 1, column {column}: mismatched tag"
    assert isinstance(e.value.__cause__, GPXXMLSyntaxException)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("<ele>300</ele>", "<ele>n/a</ele>", "invalid GPX: Invalid value for <ele>... n/a"),
        ("<ele>300</ele>", "<ele>300</ele><fix>3D</fix>", 'invalid GPX: Invalid value "3D"'),
        ('lat="45.00000000" ', "", "invalid GPX: latitude is mandatory"),
    ],
)
def test_values_gpxpy_cannot_type_fail_the_file_in_one_line(
    old: str, new: str, message: str
) -> None:
    doc = _doc(_trk(_line(3.0, n=3))).replace(old.encode(), new.encode(), 1)
    with pytest.raises(CorruptFile) as e:
        gpx.decode(doc, "x.gpx")
    assert str(e.value).startswith(message)
    assert "\n" not in str(e.value)
    assert isinstance(e.value.__cause__, GPXException)


def test_gpx11_point_speed_is_read(corpus: Path) -> None:
    # GPX 1.1 has no <speed> on a point, but OpenTracks wrote one: gpxpy's 1.1 rules skip it.
    (track,) = _decode("gpx/opentracks_gpx11_with_speed_no_namespace.gpx")
    assert track.samples["speed"].to_list() == [5.0, 4.0, 3.0]


def test_gpx10_track_type_and_extensions_are_read() -> None:
    # GPX 1.0 has neither <trk><type> nor <extensions>; gpxpy's 1.0 rules skip both.
    body = _line(8.0, n=3).replace("</time>", "</time><extensions><hr>141</hr></extensions>")
    doc = (
        '<gpx version="1.0" creator="c" xmlns="http://www.topografix.com/GPX/1/0">'
        f"<wpt lat='45' lon='7'><type>summit</type></wpt>{_trk(body, type_='9')}</gpx>"
    ).encode()
    (track,) = gpx.decode(doc, "x.gpx")
    assert track.sport == "running"  # the type, not 8 m/s
    assert not track.warnings
    assert track.samples["heart_rate"].to_list() == [141.0] * 3


def test_stamps_with_and_without_offsets_in_one_track() -> None:
    # A stamp without an offset is UTC (GPX); an offset-less first stamp must not make the
    # offset ones unreadable.
    points = (
        '<trkpt lat="45" lon="7"><time>2024-05-01T06:00:00</time></trkpt>'
        '<trkpt lat="45.001" lon="7"><time>2024-05-01T08:00:10+02:00</time></trkpt>'
        '<trkpt lat="45.002" lon="7"><time>2024-05-01T05:30:20.5-00:30</time></trkpt>'
    )
    (track,) = gpx.decode(_doc(_trk(points)), "x.gpx")
    t0 = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
    assert track.samples["time"].to_list() == [
        t0,
        t0 + timedelta(seconds=10),
        t0 + timedelta(seconds=20, milliseconds=500),
    ]
    assert track.utc_offset_s is None  # the earliest stamp says nothing about the zone


# --- a truncated GPX keeps its complete track points (trial 9 F7) -------------------------
@pytest.mark.skipif(not HAVE_CORPUS, reason=CORPUS_SKIP)
@pytest.mark.parametrize("streaming", [True, False])
def test_a_truncated_file_keeps_the_points_written_before_the_cut(
    corpus: Path, streaming: bool
) -> None:
    # Trial 9's repro: `head -c 30000` of a 666-point file; the cut falls inside the 174th
    # <trkpt>'s <extensions> on line 1225 (the whole file failed before).
    whole = (corpus / "gpx/pytrainer_gpxplus_sample.gpx").read_bytes()
    cut = whole[:30000]
    assert cut.count(b"</trkpt>") == 173
    (track,) = gpx.decode_with(cut, "truncated.gpx", streaming=streaming)
    (full,) = gpx.decode(whole, "whole.gpx")
    assert track.samples.height == 173
    assert track.samples.equals(full.samples.head(173))
    assert track.warnings[-1] == (
        "truncated: the file ends inside a track point in line 1,225; kept 173 points up to "
        "2012-01-26 17:24:31 UTC (malformed XML at line 1225, column 0: unclosed token)"
    )


def test_every_cut_keeps_exactly_the_complete_points_before_it() -> None:
    doc = _doc(_trk(_line(3.0, n=6)))
    ends = [m.end() for m in re.finditer(rb"</trkpt>", doc)]
    for size in range(ends[1], len(doc) - len(b"</gpx>")):  # from the 2nd point's end on
        (track,) = gpx.decode(doc[:size], "cut.gpx")
        assert track.samples.height == sum(e <= size for e in ends), size
        assert track.warnings[-1].startswith("truncated: the file ends inside "), size


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        # Nothing complete before the cut (inside the first point, which ends at byte 217):
        # the file's own reason, as before.
        (_doc(_trk(_line(3.0, n=3)))[:212], "malformed XML at line 1, column 209: unclosed token"),
        # One complete point: no time span, so nothing to keep, and the reason is the cut.
        (_doc(_trk(_line(3.0, n=3)))[:227], "malformed XML at line 1, column 217: unclosed token"),
        # Not a truncation (a byte is wrong, not missing): no salvage even with points before.
        (
            _doc(_trk(_line(3.0, n=3))).replace(b"</trkseg>", b"</trk>")[:-6],
            "malformed XML at line 1, column",
        ),
    ],
)
def test_what_cannot_be_salvaged_fails_with_its_reason(doc: bytes, message: str) -> None:
    with pytest.raises(CorruptFile) as e:
        gpx.decode(doc, "bad.gpx")
    assert str(e.value).startswith(message)


def test_a_truncated_file_with_an_entity_declaration_is_still_refused() -> None:
    doc = _doc(_trk(_line(3.0, n=3))).replace(b"<gpx ", b'<!DOCTYPE gpx [<!ENTITY x "y">]><gpx ', 1)
    with pytest.raises(UnsafeInput, match="XML entity declaration"):
        gpx.decode(doc[:-20], "evil.gpx")


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16"])
@pytest.mark.parametrize("prefix", ["", "g:"])
def test_more_track_points_than_the_cap_are_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch, encoding: str, prefix: str
) -> None:
    monkeypatch.setattr(gpx, "MAX_POINTS", 4)
    text = _doc(_trk(_line(3.0, n=5))).decode()
    if prefix:  # the same document with its GPX namespace bound to a prefix
        text = re.sub(r"<(/?)(?=[a-z])", rf"<\1{prefix}", text).replace("xmlns=", "xmlns:g=")
    data = text.replace('encoding="UTF-8"', f'encoding="{encoding}"').encode(encoding)
    with pytest.raises(InputTooLarge) as e:
        gpx.decode(data, "long.gpx")
    assert str(e.value).startswith("GPX with 5 track points: more than the 4 one file may hold")
    if not prefix:  # (gpxpy does not read a prefixed GPX as tracks: refused otherwise)
        monkeypatch.setattr(gpx, "MAX_POINTS", 5)
        (track,) = gpx.decode(data, "long.gpx")
        assert track.samples.height == 5
