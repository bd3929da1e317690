"""When two recordings are the same activity: the rule the importer (files) and the training-log
import (CSV rows) share, so a run is never counted twice whichever way it arrived."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from loadwatch.clock import as_utc
from loadwatch.ingest.same_session import SAME_ACTIVITY_WINDOW as SAME_ACTIVITY_WINDOW
from loadwatch.ingest.same_session import repeated_session as repeated_session
from loadwatch.ingest.same_session import same_time as same_time
from loadwatch.ingest.sports import RUNNING_SPORTS
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.store.models import Activity

# A copy re-saved by software that got the time zone wrong starts whole hours away (up to the
# widest UTC offsets apart), with the same totals and the very same samples.
MAX_SHIFT_HOURS = 14
_SHIFT_SLACK_S = 10.0  # a re-save may round the start to the second, or drop a first sample
_SHIFT_ELAPSED_S = 5.0
# The samples are the evidence, not the totals: two real 5 km runs of one day can share those.
_SAME_TRACK_M = 10.0  # median gap between positions at the same elapsed second
_SAME_HR_BPM = 2.0  # median heart-rate difference at the same elapsed second
SHIFT_SEARCH = timedelta(hours=MAX_SHIFT_HOURS) + SAME_ACTIVITY_WINDOW


def _same_totals(elapsed_a: float, distance_a: float, elapsed_b: float, distance_b: float) -> bool:
    """Same duration and distance, as a re-save of one recording keeps them."""
    return abs(elapsed_a - elapsed_b) <= _SHIFT_ELAPSED_S and abs(distance_a - distance_b) <= max(
        10.0, 0.005 * max(distance_a, distance_b)
    )


def whole_hours_apart(
    start_a: datetime,
    elapsed_a: float,
    distance_a: float,
    start_b: datetime,
    elapsed_b: float,
    distance_b: float,
) -> int | None:
    """The whole hours between two recordings' starts when their totals say they may be one
    recording re-saved with a shifted clock (same duration, same distance); None otherwise."""
    gap = (as_utc(start_a) - as_utc(start_b)).total_seconds()
    hours = round(gap / 3600)
    if not 1 <= abs(hours) <= MAX_SHIFT_HOURS or abs(gap - hours * 3600) > _SHIFT_SLACK_S:
        return None
    if not _same_totals(elapsed_a, distance_a, elapsed_b, distance_b):
        return None
    return hours


def overlap_shift_s(
    start_a: datetime,
    elapsed_a: float,
    distance_a: float,
    start_b: datetime,
    elapsed_b: float,
    distance_b: float,
) -> float | None:
    """The seconds between two recordings' starts when their totals say they may be one
    recording re-saved with its start moved by minutes (the FR55 walk and its GoldenCheetah
    re-save start 3 min 44 s apart): starts beyond the same-activity window but ranges still
    overlapping, same duration, same distance; None otherwise (trial9 F4)."""
    gap = (as_utc(start_a) - as_utc(start_b)).total_seconds()
    window = SAME_ACTIVITY_WINDOW.total_seconds()
    if not window < abs(gap) < min(elapsed_a, elapsed_b):
        return None
    if not _same_totals(elapsed_a, distance_a, elapsed_b, distance_b):
        return None
    return gap


def _by_elapsed(samples: pl.DataFrame) -> pl.DataFrame:
    t = samples.get_column("time")
    return samples.with_columns(
        ((pl.col("time") - t.min()).dt.total_milliseconds() / 1000.0).alias("_s")
    ).sort("_s")


def same_samples(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    """Whether two recordings hold the same samples second for second (positions, heart
    rate), whatever their clocks say: what tells a time-shifted copy from another run."""
    if a.is_empty() or b.is_empty():
        return False
    left, right = _by_elapsed(a), _by_elapsed(b)
    joined = left.join_asof(right, on="_s", tolerance=2.0, suffix="_b").drop_nulls("time_b")
    if joined.height < 0.9 * min(left.height, right.height):
        return False
    checked = False
    pos = joined.drop_nulls(["lat", "lon", "lat_b", "lon_b"])
    if pos.height >= 0.5 * joined.height and pos.height > 0:
        lat = np.radians(pos.get_column("lat").to_numpy())
        dy = np.radians(pos.get_column("lat_b").to_numpy()) - lat
        dx = np.radians(pos.get_column("lon_b").to_numpy() - pos.get_column("lon").to_numpy())
        gap_m = 6_371_000.0 * np.hypot(dy, dx * np.cos(lat))
        if float(np.median(gap_m)) > _SAME_TRACK_M:
            return False
        checked = True
    hr = joined.drop_nulls(["heart_rate", "heart_rate_b"])
    if hr.height >= 0.5 * joined.height and hr.height > 0:
        diff = (hr.get_column("heart_rate") - hr.get_column("heart_rate_b")).abs()
        if float(diff.median() or 0.0) > _SAME_HR_BPM:  # type: ignore[arg-type]
            return False
        checked = True
    return checked


def same_activity(candidates: Sequence[Activity], summary: ActivitySummary) -> Activity | None:
    """A stored activity that is this one recorded in another file (any format, any sport
    label: a GPX's sport is often a guess)."""
    twins = same_activities(candidates, summary)
    return twins[0] if twins else None


def same_activities(candidates: Sequence[Activity], summary: ActivitySummary) -> list[Activity]:
    """Every stored activity that is this one recorded in another file."""
    return [
        a
        for a in candidates
        if same_time(a.start_time, a.elapsed_time_s, summary.start_time, summary.elapsed_time_s)
    ]


# --- which copy to keep ----------------------------------------------------------------------
# A lenient read that stopped early says so in the file's warnings (ingest/formats/fit.py:
# "truncated…; kept N records", "unreadable from byte…; kept N records", "…stopped reading
# there; kept N records", "chained FIT part N has an invalid header; ignored from byte…"), and
# ingest/formats/gpx.py's truncated GPX ("truncated: the file ends inside…; kept 1,224 points").
_STOPPED_EARLY = re.compile(r"\bkept [\d,]+ (?:records|points)\b|\bignored from byte \d+")


def stopped_early(warnings: Iterable[str]) -> bool:
    """True when a lenient read kept only part of the file (a truncated or garbled copy)."""
    return any(_STOPPED_EARLY.search(w) for w in warnings)


# A CRC that does not match its bytes (ingest/formats/fitparse_fork.py: "file CRC mismatch",
# "header CRC mismatch"): the file was read whole, but some byte of it changed on the way.
_DAMAGED = re.compile(r"\b(?:file|header) CRC mismatch\b")


def damaged(warnings: Iterable[str]) -> bool:
    """True when the file's own checksum says its bytes are not the ones the device wrote."""
    return any(_DAMAGED.search(w) for w in warnings)


@dataclass(frozen=True, slots=True)
class Copy:
    """What decides which of two recordings of one activity is kept: the facts an import
    knows of a new file and the store knows of a stored one, nothing else."""

    sport: str
    format: str  # fit | tcx | gpx
    distance_m: float
    moving_time_s: float
    n_samples: int
    device_totals: bool  # the distance is the device's own session total (a FIT session)
    complete: bool  # the whole file was read (no truncation or garbled tail)
    sha256: str
    session_index: int = 0
    intact: bool = True  # the file's CRC matches its bytes
    sport_guessed: bool = False  # the sport is our guess, not the file's or the export's
    # How many of its totals are the device's own, plus one when it names the device: a
    # re-save by other software computes them and drops the device (trial11 F1).
    device_facts: int = 0


def device_facts(totals_source: dict[str, str] | None, device: str | None) -> int:
    """How many totals the device wrote (timer, climb, heart rate...) and whether the file
    names its device: what tells the watch's own FIT from a re-save of it."""
    src = totals_source or {}
    named = device is not None and not device.lower().startswith("invalid")
    return sum(1 for k, v in src.items() if k != "sport" and v == "device") + int(named)


def copy_of_summary(summary: ActivitySummary, file_warnings: Iterable[str]) -> Copy:
    return Copy(
        sport=summary.sport,
        format=summary.format,
        distance_m=summary.distance_m,
        moving_time_s=summary.moving_time_s,
        n_samples=summary.n_samples,
        device_totals=summary.totals_source.get("distance_m") == "device",
        complete=not stopped_early([*file_warnings, *summary.warnings]),
        sha256=summary.source_sha256,
        session_index=summary.session_index,
        intact=not damaged([*file_warnings, *summary.warnings]),
        sport_guessed=summary.totals_source.get("sport") == "guess",
        device_facts=device_facts(summary.totals_source, summary.device),
    )


def copy_of_activity(activity: Activity, file_warnings: Iterable[str]) -> Copy:
    return Copy(
        sport=activity.sport,
        format=activity.format,
        distance_m=activity.distance_m,
        moving_time_s=activity.moving_time_s,
        n_samples=activity.n_samples,
        device_totals=(activity.totals_source or {}).get("distance_m") == "device",
        complete=not stopped_early(file_warnings),
        sha256=activity.source_sha256,
        session_index=activity.session_index,
        intact=not damaged(file_warnings),
        sport_guessed=(activity.totals_source or {}).get("sport") == "guess",
        device_facts=device_facts(activity.totals_source, activity.device),
    )


# The device's own file first: a TCX or GPX is an export of it (often with fewer fields).
_FORMAT_RANK = {"fit": 2, "tcx": 1, "gpx": 0}


def carries_a_run(sport: str, distance_m: float) -> bool:
    """A run with distance: what a 0 km or non-running twin must never hide."""
    return sport in RUNNING_SPORTS and distance_m > 0


def log_row_hides(row_sport: str, row_m: float, other_sport: str, other_m: float) -> bool:
    """Between a training-log row and a file of the same minutes the first stored is kept
    (neither replaces the other), except that one that is not a run never hides a run: then
    both are kept."""
    return carries_a_run(row_sport, row_m) or not carries_a_run(other_sport, other_m)


def sport_tier(c: Copy) -> int:
    """Rule 1 of ``copy_rank``: a run with distance (3), a sport the file or export declares,
    with distance (2), a run with distance whose sport is our guess (1), anything else (0).
    A guessed run still beats a 0 km or "other" twin, but not the same recording's declared
    walk (the FR55 walk and its re-save as "generic", assumed running: trial9 F4)."""
    if carries_a_run(c.sport, c.distance_m):
        return 1 if c.sport_guessed else 3
    return 2 if c.distance_m > 0 and c.sport != "other" and not c.sport_guessed else 0


def copy_rank(c: Copy) -> tuple[int, bool, bool, bool, int, int, int, int, int, str, int]:
    """The order of copies, best last (``max`` picks the one to keep).  A total order: every
    field is compared in turn and two different files always differ by their sha256, so the
    kept copy is the same whichever arrived first.

    1. a run with distance: a 0 km or non-running twin (an "other" recording of the same
       minutes) never hides a run; but a run that is only our guess loses to the sport the
       other copy's file declares (``sport_tier``);
    2. complete: a truncated or garbled copy loses to a whole one, whatever its format; then
       intact: a copy whose CRC does not match its bytes loses to one whose CRC does;
    3. device totals: a FIT with the device's session totals beats a GPX of the same run,
       whose distance we compute from the track; then the format: the device's FIT beats a
       TCX or GPX export of it even when they carry the same totals;
    4. more of the totals the device's own (timer, climb, heart rate...) and the device named:
       the watch's FIT beats a re-save that computed them, even a second longer (trial11 F1);
    5. longer timer time, then more samples, then more distance (whole seconds, samples and
       metres: float noise between exports of one recording must not decide);
    6. the sha256, then the session index: arbitrary, but fixed.
    """
    return (
        sport_tier(c),
        c.complete,
        c.intact,
        c.device_totals,
        _FORMAT_RANK.get(c.format, -1),
        c.device_facts,
        round(c.moving_time_s),
        c.n_samples,
        round(c.distance_m),
        c.sha256,
        -c.session_index,
    )


def better(a: Copy, b: Copy) -> bool:
    """True when ``a`` is the copy to keep rather than ``b``."""
    return copy_rank(a) > copy_rank(b)
