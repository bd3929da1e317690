"""``gpx_columns``: the streaming GPX reader's texts typed in bulk exactly as gpxpy types each."""

from __future__ import annotations

import math
import random
import struct
from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

from loadwatch.ingest.containers.xmlcolumns import NAT
from loadwatch.ingest.formats import gpx_columns
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
    got = _floats(texts)
    want = [float(t) for t in texts]
    assert got.dtype == np.float64
    assert _same(got.tolist(), list(want))


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
    got = _floats(texts)
    assert got[[0, 1, 2, 4]].tolist() == [1.5, 1000.0, -2000.0, 3.0]
    assert np.isnan(got[3])


def test_a_text_python_refuses_leaves_the_file_to_gpxpy() -> None:
    with pytest.raises(Fallback):
        _floats(["45.0", "45,1"])


def _us(t: datetime) -> int:
    return (t - datetime(1970, 1, 1)) // timedelta(microseconds=1)


def test_stamps_of_several_lengths_are_each_read_as_gpxpy_reads_them() -> None:
    texts = ["2016-01-15T20:58:59Z", "2016-01-15T20:59:07.100Z", None, "2016-01-15T21:59:07+01:00"]
    stamps = pl.Series("stamp", texts, dtype=pl.String)
    wall, offset = _clock(texts)
    assert wall.tolist() == [
        _us(datetime(2016, 1, 15, 20, 58, 59)),
        _us(datetime(2016, 1, 15, 20, 59, 7, 100_000)),
        NAT,
        _us(datetime(2016, 1, 15, 21, 59, 7)),
    ]
    assert offset[[0, 1, 3]].tolist() == [0, 0, 60] and np.isnan(offset[2])
    by_pattern = _clock_by_pattern(stamps)
    assert by_pattern["offset_min"].to_list() == [0, 0, None, 60]
    assert by_pattern["wall"].dt.epoch("us").fill_null(NAT).to_list() == wall.tolist()


def test_a_layout_that_differs_within_one_length_is_left_to_the_pattern() -> None:
    wall, offset = _clock(
        ["2016-01-15T20:58:59+01:00", "2016-01-15T20:58:59-01:00", "2016-1-5T2:58:59"]
    )
    assert wall.tolist() == [_us(datetime(2016, 1, 15, 20, 58, 59))] * 2 + [
        _us(datetime(2016, 1, 5, 2, 58, 59))
    ]
    assert offset[:2].tolist() == [60, -60] and np.isnan(offset[2])


@pytest.mark.parametrize(
    "stamps",
    [
        ["2024-05-01T06:00:00Z", "2024-05-01T06:00:01Z", "2024-02-30T06:00:02Z"],
        ["2024-05-01T08:00:00.250+02:00", "2024-05-01T08:00:01.750+02:00"],
        ["2024-05-01T08:00:00-0330", "2024-05-31T23:59:59-0330", "2024-05-01T24:00:00-0330"],
        ["2024-05-01 06:00:00", "2024-05-01 06:00:01"],
        ["2024-05-01T06:00:00Z", "2024-05-01T06:00:01.5Z"],  # two layouts
        ["2024-05-01T06:00:00Z", None],
        ["2024-05-01T06:00:00+01:00", "2024-05-01T06:00:00-01:00"],  # one length, two layouts
    ],
)
def test_a_short_list_of_stamps_reads_as_the_column_does(
    stamps: list[str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few stamps of one layout are parsed from the list, without the polars column: the same
    clock and offsets as the column's path."""
    wall, offset = _clock(stamps)
    monkeypatch.setattr(gpx_columns, "_LIST_STAMPS", 0)
    column_wall, column_offset = _clock(stamps)
    assert wall.dtype == column_wall.dtype == np.int64
    assert wall.tolist() == column_wall.tolist()
    assert np.array_equal(offset, column_offset, equal_nan=True)


def test_a_short_list_of_stamps_by_hand() -> None:
    wall, offset = _clock(["2024-05-01T08:00:00.250+02:00", "2024-02-30T06:00:02+02:00"])
    assert wall.tolist() == [_us(datetime(2024, 5, 1, 8, 0, 0, 250_000)), NAT]
    assert offset.tolist() == [120.0, 120.0]
