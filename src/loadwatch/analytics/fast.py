"""The fast threshold: what "fast" means for *this* runner.

Rule (source ``"derived"``): the threshold in force on a day pools the flat-ground speed
histograms of the athlete's runs of the 90 local days *before* that day (running sports only;
actual speed on near-flat steps, ``flat_speed_hist_m``, so hills neither slow nor speed up
"typical"; a run analysed before that histogram was kept counts with all its steps); the
distance-weighted median running speed is the speed below which half of those kilometres were
run (linear inside the 0.05 m/s bin).  Every day has its own threshold (``threshold_frame``),
and the daily frame computes each run's fast km with the threshold of its day, so the weekly
table, status, series and flags read the same per-day fast km.
Fast = ``FAST_FACTOR`` (1.15) × that median, i.e. 15 % quicker than their typical running:
for a runner whose typical pace is 5:36/km that is quicker than 4:52/km.  Intervals, tempo
runs and the end of races count when held for a minute (docs/fast.md); easy running,
warm-ups, strides and fast downhills do not.

It needs at least ``MIN_RUNS`` (5) runs with a histogram and ``MIN_KM`` (20 km) of flat running in
the window; otherwise the ``DEFAULT_SPEED_MPS`` (1000/300 m/s = 5:00/km) is used, source
``"default"``.  A speed the coach set wins from the day it was set (source ``"coach"``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

import numpy as np
import polars as pl

from loadwatch.analytics.day_exprs import local_day_expr
from loadwatch.analytics.days import local_day
from loadwatch.analytics.schema import ACTIVITY_FRAME_SCHEMA, validate
from loadwatch.errors import InvalidRequest
from loadwatch.ingest.summary.activity import SPEED_BIN_MPS, SPEED_BINS
from loadwatch.ingest.track import RUNNING_SPORTS

WINDOW_DAYS = 90
FAST_FACTOR = 1.15
MIN_RUNS = 5
MIN_KM = 20.0
DEFAULT_SPEED_MPS = 1000.0 / 300.0
# The windows' histograms are summed in whole units of 2**-24 m (exact in int64 for a few
# hundred thousand km per bin; a whole number of metres stays exact).
_UNIT = 2.0**-24


@dataclass(frozen=True, slots=True)
class FastThreshold:
    speed_mps: float
    source: Literal["coach", "derived", "default"]
    explanation: str


def pace(speed_mps: float) -> str:
    """m/s → 'm:ss/km'."""
    s = round(1000.0 / speed_mps)
    return f"{s // 60}:{s % 60:02d}/km"


def median_speed(hist: np.ndarray) -> float:
    """Distance-weighted median of a speed histogram (bins of ``SPEED_BIN_MPS``)."""
    cum = np.cumsum(hist)
    half = cum[-1] / 2.0
    i = int(np.searchsorted(cum, half))  # first bin whose cumulative distance reaches half
    below = cum[i - 1] if i > 0 else 0.0
    frac = (half - below) / hist[i] if hist[i] > 0 else 0.0
    return float((i + frac) * SPEED_BIN_MPS)


THRESHOLD_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "fast_speed_mps": pl.Float64(),
    "source": pl.Utf8(),  # coach | derived | default
    "typical_mps": pl.Float64(),  # the distance-weighted median of the window (null: too few)
    "runs": pl.Int32(),  # runs with a histogram in the window
    "km": pl.Float64(),  # their distance
}


# The columns of an activity frame the threshold reads: an activity frame of only these
# (``store.activities.activity_frame``'s ``columns``) gives the same threshold.
SPEED_FRAME_SCHEMA: dict[str, pl.DataType] = {
    c: ACTIVITY_FRAME_SCHEMA[c]
    for c in ("start_time", "utc_offset_s", "sport", "speed_hist_m", "flat_speed_hist_m")
}


def run_histograms(activities: pl.DataFrame, tz: str) -> tuple[pl.Series, np.ndarray]:
    """Running activities with a histogram: their local day and one row of metres per speed
    bin, on flat ground where the activity has that histogram (else every step: analysed
    before it was kept)."""
    h = pl.coalesce("flat_speed_hist_m", "speed_hist_m")
    runs = activities.filter(pl.col("sport").is_in(list(RUNNING_SPORTS)) & h.is_not_null()).select(
        local_day_expr(tz).alias("date"), h.list.to_array(SPEED_BINS).alias("h")
    )
    hist = runs["h"].to_numpy().astype(np.float64).reshape(runs.height, SPEED_BINS)
    return runs["date"], hist


def _medians(hist: np.ndarray) -> np.ndarray:
    """``median_speed`` of every row at once (NaN for an empty row)."""
    cum = np.cumsum(hist, axis=1)
    half = cum[:, -1] / 2.0
    i = np.argmax(cum >= half[:, None], axis=1)
    rows = np.arange(hist.shape[0])
    below = np.where(i > 0, cum[rows, np.maximum(i - 1, 0)], 0.0)
    at = hist[rows, i]
    frac = np.where(at > 0, (half - below) / np.where(at > 0, at, 1.0), 0.0)
    out = (i + frac) * SPEED_BIN_MPS
    return np.where(cum[:, -1] > 0, out, np.nan)


def threshold_frame(
    activities: pl.DataFrame,
    *,
    tz: str,
    first: date,
    last: date,
    coach_speed_mps: float | None,
    coach_since: date | None = None,
) -> pl.DataFrame:
    """The fast threshold in force on every day of ``[first, last]`` (``THRESHOLD_SCHEMA``).

    Derived days pool the histograms of the runs of the ``WINDOW_DAYS`` local days *before*
    the day (a run never moves its own threshold); the coach's speed applies from
    ``coach_since`` on (every day when None).  Vectorised: histograms summed per day, a
    cumulative sum over days, the window as a difference of two rows of it, in integers: a
    day's row is the same bits whatever ``first`` is."""
    validate(activities.select(list(SPEED_FRAME_SCHEMA)), SPEED_FRAME_SCHEMA, "activities")
    if coach_speed_mps is not None and not coach_speed_mps > 0:
        raise InvalidRequest(f"fast threshold must be a positive speed, got {coach_speed_mps}")
    n_days = (last - first).days + 1
    if n_days <= 0:
        return pl.DataFrame(schema=THRESHOLD_SCHEMA)
    origin = first - timedelta(days=WINDOW_DAYS)
    span = n_days + WINDOW_DAYS  # day 0 = origin; the window of first starts there
    dates, hist = run_histograms(activities, tz)
    idx = np.array([(d - origin).days for d in dates.to_list()], dtype=np.int64)
    keep = (idx >= 0) & (idx < span)
    # Integer units (``_UNIT`` m): the running sums and their differences are exact, so a
    # day's window holds the same numbers whichever day the frame starts on (a tail from a
    # change, services/incremental.py; the roll, services/roll.py).
    per_day = np.zeros((span + 1, SPEED_BINS), dtype=np.int64)
    np.add.at(per_day, idx[keep] + 1, np.rint(hist[keep] / _UNIT).astype(np.int64))
    count = np.zeros(span + 1, dtype=np.int64)
    np.add.at(count, idx[keep] + 1, 1)
    cum_h, cum_n = np.cumsum(per_day, axis=0), np.cumsum(count)
    # Day k of the output is origin + WINDOW_DAYS + k; its window is days [k, k + WINDOW_DAYS)
    # counted from origin, i.e. rows k+1 .. k+WINDOW_DAYS of the shifted cumulative sums.
    k = np.arange(n_days)
    runs = (cum_n[k + WINDOW_DAYS] - cum_n[k]).astype(np.int32)
    speed, source, typical, km, enough = _of_windows(cum_h[k + WINDOW_DAYS] - cum_h[k], runs)
    days = pl.date_range(first, last, "1d", eager=True)
    if coach_speed_mps is not None:
        by_coach = np.ones(n_days, dtype=bool)
        if coach_since is not None:
            by_coach = np.array([d >= coach_since for d in days.to_list()])
        speed = np.where(by_coach, coach_speed_mps, speed)
        source = np.where(by_coach, "coach", source)
    out = pl.DataFrame(
        {
            "date": days,
            "fast_speed_mps": speed,
            "source": source.tolist(),
            "typical_mps": np.where(enough, typical, np.nan),
            "runs": runs,
            "km": km,
        },
        schema=THRESHOLD_SCHEMA,
    ).with_columns(pl.col("typical_mps").fill_nan(None))
    return out


