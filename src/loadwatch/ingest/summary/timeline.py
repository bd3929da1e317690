"""When a recording's clock lies: records whose time jumps by days mid-activity, a device
elapsed time corrupted to weeks while the timer and the records are sane, and records that go
on past the device's elapsed time without moving (a watch left recording where it stood, or a
generator repeating one record: the corpus's ``mkfit_big_activity.fit``).

FitTrackee imports such files; refusing them would lose a real run.  What can be recovered is
recovered from the evidence that is still sane (the records' own span, the device's timer), and
the warning says, in words and units, what was wrong and what was used instead.

Pure: a samples frame (sorted by time, as ``Track`` keeps it), its columns as arrays and device
totals in, the same out with the corrupt part dropped.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import polars as pl

from loadwatch.ingest.summary.columns import SampleArrays
from loadwatch.ingest.track import DeviceTotals

# A gap in the records longer than this may be a clock jump (never a jump if shorter: a
# runner may pause overnight on a multi-day effort, but not for more than half a day and
# then call it one activity with a sane device elapsed time).
MIN_JUMP_S = 12 * 3600.0
# A device elapsed time is corrupt, even within the two-week bound, when it exceeds both
# this and ten times everything else the file says about the duration (timer, records).
MIN_CORRUPT_ELAPSED_S = 2 * 86_400.0
CORRUPT_ELAPSED_FACTOR = 10.0
# Records spanning more than the device's elapsed time by this share plus this slack
# contradict it (``validate._clean_totals`` takes the records' span then, unless they stand
# still past it: ``_drop_still_tail``).
SPAN_GAP_SHARE = 0.05
MOVING_SLACK_S = 2.0
# Records past the device's elapsed time whose distance and position move less than this
# stood still: GPS drift of a watch on a table, not an activity going on.
STILL_M = 10.0
_M_PER_DEGREE = 111_320.0


def human_duration(seconds: float) -> str:
    """``791 days``, ``3 h 5 min``, ``1 h``, ``12 min 4 s``, ``45 s``."""
    s = round(seconds)
    if s >= 2 * 86_400:
        return f"{s / 86_400:.0f} days"
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:
        return f"{h} h {m} min" if m else f"{h} h"
    if m:
        return f"{m} min {sec} s" if sec else f"{m} min"
    return f"{sec} s"


def seconds_in_words(seconds: float) -> str:
    """``68,342,641 s (791 days)``, ``4,567.5 s (1 h 16 min)``, ``45 s``: the figure as the
    file wrote it, then what it means."""
    figure = f"{seconds:,.1f}".removesuffix(".0")
    words = human_duration(seconds)
    return f"{figure} s" if words == f"{figure} s" else f"{figure} s ({words})"


def elapsed_time(device_s: float | None, span_s: float, moving_s: float) -> tuple[float, list[str]]:
    """The activity's elapsed time, for a track with records spanning ``span_s``: the device's
    own figure (``device_s``, after the cleaning set aside an impossible or contradicted one),
    which may count time the records do not cover (the timer started before the first fix);
    else the records' span.  A device figure below the moving time cannot hold (stopped <=
    moving <= elapsed): the records' span (or the moving time, if longer) is used, and said."""
    if device_s is None:
        return span_s, []
    if device_s >= moving_s:
        return float(device_s), []
    used = max(span_s, moving_s)
    whose = "the records' span" if span_s >= moving_s else "the moving time"
    return used, [
        f"the device's elapsed time {seconds_in_words(device_s)} is shorter than the "
        f"records' moving time {seconds_in_words(moving_s)}; used {whose} "
        f"{seconds_in_words(used)}"
    ]


def _sane(v: float | None, max_duration_s: float) -> float | None:
    return v if v is not None and math.isfinite(v) and 0 < v <= max_duration_s else None


def _drop_clock_jumps(
    df: pl.DataFrame, cols: SampleArrays, totals: DeviceTotals, max_duration_s: float
) -> tuple[pl.DataFrame, SampleArrays, list[str]]:
    """Keep the block of records between clock jumps that holds most of them.

    Acted on only when the records' span is impossible, or far beyond what the device's own
    elapsed time (or timer) says the activity lasted: a long gap alone is a pause.
    """
    if df.height < 2:
        return df, cols, []
    t = cols.epoch_s().astype(np.float64)
    span = float(t[-1] - t[0])
    ref = _sane(totals.elapsed_time_s, max_duration_s) or _sane(totals.timer_time_s, max_duration_s)
    if not (span > max_duration_s or (ref is not None and span > 2 * ref + MIN_JUMP_S)):
        return df, cols, []
    gaps = np.diff(t)
    jumps = np.flatnonzero(gaps > MIN_JUMP_S)
    if not len(jumps):
        return df, cols, []
    bounds = np.concatenate(([0], jumps + 1, [len(t)]))
    sizes = np.diff(bounds)
    k = int(np.argmax(sizes))  # the first of the largest blocks
    lo, hi = int(bounds[k]), int(bounds[k + 1])
    kept = df.slice(lo, hi - lo)
    biggest = float(gaps[jumps].max())
    dropped = df.height - kept.height
    where = "after" if lo == 0 else "around"
    kept_span = float(t[hi - 1] - t[lo])
    note = (
        f"the records' clock jumps {human_duration(biggest)} ahead {where} "
        f"{human_duration(kept_span)} of recording: {dropped} record(s) past the jump left out"
    )
    if ref is not None:
        note += f" (the device says the activity lasted {human_duration(ref)})"
    return kept, SampleArrays.of(kept), [note]


