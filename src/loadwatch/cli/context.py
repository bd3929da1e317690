"""What a command opens — the settings and the store — imported when a command runs, not when
the CLI is built: the settings (pydantic) and SQLAlchemy cost more than a second of start-up between
them, which ``loadwatch --help``, ``inspect`` and ``sync`` never need (issue #9)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loadwatch.config import Settings
    from loadwatch.store.db import Store


def get_settings() -> Settings:
    from loadwatch.config import get_settings as settings

    return settings()


def open_store(settings: Any = None) -> Store:
    from loadwatch.store.db import open_store as store

    return store(settings)