def _of_windows(units: np.ndarray, runs: np.ndarray) -> tuple[np.ndarray, ...]:
    """Speed, source, typical speed, km and whether enough, of days whose windows sum to
    ``units`` (one row per day, int64 units of ``_UNIT`` m per bin) over ``runs`` runs."""
    win = units.astype(np.float64) * _UNIT
    km = win.sum(axis=1) / 1000.0
    typical = _medians(win)
    enough = (runs >= MIN_RUNS) & (km >= MIN_KM)
    speed = np.where(enough, typical * FAST_FACTOR, DEFAULT_SPEED_MPS)
    source = np.where(enough, "derived", "default").astype(object)
    return speed, source, typical, km, enough


@dataclass(frozen=True, slots=True)
class Window:
    """The histograms of the runs of a day's window, summed in ``threshold_frame``'s integer
    units, and how many runs: what the nightly roll carries from one day to the next
    (``services/roll.py``) instead of reading 90 days of runs."""

    units: np.ndarray  # int64, one per speed bin
    runs: int

    def to_bytes(self) -> bytes:
        return np.concatenate([[self.runs], self.units]).astype("<i8").tobytes()

    @staticmethod
    def from_bytes(data: bytes | None) -> Window | None:
        """None for none stored (or another shape: it is derived, computed again)."""
        if not data or len(data) != 8 * (SPEED_BINS + 1):
            return None
        a = np.frombuffer(data, dtype="<i8").astype(np.int64)
        return Window(a[1:], int(a[0]))

    def minus(self, other: Window) -> Window:
        return Window(self.units - other.units, self.runs - other.runs)


