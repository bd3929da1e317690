"""Jobs on procrastinate, the PostgreSQL-backed queue: any number of ``loadwatch worker``
processes, on any machines, run them (docs/scale.md).

- ``evaluate(athlete_id)`` carries a queueing lock per athlete (at most one waiting job: the
  changes of a burst coalesce into it) and a lock per athlete (at most one running: two workers
  never evaluate the same athlete at once).  It runs ``job_settle_s`` after the first change.
- Periodic tasks replace the scheduler's timers: ``sweep`` (pending work no job holds, and the
  athletes a new local day began for: ``due_at`` passed), ``nightly`` (everyone's last five
  weeks, one job each, deferred in batches), ``scan_inbox``, ``deliver_webhooks``, and
  ``purge`` (finished jobs past their retention, hourly).  Procrastinate defers each tick
  once, whichever workers are running.

The work itself is ``services/job_work.py``, as in-process.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import procrastinate
from procrastinate.exceptions import AlreadyEnqueued

from loadwatch.config import Settings
from loadwatch.errors import ConfigError
from loadwatch.services import job_work
from loadwatch.store import job_queue
from loadwatch.store.db import Store

log = logging.getLogger(__name__)

NAMESPACE = "loadwatch"
EVALUATE = f"{NAMESPACE}:evaluate"
DELIVER = f"{NAMESPACE}:deliver_webhooks"
SCAN = f"{NAMESPACE}:scan_inbox"


@dataclass
class _Bound:
    store: Store
    settings: Settings
    client: httpx.Client
    app: procrastinate.App


_bound: _Bound | None = None


def _ctx() -> _Bound:
    if _bound is None:
        raise RuntimeError("a loadwatch job ran in a process that did not bind a store")
    return _bound


def athlete_lock(athlete_id: int) -> str:
    return f"athlete:{athlete_id}"


def queueing_lock(athlete_id: int) -> str:
    """At most one waiting evaluation per athlete."""
    return f"evaluate:{athlete_id}"


# The nightly fan-out defers this many jobs per INSERT (procrastinate's ``batch_defer_jobs``,
# one statement each): a million athletes are a thousand statements, not a million.
DEFER_BATCH = 1_000


def _evaluation_job(
    app: procrastinate.App, athlete_id: int, *, roll: bool, delay_s: float
) -> procrastinate.jobs.Job:
    options: dict[str, Any] = {
        "queueing_lock": queueing_lock(athlete_id),
        "lock": athlete_lock(athlete_id),
    }
    if delay_s > 0:
        options["schedule_in"] = {"seconds": delay_s}
    return app.configure_task(EVALUATE, **options).make_new_job(athlete_id=athlete_id, roll=roll)


def _defer_one_by_one(app: procrastinate.App, jobs: list[procrastinate.jobs.Job]) -> int:
    new = 0
    for job in jobs:
        try:
            app.job_manager.defer_job(job)
            new += 1
        except AlreadyEnqueued:
            pass
    return new


def _defer_evaluations(
    store: Store,
    app: procrastinate.App,
    athlete_ids: Iterable[int],
    *,
    roll: bool,
    delay_s: float,
) -> int:
    """One waiting evaluation per athlete; an athlete already waiting is left as it is (that
    job will see this change too: it reads the pending row when it runs).  How many were new.

    Many athletes (the sweep, the nightly pass) are deferred ``DEFER_BATCH`` at a time in one
    INSERT each, after one query for those already waiting; a job queued by another process
    in between fails the whole statement (the queueing lock), and that batch falls back to one
    insert per job."""
    ids = sorted(set(athlete_ids))
    new = 0
    for i in range(0, len(ids), DEFER_BATCH):
        chunk = ids[i : i + DEFER_BATCH]
        if len(chunk) > 1:
            # Checked before any job is built: a sweep during a time zone's midnight finds
            # the same hundreds of thousands waiting tick after tick.
            with store.sessions() as s:
                waiting = job_queue.waiting_locks(s, [queueing_lock(a) for a in chunk])
            chunk = [a for a in chunk if queueing_lock(a) not in waiting]
        jobs = [_evaluation_job(app, aid, roll=roll, delay_s=delay_s) for aid in chunk]
        if len(jobs) <= 1:
            new += _defer_one_by_one(app, jobs)
            continue
        try:
            app.job_manager.batch_defer_jobs(jobs)
            new += len(jobs)
        except AlreadyEnqueued:
            new += _defer_one_by_one(app, jobs)
    return new


def _defer_once(app: procrastinate.App, name: str) -> None:
    with contextlib.suppress(AlreadyEnqueued):  # one is waiting already: it will do
        app.configure_task(name, queueing_lock=name, lock=name).defer()


def evaluate(athlete_id: int, roll: bool = False) -> None:
    ctx = _ctx()
    result = job_work.evaluate_athlete(ctx.store, ctx.settings, athlete_id, roll=roll)
    if result is not None:
        log.info("evaluated athlete %d from %s", athlete_id, result.evaluated_from)
    if job_work.changed(result):
        _defer_once(ctx.app, DELIVER)  # an episode may be due for announcement


def deliver_webhooks() -> None:
    ctx = _ctx()
    job_work.deliver_webhooks(ctx.store, ctx.settings, ctx.client)


def scan_inbox() -> None:
    ctx = _ctx()
    touched = job_work.scan_inbox(ctx.store, ctx.settings)
    _defer_evaluations(ctx.store, ctx.app, touched, roll=False, delay_s=0)


def sweep(timestamp: int) -> None:
    ctx = _ctx()
    ids = job_work.due_athletes(ctx.store)
    _defer_evaluations(ctx.store, ctx.app, ids, roll=False, delay_s=0)
    # Each has a job waiting now (new, or found waiting): out of the next ticks' way.
    job_work.lease_due(ctx.store, ids)


def nightly(timestamp: int) -> None:
    ctx = _ctx()
    ids = job_work.all_athletes(ctx.store)
    n = _defer_evaluations(ctx.store, ctx.app, ids, roll=True, delay_s=0)
    log.info("nightly evaluation: %d athlete(s) queued", n)


async def purge(timestamp: int) -> None:
    """Delete the queue's finished jobs (succeeded, failed, cancelled, aborted) and, with them,
    their events, once ``queue_retention_hours`` passed since each finished: procrastinate's
    own ``delete_old_jobs``.  Loadwatch keeps no finished-job rows of its own (a pending row is
    deleted by the evaluation that claims it)."""
    ctx = _ctx()
    await ctx.app.job_manager.delete_old_jobs(
        nb_hours=ctx.settings.queue_retention_hours,
        include_failed=True,
        include_cancelled=True,
        include_aborted=True,
    )


def tick_inbox(timestamp: int) -> None:
    _defer_once(_ctx().app, SCAN)


def tick_webhooks(timestamp: int) -> None:
    _defer_once(_ctx().app, DELIVER)


def every(seconds: float) -> str:
    """A cron for "every ``seconds``" (procrastinate's cron takes a sixth, seconds field)."""
    s = max(1, round(seconds))
    if s < 60:
        return f"*/{s} * * * * *"
    return f"*/{max(1, s // 60)} * * * *"


def build_app(settings: Settings, *, periodic: bool = True) -> procrastinate.App:
    """A procrastinate app over the store's PostgreSQL database, with loadwatch's tasks."""
    if not settings.db_url.startswith("postgresql"):
        raise ConfigError("the procrastinate job queue needs PostgreSQL (LOADWATCH_DATABASE_URL)")
    connector = procrastinate.PsycopgConnector(
        conninfo=job_queue.conninfo(settings.db_url), min_size=1, max_size=4
    )
    app = procrastinate.App(connector=connector)
    # Registered per app (a process may hold several: the API's and a worker's).
    works: tuple[Callable[..., Any], ...] = (
        evaluate,
        deliver_webhooks,
        scan_inbox,
        sweep,
        nightly,
        purge,
        tick_inbox,
        tick_webhooks,
    )
    for work in works:
        app.task(name=f"{NAMESPACE}:{work.__name__}")(work)
    if periodic:
        schedule = (
            ("sweep", every(settings.evaluate_interval_s)),
            ("nightly", f"30 {settings.nightly_hour_utc} * * *"),
            ("purge", "17 * * * *"),
            ("tick_inbox", every(settings.inbox_interval_s)),
            ("tick_webhooks", every(settings.deliver_interval_s)),
        )
        for name, cron in schedule:
            app.periodic_registry.register_task(
                task=app.tasks[f"{NAMESPACE}:{name}"],
                cron=cron,
                periodic_id=name,
                configure_kwargs={},
            )
    return app


def bind(store: Store, settings: Settings, app: procrastinate.App) -> None:
    """Give this process's jobs their store (``loadwatch worker``, or a serving process)."""
    global _bound
    _bound = _Bound(store, settings, httpx.Client(follow_redirects=False), app)


def unbind() -> None:
    global _bound
    if _bound is not None:
        _bound.client.close()
    _bound = None


def run_worker(
    store: Store,
    settings: Settings,
    *,
    burst: bool = False,
    periodic: bool = True,
    concurrency: int | None = None,
    keep_finished: bool = False,
    install_signal_handlers: bool = True,
) -> None:
    """Run one worker until stopped (SIGTERM, SIGINT), or with ``burst`` until no job waits."""
    # Procrastinate logs every job and every periodic tick at INFO: with a 10 s sweep that is
    # most of a worker's log.  Its warnings and errors stay; loadwatch's own lines stay.
    if not logging.getLogger("loadwatch").isEnabledFor(logging.DEBUG):
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
    app = build_app(settings, periodic=periodic and not burst)
    bind(store, settings, app)
    try:
        while True:
            app.run_worker(
                concurrency=concurrency or settings.worker_concurrency,
                wait=not burst,
                install_signal_handlers=install_signal_handlers,
                # Finished jobs are dropped unless asked (a test counts them): the queue stays
                # small.
                delete_jobs="never" if keep_finished else "successful",
            )
            # A burst worker stops when it finds no job, even while a job it runs defers more
            # (the nightly fan-out, an inbox scan's evaluations): it goes on until none waits.
            if not burst:
                break
            with store.sessions() as s:
                if not job_queue.waiting_jobs(s):
                    break
    finally:
        unbind()


class ProcrastinateJobs:
    """The API's side: defer jobs (a short synchronous insert each), never run them."""

    deferred = True

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings
        self.app = build_app(settings, periodic=False)
        self.app.open()

    def evaluate(self, athlete_ids: Collection[int]) -> None:
        try:
            _defer_evaluations(
                self.store, self.app, athlete_ids, roll=False, delay_s=self.settings.job_settle_s
            )
        except Exception:
            # The change is committed with its pending row: the next sweep queues it.
            log.exception("could not queue an evaluation; the sweep will")

    def scan_inbox(self) -> None:
        _defer_once(self.app, SCAN)

    def deliver_webhooks(self) -> None:
        _defer_once(self.app, DELIVER)

    def close(self) -> None:
        self.app.close()
