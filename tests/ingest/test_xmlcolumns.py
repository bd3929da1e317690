"""``xmlcolumns``: XML text columns as numpy arrays, read as ``xmlvalues.times`` reads them."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from loadwatch.ingest.containers.xmlcolumns import NAT, loose_floats, utc_times
from loadwatch.ingest.containers.xmlvalues import times


def _us(t: datetime) -> int:
    return int(t.timestamp() * 1_000_000)


def _reference(texts: list[str | None]) -> list[int]:
    return times(texts).cast(pl.Int64).fill_null(NAT).to_list()


def test_a_tcx_column_is_utc_microseconds() -> None:
    got = utc_times(["2009-01-09T11:13:14Z", None, "2009-01-09T11:13:15.500Z"])
    assert got.tolist() == [
        _us(datetime(2009, 1, 9, 11, 13, 14, tzinfo=UTC)),
        NAT,
        _us(datetime(2009, 1, 9, 11, 13, 15, 500000, tzinfo=UTC)),
    ]


def test_an_offset_is_taken_off() -> None:
    (got,) = utc_times(["2024-05-01T08:00:00+02:00"]).tolist()
    assert got == _us(datetime(2024, 5, 1, 6, tzinfo=UTC))


@pytest.mark.parametrize(
    "texts",
    [
        ["2009-01-09T11:13:14Z", "2009-02-30T11:13:14Z", "2009-01-09T24:13:14Z"],
        ["1979-12-31T23:59:59Z", "2100-01-01T00:00:00Z", "2100-01-01T00:00:01Z"],
        ["2019-04-18T14:12:19.456-15:00", "2019-04-18T14:12:19.456-15:00"],
        ["2019-04-18T14:12:19+14:60"],
        ["2019-04-18T14:12:19"],
        ["2019-04-18 14:12:19.5Z", "2019-04-18t14:12:19z", " 2019-04-18T14:12:19Z "],
        ["2019-04-18T14:12:19Z", "2019-04-18T14:12:19.25+01:00", "junk", ""],
        [None, None],
    ],
)
def test_bulk_and_general_paths_agree_with_xmlsafe_times(texts: list[str | None]) -> None:
    assert utc_times(texts).tolist() == _reference(texts)


def test_loose_floats_make_blanks_and_junk_nan_and_keep_infinities() -> None:
    """Infinities stay for ``summary.validate`` to drop with a warning; "nan" is no value."""
    got = loose_floats(["1.5", None, " 2 ", "abc", "", "nan", "1e3", "1e309", "-inf"])
    expected = [1.5, np.nan, 2.0, np.nan, np.nan, np.nan, 1000.0, np.inf, -np.inf]
    assert np.array_equal(got, np.array(expected), equal_nan=True)
    clean = loose_floats(pl.Series(["140", "141.5", None]))
    assert np.array_equal(clean, np.array([140.0, 141.5, np.nan]), equal_nan=True)
