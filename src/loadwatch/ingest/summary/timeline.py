"""When a recording's clock lies: records whose time jumps by days mid-activity, and a device
elapsed time corrupted to weeks while the timer and the records are sane.

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
        used = f"used the records' {human_duration(span)}"
    elif timer:
        used = f"used the timer's {human_duration(timer)}"
    else:
        used = "ignored"
    return replace(totals, elapsed_time_s=None), [
        f"the device's elapsed time ({human_duration(elapsed)}) is impossible; {used}"
    ]


def recover(
    df: pl.DataFrame, cols: SampleArrays, totals: DeviceTotals, max_duration_s: float
) -> tuple[pl.DataFrame, SampleArrays, DeviceTotals, list[str]]:
    """Samples (frame and arrays) without the records past a clock jump, totals without a
    corrupt elapsed time, and one warning per recovery."""
    df, cols, notes = _drop_clock_jumps(df, cols, totals, max_duration_s)
    totals, more = _corrupt_elapsed(cols, totals, max_duration_s)
    return df, cols, totals, notes + more
