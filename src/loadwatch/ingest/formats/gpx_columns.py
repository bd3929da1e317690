"""The streaming GPX reader's point texts → typed columns, as gpxpy would type them.

Numbers are Python's ``float`` of each text (gpxpy's converter), cast in bulk by polars where
it reads them alike, and a text Python refuses sends the file to gpxpy.  Timestamps are parsed
in bulk by ``isotimes`` when the file writes them alike (one layout per stamp length), else by
gpxpy's pattern in one polars query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import polars as pl

from loadwatch.ingest.containers import isotimes
from loadwatch.ingest.containers.xmlcolumns import NAT
from loadwatch.ingest.formats.gpx_checks import Fallback
from loadwatch.ingest.formats.gpx_clean import Raw

# gpxpy.gpxfield.RE_TIMESTAMP, without the Unicode minus (left to gpxpy) and anchored at the
# true end (Python's "$" also matches before a final newline: such stamps go to gpxpy).
_TIME = (
    r"^(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})[T ]"
    r"(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{1,2}):(?P<s>[0-9]{1,2})(?:\.(?P<frac>[0-9]{1,15}))?"
    r"(?P<tz>Z|(?P<sign>[+-])(?P<oh>[0-9]{2}):?(?P<om>[0-9]{2})?)?$"
)

# gpxpy's own pattern, verbatim: its "[+-−]" is a range (every character from "+" to U+2212),
# so stamps the strict pattern refuses may still be gpxpy's times: those go to gpxpy.
_GPXPY_TIME = (
    r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})[T ]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})"
    r"(\.[0-9]{1,15})?(Z|[+-−][0-9]{2}:?(?:[0-9]{2})?)?$"
)


def columns(
    lat: list[str],
    lon: list[str],
    core: dict[str, list[str | None]],
    extensions: dict[str, np.ndarray],
    seg: np.ndarray,
    trk: np.ndarray,
) -> Raw:
    """The point columns, typed: numbers as gpxpy's ``float(text.strip())`` (see ``_floats``;
    a text Python refuses is gpxpy's call, so the file goes to gpxpy), timestamps in bulk by
    ``isotimes`` when the file writes them alike (one layout, or one per stamp length), else
    by gpxpy's pattern in one polars query.  numpy arrays throughout, as ``gpx_clean`` works
    on them: a polars frame in between cost a fixed ~0.2 ms a file to build and take apart."""
    n = len(lat)
    wall, offset = _clock(core["stamp"])
    speed = core.get("speed")  # absent: gpxpy's reading would not see it
    return Raw(
        wall=wall,
        offset_min=offset,
        lat=_floats(lat),
        lon=_floats(lon),
        altitude=_floats(core["altitude"]),
        speed=_floats(speed) if speed is not None else np.full(n, np.nan),
        ext_speed=extensions["ext_speed"],
        heart_rate=extensions["heart_rate"],
        cadence=extensions["cadence"],
        distance=extensions["distance"],
        seg=seg,
        trk=trk.astype(np.int64),
    )


# Layouts (stamp lengths) a file may mix before its stamps are left to the pattern: a fraction
# written without its trailing zeros gives a handful.
_MAX_LAYOUTS = 8
# A file whose points all have a stamp in one layout is parsed from the list (one join, ~15 ns
# a stamp), without the polars column and its per-length queries: a fixed ~0.15 ms that
# outweighed the parse of most files, and ~0.1 µs a stamp more on the largest.  So every file
# (tests lower this to reach the column's path).
_LIST_STAMPS = 1 << 62


def _clock(texts: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """``wall`` (µs, ``NAT``: none) and ``offset_min`` (NaN: none): in bulk by ``isotimes``,
    from the list when every point has a stamp of one layout, else one call
    per stamp length of the polars column (a file whose fractions drop their trailing zeros
    writes a few layouts, each of one length), points without a stamp staying none; else by
    gpxpy's pattern."""
    if len(texts) <= _LIST_STAMPS and None not in texts:
        parsed = isotimes.uniform(cast(list[str], texts))
        if parsed is not None:
            offset = parsed.offset_min
            return (
                np.where(parsed.valid, parsed.wall_us, NAT),
                np.full(len(texts), np.nan) if offset is None else offset.astype(np.float64),
            )
    stamps = pl.Series("stamp", texts, dtype=pl.String)
    n = len(stamps)
    have = stamps.is_not_null().to_numpy() if stamps.null_count() else None
    present = stamps.drop_nulls() if have is not None else stamps
    lengths = present.str.len_bytes().to_numpy()
    layouts = np.unique(lengths)
    if len(layouts) > _MAX_LAYOUTS:
        return _pattern_arrays(stamps)
    got_wall = np.empty(len(present), dtype=np.int64)
    got_offset = np.full(len(present), np.nan)
    for width in layouts:
        rows = np.flatnonzero(lengths == width) if len(layouts) > 1 else None
        group = present if rows is None else present.gather(rows)
        parsed = isotimes.uniform(group, one_length=True)
        if parsed is None:
            return _pattern_arrays(stamps)
        at = slice(None) if rows is None else rows
        got_wall[at] = np.where(parsed.valid, parsed.wall_us, NAT)
        if parsed.offset_min is not None:
            got_offset[at] = parsed.offset_min
    if have is None:
        return got_wall, got_offset
    # An offset where there is no time is dropped with the time (``gpx_clean``).
    wall, offset = np.full(n, NAT, dtype=np.int64), np.full(n, np.nan)
    wall[have], offset[have] = got_wall, got_offset
    return wall, offset


