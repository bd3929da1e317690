"""Recordings whose clock lies import on what is still sane (issue 20, item 5): records past a
clock jump are left out, a device elapsed time corrupted to weeks gives way to the records,
and the warning says what was recovered in words and units.

Hand-made cases start from ``track_fixtures.fit()`` (601 records every 2 s: 20 min, 3,600 m);
the real one is the corpus's ``gc_2013-04-11-17-32-50.fit`` (checked against FIT_TOTALS.csv)."""

from __future__ import annotations

import csv
import gzip
import struct
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

import support.track_fixtures as tf
from loadwatch.errors import NotAnActivity
from loadwatch.ingest.formats.fit import decode as fit_decode
from loadwatch.ingest.formats.fit_crc import crc16
from loadwatch.ingest.summary import timeline, validate
from loadwatch.ingest.summary.summarise import summarize
from loadwatch.ingest.track import Track
from loadwatch.services.importing import analyse
from support.paths import fit_totals

LINE = tf.Line()  # 1,200 s, 3,600 m
WEEKS_791_DAYS_S = 68_342_641.0  # the corrupt value of the corpus file, as a device elapsed


def _track() -> Track:
    (track,) = fit_decode(tf.fit(LINE), "x.fit")
    return track


def _summary(track: Track) -> object:
    return summarize(track, source_sha256="0" * 64)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(45, "45 s"), (600, "10 min"), (724, "12 min 4 s"), (3600, "1 h"), (4320, "1 h 12 min"),
     (WEEKS_791_DAYS_S, "791 days"), (2 * 86_400, "2 days")],
)  # fmt: skip
def test_durations_in_words(seconds: float, words: str) -> None:
    assert timeline.human_duration(seconds) == words


@pytest.mark.parametrize("elapsed_s", [WEEKS_791_DAYS_S, 21 * 86_400.0, 9 * 86_400.0])
def test_elapsed_corrupted_to_weeks_imports_on_the_records(elapsed_s: float) -> None:
    """Beyond the two-week bound (791 days, 3 weeks) or within it but 650 times the timer and
    the records (9 days for a 20 min run): the records' span and the timer are used."""
    track = _track()
    bad = replace(track, totals=replace(track.totals, elapsed_time_s=elapsed_s))
    s = _summary(bad)
    assert s.elapsed_time_s == 1200.0  # type: ignore[attr-defined]
    assert s.moving_time_s == 1200.0  # type: ignore[attr-defined]
    assert s.distance_m == pytest.approx(3600.0)  # type: ignore[attr-defined]
    figure = timeline.seconds_in_words(elapsed_s)
    assert (
        f"the device's elapsed time {figure} is impossible; used the records' span 1,200 s "
        "(20 min)" in s.warnings  # type: ignore[attr-defined]
    )


def test_a_long_elapsed_time_with_a_long_timer_is_kept() -> None:
    """Three days on the device's elapsed time and a 2-day timer: an ultra, not corruption."""
    track = _track()
    totals = replace(track.totals, elapsed_time_s=3 * 86_400.0, timer_time_s=2 * 86_400.0)
    out = validate.clean_track(replace(track, totals=totals))
    assert out.totals.elapsed_time_s == 3 * 86_400.0
    assert not any("elapsed time" in w for w in out.warnings)


def _jumped(track: Track, after: int, jump: timedelta) -> Track:
    shifted = pl.when(pl.int_range(pl.len()) >= after).then(pl.col("time") + jump)
    df = track.samples.with_columns(shifted.otherwise(pl.col("time")).alias("time"))
    return replace(track, samples=df)


def test_records_past_a_clock_jump_are_left_out() -> None:
    """The last 11 of 601 records dated 791 days later: the first 590 (1,178 s) are the run."""
    track = _jumped(_track(), 590, timedelta(seconds=WEEKS_791_DAYS_S))
    s = _summary(track)
    assert s.n_samples == 590  # type: ignore[attr-defined]
    # elapsed is never below the timer: the 1,178 s of records become the timer's 1,200 s
    assert s.elapsed_time_s == 1200.0  # type: ignore[attr-defined]
    assert s.moving_time_s == 1200.0  # type: ignore[attr-defined]  # the device's timer
    assert s.distance_m == pytest.approx(3600.0)  # type: ignore[attr-defined]
    assert (
        "the records' clock jumps 791 days ahead after 19 min 38 s of recording: 11 record(s) "
        "past the jump left out (the device says the activity lasted 20 min)" in s.warnings  # type: ignore[attr-defined]
    )