EMPTY_WINDOW = Window(np.zeros(SPEED_BINS, dtype=np.int64), 0)


def day_windows(activities: pl.DataFrame, tz: str, first: date, last: date) -> dict[date, Window]:
    """Per local day of ``[first, last]``, its runs' histograms in ``threshold_frame``'s units
    (each run rounded to units, then added: the integers that frame sums)."""
    dates, hist = run_histograms(activities, tz)
    units = np.rint(hist / _UNIT).astype(np.int64)
    out: dict[date, Window] = {}
    for d, u in zip(dates.to_list(), units, strict=True):
        if first <= d <= last:
            was = out.get(d, EMPTY_WINDOW)
            out[d] = Window(was.units + u, was.runs + 1)
    return out


def trace_windows(
    traces: list[tuple[datetime, int | None, str, str | None, str | None]],
    tz: str,
    first: date,
    last: date,
) -> dict[date, Window]:
    """``day_windows`` of activities given as ``store.activities.speed_traces`` rows (start,
    offset, sport, flat and actual histograms as JSON text): the same local days
    (``local_day``, ``local_day_expr``'s rule), the same histogram (flat-ground, else actual),
    decoded by the same polars JSON reader as the activity frame's."""
    days, texts = [], []
    for start, offset, sport, flat, actual in traces:
        text = flat if flat not in (None, "null") else actual
        if sport in RUNNING_SPORTS and text not in (None, "null"):
            d = local_day(start, offset, tz)
            if first <= d <= last:
                days.append(d)
                texts.append(text)
    if not texts:
        return {}
    decoded = pl.Series("h", texts, pl.Utf8).str.json_decode(ACTIVITY_FRAME_SCHEMA["speed_hist_m"])
    hist = decoded.list.to_array(SPEED_BINS).to_numpy().astype(np.float64)
    units = np.rint(hist.reshape(len(texts), SPEED_BINS) / _UNIT).astype(np.int64)
    out: dict[date, Window] = {}
    for d, u in zip(days, units, strict=True):
        was = out.get(d, EMPTY_WINDOW)
        out[d] = Window(was.units + u, was.runs + 1)
    return out


