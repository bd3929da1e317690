"""Decoding ahead in a process pool, for imports of many files.

``analyse`` is a pure function of the bytes and three settings of the athlete, so the members
after the ones being stored are decoded ahead in worker processes (``decode_worker``) while
the writer stores a batch; the writer (``services.import_writer``) still takes every member in
input order and uses a result only when it was computed for the settings it would use itself
(else it decodes in-process), so outcomes are exactly those of a serial import.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from loadwatch.errors import LoadwatchError
from loadwatch.ingest.analysis import AnalysisJob, DecoderCrash, ready
from loadwatch.ingest.containers.sources import Member
from loadwatch.services.decode_worker import PackedFile, pack, run_packed, watch_parent
from loadwatch.services.upload_budget import UploadBudget
from loadwatch.store import files as file_store
from loadwatch.store.blobs import sha256_of
from loadwatch.store.db import Store

log = logging.getLogger(__name__)


class Writer(Protocol):
    """What decoding ahead needs of the athlete being imported into."""

    @property
    def id(self) -> int: ...
    @property
    def tz_name(self) -> str: ...
    @property
    def fast_speed_mps(self) -> float | None: ...


W = TypeVar("W", bound=Writer)


POOL_MIN_FILES = 32  # the pool starts once an input has shown this many members
AHEAD_PER_WORKER = 2  # members read and decoded ahead of the writer, per worker
# Members are held in memory while they wait: whatever their count, reading ahead stops once
# this many bytes wait (an archive of 64 MiB files must not hold a batch of them at once).
READ_AHEAD_BYTES = 128 * 1024 * 1024


def read_ahead(workers: int, batch: int) -> int:
    """How many members are read beyond the one the writer takes: the rest of its batch, and
    ``AHEAD_PER_WORKER`` per worker for the pool to decode while the writer writes."""
    return max(batch - 1, 0) + (AHEAD_PER_WORKER * workers if workers > 1 else 0)


def declared(member: Member) -> str | None:
    return member.meta.get("strava_type") or None


@dataclass(slots=True)
class Ahead:
    job: AnalysisJob
    want_zone: bool
    future: Future[tuple[PackedFile | LoadwatchError, float]]

    def result(self, budget: UploadBudget | None) -> PackedFile:
        if self.future.cancel():  # no worker has started it (still starting up): do it here
            return pack(self.job.run(), want_zone=self.want_zone)
        try:
            result, cpu_s = self.future.result()
        except BrokenProcessPool as e:
            drop_pool()
            raise DecoderCrash(f"internal decoder error: the decoding process died ({e})") from e
        if budget is not None:
            budget.cpu_used += cpu_s
        if isinstance(result, LoadwatchError):
            raise result
        return result


_pool_lock = threading.Lock()
_pool: tuple[int, ProcessPoolExecutor, list[Future[bool]]] | None = None


def get_pool(workers: int) -> tuple[ProcessPoolExecutor, list[Future[bool]]]:
    """The process's pool (shared by concurrent imports, e.g. API uploads), started on first
    use, and one future per worker that is done once that worker has started.  ``spawn``: a
    forked child would inherit polars' and SQLAlchemy's threads and locks."""
    global _pool
    with _pool_lock:
        if _pool is not None and _pool[0] == workers:
            return _pool[1], _pool[2]
        if _pool is not None:
            _pool[1].shutdown(wait=False, cancel_futures=True)
        executor = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=watch_parent,
            initargs=(os.getpid(),),
        )
        started = [executor.submit(ready) for _ in range(workers)]
        _pool = (workers, executor, started)
        return executor, started


def drop_pool(*, wait: bool = False) -> None:
    """Stop the pool (``wait``: until its workers have exited, e.g. to count their usage)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool[1].shutdown(wait=wait, cancel_futures=True)
        _pool = None


atexit.register(drop_pool)


def import_workers(workers: int | None) -> int:
    """Worker processes for an import: as given, else the ``import_workers`` setting."""
    if workers is not None:
        return max(1, workers)
    from loadwatch.config import get_settings

    try:
        return get_settings().import_workers
    except LoadwatchError:  # settings the caller already reads elsewhere: not our error
        return 1


@dataclass(slots=True)
class Read:
    member: Member | None  # None: the input ended
    cpu_s: float  # this thread's CPU time for reading it (an archive expands lazily)
    sha: str | None = None  # of the member's bytes, when it has any
    # The store held no row for these bytes when they were read, and no member before holds
    # the same bytes: only this import could add one, so the writer need not look again.
    fresh: bool = False
    checked: bool = False  # looked up in the store (with the members read alongside)
    ahead: Ahead | None = None
    considered: bool = False  # for decoding ahead (a duplicate is not decoded ahead)


