"""Content-addressed raw bytes and Parquet sample streams under the data dir.

Raw uploads are written before anything parses them, so nothing a user sends is ever lost,
whatever the decoder thinks of it.  Writes go to a temp file and are renamed into place, so a
crash never leaves a half-written blob under its final name.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

import polars as pl

from loadwatch.errors import StoreError
from loadwatch.ingest.track import SAMPLE_SCHEMA, validate_samples


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _atomic_write(path: Path, write: object) -> None:
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
            _atomic_write(p, lambda f: f.write(data))
        return sha

    def get(self, sha: str) -> bytes:
        try:
            return self.path(sha).read_bytes()
        except OSError as e:
            raise StoreError(f"raw file {sha} is missing from the blob store: {e}") from e


def encode_stream(samples: pl.DataFrame) -> bytes:
    """The samples as the stream file's bytes (what ``StreamStore.put`` writes): made where
    the samples are decoded (a worker process), so the writer only writes them."""
    validate_samples(samples)
    buf = io.BytesIO()
    samples.write_parquet(buf, compression="zstd")
    return buf.getvalue()


class StreamStore:
    """Decoded samples as Parquet, ``<root>/<sha[:2]>/<sha>-<session>.parquet``, so re-analysis
    never re-parses a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def relpath(self, sha: str, session_index: int) -> str:
        return f"{sha[:2]}/{sha}-{session_index}.parquet"

    def put(self, sha: str, session_index: int, samples: pl.DataFrame) -> str:
        return self.put_encoded(sha, session_index, encode_stream(samples))

    def put_encoded(self, sha: str, session_index: int, stream: bytes) -> str:
        """Write a stream ``encode_stream`` made; its path relative to the stream root."""
        rel = self.relpath(sha, session_index)
        _atomic_write(self.root / rel, lambda f: f.write(stream))
        return rel

    def get(self, rel: str) -> pl.DataFrame:
        try:
            df = pl.read_parquet(self.root / rel)
        except (OSError, pl.exceptions.PolarsError) as e:
            raise StoreError(f"stream {rel} unreadable: {e}") from e
        return df.select([pl.col(c).cast(t) for c, t in SAMPLE_SCHEMA.items()])
