"""Job functions.  APScheduler stores jobs by reference (``module:function``) in its persistent
job store, so these are module-level and take no arguments; the process's store and settings
are bound once by ``bind``."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from loadwatch.config import Settings
from loadwatch.services import athletes, evaluation, inbox, job_work, webhooks
from loadwatch.services.jobs import JobQueue
from loadwatch.store.db import Store

log = logging.getLogger(__name__)


@dataclass
class _Context:
    store: Store
    settings: Settings
    client: httpx.Client
    # The serving process's queue, when there is one: the timers then only fire its jobs, so
    # a tick never evaluates an athlete in the middle of a burst of uploads.
    queue: JobQueue | None = None


_ctx: _Context | None = None


def bind(
    store: Store,
    settings: Settings,
    client: httpx.Client | None = None,
    queue: JobQueue | None = None,
) -> None:
    global _ctx
    _ctx = _Context(store, settings, client or httpx.Client(follow_redirects=False), queue)


def unbind() -> None:
    global _ctx
    if _ctx is not None:
        _ctx.client.close()
    _ctx = None


def _context() -> _Context:
    if _ctx is None:
        raise RuntimeError("scheduler jobs run before bind()")
    return _ctx


def evaluate_pending() -> list[int]:
    """Evaluate every athlete an import (API, CLI, inbox) touched, then those a new local day
    began for (so every view is for today: the triage then reads rows); then notify."""
    ctx = _context()
    if ctx.queue is not None and ctx.queue.deferred:
        ctx.queue.evaluate(job_work.due_athletes(ctx.store))
        return []
    results: list[evaluation.EvaluationResult] = []
    done = evaluation.drain_pending(
        ctx.store, on_result=results.append, historic_days=ctx.settings.historic_days
    )
    if done:
        _log_evaluation("evaluated after imports", results)
    rolled = roll_days()
    if done or rolled:
        deliver_webhooks()
    return done


def roll_days() -> list[int]:
    """Re-evaluate the athletes whose view is not for their local today (midnight passed in
    their zone, or they were never evaluated; ``due_at`` says which, in one indexed query):
    the windows slide even without uploads."""
    ctx = _context()
    results = _evaluate_recent(ctx, job_work.rolled_athletes(ctx.store), roll=False)
    if results:
        _log_evaluation("a new day", results)
    return [r.athlete_id for r in results]


def _evaluate_recent(
    ctx: _Context, ids: list[int], *, roll: bool
) -> list[evaluation.EvaluationResult]:
    """The last five weeks of each (``job_work.evaluate_athlete``, which also sets when each
    is next due); without ``roll`` an athlete whose view turned out current is skipped."""
    results = (
        job_work.evaluate_athlete(ctx.store, ctx.settings, athlete_id, roll=roll)
        for athlete_id in ids
    )
    return [r for r in results if r is not None]


def _log_evaluation(what: str, results: list[evaluation.EvaluationResult]) -> None:
    """One INFO line for a run that changed some flag; a run that changed nothing is DEBUG
    (the nightly pass over a quiet team is not news)."""
    new = sum(len(r.new_flag_ids) for r in results)
    updated = sum(len(r.updated_flag_ids) for r in results)
    removed = sum(r.removed for r in results)
    changed = [r.athlete_id for r in results if r.new_flag_ids or r.updated_flag_ids or r.removed]
    level = logging.INFO if changed else logging.DEBUG
    log.log(
        level,
        "%s: %d athlete(s), flags %d new, %d updated, %d removed (changed: athletes %s)",
        what,
        len(results),
        new,
        updated,
        removed,
        changed,
    )


def evaluate_all() -> int:
    """Nightly, everyone: the safety net under ``roll_days`` (and what re-judges a history
    after an upgrade of the rules)."""
    ctx = _context()
    with ctx.store.sessions() as s:
        ids = athletes.athlete_ids(s)
    _log_evaluation("nightly evaluation", _evaluate_recent(ctx, ids, roll=True))
    deliver_webhooks()
    return len(ids)


def scan_inbox() -> int:
    ctx = _context()
    if ctx.queue is not None and ctx.queue.deferred:
        ctx.queue.scan_inbox()
        return 0
    result = inbox.scan_inbox(ctx.store, ctx.settings)
    if result.touched_athletes:
        evaluate_pending()
    return len(result.outcomes)


def deliver_webhooks() -> webhooks.DeliveryStats:
    ctx = _context()
    return webhooks.deliver_due(ctx.store, ctx.settings, ctx.client)
