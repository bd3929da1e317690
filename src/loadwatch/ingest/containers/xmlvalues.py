"""Typed values from GPX/TCX text: timestamps (with the plausible range of a recording and of a
UTC offset), heart rates without their "no sensor" sentinels, and the local offset a stamp
carries.  Pure polars."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

import polars as pl

from loadwatch.clock import as_utc

# GPS time starts here; an earlier stamp is a clock that was never set (1901-12-13 is the
# int32 epoch minimum some converters write for "no time").
EARLIEST_PLAUSIBLE = datetime(1980, 1, 6, tzinfo=UTC)
# Later than this is a corrupt stamp, not a recording (and year 9999 overflows any local-time
# arithmetic).  A fixed bound keeps decoding a pure function of the bytes.
LATEST_PLAUSIBLE = datetime(2100, 1, 1, tzinfo=UTC)
MAX_OFFSET_S = 14 * 3600  # real zones span UTC-12 .. UTC+14

HR_SENTINEL = 255.0
_ISO = "%Y-%m-%dT%H:%M:%S%.f%z"

_OFFSET_RE = re.compile(r"([+-])(\d\d):?(\d\d)$")


def typed_frame(
    texts: Mapping[str, list[str | None] | pl.Series], **extra: pl.Series
) -> tuple[pl.DataFrame, int]:
    """XML texts → one typed frame in a single polars pass, and the number of heart-rate
    sentinels dropped.

    ``time`` becomes Datetime(us, UTC) (a stamp without an offset is UTC, as GPX and TCX both
    say) and its text is kept as ``raw_time``; ``heart_rate`` loses the "no sensor" values
    (≤ 0, ≥ 255: FIT's uint8 invalid, copied by converters); every other column is Float64,
    blanks and junk becoming null rather than failing the file.  The rare time forms the
    vectorised parse misses are retried one by one with ``datetime.fromisoformat``.
    """
    frame = pl.DataFrame(
        [pl.Series(c, v, dtype=pl.String) for c, v in texts.items()]
        + [s.alias(c) for c, s in extra.items()]
    )
    number = {c: pl.col(c).str.strip_chars().cast(pl.Float64, strict=False) for c in texts}
    bad_hr = (number["heart_rate"] <= 0) | (number["heart_rate"] >= HR_SENTINEL)
    stamp = (
        pl.col("time")
        .str.strip_chars()
        .str.replace(r"^(\d{4}-\d\d-\d\d)[ t]", "${1}T")
        .str.replace(r"[zZ]$", "+00:00")
    )
    offset_h = stamp.str.extract(r"[+-](\d\d):?\d\d$", 1).cast(pl.Int32, strict=False)
    parsed = (
        pl.when(stamp.str.contains(r"[+-]\d\d:?\d\d$"))
        .then(stamp)
        .otherwise(stamp + "+00:00")
        .str.to_datetime(_ISO, time_unit="us", time_zone="UTC", strict=False)
    )
    # A stamp with an offset beyond any zone (+99:00) or a year outside the plausible range
    # (0000, 9999) is no time at all: the sample is dropped like an untimed one.
    possible = (offset_h.fill_null(0) * 3600 <= MAX_OFFSET_S) & parsed.is_between(
        pl.lit(EARLIEST_PLAUSIBLE), pl.lit(LATEST_PLAUSIBLE)
    )
    frame = frame.select(
        pl.when(possible).then(parsed).otherwise(None).alias("time"),
        *(number[c].alias(c) for c in texts if c not in ("time", "heart_rate")),
        pl.when(bad_hr).then(None).otherwise(number["heart_rate"]).alias("heart_rate"),
        *(pl.col(c) for c in extra),
        pl.col("time").alias("raw_time"),
        bad_hr.fill_null(False).alias("_bad_hr"),
    )
    dropped = int(frame["_bad_hr"].sum())
    frame = frame.drop("_bad_hr")
    missed = frame.select(
        (pl.col("time").is_null() & (pl.col("raw_time").str.strip_chars() != "")).arg_true()
    ).to_series()
    if missed.len():
        fixed = frame["time"].to_list()
        for i in missed.to_list():
            fixed[i] = _fromiso(frame["raw_time"][i].strip())
        frame = frame.with_columns(pl.Series("time", fixed, dtype=pl.Datetime("us", "UTC")))
    return frame, dropped


def times(values: list[str | None]) -> pl.Series:
    """ISO 8601 texts → Datetime(us, UTC) (see ``typed_frame``)."""
    frame, _ = typed_frame({"time": values, "heart_rate": [None] * len(values)})
    return frame["time"]


def _fromiso(text: str) -> datetime | None:
    try:
        t = as_utc(datetime.fromisoformat(text))
    except (ValueError, OverflowError):
        return None
    return t if EARLIEST_PLAUSIBLE <= t <= LATEST_PLAUSIBLE else None


def utc_offset_s(text: str | None) -> int | None:
    """The local offset a stamp carries (``+01:00`` → 3600); None for ``Z``/none.

    ``Z`` and ``+00:00`` say nothing about the athlete's zone (exporters write UTC), so only a
    non-zero offset is evidence of local time.
    """
    if not text:
        return None
    m = _OFFSET_RE.search(text.strip())
    if m is None:
        return None
    sign = -1 if m.group(1) == "-" else 1
    seconds = sign * (int(m.group(2)) * 3600 + int(m.group(3)) * 60)
    return seconds if seconds and abs(seconds) <= MAX_OFFSET_S else None
