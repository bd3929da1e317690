"""Whether an athlete's evaluation is still to come: the one answer every face gives.

The pending-work table (``store/pending.py``) is the record of what must be evaluated: an
upload, an inbox import, an edit or a plan writes its row in the change's own transaction, and
the evaluation that claims the row deletes it in the flags' transaction.  So "evaluating" is
exactly "a row is there": a queued job, a job running, or work a crashed worker left for the
next sweep.  Status, series and the triage say so instead of presenting the last evaluation's
flags as current (docs/scale.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from loadwatch.store import pending

if TYPE_CHECKING:
    from loadwatch.store.db import Reads


def is_evaluating(session: Reads, athlete_id: int) -> bool:
    """Whether the athlete has work not yet evaluated."""
    return bool(pending.waiting(session, [athlete_id]))


def evaluating(session: Reads, athlete_ids: Sequence[int]) -> set[int]:
    """Which of these athletes have work not yet evaluated (one query)."""
    return pending.waiting(session, athlete_ids)
