"""Settings, read from ``LOADWATCH_*`` environment variables.

One pydantic model defines every setting (its type, default and validation); the environment
only supplies values, by name (``LOADWATCH_`` + the field's name, any case), and pydantic parses
them, as pydantic-settings did.  Not pydantic-settings itself: it costs every command about
50 ms of start-up (its sources, dotenv, argparse), a tenth of a data command's (issue #19)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from loadwatch.errors import ConfigError

# Where a store made before the platform default lived: still used when it exists, so that
# upgrading never hides a user's data.
LEGACY_DATA_DIR = "loadwatch-data"


def default_data_dir() -> Path:
    """``./loadwatch-data`` when it exists (a store made there earlier, or on purpose), else the
    platform's user data dir (``~/.local/share/loadwatch`` on Linux, ``~/Library/Application
    Support/loadwatch`` on macOS, ``%LOCALAPPDATA%\\loadwatch`` on Windows).
    ``LOADWATCH_DATA_DIR`` beats both."""
    here = Path.cwd() / LEGACY_DATA_DIR
    if here.is_dir():
        return here
    from platformdirs import user_data_path

    return user_data_path("loadwatch", appauthor=False)


def default_demo_base() -> Path:
    """Where ``loadwatch demo`` builds its throwaway store (``<it>/demo``, wiped every run) when
    no data dir is named: the platform's user cache dir, never the user data dir that holds
    the real store."""
    from platformdirs import user_cache_path

    return user_cache_path("loadwatch", appauthor=False)


ENV_PREFIX = "LOADWATCH_"


def from_environment(
    names: Iterable[str], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The raw values the environment gives these settings: ``LOADWATCH_<NAME>`` in any case
    (pydantic-settings' rule), unparsed."""
    env = {k.lower(): v for k, v in (os.environ if environ is None else environ).items()}
    prefix = ENV_PREFIX.lower()
    return {name: env[prefix + name] for name in names if prefix + name in env}


