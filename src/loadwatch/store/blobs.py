"""Content-addressed raw bytes under the data dir (the decoded sample streams beside them are
``store/streams.py``: they need polars, which a command reading the database never does).

Raw uploads are written before anything parses them, so nothing a user sends is ever lost,
whatever the decoder thinks of it.  Writes go to a temp file and are renamed into place, so a
crash never leaves a half-written blob under its final name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from loadwatch.errors import StoreError


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, write: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)  # type: ignore[operator]
        Path(tmp).replace(path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise StoreError(f"cannot write {path}: {e}") from e


class BlobStore:
    """``<root>/<sha[:2]>/<sha>``: the original bytes of every file received."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha

    def put(self, data: bytes, sha: str | None = None) -> str:
        """Keep ``data`` under its hash (``sha``: already computed by the caller)."""
        sha = sha or sha256_of(data)
        p = self.path(sha)
        if not p.exists():
            atomic_write(p, lambda f: f.write(data))
        return sha

    def get(self, sha: str) -> bytes:
        try:
            return self.path(sha).read_bytes()
        except OSError as e:
            raise StoreError(f"raw file {sha} is missing from the blob store: {e}") from e
