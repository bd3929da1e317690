"""The work behind every job, whichever queue runs it (``services/jobs.py``): evaluate one
athlete, find the athletes whose evaluation is due, scan the inbox, deliver webhooks.

Each function is one unit of work over the store: it opens its own sessions and can run on
any process and thread, at most once per athlete at a time (the queue's lock per athlete; on
SQLite the single background thread).  The pending-work table stays the record of what must be
evaluated: a job that dies leaves its row, and the next sweep queues it again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

import httpx

from loadwatch.clock import local_today, pinned, utcnow
from loadwatch.config import Settings
from loadwatch.services import athletes, evaluation, inbox, webhooks
from loadwatch.store import athletes as athlete_rows
from loadwatch.store import pending
from loadwatch.store import views as view_rows
from loadwatch.store.db import Store

log = logging.getLogger(__name__)

# Every rule window that today's date can change lies within the last five weeks.
ROLL_DAYS = 35


def evaluate_athlete(
    store: Store, settings: Settings, athlete_id: int, *, roll: bool = False
) -> evaluation.EvaluationResult | None:
    """Evaluate the athlete's pending work (claimed and evaluated in one transaction).  With
    ``roll`` (the nightly pass), or with none and a stored view that is not for the athlete's
    local today, re-judge the last five weeks.  Each evaluation records when its view next
    goes stale (the athlete's ``due_at``).  None: nothing to do (a deleted athlete, or work
    another worker already took)."""
    results: list[evaluation.EvaluationResult] = []
    evaluation.drain_pending(
        store,
        athlete_id=athlete_id,
        historic_days=settings.historic_days,
        on_result=results.append,
    )
    if results and not roll:
        return results[0]
    with store.sessions() as s:
        tz = athlete_rows.zone_of(s, athlete_id)
        if tz is None:
            return None  # deleted since the job was queued
        day = view_rows.day_of(s, athlete_id)
    if not roll and day == local_today(tz):
        # Current already, with a ``due_at`` that did not say so (a view stored before
        # revision 0009, or under a pinned day): only the due instant was missing.
        evaluation.keep_due(store, athlete_id)
        return None
    result = evaluation.evaluate_athlete(
        store,
        athlete_id,
        from_date=local_today(tz) - timedelta(days=ROLL_DAYS),
        historic_days=settings.historic_days,
        # Only the day moved since the stored view (no pending work was found above); the
        # nightly pass (``roll``) re-judges in full: what a rules upgrade needs.
        unchanged_since=None if roll else day,
    )
    # The nightly pass re-judges the five weeks (what a rules upgrade needs) also for an
    # athlete whose pending work it just drained; what that drain changed is announced too.
    if results and not changed(result):
        return results[0]
    return result


def rolled_athletes(store: Store) -> list[int]:
    """The athletes a new local day began for since their last evaluation (or never
    evaluated): ``due_at`` passed, one indexed range query."""
    with store.sessions() as s:
        return athlete_rows.due(s, utcnow(), never_too=not pinned())


def due_athletes(store: Store) -> list[int]:
    """Athletes to evaluate now: those with pending work (an upload, an edit, the CLI's import,
    a job that died: the pending table holds only these) and those a new local day began for
    (``due_at`` passed: an indexed range query, whatever the number of athletes)."""
    with store.sessions() as s:
        due = athlete_rows.due(s, utcnow(), never_too=not pinned())
        ids = set(pending.athlete_ids(s)) | set(due)
    return sorted(ids)


# How long a swept athlete stays out of the sweep once their evaluation is queued: the job
# sets the real ``due_at`` when it runs; a job lost meanwhile (the queue dropped, a worker
# killed) makes the athlete due again when this passes.
SWEEP_LEASE = timedelta(minutes=10)
LEASE_BATCH = 1_000


def lease_due(store: Store, athlete_ids: Sequence[int], now: datetime | None = None) -> int:
    """Keep the athletes just queued out of the next sweeps for ``SWEEP_LEASE``: at a populous
    zone's midnight the same hundreds of thousands are due until workers get to them, and
    each tick would find and check them all again.  Those still due only; how many."""
    at = now or utcnow()
    leased = 0
    for i in range(0, len(athlete_ids), LEASE_BATCH):
        with store.transaction() as s:
            chunk = athlete_ids[i : i + LEASE_BATCH]
            leased += athlete_rows.postpone_due(s, chunk, at + SWEEP_LEASE, at)
    return leased


def all_athletes(store: Store) -> list[int]:
    """Everyone: the nightly safety net re-judges every athlete's last five weeks."""
    with store.sessions() as s:
        return athletes.athlete_ids(s)


def scan_inbox(store: Store, settings: Settings) -> list[int]:
    """Import what arrived in the inbox; the athletes it touched (their work is pending)."""
    result = inbox.scan_inbox(store, settings)
    return sorted(result.touched_athletes)


def deliver_webhooks(
    store: Store, settings: Settings, client: httpx.Client
) -> webhooks.DeliveryStats:
    return webhooks.deliver_due(store, settings, client)


def changed(result: evaluation.EvaluationResult | None) -> bool:
    """Whether an evaluation changed a flag or an episode (something to announce)."""
    return result is not None and bool(
        result.new_flag_ids or result.updated_flag_ids or result.removed or result.episode_events
    )