def _pattern_arrays(stamps: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    frame = _clock_by_pattern(stamps)
    wall = frame["wall"].to_numpy().astype("datetime64[us]").view(np.int64)
    return wall, frame["offset_min"].cast(pl.Float64).to_numpy()


# Up to this many texts numpy's per-text parse (~0.1 µs each) costs less than polars' fixed
# cost for a column (Series, cast, counts, to_numpy).
_LIST_NUMBERS = 512


def _floats(texts: Sequence[str | None]) -> np.ndarray:
    """Python's float of each text (gpxpy's converter), NaN where the point has no text; a
    text float() refuses sends the file to gpxpy.

    polars casts the texts in bulk: what its cast reads, Python's float reads alike, to the
    same double (``tests/ingest/test_gpx_columns.py`` compares the two on every shape of
    number); what it refuses (surrounding whitespace, underscores, other scripts' digits)
    leaves the column to Python's float, as before.  A short column every point has is
    read by numpy straight from the list (numpy's str-to-double is Python's float): the polars
    column's fixed cost was most of a small file's typing."""
    if len(texts) <= _LIST_NUMBERS and None not in texts:
        try:
            return np.array(texts, dtype=np.float64)
        except (ValueError, TypeError) as e:
            raise Fallback(f"a point value gpxpy might not convert ({e})") from e
    column = pl.Series(texts, dtype=pl.String)
    typed = column.cast(pl.Float64, strict=False)
    if typed.null_count() == column.null_count():
        return typed.to_numpy()
    try:
        return np.array([np.nan if t is None else float(t) for t in texts], dtype=np.float64)
    except (ValueError, TypeError) as e:
        raise Fallback(f"a point value gpxpy might not convert ({e})") from e


def _clock_by_pattern(stamps: pl.Series) -> pl.DataFrame:
    """``wall`` and ``offset_min`` by gpxpy's pattern, stamp by stamp in one polars query:
    for files whose stamps differ in layout beyond their lengths."""
    raw = pl.DataFrame([stamps.alias("stamp")])
    stamp_ = pl.col("stamp")
    raw = raw.with_columns(stamp_.str.extract_groups(_TIME).alias("_g"))
    g = pl.col("_g")
    parts = ("y", "mo", "d", "h", "mi", "s")
    y, mo, d, h, mi, sec = (g.struct.field(k).cast(pl.Int32) for k in parts)
    # gpxpy: the first six fraction digits, padded right: truncated to microseconds.
    us = g.struct.field("frac").str.slice(0, 6).str.pad_end(6, "0").cast(pl.Int32).fill_null(0)
    tz = g.struct.field("tz")
    offset_min = (
        pl.when(tz.is_null())
        .then(None)
        .when(tz == "Z")
        .then(0)
        .otherwise(
            pl.when(g.struct.field("sign") == "-").then(-1).otherwise(1)
            * (
                g.struct.field("oh").cast(pl.Int64) * 60
                + g.struct.field("om").cast(pl.Int64).fill_null(0)
            )
        )
        .cast(pl.Int64)
    )
    month_end = pl.date(y.clip(1, 9999), mo.clip(1, 12), 1).dt.month_end().dt.day()
    # datetime() refuses these, and gpxpy's TimeConverter then gives no time.
    valid = (
        (y >= 1)
        & mo.is_between(1, 12)
        & (d >= 1)
        & (d <= month_end)
        & (h <= 23)
        & (mi <= 59)
        & (sec <= 59)
    ).fill_null(False)
    wall = pl.datetime(
        y.clip(1, 9999), mo.clip(1, 12), d.clip(1, 28), h.clip(0, 23), mi.clip(0, 59),
        sec.clip(0, 59), us, time_unit="us",
    ) + pl.duration(days=d.clip(1, 31) - d.clip(1, 28))  # fmt: skip
    out = raw.select(
        pl.when(valid).then(wall).alias("wall"),
        pl.when(valid).then(offset_min).alias("offset_min"),
        (
            stamp_.is_not_null()
            & g.struct.field("y").is_null()
            & (stamp_.str.ends_with("\n") | stamp_.str.contains(_GPXPY_TIME))
        )
        .any()
        .alias("_doubtful"),
    )
    if out["_doubtful"][0]:
        raise Fallback("a timestamp only gpxpy's own pattern reads")
    return out.select("wall", "offset_min")
