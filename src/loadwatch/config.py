"""Settings, read from ``LOADWATCH_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path.cwd() / "loadwatch-data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOADWATCH_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
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

    # Scheduler and webhooks.  One scheduler process per deployment (see README).
    evaluate_interval_s: float = 10.0
    inbox_interval_s: float = 60.0
    inbox_min_age_s: float = 5.0  # a file younger than this may still be being copied
    deliver_interval_s: float = 15.0
    nightly_hour_utc: int = 2
    webhook_timeout_s: float = 10.0
    webhook_base_delay_s: float = 30.0
    webhook_max_delay_s: float = 3600.0
    webhook_max_attempts: int = 12
    # Notify about an athlete's flags once their uploads have been quiet this long: a first
    # sync of a long history is evaluated many times on the way, and only the settled result
    # should reach a coach.
    webhook_quiet_s: float = 60.0
    # A flag first raised more than this many days after its date is history, not news
    # (rules.episodes.classify; default rules.episodes.HISTORIC_DAYS).
    historic_days: int = Field(default=14, ge=0)

    @model_validator(mode="after")
    def _resolve(self) -> Settings:
        self.data_dir = self.data_dir.expanduser().resolve()
        if self.inbox is not None:
            self.inbox = self.inbox.expanduser().resolve()
        return self

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
    return Settings()
