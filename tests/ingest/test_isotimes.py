"""``isotimes.uniform``: a column of stamps written alike, parsed in bulk as gpxpy parses each."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from gpxpy.gpxfield import SimpleTZ, parse_time

from loadwatch.ingest.containers.isotimes import uniform


def _us(*fields: int) -> int:
    return int((datetime(*fields) - datetime(1970, 1, 1)).total_seconds() * 1_000_000)


def test_a_utc_column_is_read_field_by_field() -> None:
    st = uniform(["2019-04-18T14:12:19.000Z", "2019-04-18T14:12:21.009Z"])
    assert st is not None
    assert st.wall_us.tolist() == [
        _us(2019, 4, 18, 14, 12, 19),
        _us(2019, 4, 18, 14, 12, 21) + 9000,
    ]
    assert st.valid.all()
    assert st.offset_min is not None and st.offset_min.tolist() == [0, 0]


def test_offsets_are_read_per_stamp_and_no_offset_is_none() -> None:
    st = uniform(["2024-03-31T01:59:00+01:00", "2024-03-31T03:00:00+02:00"])
    assert st is not None and st.offset_min is not None
    assert st.offset_min.tolist() == [60, 120]
    west = uniform(["2024-05-01 06:00:00-0530"])
    assert west is not None and west.offset_min is not None
    assert west.offset_min.tolist() == [-330]
    naive = uniform(["2024-05-01T06:00:00"])
    assert naive is not None and naive.offset_min is None


def test_fractions_are_truncated_to_microseconds_as_gpxpy_does() -> None:
    st = uniform(["2024-05-01T06:00:00.1234567Z"])
    assert st is not None
    assert st.wall_us[0] - _us(2024, 5, 1, 6, 0, 0) == 123456


def test_dates_and_times_datetime_refuses_are_not_valid() -> None:
    texts = ["2019-02-29T10:00:00Z", "2020-02-29T10:00:00Z", "2020-13-01T10:00:00Z",
             "2020-04-31T10:00:00Z", "2020-04-30T24:00:00Z", "0000-01-01T00:00:00Z"]  # fmt: skip
    st = uniform(texts)
    assert st is not None
    assert st.valid.tolist() == [False, True, False, False, False, False]


@pytest.mark.parametrize(
    "texts",
    [
        ["2024-05-01T06:00:00Z", "2024-05-01T06:00:00.5Z"],  # the fraction comes and goes
        ["2024-05-01T06:00:00+01:00", "2024-05-01T06:00:00-01:00"],  # the sign differs
        ["2024-05-01T06:00:00Z", "2024-05-01T06:00:0éZ"],  # not ASCII
        ["2024-05-01T06:00:00Z", "2024-05-01T06:00:00z"],  # another letter
        [" 2024-05-01T06:00:00Z"],  # gpxpy's pattern refuses the first
        ["2024-05-01T06:00:00Z\n"],  # Python's "$" would take it: left to the general path
        # lengths that add up to three stamps' (a list is joined, then cut into rows)
        ["2024-05-01T06:00:00Z", "2024-05-01T06:00:0Z", "2024-05-01T06:00:00ZZ"],
        ["2024-05-01T06:00:00Z", "2024-05-01T06:00:00\x00"],  # a NUL where "Z" was
        [],
    ],
)
def test_anything_but_one_layout_is_left_to_the_general_path(texts: list[str]) -> None:
    assert uniform(texts) is None


def test_canonical_takes_only_what_every_iso_reader_reads_alike() -> None:
    assert uniform(["2024-5-1T6:00:00Z"]) is not None
    assert uniform(["2024-5-1T6:00:00Z"], canonical=True) is None
    assert uniform(["2024-05-01T06:00:00+05"], canonical=True) is None
    assert uniform(["2024-05-01T06:00:00.1234567Z"], canonical=True) is None
    assert uniform(["2024-05-01T06:00:00+15:00"], canonical=True) is None
    assert uniform(["2024-05-01T06:00:00+05:30"], canonical=True) is not None


@pytest.mark.parametrize(
    "text",
    ["2024-05-01T06:00:00Z", "2024-5-1T6:0:0", "2024-05-01 06:00:00.000001+0200",
     "2024-05-01T06:00:00.999999999-03:30", "2024-05-01T06:00:00+01", "2016-02-29T23:59:59Z"],
)  # fmt: skip
def test_each_stamp_is_what_gpxpy_parses(text: str) -> None:
    st = uniform([text, text])
    assert st is not None and st.valid.all()
    ref = parse_time(text)
    assert ref is not None
    assert st.wall_us[0] == _us(*ref.timetuple()[:6]) + ref.microsecond
    tz = ref.tzinfo
    expected = tz.offset if isinstance(tz, SimpleTZ) else None
    got = None if st.offset_min is None else int(st.offset_min[0])
    assert got == expected
    assert np.array_equal(st.wall_us[0:1], st.wall_us[1:2])