def _corrupt_elapsed(
    cols: SampleArrays, totals: DeviceTotals, max_duration_s: float
) -> tuple[DeviceTotals, list[str]]:
    elapsed = totals.elapsed_time_s
    if elapsed is None or not math.isfinite(elapsed) or elapsed <= 0:
        return totals, []  # NaN and negatives are validate's plain "impossible" values
    span = None
    if cols.n >= 2:
        t = cols.epoch_s()
        span = float(t.max() - t.min())
    timer = _sane(totals.timer_time_s, max_duration_s)
    known = max((x for x in (span, timer) if x), default=None)
    too_long = elapsed > max_duration_s
    if not too_long and not (
        known is not None
        and elapsed > MIN_CORRUPT_ELAPSED_S
        and elapsed > CORRUPT_ELAPSED_FACTOR * known
    ):
        return totals, []
    if span:
        used = f"used the records' span {seconds_in_words(span)}"
    elif timer:
        used = f"used the timer's {seconds_in_words(timer)}"
    else:
        used = "ignored"
    return replace(totals, elapsed_time_s=None), [
        f"the device's elapsed time {seconds_in_words(elapsed)} is impossible; {used}"
    ]


def _spread_m(values: np.ndarray, scale: float = 1.0) -> float | None:
    """The range of the finite values times ``scale`` (None: none finite)."""
    ok = values[np.isfinite(values)]
    return float(ok.max() - ok.min()) * scale if ok.size else None


def _drop_still_tail(
    df: pl.DataFrame, cols: SampleArrays, totals: DeviceTotals, max_duration_s: float
) -> tuple[pl.DataFrame, SampleArrays, list[str]]:
    """Leave out the records past the device's elapsed time (no timer to say otherwise) when
    they never move: their distance and position stay within ``STILL_M`` from the last record
    within it.  Moving records there are the activity going on, and their span is kept
    (``validate``); records without distance or position cannot tell, and are kept too."""
    elapsed = _sane(totals.elapsed_time_s, max_duration_s)
    if elapsed is None or totals.timer_time_s is not None or cols.n < 2:
        return df, cols, []
    t = cols.epoch_s().astype(np.float64) - float(cols.epoch_s()[0])
    span = float(t[-1])
    if span <= elapsed * (1 + SPAN_GAP_SHARE) + MOVING_SLACK_S:
        return df, cols, []
    keep = int(np.searchsorted(t, elapsed + 1e-6, side="right"))
    tail = slice(max(keep - 1, 0), cols.n)  # from the last record within the elapsed time
    lat = cols.col("lat")[tail]
    spreads = [
        _spread_m(cols.col("distance")[tail]),
        _spread_m(lat, _M_PER_DEGREE),
        _spread_m(
            cols.col("lon")[tail],
            _M_PER_DEGREE * math.cos(math.radians(float(np.nanmean(lat))))
            if np.isfinite(lat).any()
            else _M_PER_DEGREE,
        ),
    ]
    known = [x for x in spreads if x is not None]
    if not known or max(known) > STILL_M:
        return df, cols, []
    kept = df.slice(0, keep)
    note = (
        f"the records run {human_duration(span - elapsed)} past the device's elapsed time of "
        f"{human_duration(elapsed)} without moving: {df.height - keep} record(s) past it left out"
    )
    return kept, SampleArrays.of(kept), [note]


def recover(
    df: pl.DataFrame, cols: SampleArrays, totals: DeviceTotals, max_duration_s: float
) -> tuple[pl.DataFrame, SampleArrays, DeviceTotals, list[str]]:
    """Samples (frame and arrays) without the records past a clock jump, totals without a
    corrupt elapsed time, the samples without records standing still past the device's elapsed
    time, and one warning per recovery."""
    df, cols, notes = _drop_clock_jumps(df, cols, totals, max_duration_s)
    totals, more = _corrupt_elapsed(cols, totals, max_duration_s)
    df, cols, still = _drop_still_tail(df, cols, totals, max_duration_s)
    return df, cols, totals, notes + more + still