def windows_thresholds(windows: list[Window]) -> list[dict[str, Any]]:
    """``threshold_frame``'s rows (without the date, no coach) of days whose windows are
    ``windows``: the same integers, so the same bits."""
    runs = np.array([w.runs for w in windows], dtype=np.int32)
    speed, source, typical, km, enough = _of_windows(np.stack([w.units for w in windows]), runs)
    return [
        {
            "fast_speed_mps": float(speed[i]),
            "source": str(source[i]),
            "typical_mps": float(typical[i]) if enough[i] else None,
            "runs": int(runs[i]),
            "km": float(km[i]),
        }
        for i in range(len(windows))
    ]


def fast_threshold(
    activities: pl.DataFrame,
    *,
    coach_speed_mps: float | None,
    today: date,
    tz: str = "UTC",
    coach_since: date | None = None,
) -> FastThreshold:
    """The threshold in force on ``today``, with its explanation: the row of
    ``threshold_frame`` for that day, so status and the daily frame read the same number."""
    row = threshold_frame(
        activities,
        tz=tz,
        first=today,
        last=today,
        coach_speed_mps=coach_speed_mps,
        coach_since=coach_since,
    ).row(0, named=True)
    return explain(row)


def _runs(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def explain(row: dict[str, Any]) -> FastThreshold:
    """One ``threshold_frame`` row as the threshold in force that day, with its explanation
    (evaluation takes today's row of the frame it builds anyway)."""
    speed = float(row["fast_speed_mps"])
    if row["source"] == "coach":
        return FastThreshold(
            speed, "coach", f"fast = quicker than {pace(speed)}: set by your coach"
        )
    if row["source"] == "default":
        return FastThreshold(
            speed,
            "default",
            f"fast = quicker than {pace(speed)}: the default, until there are "
            f"{MIN_RUNS} runs and {MIN_KM:.0f} km with a speed trace in the last {WINDOW_DAYS} "
            f"days (now {_runs(row['runs'])}, {row['km']:.1f} km; a logged run's one average "
            "speed says nothing about how its pace varied, so only recorded files count)",
        )
    return FastThreshold(
        speed,
        "derived",
        f"fast = quicker than {pace(speed)}: {FAST_FACTOR * 100 - 100:.0f} % quicker than your "
        f"typical {pace(row['typical_mps'])} on flat ground over the last {WINDOW_DAYS} days",
    )


# The one check of a fast threshold a coach sets (API, CLI and the athlete service use it).
MIN_FAST_MPS = 1.0
MAX_FAST_MPS = 10.0
_PACE = re.compile(r"^\s*(\d{1,2}):([0-5]\d)\s*(?:(?:min)?\s*/\s*km)?\s*$")


def parse_fast_threshold(value: object) -> float | None:
    """A pace ``"4:30"`` (min/km, ``"4:30/km"`` too) or a speed in m/s → m/s; the one check
    of a fast threshold.  ``ValueError`` (what request validation expects) when it is not one."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("fast threshold must be a pace like '4:30' (min/km) or a speed in m/s")
    if isinstance(value, str):
        match = _PACE.match(value)
        if match:
            seconds = int(match[1]) * 60 + int(match[2])
            if seconds == 0:
                raise ValueError("a pace of 0:00 min/km is not a pace")
            mps = 1000.0 / seconds
        else:
            try:
                mps = float(value)
            except ValueError:
                raise ValueError(
                    f"fast threshold {value!r} is neither a pace like '4:30' (min/km) "
                    "nor a speed in m/s"
                ) from None
    elif isinstance(value, int | float):
        mps = float(value)
    else:
        raise ValueError("fast threshold must be a pace like '4:30' (min/km) or a speed in m/s")
    if not math.isfinite(mps) or not MIN_FAST_MPS <= mps <= MAX_FAST_MPS:
        raise ValueError(
            f"fast threshold {mps:.2f} m/s is outside {MIN_FAST_MPS:g}..{MAX_FAST_MPS:g} m/s "
            "(16:40 to 1:40 min/km)"
        )
    return mps