def test_a_long_pause_the_device_agrees_with_is_not_a_jump() -> None:
    """A 13 h gap after 300 records, and a device elapsed time that covers it: all kept."""
    track = _jumped(_track(), 300, timedelta(hours=13))
    span = 1200.0 + 13 * 3600
    track = replace(track, totals=replace(track.totals, elapsed_time_s=span))
    out = validate.clean_track(track)
    assert out.samples.height == 601
    assert not any("jump" in w for w in out.warnings)


def test_without_device_totals_only_an_impossible_span_is_a_jump() -> None:
    track = _jumped(_track(), 300, timedelta(days=20))
    bare = replace(track, totals=replace(track.totals, elapsed_time_s=None, timer_time_s=None))
    assert validate.clean_track(bare).samples.height == 301  # 301 records before, 300 after
    pause = replace(bare, samples=_jumped(_track(), 300, timedelta(days=1)).samples)
    assert validate.clean_track(pause).samples.height == 601


def test_a_session_without_start_time_starts_from_its_timer_when_elapsed_is_corrupt() -> None:
    """The session's start is its end minus its duration: 3 weeks of elapsed time would date
    the run 3 weeks early; the timer (20 min) dates it right."""
    data = tf.fit(LINE)
    t0 = tf.fit_seconds(LINE.start)
    end, ms = t0 + 1200, 1_200_000
    old = struct.pack("<IIIII", end, t0, ms, ms, 360_000)
    new = struct.pack("<IIIII", end, 0xFFFFFFFF, 21 * 86_400_000, ms, 360_000)
    assert data.count(old) == 1
    body = data[:-2].replace(old, new)
    (track,) = fit_decode(body + struct.pack("<H", crc16(body)), "x.fit")
    assert track.start_time == LINE.start


def _device_totals(corpus: Path, rel: str) -> dict[str, str]:
    with (corpus / "FIT_TOTALS.csv").open() as f:
        return next(r for r in csv.DictReader(f) if r["file"] == rel)


def test_the_corpus_file_with_a_clock_jump_imports(corpus: Path) -> None:
    """An Edge 500 ride of 1 h 57 min whose last 14 records are dated 791 days later; the
    device's totals (FIT_TOTALS.csv) are sane and are what the summary reports."""
    rel = "fit/gc_2013-04-11-17-32-50.fit"
    device = _device_totals(corpus, rel)
    assert device["n_records"] == "1816" and device["total_elapsed_time_s"] == "7057.19"
    (act,) = analyse((corpus / rel).read_bytes(), "gc.fit", sha256="0" * 64).activities
    s = act.summary
    assert s.n_samples == 1816 - 14
    assert s.elapsed_time_s == pytest.approx(float(device["total_elapsed_time_s"]), abs=1)
    assert s.moving_time_s == float(device["total_timer_time_s"])
    assert s.distance_m == float(device["total_distance_m"])
    assert s.warnings == [
        "the records' clock jumps 791 days ahead after 1 h 57 min of recording: 14 record(s) "
        "past the jump left out (the device says the activity lasted 1 h 57 min)"
    ]


def _still_tail(track: Track, seconds: int, *, moving: bool = False) -> Track:
    """The track with the last record repeated every 2 s for ``seconds`` more (the watch left
    recording where it stood: the same position, distance and sensors), or, ``moving``, going
    on at the run's 3 m/s; the device's elapsed time the run's 20 min and no timer."""
    last = track.samples.tail(1)
    n = seconds // 2
    steps = pl.int_range(1, n + 1, eager=True)
    tail = pl.concat([last] * n).with_columns(
        (pl.col("time") + pl.duration(seconds=steps * 2)).alias("time"),
        *([(pl.col("distance") + steps * 6.0).alias("distance")] if moving else []),
    )
    totals = replace(track.totals, elapsed_time_s=1200.0, timer_time_s=None)
    return replace(track, samples=pl.concat([track.samples, tail]), totals=totals)


