"""What the app's routes share: the store, the settings and the after-import hook."""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio

from loadwatch.api.login_limit import FailedLogins
from loadwatch.config import Settings
from loadwatch.scheduler.liveness import Liveness
from loadwatch.services.changes import ChangeHook
from loadwatch.services.jobs import JobQueue
from loadwatch.store.db import Store


@dataclass
class AppState:
    store: Store
    settings: Settings
    # Called after every change that needs re-evaluation (an upload, a deletion, new
    # thresholds); the pending rows are already committed when it runs.
    on_import: ChangeHook
    # Where that work runs (services/jobs.py); deferred queues make uploads answer "pending".
    jobs: JobQueue
    # Uploads decoded at once (CPU-bound); the rest wait here, on the event loop, holding no
    # worker thread and no connection.
    import_slots: anyio.Semaphore = field(default_factory=lambda: anyio.Semaphore(1))
    # Bad bearer tokens per client address and token prefix (``api/login_limit.py``).
    failed_logins: FailedLogins = field(default_factory=FailedLogins)
    # The timers this process runs (``loadwatch serve`` on the embedded store), which health
    # watches; None where another process runs them.
    scheduler: Liveness | None = None