class Settings(BaseModel):
    # validate_default: a default passes the same validation as a value from the environment.
    model_config = ConfigDict(extra="ignore", validate_default=True)

    def __init__(self, **values: Any) -> None:
        """Values given here beat the environment's."""
        super().__init__(**{**from_environment(type(self).model_fields), **values})

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    inbox: Path | None = None
    scheduler: bool = True
    demo: bool = False
    default_timezone: str = "UTC"
    # Evaluate as if today were this day (demos, replaying an old season); None = the real date.
    as_of: date | None = None

    # Limits on what a user can hand us.  They guard memory and disk, not correctness.
    max_file_bytes: int = 64 * 1024 * 1024
    max_upload_bytes: int = 512 * 1024 * 1024
    max_files_per_upload: int = 500
    max_archive_members: int = 20_000
    max_archive_total_bytes: int = 4 * 1024 * 1024 * 1024
    max_compression_ratio: float = 200.0
    max_archive_depth: int = 3
    # Per API upload (see services/upload_budget.py): CPU seconds spent reading and decoding,
    # and raw bytes kept of files that gave no activity (failed, not an activity): beyond it
    # such files are still reported and recorded, only their bytes are not kept.
    max_upload_cpu_s: float = 60.0
    max_failed_kept_bytes: int = 32 * 1024 * 1024
    # Raw bytes stored per athlete through the API (uploads past it: 413, or the file refused).
    athlete_quota_bytes: int = 2 * 1024 * 1024 * 1024

    # Scheduler and webhooks.  One scheduler process per deployment (see README).
    evaluate_interval_s: float = 10.0
    inbox_interval_s: float = 60.0
    inbox_min_age_s: float = 5.0  # a file younger than this may still be being copied
    deliver_interval_s: float = 15.0
    nightly_hour_utc: int = 2
    # Where evaluations, inbox scans and webhook deliveries run (docs/scale.md): "auto" is
    # procrastinate on PostgreSQL (any number of `loadwatch worker`) and a background thread
    # in the serving process on SQLite; "inline" runs them in the caller before it answers.
    jobs: Literal["auto", "inline", "inprocess", "procrastinate"] = "auto"
    # A change waits this long for more of the same athlete's changes before it is evaluated,
    # so a burst of uploads (a sync of 40 files) is evaluated once.
    job_settle_s: float = Field(default=1.0, ge=0.0)
    # Jobs one `loadwatch worker` runs at once (each holds one database connection).
    worker_concurrency: int = Field(default=2, ge=1)
    # Finished queue jobs (failed, cancelled; succeeded ones when kept) and their events are
    # deleted this long after they finished, by the hourly ``purge`` job (docs/scale.md).
    queue_retention_hours: int = Field(default=72, ge=1)
    # A receiver answers a webhook quickly or not at all: a short timeout, and at most this much
    # of its answer is read, so a slow or chatty receiver cannot tie up the scheduler.
    webhook_timeout_s: float = 5.0
    webhook_max_response_bytes: int = 64 * 1024
    # Webhook targets (see docs/webhooks.md): https to public addresses only, unless the admin
    # allows plain http and/or names in-house receivers (host names or CIDRs, comma-separated).
    webhook_allow_http: bool = False
    webhook_allow_hosts: tuple[str, ...] = ()  # from the environment: "a, b" or "a b"
    webhook_base_delay_s: float = 30.0
    webhook_max_delay_s: float = 3600.0
    webhook_max_attempts: int = 12
    # Notify about an athlete's flags once their uploads have been quiet this long: a first
    # sync of a long history is evaluated many times on the way, and only the settled result
    # should reach a coach.
    webhook_quiet_s: float = 60.0
    # Where people reach this server (``https://loadwatch.example.org``): notifications link to
    # the athlete's page there.  None: messages carry no link.
    public_url: str | None = None
    # Concurrency, per process: database connections, and the API's worker threads (kept to
    # the same number so a thread never waits for a connection another thread holds), and
    # uploads decoded at once (CPU-bound: about the cores); a request waits this long for a
    # slot, then gets 503 with Retry-After.
    db_pool_size: int = 20
    api_threads: int = 20
    import_slots: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1))
    import_wait_s: float = 30.0
    # Processes that decode and summarise files during one import (CLI, API upload, inbox;
    # see services/decode_ahead.py): all cores by default; 1 keeps everything in-process.
    import_workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1)
    admission_wait_s: float = 10.0

    # A flag first raised more than this many days after its date is history, not news
    # (rules.episodes.classify; default rules.episodes.HISTORIC_DAYS).
    historic_days: int = Field(default=14, ge=0)

    @field_validator("webhook_allow_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(p for p in (x.strip() for x in value.replace(" ", ",").split(",")) if p)
        return value

    @field_validator("webhook_allow_hosts")
    @classmethod
    def _valid_hosts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            return value  # the default: no need for the address parsing (netguard, ipaddress)
        from loadwatch.netguard import parse_allow_entry

        for entry in value:
            parse_allow_entry(entry)  # ValueError names the bad entry
        return value

    # Read before ``_resolve`` assigns data_dir (an assignment counts as "set").
    _data_dir_chosen: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _resolve(self) -> Settings:
        self._data_dir_chosen = "data_dir" in self.model_fields_set
        self.data_dir = self.data_dir.expanduser().resolve()
        if self.inbox is not None:
            self.inbox = self.inbox.expanduser().resolve()
        return self

    @property
    def data_dir_chosen(self) -> bool:
        """Whether the data dir was named (``LOADWATCH_DATA_DIR`` or an argument) rather than
        the default: a store created in the default is announced, as the user never said
        where it should go."""
        return self._data_dir_chosen

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'loadwatch.db'}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def stream_dir(self) -> Path:
        return self.data_dir / "streams"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings; a bad ``LOADWATCH_*`` value is a one-line ``ConfigError``."""
    try:
        return Settings()
    except ValidationError as e:
        problems = "; ".join(
            f"LOADWATCH_{'_'.join(str(p) for p in err['loc']).upper()}: "
            f"{err['msg'].removeprefix('Value error, ')}"
            for err in e.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from e
