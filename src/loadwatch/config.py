"""Settings, read from ``LOADWATCH_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

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

    # Limits on what a user can hand us.  They guard memory and disk, not correctness.
    max_file_bytes: int = 64 * 1024 * 1024
    max_upload_bytes: int = 512 * 1024 * 1024
    max_files_per_upload: int = 500
    max_archive_members: int = 20_000
    max_archive_total_bytes: int = 4 * 1024 * 1024 * 1024
    max_compression_ratio: float = 200.0
    max_archive_depth: int = 3

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
