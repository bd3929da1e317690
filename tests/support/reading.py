"""Tests read through the services as a command does: one session for the read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from loadwatch.store.db import Store

_T = TypeVar("_T")


def read(store: Store, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """``fn(session, *args, **kwargs)`` in one read session of ``store``."""
    with store.sessions() as s:
        return fn(s, *args, **kwargs)
