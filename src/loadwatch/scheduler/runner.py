"""APScheduler 3.x wiring: fixed job ids, coalescing and a misfire grace time.  Exactly one
process runs this (``loadwatch serve`` on the embedded store, ``loadwatch scheduler`` when
API replicas run with ``--no-scheduler``).

The timers live in memory, not in the app's database.  They carry no state of their own: every
start re-creates them (``replace_existing`` recomputes each next run from now, so a stored next
run was never read back), and what must survive a restart is in the app's own rows (pending
evaluations, each athlete's ``due_at``, undelivered webhooks).  A SQL job store only added a
write per tick on the shared SQLite file, and under ``serve`` one of those writes failing with
"database is locked" ended APScheduler's thread, and with it every timer, silently.  The loop
is also guarded (a failing tick is logged and retried) and its jobs' runs are watched
(``liveness.py``) so that health reports a scheduler that stopped working."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from loadwatch.clock import utcnow
from loadwatch.config import Settings
from loadwatch.scheduler import jobs
from loadwatch.scheduler.liveness import Heartbeat
from loadwatch.services.jobs import JobQueue
from loadwatch.store.db import Store

log = logging.getLogger(__name__)

EVALUATE = "evaluate-pending"
NIGHTLY = "evaluate-nightly"
INBOX = "scan-inbox"
WEBHOOKS = "deliver-webhooks"


# APScheduler reports every run of every job at INFO ("Running job …", "… executed
# successfully"): with a 10 s tick that is most of a service's log.  Its routine records are
# demoted to DEBUG; warnings and errors (a job raising, a missed run) stay as they are.
_CHATTY_LOGGERS = ("apscheduler.executors.default", "apscheduler.scheduler")


class _DemoteToDebug(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger("loadwatch").isEnabledFor(logging.DEBUG)
        return True


_DEMOTE = _DemoteToDebug()


def quiet_apscheduler() -> None:
    """Idempotent: install the demotion on APScheduler's loggers."""
    for name in _CHATTY_LOGGERS:
        logger = logging.getLogger(name)
        if _DEMOTE not in logger.filters:
            logger.addFilter(_DEMOTE)


# After a tick that failed, the loop tries again this soon (APScheduler's own retry interval
# for a job store that fails to list due jobs).
RETRY_S = 10.0


class _StopsCleanly:
    """APScheduler 3.11 checks for a shutdown before it takes its job-store lock, not after:
    a shutdown landing between the two closes the executor and the loop then submits to it
    ("cannot schedule new futures after shutdown", a traceback in the log).  Checking again
    under that lock, which ``shutdown`` also takes (re-entrant), closes the gap.

    APScheduler's loop catches a failing job but not a failure of its own bookkeeping around
    it (storing a job's next run): one exception there ends the thread and every timer with
    it.  A failing tick is logged and the loop tries again ``RETRY_S`` later."""

    _jobstores_lock: Any
    state: int

    def _process_jobs(self) -> float | None:
        with self._jobstores_lock:
            if self.state == STATE_STOPPED:
                return None
            try:
                result: float | None = super()._process_jobs()  # type: ignore[misc]
            except Exception:
                log.exception("scheduler tick failed; trying again in %g s", RETRY_S)
                return RETRY_S
            return result


class _Background(_StopsCleanly, BackgroundScheduler):  # type: ignore[misc]
    pass


class _Blocking(_StopsCleanly, BlockingScheduler):  # type: ignore[misc]
    pass


class LoadScheduler:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        blocking: bool = False,
        queue: JobQueue | None = None,
    ) -> None:
        self.store, self.settings, self.queue = store, settings, queue
        quiet_apscheduler()
        cls: type[BaseScheduler] = _Blocking if blocking else _Background
        self._scheduler = cls(
            job_defaults={"coalesce": True, "misfire_grace_time": 300, "max_instances": 1},
            timezone=UTC,
        )
        s = settings
        add = self._scheduler.add_job
        add(
            jobs.evaluate_pending,
            "interval",
            seconds=s.evaluate_interval_s,
            id=EVALUATE,
            replace_existing=True,
        )
        add(
            jobs.evaluate_all,
            "cron",
            hour=s.nightly_hour_utc,
            minute=30,
            id=NIGHTLY,
            replace_existing=True,
        )
        add(
            jobs.deliver_webhooks,
            "interval",
            seconds=s.deliver_interval_s,
            id=WEBHOOKS,
            replace_existing=True,
        )
        # Always registered: with no LOADWATCH_INBOX a scan is a no-op, and a fixed job set
        # keeps the persistent store free of stale jobs.
        add(
            jobs.scan_inbox, "interval", seconds=s.inbox_interval_s, id=INBOX, replace_existing=True
        )
        self.heartbeat = Heartbeat(
            {
                EVALUATE: s.evaluate_interval_s,
                WEBHOOKS: s.deliver_interval_s,
                INBOX: s.inbox_interval_s,
            },
            started=utcnow(),
        )
        self._scheduler.add_listener(self._ran, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        self._started = False

    def _ran(self, event: JobExecutionEvent) -> None:
        self.heartbeat.ran(event.job_id, failed=event.exception is not None)

    def problem(self, now: datetime | None = None) -> str | None:
        """Why this process's timers are not doing their work (health's 503), or None: the
        loop's thread gone, or a timed job with no run for too long."""
        if not self._started:
            return None
        thread = getattr(self._scheduler, "_thread", None)
        if not self._scheduler.running or (thread is not None and not thread.is_alive()):
            return (
                "the scheduler has stopped: periodic evaluation, webhook delivery and inbox "
                "scans are not running"
            )
        return self.heartbeat.overdue(now)

    def start(self) -> None:
        jobs.bind(self.store, self.settings, queue=self.queue)
        log.info("scheduler starting: %s", ", ".join(j.id for j in self._scheduler.get_jobs()))
        self.heartbeat.restart(utcnow())
        self._started = True
        self._scheduler.start()

    def wake(self, job_id: str = EVALUATE) -> None:
        """Run a job now instead of at its next tick (after an upload)."""
        if self._scheduler.running and self._scheduler.get_job(job_id) is not None:
            self._scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))

    def shutdown(self, wait: bool = True) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)
        jobs.unbind()
