"""What one upload may cost: CPU seconds, kept bytes of files that gave no activity, and the
athlete's storage quota.  An import without a budget (the CLI, the admin's inbox) is bounded
only by the archive limits in ``ingest.sources``; the API gives every request one.

The CPU clock is the importing thread's own (``time.thread_time``), so a busy machine does not
eat into an upload's budget, only the work done for it.  It is checked between files: a file
that has started finishes, so at most one file's work runs past the budget, and nothing already
accepted is undone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from loadwatch.config import Settings
from loadwatch.errors import InputTooLarge
from loadwatch.store import usage
from loadwatch.store.db import Store


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n < (1 << 30) else f"{n / (1 << 30):.1f} GiB"


@dataclass
class UploadBudget:
    cpu_s: float
    failed_kept_bytes: int
    quota_bytes: int | None = None  # the athlete's storage quota
    quota_used: int = 0  # stored for the athlete before and during this upload
    cpu_used: float = 0.0
    failed_kept: int = 0

    @classmethod
    def for_upload(cls, settings: Settings, *, stored_bytes: int) -> UploadBudget:
        return cls(
            cpu_s=settings.max_upload_cpu_s,
            failed_kept_bytes=settings.max_failed_kept_bytes,
            quota_bytes=settings.athlete_quota_bytes,
            quota_used=stored_bytes,
        )

    @contextmanager
    def measure(self) -> Iterator[None]:
        start = time.thread_time()
        try:
            yield
        finally:
            self.cpu_used += time.thread_time() - start

    @property
    def cpu_spent(self) -> bool:
        return self.cpu_used >= self.cpu_s

    def cpu_reason(self) -> str:
        return (
            f"not read: this upload used its {self.cpu_s:g} s of CPU (limit max_upload_cpu_s); "
            "send the remaining files in another request"
        )

    def may_keep_failed(self, n: int) -> bool:
        return self.failed_kept + n <= self.failed_kept_bytes

    def kept_failed(self, n: int) -> None:
        self.failed_kept += n

    def not_kept_note(self) -> str:
        return (
            f"raw bytes not kept: this upload's files without an activity already use "
            f"{_mib(self.failed_kept)} (limit max_failed_kept_bytes)"
        )

    def quota_allows(self, n: int) -> bool:
        return self.quota_bytes is None or self.quota_used + n <= self.quota_bytes

    def stored(self, n: int) -> None:
        self.quota_used += n

    def quota_reason(self) -> str:
        assert self.quota_bytes is not None
        return (
            f"athlete storage quota reached: {_mib(self.quota_used)} of "
            f"{_mib(self.quota_bytes)} used (limit athlete_quota_bytes)"
        )


def start_budget(store: Store, settings: Settings, athlete_id: int) -> UploadBudget:
    """This request's budget; ``InputTooLarge`` (413) when the athlete's quota is already full,
    before a byte of the body is read."""
    with store.sessions() as session:
        used = usage.stored_bytes(session, athlete_id)
    budget = UploadBudget.for_upload(settings, stored_bytes=used)
    if not budget.quota_allows(1):
        raise InputTooLarge(budget.quota_reason())
    return budget
