"""The one seam between a change and the work it causes: a ``JobQueue``.

A change (an upload, an inbox import, an edit) commits its pending row first (the record of what
must be evaluated, ``store/pending.py``), then tells the queue.  The queue decides where and when
the work in ``services/job_work.py`` runs:

- ``InlineJobs``: now, in the caller, before it answers (the CLI's ``import``, whose user waits
  for the report; the test suite's default).
- ``InProcessJobs``: a background thread of the serving process, the embedded default (SQLite,
  one process, zero configuration).  A change waits ``job_settle_s`` for more of the same
  athlete's changes, so a burst is evaluated once.
- ``ProcrastinateJobs`` (``services/jobs_procrastinate.py``): jobs in PostgreSQL run by any
  number of ``loadwatch worker`` processes, one evaluation per athlete at a time.

``make_queue`` picks one from the settings (``LOADWATCH_JOBS``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection
from functools import partial
from typing import Protocol, TypeVar

import httpx

from loadwatch.config import Settings
from loadwatch.services import job_work
from loadwatch.services.changes import Change, ChangeHook
from loadwatch.store.db import Store

log = logging.getLogger(__name__)

T = TypeVar("T")


class JobQueue(Protocol):
    """Where the work after a change runs.  Every method returns at once unless the queue is
    inline; none raises for a failing job (the pending row stays for the next sweep)."""

    @property
    def deferred(self) -> bool:
        """Whether work runs after the caller answers (the answer then says "pending")."""
        ...

    def evaluate(self, athlete_ids: Collection[int]) -> None:
        """Evaluate these athletes' committed pending work."""
        ...

    def scan_inbox(self) -> None: ...

    def deliver_webhooks(self) -> None: ...

    def close(self) -> None: ...


def change_hook(queue: JobQueue) -> ChangeHook:
    """What the API calls after a committed change: queue the athletes it touched."""

    def hook(change: Change) -> None:
        if change.touched:
            queue.evaluate(sorted(change.touched))

    return hook


def _safely(what: str, work: Callable[[], T]) -> T | None:
    try:
        return work()
    except Exception:
        # Logged, never raised into the caller: the change is stored, its pending row stays.
        log.exception("%s failed; its work stays pending", what)
        return None


