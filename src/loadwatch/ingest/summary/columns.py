"""A Track's sample columns as numpy arrays, converted once per Track.

Every step of the summary (clock recovery, cleaning, steps, speeds, elevation, heart rate,
the time zone) reads the same few columns.  Reading each through a polars expression costs a
query plan and a collect per read (about 30 per file, a fixed cost that dominated small files);
``SampleArrays.of`` takes each column once, without a query: a float column's nulls become NaN
(where a summary number treats them alike) and the time column is read as epoch microseconds.
The arrays are zero-copy views where polars allows it, so they are read-only: a step that
changes values works on its own copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FLOAT_COLUMNS = ("lat", "lon", "distance", "altitude", "speed", "heart_rate", "cadence")


def _floats(series: pl.Series) -> FloatArray:
    if series.dtype != pl.Float64:
        series = series.cast(pl.Float64)
    return np.asarray(series.to_numpy(), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class SampleArrays:
    t_us: IntArray  # epoch microseconds (the ``time`` column, UTC)
    seg: IntArray  # ``segment``, a missing one read as 0
    floats: dict[str, FloatArray]  # FLOAT_COLUMNS, NaN where null

    @classmethod
    def of(cls, df: pl.DataFrame) -> SampleArrays:
        """The columns of a ``SAMPLE_SCHEMA`` frame (times never null: ``conform_samples``)."""
        t = df.get_column("time").to_numpy()
        t_us = t.view(np.int64) if t.dtype == np.dtype("datetime64[us]") else t.astype(np.int64)
        segment = df.get_column("segment")
        if segment.null_count():
            segment = segment.fill_null(0)
        floats = {c: _floats(df.get_column(c)) for c in FLOAT_COLUMNS}
        return cls(t_us, segment.to_numpy().astype(np.int64), floats)

    @property
    def n(self) -> int:
        return int(self.t_us.size)

    def col(self, name: str) -> FloatArray:
        return self.floats[name]

    def seconds(self) -> FloatArray:
        """Seconds since the first sample."""
        if not self.n:
            return np.zeros(0)
        seconds: FloatArray = (self.t_us - self.t_us[0]).astype(np.float64) / 1e6
        return seconds

    def epoch_s(self) -> IntArray:
        """Whole epoch seconds, floored (as polars' ``dt.epoch("s")``)."""
        return np.floor_divide(self.t_us, 1_000_000)