def test_records_standing_still_past_the_devices_elapsed_time_are_left_out() -> None:
    """mkfit_big_activity's shape: the records run on 2 h past the device's 20 min without
    moving a metre; they are not the activity, the device's elapsed time is."""
    s = _summary(_still_tail(_track(), 7200))
    assert s.n_samples == 601  # type: ignore[attr-defined]
    assert s.elapsed_time_s == 1200.0  # type: ignore[attr-defined]
    assert s.moving_time_s == 1200.0  # type: ignore[attr-defined]
    assert s.distance_m == pytest.approx(3600.0)  # type: ignore[attr-defined]
    assert (
        "the records run 2 h past the device's elapsed time of 20 min without moving: 3600 "
        "record(s) past it left out" in s.warnings  # type: ignore[attr-defined]
    )
    assert not any("longer than the device's elapsed time" in w for w in s.warnings)  # type: ignore[attr-defined]


def test_records_moving_past_the_devices_elapsed_time_are_the_activity() -> None:
    """The same tail covering ground: the records are right and the device is not (as before)."""
    s = _summary(_still_tail(_track(), 7200, moving=True))
    assert s.n_samples == 601 + 3600  # type: ignore[attr-defined]
    assert s.elapsed_time_s == 8400.0  # type: ignore[attr-defined]
    assert any("longer than the device's elapsed time 1200 s" in w for w in s.warnings)  # type: ignore[attr-defined]


# --- the device's elapsed time is kept, or set aside with a warning (trial F16) -----------
def test_a_devices_elapsed_time_longer_than_the_records_is_kept() -> None:
    """The watch counted a minute the records do not cover (started before the first fix,
    stopped after the last): its 21 min is the activity's elapsed time, not the records' 20."""
    track = _track()
    longer = replace(track, totals=replace(track.totals, elapsed_time_s=1260.0))
    s = _summary(longer)
    assert s.elapsed_time_s == 1260.0  # type: ignore[attr-defined]
    assert s.moving_time_s == 1200.0  # type: ignore[attr-defined]
    assert not any("elapsed" in w for w in s.warnings)  # type: ignore[attr-defined]


def test_a_devices_elapsed_time_shorter_than_the_records_moving_says_so() -> None:
    """No timer, and the records (20 min, never paused) run 30 s past the device's 19 min 30 s,
    within the 5 % the cleaning lets pass: the moving time is the records', so elapsed time
    cannot be the device's; the records' span is used, and the warning says so."""
    track = _track()
    shorter = replace(track, totals=replace(track.totals, elapsed_time_s=1170.0, timer_time_s=None))
    s = _summary(shorter)
    assert s.elapsed_time_s == 1200.0  # type: ignore[attr-defined]
    assert s.moving_time_s == 1200.0  # type: ignore[attr-defined]
    assert (
        "the device's elapsed time 1,170 s (19 min 30 s) is shorter than the records' moving "
        "time 1,200 s (20 min); used the records' span 1,200 s (20 min)" in s.warnings  # type: ignore[attr-defined]
    )


def test_the_impossible_elapsed_time_warning_gives_seconds_and_words() -> None:
    track = _track()
    bad = replace(track, totals=replace(track.totals, elapsed_time_s=WEEKS_791_DAYS_S))
    assert (
        "the device's elapsed time 68,342,641 s (791 days) is impossible; used the records' "
        "span 1,200 s (20 min)" in _summary(bad).warnings  # type: ignore[attr-defined]
    )


_DEVICE_ELAPSED = [
    rel
    for rel, row in fit_totals().items()
    if row["total_elapsed_time_s"]
    and row["n_sessions"] not in ("", "0")
    and not row["start_time"].isdigit()  # undated: a failed file
]


@pytest.mark.corpus
@pytest.mark.parametrize("rel", _DEVICE_ELAPSED)
def test_corpus_elapsed_is_the_devices_unless_a_warning_says_why(corpus: Path, rel: str) -> None:
    """FIT_TOTALS.csv's total_elapsed_time is what is stored, or a warning names the number used
    instead (before, five files got the records' span silently: pyfitparse_event_timestamp
    4,567.5 s stored as 4,443, gofit_0134902991 720.3 as 739, gc_20130717_143733 6,710 as
    6,633, the two BingiWatch pool swims 5,101.2 as 5,003 and 3,257 as 3,140.8)."""
    data = (corpus / rel).read_bytes()
    if rel.endswith(".gz"):
        data = gzip.decompress(data)
    try:
        decoded = analyse(data, Path(rel).name.removesuffix(".gz"), sha256="0" * 64)
    except NotAnActivity:
        return
    device = float(fit_totals()[rel]["total_elapsed_time_s"])
    stored = sum(a.summary.elapsed_time_s for a in decoded.activities)
    if any("elapsed time" in w for w in decoded.warnings):
        return
    assert stored == pytest.approx(device, abs=0.01)
