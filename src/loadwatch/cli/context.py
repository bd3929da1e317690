"""What a command opens — the settings and the store — imported when a command runs, not when
the CLI is built: the settings (pydantic) and SQLAlchemy cost more than a second of start-up between
them, which ``loadwatch --help``, ``inspect`` and ``sync`` never need (issue #9)."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
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


# pydantic's switch: with it set, a model built finds no plugins without looking for them.
PLUGINS_OFF = "PYDANTIC_DISABLE_PLUGINS"


@contextmanager
def no_model_plugins() -> Iterator[None]:
    """The pydantic models a data command builds (its settings, its output's schemas) go
    without pydantic's plugins: finding them scans the metadata of every installed distribution,
    about 30 ms of a command that must stay under half a second (issue #19), for plugins
    (tracing validations) that a command which reads, prints and exits has no use for.  Typer
    builds its own parameters' models the same way.  A user's own setting of the switch is
    kept, and the environment is restored after, so that a process running many commands (a
    test run) is left as it was."""
    if PLUGINS_OFF in os.environ:
        yield
        return
    os.environ[PLUGINS_OFF] = "__all__"
    try:
        yield
    finally:
        os.environ.pop(PLUGINS_OFF, None)


@contextmanager
def no_cycle_collector() -> Iterator[None]:
    """Python's cycle collector off while the CLI starts and a data command runs: importing
    typer, rich, SQLAlchemy and pydantic and building the models allocates some 60,000 objects
    that all live until exit, and the collector, run every 700 allocations, walks them again
    and again (~115 passes, 20-50 ms of a data command, issue #19) to find no garbage.  A data
    command reads a few rows, prints and exits: what cycles it leaves are freed at exit.  The
    collector's state is restored after (a test run's process runs many commands), and it is
    left as it was for the commands that run long (import, serve, the scheduler)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
