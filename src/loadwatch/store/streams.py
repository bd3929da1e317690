"""Decoded samples as Parquet under the data dir, one file per session of a received file."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from loadwatch.errors import StoreError
from loadwatch.ingest.track import SAMPLE_SCHEMA, validate_samples
from loadwatch.store.blobs import atomic_write


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
        atomic_write(self.root / rel, lambda f: f.write(stream))
        return rel

    def get(self, rel: str) -> pl.DataFrame:
        try:
            df = pl.read_parquet(self.root / rel)
        except (OSError, pl.exceptions.PolarsError) as e:
            raise StoreError(f"stream {rel} unreadable: {e}") from e
        return df.select([pl.col(c).cast(t) for c, t in SAMPLE_SCHEMA.items()])
