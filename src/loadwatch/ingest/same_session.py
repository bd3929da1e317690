"""When two recordings cover the same time: the window and overlap rule, and a chained FIT's
repeated session.  Pure (no database): ``inspect`` and the importer (``services.sameness``,
``services.import_batch``) share it, so both count a chained FIT alike (trial9 F3)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from loadwatch.clock import as_utc
from loadwatch.ingest.summary.activity import ActivitySummary

# The same run recorded by two devices or exported in two formats starts within seconds; two
# genuinely different runs never start within two minutes of each other and overlap.
SAME_ACTIVITY_WINDOW = timedelta(minutes=2)


def _end(start: datetime, elapsed_s: float) -> datetime:
    return start + timedelta(seconds=max(elapsed_s, 0.0))


def same_time(start_a: datetime, elapsed_a: float, start_b: datetime, elapsed_b: float) -> bool:
    """Starts within the window AND time ranges overlapping.  Ranges that merely touch (a
    triathlon's transition ending as the ride begins) do not overlap."""
    start_a, start_b = as_utc(start_a), as_utc(start_b)
    if abs(start_a - start_b) > SAME_ACTIVITY_WINDOW:
        return False
    if start_a == start_b:
        return True
    return start_a < _end(start_b, elapsed_b) and start_b < _end(start_a, elapsed_a)


def repeated_session(kept: Sequence[ActivitySummary], summary: ActivitySummary) -> int | None:
    """The session index of an earlier session of the same file that this one repeats (a
    chained FIT holding the same activity twice), None when it is a session of its own."""
    for k in kept:
        if k.sport == summary.sport and same_time(
            k.start_time, k.elapsed_time_s, summary.start_time, summary.elapsed_time_s
        ):
            return k.session_index
    return None


def repeat_note(summary: ActivitySummary, again: int) -> str:
    """The warning a skipped repeat gets, in ``inspect`` and ``import`` alike."""
    return f"session {summary.session_index} repeats session {again}; skipped"