class Lookahead(Generic[W]):
    """The members, read at most ``depth`` ahead of the writer and no more than
    ``READ_AHEAD_BYTES`` of them (memory stays bounded whatever the archive and its files'
    sizes) and decoded ahead in the pool.  The writer stores ``batch`` members per
    transaction, so that many are read ahead (and looked up in the store with one query) and
    the pool decodes ``AHEAD_PER_WORKER`` per worker beyond them while a batch is written.
    The pool starts once the input has shown ``POOL_MIN_FILES`` members and has more: small
    inputs never start it.  Duplicates already in the store are not decoded ahead."""

    def __init__(
        self,
        store: Store,
        athlete: Callable[[], W],
        members: Iterator[Member],
        workers: int,
        *,
        batch: int = 1,
        want_zone: Callable[[], bool] = lambda: False,
    ) -> None:
        self.store, self.athlete, self.members = store, athlete, members
        self.want_zone = want_zone
        self.workers = workers
        self.batch_depth = max(batch - 1, 0)
        self.depth = read_ahead(workers, batch)
        self.broken = False  # a worker died: the rest is decoded in-process
        self.queue: deque[Read] = deque()
        self.count = 0
        self.ended = False
        self.pool: ProcessPoolExecutor | None = None
        self.started: list[Future[bool]] = []
        self.shas: set[str] = set()
        self.submitted = 0

    def _read_one(self) -> None:
        start = time.thread_time()
        member = next(self.members, None)
        sha = sha256_of(member.data) if member is not None and member.data is not None else None
        self.queue.append(Read(member, time.thread_time() - start, sha))
        self.ended = member is None
        self.count += member is not None

    def _held(self) -> int:
        return sum(len(r.member.data or b"") for r in self.queue if r.member is not None)

    def _check(self) -> None:
        """Look the members just read up in the store, in one query."""
        items = [r for r in self.queue if not r.checked]
        for r in items:
            r.checked = True
        shas = {r.sha for r in items if r.sha is not None and r.sha not in self.shas}
        rows = {}
        if shas:
            with self.store.sessions() as session:
                rows = file_store.files_by_sha(session, self.athlete().id, shas)
        for r in items:
            if r.sha is None:
                continue
            if r.sha in self.shas:
                r.considered = True  # a repeat within this input: the writer finds the first one
                continue
            self.shas.add(r.sha)
            r.fresh = r.sha not in rows
            seen = rows.get(r.sha)
            if seen is not None and seen.status != "failed":
                r.considered = True  # a duplicate: nothing to decode

    def _submit(self, item: Read) -> None:
        """Hand a member to the pool: one read with bytes, the first with them in this input,
        not already stored (``_check`` marked the others considered)."""
        item.considered = True
        m = item.member
        if self.pool is None or m is None or m.data is None or m.error is not None:
            return
        assert item.sha is not None
        athlete = self.athlete()
        job = AnalysisJob(
            m.data, m.name, item.sha, athlete.fast_speed_mps, athlete.tz_name, declared(m)
        )
        want_zone = self.want_zone()
        try:
            future = self.pool.submit(run_packed, job, want_zone)
        except BrokenProcessPool:  # a worker died earlier: the rest is decoded in-process
            drop_pool()
            self.pool, self.depth, self.broken = None, self.batch_depth, True
            return
        item.ahead = Ahead(job, want_zone, future)
        self.submitted += 1

    def next(self) -> Read:
        # Until the workers have started (a second or more of imports each), the writer
        # goes on decoding in-process: a job handed to the pool would only wait.
        ready = self.pool is not None and all(f.done() for f in self.started)
        depth = self.depth if ready else self.batch_depth
        # Refilled a batch at a time, so the members read are looked up in one query; what
        # the pool decodes beyond the batch keeps it busy while the writer writes.
        if len(self.queue) <= depth - self.batch_depth:
            while not self.ended and len(self.queue) <= depth:
                if self.queue and self._held() >= READ_AHEAD_BYTES:
                    break
                self._read_one()
        start = self.workers > 1 and not self.broken and self.count >= POOL_MIN_FILES
        if self.pool is None and start and not self.ended:
            self.pool, self.started = get_pool(self.workers)
        self._check()
        if ready:
            for item in self.queue:
                if not item.considered:
                    self._submit(item)
        return self.queue.popleft()

    def close(self) -> None:
        if self.pool is not None:
            log.debug(
                "%d of %d files handed to %d worker processes", self.submitted, self.count,
                self.workers,
            )  # fmt: skip
        for item in self.queue:
            if item.ahead is not None:
                item.ahead.future.cancel()
        self.queue.clear()
