"""Whether the scheduler still does its work: what ``/api/v1/health`` asks of it.

A trial's scheduler thread died on one failed write and the process went on answering 200
with every timer stopped; nothing but the job store's frozen times showed it.  So health does
not trust that the loop is alive: each timed job's runs are recorded as they end, and a job
with no run ending well in ``OVERDUE_TICKS`` of its intervals (never less than
``OVERDUE_FLOOR_S``, so one long evaluation after a big import, or a tick or two failing on a
locked database and retried, is not a failure) is overdue: whether it stopped running or fails
every time, its work is not being done."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

from loadwatch.clock import utcnow

OVERDUE_TICKS = 6
OVERDUE_FLOOR_S = 300.0


class Liveness(Protocol):
    """What health asks of whatever runs the background jobs in this process."""

    def problem(self, now: datetime | None = None) -> str | None:
        """Why the jobs are not being run, in one line; None while they are."""
        ...


def overdue_after(interval_s: float) -> timedelta:
    return timedelta(seconds=max(OVERDUE_TICKS * interval_s, OVERDUE_FLOOR_S))


class Heartbeat:
    """When each timed job last finished a run (thread-safe: runs end on executor threads)."""

    def __init__(self, intervals_s: Mapping[str, float], started: datetime) -> None:
        self.intervals_s = dict(intervals_s)
        self._cond = threading.Condition()
        self._last_ok: dict[str, datetime] = dict.fromkeys(self.intervals_s, started)
        self._last_end: dict[str, datetime] = dict.fromkeys(self.intervals_s, started)
        self._runs: dict[str, int] = dict.fromkeys(self.intervals_s, 0)
        self._failed: dict[str, int] = dict.fromkeys(self.intervals_s, 0)

    def restart(self, started: datetime) -> None:
        with self._cond:
            self._last_ok = dict.fromkeys(self.intervals_s, started)
            self._last_end = dict.fromkeys(self.intervals_s, started)

    def ran(self, job_id: str, *, failed: bool, at: datetime | None = None) -> None:
        with self._cond:
            if job_id not in self._runs:
                return  # the nightly pass: once a day, not a tick to watch
            when = at or utcnow()
            self._last_end[job_id] = when
            if not failed:
                self._last_ok[job_id] = when
            self._runs[job_id] += 1
            self._failed[job_id] += int(failed)
            self._cond.notify_all()

    def runs(self, job_id: str) -> tuple[int, int]:
        """(runs ended, of which failed) since the process started."""
        with self._cond:
            return self._runs[job_id], self._failed[job_id]

    def wait_runs(self, job_id: str, count: int, timeout_s: float) -> bool:
        """Wait until ``job_id`` has ended ``count`` runs; False if ``timeout_s`` passed
        first (a test's way to drive ticks without sleeping)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._runs[job_id] >= count, timeout_s)

    def overdue(self, now: datetime | None = None) -> str | None:
        """The first job with no run ended well for too long, said in one line (nothing from
        the error itself: health needs no token); None if none."""
        at = now or utcnow()
        with self._cond:
            for job_id, every in self.intervals_s.items():
                silent = at - self._last_ok[job_id]
                if silent <= overdue_after(every):
                    continue
                what = (
                    "has failed every run"
                    if self._last_end[job_id] > self._last_ok[job_id]
                    else "has not run"
                )
                return (
                    f"the scheduler's {job_id} job {what} for {int(silent.total_seconds())} s "
                    f"(it runs every {every:g} s; the log says why)"
                )
        return None
