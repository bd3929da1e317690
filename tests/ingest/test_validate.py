"""Finite numbers only: impossible values in any decoder's output are dropped with a warning
or refused as ``CorruptFile``; bad offsets and dates are clean errors; ``inspect --json`` is
always valid JSON.  Files are generated (``track_fixtures``: 3,600 m in 1,200 s at 150 bpm)."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

import support.track_fixtures as tf
from loadwatch.cli import app
from loadwatch.errors import CorruptFile, NotAnActivity, UndatedActivity
from loadwatch.ingest.formats.fit import decode as fit_decode
from loadwatch.ingest.summary import validate
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.services.importing import DecodedFile, analyse

LINE = tf.Line()


def _analyse(data: bytes, name: str) -> DecodedFile:
    return analyse(data, name, sha256="0" * 64)


def _finite(s: ActivitySummary) -> None:
    for key, v in s.to_json().items():
        if isinstance(v, float):
            assert math.isfinite(v), (key, v)


@pytest.mark.parametrize(
    ("name", "old", "new", "warning", "check"),
    [
        ("a.tcx", b"<DistanceMeters>3600.0", b"<DistanceMeters>inf", "device distance inf",
         lambda s: s.distance_m == pytest.approx(LINE.distance_m, abs=6)),
        ("a.tcx", b"<TotalTimeSeconds>1200.0", b"<TotalTimeSeconds>NaN", "device timer time nan",
         lambda s: s.moving_time_s == LINE.duration_s),
        ("a.tcx", b"<TotalTimeSeconds>1200.0", b"<TotalTimeSeconds>-5", "device timer time -5.0",
         lambda s: s.moving_time_s == LINE.duration_s),
        ("a.tcx", b"<ns3:Speed>3.0", b"<ns3:Speed>1e309", "speed 601",
         lambda s: s.max_speed_mps is not None and s.max_speed_mps < 4),
        # 251 bpm: not the 255 "no sensor" value, not a heart rate either; the laps' stays
        ("a.tcx", b"<Value>150</Value></HeartRateBpm>", b"<Value>251</Value></HeartRateBpm>",
         "heart rate 601", lambda s: s.avg_hr == 150.0),
        ("a.gpx", b"<ele>300", b"<ele>inf", "altitude 201", lambda s: 0 <= s.elevation_gain_m <= 2),
        ("a.gpx", b"<gpxtpx:hr>150", b"<gpxtpx:hr>-inf", "heart-rate reading",
         lambda s: s.avg_hr is None),
    ],
)  # fmt: skip
def test_impossible_values_are_dropped_with_a_warning(
    name: str, old: bytes, new: bytes, warning: str, check: object
) -> None:
    make = tf.tcx if name.endswith(".tcx") else tf.gpx
    data = make().replace(old, new)
    assert data != make()
    decoded = _analyse(data, name)
    (act,) = decoded.activities
    _finite(act.summary)
    assert any(warning in w for w in act.summary.warnings), act.summary.warnings
    assert check(act.summary)  # type: ignore[operator]
    assert act.summary.distance_m == pytest.approx(LINE.distance_m, abs=6)


def test_timer_longer_than_elapsed_is_ignored() -> None:
    line = tf.Line(n=301)  # the session claims 600 s elapsed; build a timer of 900 s
    data = bytearray(tf.fit(line))
    (track,) = fit_decode(bytes(data), "x.fit")
    bad = validate.clean_track(
        track.__class__(
            **{
                **{f: getattr(track, f) for f in track.__slots__},  # type: ignore[attr-defined]
                "totals": track.totals.__class__(
                    distance_m=900.0, timer_time_s=900.0, elapsed_time_s=600.0
                ),
            }
        )
    )
    assert bad.totals.timer_time_s is None and bad.totals.distance_m == 900.0
    assert (
        "device timer 900 s exceeds its elapsed time 600 s: timer ignored, moving time computed "
        "from the records"
    ) in bad.warnings


# trial9 F1, F2: the corpus files whose device elapsed time contradicts the records, with their
# device totals (FIT_TOTALS.csv).  The warning names the number kept, the stored numbers are
# those, and stopped <= moving <= elapsed.
@pytest.mark.parametrize(
    ("rel", "elapsed", "moving", "warning"),
    [
        # timer 2760 s, elapsed 1632 s, 2760 records at 1 s: the device's elapsed is wrong
        ("fit/gc_14582164182.fit.gz", 2760.0, 2760.0,
         "device elapsed time 1632 s is shorter than its timer 2760 s, which the records' span "
         "2759 s bears out: the timer kept, elapsed time taken from the records"),
        # no timer, elapsed 30877 s, 99998 records at 1 s of one frozen sample (the same
        # position and distance): the 69120 records past the device's elapsed time never
        # move, and are left out; the device's 30877 s stands (FIT_TOTALS.csv)
        ("fit/mkfit_big_activity.fit", 30877.0, 30877.0,
         "the records run 19 h 12 min past the device's elapsed time of 8 h 34 min without "
         "moving: 69120 record(s) past it left out"),
    ],
)  # fmt: skip
def test_device_elapsed_against_its_records_is_said_and_stored_alike(
    corpus: Path, rel: str, elapsed: float, moving: float, warning: str
) -> None:
    data = (corpus / rel).read_bytes()
    if rel.endswith(".gz"):
        data = gzip.decompress(data)
    (act,) = _analyse(data, rel.removesuffix(".gz")).activities
    s = act.summary
    assert (s.elapsed_time_s, s.moving_time_s) == (elapsed, moving)
    assert s.stopped_time_s <= s.moving_time_s <= s.elapsed_time_s
    assert warning in s.warnings, s.warnings
    assert not any("timer ignored" in w for w in s.warnings)


@pytest.mark.parametrize("fmt", ["gpx", "tcx"])
def test_offset_beyond_any_zone_drops_those_stamps(fmt: str) -> None:
    tag = b"Z</time>" if fmt == "gpx" else b"Z</Time>"
    data = (tf.gpx if fmt == "gpx" else tf.tcx)().replace(tag, b"+99:00" + tag[1:], 3)
    (act,) = _analyse(data, f"x.{fmt}").activities
    assert act.summary.n_samples == LINE.n - 3
    assert act.summary.utc_offset_s == 7200  # Europe/Rome in May, from the first position
    assert any("dropped" in w for w in act.summary.warnings)
    every = (tf.gpx if fmt == "gpx" else tf.tcx)().replace(b"Z<", b"+99:00<")
    every = every.replace(b'Z">', b'+99:00">')
    with pytest.raises(NotAnActivity):
        _analyse(every, f"x.{fmt}")


@pytest.mark.parametrize("year", [b"0000", b"0001", b"9999"])
@pytest.mark.parametrize("fmt", ["gpx", "tcx"])
def test_out_of_range_years_are_clean(fmt: str, year: bytes) -> None:
    make = tf.gpx if fmt == "gpx" else tf.tcx
    one = make().replace(b"2024-05-01T06:00:00Z", year + b"-12-31T23:59:00Z", 1)
    (act,) = _analyse(one, f"x.{fmt}").activities
    assert act.summary.start_time.year == 2024
    _finite(act.summary)
    # Every stamp in year 1 is GPX's clock-not-set placeholder (before 1980): a failed file.
    undated = fmt == "gpx" and year == b"0001"
    with pytest.raises(UndatedActivity if undated else NotAnActivity):
        _analyse(make().replace(b"2024-05-01T", year + b"-12-31T"), f"x.{fmt}")


def test_out_of_range_date_in_the_zone_lookup_is_corrupt() -> None:
    from datetime import UTC, datetime

    from loadwatch.ingest import tz

    with pytest.raises(CorruptFile, match="out of range"):
        tz.offset_in_zone("Pacific/Kiritimati", datetime(9999, 12, 31, 23, tzinfo=UTC))


def test_empty_and_short_fit_files_speak_loadwatch() -> None:
    with pytest.raises(CorruptFile) as empty:
        _analyse(b"", "x.fit")
    assert str(empty.value) == "not a FIT file: empty file"
    with pytest.raises(CorruptFile) as short:
        _analyse(tf.fit()[:9], "x.fit")
    assert "truncated" in str(short.value) and "Tried to read" not in str(short.value)


def test_truncated_fit_carries_its_warning_in_the_summary() -> None:
    data = tf.fit(session=False)
    cut = data[: len(data) // 2]
    (act,) = _analyse(cut, "cut.fit").activities
    kept = act.summary.n_samples
    assert 0 < kept < LINE.n
    assert f"truncated: file ends before its declared size; kept {kept} records" in (
        act.summary.warnings
    )
    # The partial activity's numbers are those of the records kept.
    assert act.summary.distance_m == pytest.approx((kept - 1) * LINE.speed_mps * LINE.dt_s)


def test_check_summary_refuses_a_non_finite_core_number() -> None:
    (act,) = _analyse(tf.fit(), "x.fit").activities
    from dataclasses import replace

    with pytest.raises(CorruptFile, match="distance"):
        validate.check_summary(replace(act.summary, distance_m=math.inf))
    fixed = validate.check_summary(replace(act.summary, avg_hr=math.nan, gap_distance_m=-1.0))
    assert (fixed.avg_hr, fixed.gap_distance_m) == (None, None)
    assert validate.check_summary(act.summary) is act.summary


def test_check_summary_drops_a_histogram_with_a_bad_bin() -> None:
    (act,) = _analyse(tf.fit(), "x.fit").activities
    from dataclasses import replace

    hist = act.summary.speed_hist_m
    assert hist is not None and sum(hist) > 0
    for bad in (math.nan, math.inf, -1.0):
        s = validate.check_summary(replace(act.summary, speed_hist_m=[*hist[:-1], bad]))
        assert s.speed_hist_m is None
        assert "speed hist not finite: left out" in s.warnings
    ok = validate.check_summary(replace(act.summary, speed_hist_m=[0.0, *hist[1:]]))
    assert ok.speed_hist_m == [0.0, *hist[1:]]


@pytest.mark.parametrize("fmt", ["fit", "gpx", "tcx"])
def test_check_summary_holds_stopped_within_moving_within_elapsed(fmt: str) -> None:
    """Every format: a summary whose stopped or moving time runs past its elapsed time is
    brought back to stopped <= moving <= elapsed (1,200 s of samples here)."""
    from dataclasses import replace

    make = {"fit": tf.fit, "gpx": tf.gpx, "tcx": tf.tcx}[fmt]
    (act,) = _analyse(make(), f"x.{fmt}").activities
    odd = replace(act.summary, moving_time_s=1300.0, elapsed_time_s=1200.0, stopped_time_s=1400.0)
    fixed = validate.check_summary(odd)
    assert (fixed.stopped_time_s, fixed.moving_time_s, fixed.elapsed_time_s) == (
        1300.0,
        1300.0,
        1300.0,
    )


def test_inspect_json_is_always_valid_json(tmp_path: Path) -> None:
    files = {
        "inf.tcx": tf.tcx().replace(b"<DistanceMeters>3600.0", b"<DistanceMeters>inf"),
        "nan.gpx": tf.gpx().replace(b"<ele>300", b"<ele>NaN"),
        "off.gpx": tf.gpx().replace(b"Z</time>", b"+99:00</time>", 2),
        "empty.fit": b"",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    result = CliRunner().invoke(app, ["inspect", *(str(tmp_path / n) for n in files), "--json"])
    assert "Traceback" not in result.output
    rows = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"bare {c}"))["data"]
    assert len(rows) == 4
    by_file = {Path(r["file"]).name: r for r in rows}
    assert by_file["empty.fit"]["error"] == "not a FIT file: empty file"
    assert by_file["inf.tcx"]["distance_m"] == pytest.approx(LINE.distance_m, abs=6)