class InlineJobs:
    """Runs the work at once, in the caller's thread."""

    deferred = False

    def __init__(self, store: Store, settings: Settings, client: httpx.Client | None = None):
        self.store, self.settings = store, settings
        self._client = client

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(follow_redirects=False)
        return self._client

    def evaluate(self, athlete_ids: Collection[int]) -> None:
        for aid in sorted(set(athlete_ids)):
            _safely(
                f"evaluating athlete {aid}",
                partial(job_work.evaluate_athlete, self.store, self.settings, aid),
            )

    def scan_inbox(self) -> None:
        touched = _safely("inbox scan", lambda: job_work.scan_inbox(self.store, self.settings))
        if isinstance(touched, list) and touched:
            self.evaluate(touched)

    def deliver_webhooks(self) -> None:
        _safely(
            "webhook delivery",
            lambda: job_work.deliver_webhooks(self.store, self.settings, self._http()),
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class InProcessJobs:
    """One background thread runs every job of this process, one at a time.

    An athlete's evaluation is due ``settle_s`` after their latest change, and never later than
    ``MAX_SETTLES`` settles after their first, so a burst of uploads is evaluated once and a
    steady stream still is.  The thread starts with the first job (an app built in a test and
    never served starts none)."""

    deferred = True
    MAX_SETTLES = 10

    def __init__(
        self,
        store: Store,
        settings: Settings,
        client: httpx.Client | None = None,
        *,
        settle_s: float | None = None,
        autostart: bool = True,
    ) -> None:
        self.store, self.settings = store, settings
        self.settle_s = settings.job_settle_s if settle_s is None else settle_s
        self._inline = InlineJobs(store, settings, client)
        self._cond = threading.Condition()
        self._due: dict[int, float] = {}  # athlete -> monotonic instant it may run
        self._first: dict[int, float] = {}
        self._inbox = self._webhooks = False
        self._running = 0
        self._closed = False
        self._autostart = autostart
        self._thread: threading.Thread | None = None
        self.runs: list[int] = []  # athletes evaluated, in order (what the tests count)

    # --- queueing -------------------------------------------------------------------------
    def evaluate(self, athlete_ids: Collection[int]) -> None:
        now = time.monotonic()
        with self._cond:
            for aid in athlete_ids:
                first = self._first.setdefault(aid, now)
                self._due[aid] = min(now + self.settle_s, first + self.MAX_SETTLES * self.settle_s)
            self._wake()

    def scan_inbox(self) -> None:
        with self._cond:
            self._inbox = True
            self._wake()

    def deliver_webhooks(self) -> None:
        with self._cond:
            self._webhooks = True
            self._wake()

    def _wake(self) -> None:
        self._cond.notify_all()
        if self._autostart and self._thread is None and not self._closed:
            self._thread = threading.Thread(target=self._loop, name="loadwatch-jobs", daemon=True)
            self._thread.start()

    # --- running --------------------------------------------------------------------------
    def _take(self, now: float, force: bool) -> tuple[list[int], bool, bool]:
        """Under the lock: the work due now (everything, with ``force``)."""
        ids = sorted(a for a, t in self._due.items() if force or t <= now)
        for aid in ids:
            del self._due[aid]
            self._first.pop(aid, None)
        inbox, hooks = self._inbox, self._webhooks
        self._inbox = self._webhooks = False
        return ids, inbox, hooks

    def _work(self, ids: list[int], inbox: bool, hooks: bool) -> None:
        if inbox:
            touched = _safely("inbox scan", lambda: job_work.scan_inbox(self.store, self.settings))
            if isinstance(touched, list):
                ids = sorted({*ids, *touched})
        evaluated = False
        for aid in ids:
            result = _safely(
                f"evaluating athlete {aid}",
                partial(job_work.evaluate_athlete, self.store, self.settings, aid),
            )
            if result is not None:
                self.runs.append(aid)
                evaluated = True
                if job_work.changed(result):
                    log.info(
                        "evaluated athlete %d from %s: flags %d new, %d updated, %d removed",
                        aid,
                        result.evaluated_from,
                        len(result.new_flag_ids),
                        len(result.updated_flag_ids),
                        result.removed,
                    )
        if hooks or evaluated:
            # An evaluation may have recorded an episode to announce.
            self._inline.deliver_webhooks()

    def run_due(self, *, force: bool = False) -> list[int]:
        """Run, in the calling thread, the work due now (all of it with ``force``); the
        athletes evaluated.  The loop's step, and a test's way to run the queue by hand."""
        with self._cond:
            ids, inbox, hooks = self._take(time.monotonic(), force)
            self._running += 1
        before = len(self.runs)
        try:
            self._work(ids, inbox, hooks)
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify_all()
        return self.runs[before:]

    def _next_wait(self) -> float | None:
        if self._inbox or self._webhooks:
            return 0.0
        if not self._due:
            return None
        return max(0.0, min(self._due.values()) - time.monotonic())

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (wait := self._next_wait()) != 0.0:
                    self._cond.wait(wait)
                if self._closed:
                    return
            self.run_due()

    def pending_count(self) -> int:
        with self._cond:
            return len(self._due)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or running; False when ``timeout`` passed first."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._due and not self._running and not self._inbox, timeout
            )

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=30)
        self._inline.close()


def make_queue(store: Store, settings: Settings) -> JobQueue:
    """The queue the settings name (``LOADWATCH_JOBS``; "auto": procrastinate on PostgreSQL,
    else a background thread)."""
    kind = settings.jobs
    if kind == "auto":
        kind = "procrastinate" if store.dialect == "postgresql" else "inprocess"
    if kind == "inline":
        return InlineJobs(store, settings)
    if kind == "procrastinate":
        from loadwatch.services.jobs_procrastinate import ProcrastinateJobs

        return ProcrastinateJobs(store, settings)
    return InProcessJobs(store, settings)
