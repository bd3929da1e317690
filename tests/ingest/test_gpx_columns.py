"""``gpx_columns``: the streaming GPX reader's texts typed in bulk exactly as gpxpy types each."""

from __future__ import annotations

import math
import random
import struct
from datetime import datetime

import polars as pl
import pytest

from loadwatch.ingest.formats.gpx_checks import Fallback
from loadwatch.ingest.formats.gpx_columns import _clock, _clock_by_pattern, _floats


def _python(texts: list[str | None]) -> list[float | None]:
    return [None if t is None else float(t) for t in texts]


def _same(got: list[float | None], want: list[float | None]) -> bool:
    return all(
        (g is None and w is None)
        or (g is not None and w is not None and (g == w or (math.isnan(g) and math.isnan(w))))
        for g, w in zip(got, want, strict=True)
    )


def _number_texts(rng: random.Random, n: int) -> list[str]:
    """Numbers as exporters and fuzzers write them: every precision, exponent and edge."""
    out: list[str] = []
    for _ in range(n):
        k = rng.random()
        if k < 0.3:
            out.append(repr(rng.uniform(-180, 180)))
        elif k < 0.5:
            out.append(f"{rng.uniform(-1000, 9000):.{rng.randint(0, 20)}f}")
        elif k < 0.7:
            whole = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 25)))
            frac = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 30)))
            out.append(f"{whole}.{frac}")
        elif k < 0.85:
            out.append(
                f"{rng.uniform(-1, 1) * 10 ** rng.randint(-320, 308):.{rng.randint(0, 25)}e}"
            )
        else:
            out.append(repr(struct.unpack("d", rng.randbytes(8))[0]))
    return out


def test_numbers_polars_reads_are_pythons_doubles_bit_for_bit() -> None:
    texts = _number_texts(random.Random(20), 20_000)
    got = _floats("lat", texts, len(texts))
    want = [float(t) for t in texts]
    assert got.dtype == pl.Float64
    assert _same(got.to_list(), list(want))


def test_junk_polars_might_take_is_what_python_takes() -> None:
    """Short strings over the alphabet of numbers: every one polars' cast reads, Python's
    float reads to the same value (the rest leave the column to Python, tested below)."""
    rng = random.Random(7)
    alphabet = "0123456789.eE+-infatyINFATY"
    texts = sorted(
        {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7))) for _ in range(50_000)}
    )
    cast = pl.Series(texts, dtype=pl.String).cast(pl.Float64, strict=False).to_list()
    taken = [(t, v) for t, v in zip(texts, cast, strict=True) if v is not None]
    assert len(taken) > 1000  # the comparison below is not vacuous
    for text, value in taken:
        assert _same([value], [float(text)]), text


def test_what_polars_refuses_is_read_by_pythons_float() -> None:
    texts: list[str | None] = [" 1.5", "1_000", "\t-2e3\n", None, "٣"]
    got = _floats("altitude", texts, len(texts))
    assert got.to_list() == [1.5, 1000.0, -2000.0, None, 3.0]


def test_a_text_python_refuses_leaves_the_file_to_gpxpy() -> None:
    with pytest.raises(Fallback):
        _floats("lat", ["45.0", "45,1"], 2)


def test_no_texts_is_a_null_column() -> None:
    got = _floats("speed", None, 3)
    assert got.dtype == pl.Float64 and got.to_list() == [None, None, None]


def test_stamps_of_several_lengths_are_each_read_as_gpxpy_reads_them() -> None:
    stamps = pl.Series(
        "stamp",
        ["2016-01-15T20:58:59Z", "2016-01-15T20:59:07.100Z", None, "2016-01-15T21:59:07+01:00"],
        dtype=pl.String,
    )
    got = _clock(stamps)
    assert got["wall"].to_list() == [
        datetime(2016, 1, 15, 20, 58, 59),
        datetime(2016, 1, 15, 20, 59, 7, 100_000),
        None,
        datetime(2016, 1, 15, 21, 59, 7),
    ]
    assert got["offset_min"].to_list() == [0, 0, None, 60]
    assert got.equals(_clock_by_pattern(stamps))


def test_a_layout_that_differs_within_one_length_is_left_to_the_pattern() -> None:
    stamps = pl.Series(
        "stamp", ["2016-01-15T20:58:59+01:00", "2016-01-15T20:58:59-01:00", "2016-1-5T2:58:59"]
    )
    got = _clock(stamps)
    assert got["wall"].to_list() == [datetime(2016, 1, 15, 20, 58, 59)] * 2 + [
        datetime(2016, 1, 5, 2, 58, 59)
    ]
    assert got["offset_min"].to_list() == [60, -60, None]
