"""The one columnar shape every decoder produces.

A ``Track`` is one recorded activity (one FIT session, one GPX file's tracks, one TCX
Activity): a polars frame of samples with the columns of ``SAMPLE_SCHEMA`` (nulls where the
device did not record a channel) plus metadata, including the totals the device itself wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np
import polars as pl

from loadwatch.errors import CorruptFile
from loadwatch.ingest.sports import RUNNING_SPORTS, SPORTS

__all__ = [
    "RUNNING_SPORTS",  # the sport vocabulary lives in ingest.sports
    "SAMPLE_SCHEMA",
    "SPORTS",
    "DeviceTotals",
    "Format",
    "Track",
    "conform_samples",
    "empty_samples",
    "validate_samples",
]

Format = Literal["fit", "gpx", "tcx", "csv"]


SAMPLE_SCHEMA: dict[str, pl.DataType] = {
    "time": pl.Datetime("us", "UTC"),
    "lat": pl.Float64(),  # degrees WGS84
    "lon": pl.Float64(),
    "distance": pl.Float64(),  # cumulative metres as recorded by the device (wheel/foot pod/GPS)
    "altitude": pl.Float64(),  # metres (enhanced altitude preferred)
    "speed": pl.Float64(),  # m/s as recorded by the device
    "heart_rate": pl.Float64(),  # bpm
    "cadence": pl.Float64(),  # steps or revolutions per minute as recorded
    # 0-based GPX track/segment or TCX track: the gap between two segments is not distance.
    "segment": pl.Int32(),
}


def empty_samples() -> pl.DataFrame:
    return pl.DataFrame(schema=SAMPLE_SCHEMA)


def _as_is(df: pl.DataFrame) -> pl.DataFrame | None:
    """The frame's schema columns taken as they are, where no cast or sort would change them
    (every column present with its type, or a float column absent; times present and sorted);
    None where the query must run."""
    columns = []
    for name, dtype in SAMPLE_SCHEMA.items():
        have = df.schema.get(name)
        if have == dtype:
            columns.append(df.get_column(name))
        elif have is None and dtype == pl.Float64:
            columns.append(pl.Series(name, np.full(df.height, np.nan), nan_to_null=True))
        else:
            return None
    time = columns[0]
    if time.null_count() or not time.is_sorted():
        return None
    return pl.DataFrame(columns)


def conform_samples(df: pl.DataFrame) -> pl.DataFrame:
    """Add missing columns as nulls, cast to the schema, order columns, sort by time.

    Decoders call this on the way out so every Track has exactly ``SAMPLE_SCHEMA``.  A frame
    whose columns need nothing but picking (the usual case: decoders build typed, time-ordered
    columns) is picked without a query; any other goes through one (a decoder's frame is
    small: the fixed cost of a query is what it pays).
    """
    picked = _as_is(df)
    if picked is not None:
        return picked
    columns = [
        pl.col(c).cast(t, strict=False) if c in df.columns else pl.lit(None, dtype=t).alias(c)
        for c, t in SAMPLE_SCHEMA.items()
    ]
    try:
        return (
            df.lazy()
            .select(columns)
            .filter(pl.col("time").is_not_null())
            .sort("time", maintain_order=True)
            .collect()
        )
    except pl.exceptions.PolarsError as e:  # pragma: no cover - decoders build typed columns
        raise CorruptFile(f"samples do not fit the track schema: {e}") from e


def validate_samples(df: pl.DataFrame) -> None:
    """Raise ``ValueError`` when a frame handed between stages is not ``SAMPLE_SCHEMA``."""
    if dict(df.schema) != SAMPLE_SCHEMA:
        raise ValueError(f"track samples schema mismatch: {dict(df.schema)} != {SAMPLE_SCHEMA}")


@dataclass(frozen=True, slots=True)
class DeviceTotals:
    """What the device itself wrote in its session message (FIT) or laps (TCX). None = absent."""

    distance_m: float | None = None
    timer_time_s: float | None = None
    elapsed_time_s: float | None = None
    ascent_m: float | None = None
    descent_m: float | None = None
    max_speed_mps: float | None = None
    avg_hr: float | None = None
    max_hr: float | None = None


@dataclass(frozen=True, slots=True)
class Track:
    format: Format
    sport: str  # one of SPORTS
    samples: pl.DataFrame  # SAMPLE_SCHEMA
    start_time: datetime | None = None  # UTC, tz-aware; the session start when the device wrote one
    utc_offset_s: int | None = None  # from the device (FIT activity.local_timestamp) when known
    device: str | None = None
    totals: DeviceTotals = field(default_factory=DeviceTotals)
    session_index: int = 0  # position within a multi-session file
    name: str | None = None  # the activity's title when the file has one
    warnings: tuple[str, ...] = ()  # defects a lenient read recovered from
    # None: the file declared ``sport``; else ``sport`` is a guess and this says how it was
    # made (the same text is in ``warnings``), so a declaration from elsewhere can replace it.
    sport_guess: str | None = None

    def __post_init__(self) -> None:
        validate_samples(self.samples)
        if self.sport not in SPORTS:
            raise ValueError(f"unknown sport {self.sport!r}")
