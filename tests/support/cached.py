"""Results of slow, pure reference computations kept between runs, keyed by everything they
depend on: the input's bytes, the reference library's version and the reference code itself.
A changed input, library or reference function is a new key, so a stale result is never read.

They live in pytest's cache directory (``.pytest_cache/d/<namespace>/``), or under
``$LOADWATCH_TEST_CACHE`` when set (a directory that outlives a fresh clone, for CI); without
either (``-p no:cacheprovider``) every result is simply computed."""

from __future__ import annotations

import hashlib
import inspect
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")


def key_of(data: bytes, *parts: Any) -> str:
    """A hex key of ``data`` and ``parts``.  A function counts by the source of its whole
    module, not its own text alone: a changed helper it calls is a new key too.  What it
    calls outside its module must be pinned by the other parts (a library's version)."""
    h = hashlib.sha256(data)
    for p in parts:
        text = inspect.getsource(inspect.getmodule(p) or p) if callable(p) else repr(p)
        h.update(b"\0" + text.encode())
    return h.hexdigest()


def cached(config: pytest.Config, namespace: str, key: str, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned for ``key`` in an earlier run."""
    root = os.environ.get("LOADWATCH_TEST_CACHE")
    cache = getattr(config, "cache", None)
    if root:
        directory = Path(root) / namespace
        directory.mkdir(parents=True, exist_ok=True)
    elif cache is not None:
        directory = cache.mkdir(namespace)
    else:
        return compute()
    path = directory / f"{key}.pickle"
    if path.is_file():
        try:
            result: T = pickle.loads(path.read_bytes())
            return result
        except Exception:  # a torn or foreign file: compute it again
            pass
    result = compute()
    # Written whole then renamed: another xdist worker never reads half a file.
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)
    return result
