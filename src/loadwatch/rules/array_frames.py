"""A daily frame in, its flag frame out, judged by ``rules.arrays``: the frame
``engine.flag_frame`` gives, at a fraction of the cost."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from loadwatch.analytics.schema import DIMENSIONS, validate_calendar
from loadwatch.rules import arrays
from loadwatch.rules.array_ops import F
from loadwatch.rules.arrays import Check, Judged
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.judging import FLAG_SCHEMA, lookback_start

_LOAD_COLS = [c for pair in DIMENSIONS.values() for c in pair]
_TEXT = (pl.Utf8(), pl.Date())


def _build(schema: dict[str, pl.DataType], parts: dict[str, list[object]]) -> pl.DataFrame:
    """One frame from per-check pieces: numpy arrays (NaN stands for a polars null: a real
    value is never NaN, ``arrays.eligible``) or lists."""
    cols = []
    for c, t in schema.items():
        if t in _TEXT or c == "_candidate":
            values = [v for p in parts[c] for v in p]  # type: ignore[attr-defined]
            cols.append(pl.Series(c, values, dtype=t))
        else:
            pieces = [p if isinstance(p, tuple) else (p, None) for p in parts[c]]
            flat = np.concatenate([np.asarray(v, dtype=np.float64) for v, _ in pieces])
            null = np.concatenate([np.isnan(v) if m is None else m for v, m in pieces])
            s = pl.Series(c, flat).set(pl.Series(null), None)
            cols.append(s.cast(t) if t != pl.Float64() else s)
    return pl.DataFrame(cols)


def _inputs(daily: pl.DataFrame) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    runs = daily["runs"].to_numpy().astype(np.float64)
    return runs, {c: daily[c].to_numpy().astype(np.float64) for c in _LOAD_COLS}


def _cells(ch: Check, name: str, r: object, c: object) -> object:
    """A field's values at the cells, with their null mask when NaN may be a real value."""
    v = ch.fields[name][r, c]  # type: ignore[index]
    m = ch.nulls.get(name)
    return v if m is None else (v, m[r, c])  # type: ignore[index]


def _threshold(ch: Check, level: F) -> F:
    line, caution = ch.alert(), ch.caution()
    return np.where(level == 2, line if line is not None else caution, caution)


def _fired(
    daily: pl.DataFrame, config: RuleConfig, since: date | None, judged: Judged | None = None
) -> tuple[pl.DataFrame, list[tuple[Check, np.ndarray, dict[str, object]]]]:
    """The days read (from ``judging.lookback_start``), and per check that fires on a day
    ``>= since``: the rows (into those days) and its ``FLAG_SCHEMA`` columns there.
    ``judged``: this frame's own judgements from an earlier day on (headroom's panel), read
    instead of judging when they start no later than the look back and end on its last day."""
    validate_calendar(daily, "daily frame")
    if daily.is_empty():
        return daily, []
    first: date = daily["date"][0]
    start = 0 if since is None else max(0, (lookback_start(daily, config, since) - first).days)
    if judged is not None and judged.lo <= start and judged.end == daily.height:
        # Judged from an earlier day: the days from ``since`` and the quiet days before them
        # are exact from any day the look back reaches (``judging.lookback_start``).
        start = judged.lo
        cut = daily.slice(start)
        checks = judged.row()
    else:
        cut = daily.slice(start)
        day = np.arange(start, daily.height, dtype=np.float64)[None, :]
        runs, loads = _inputs(cut)
        checks = arrays.wide(day, runs[None, :], {c: v[None, :] for c, v in loads.items()}, config)
    lo = 0 if since is None else max(0, (since - cut["date"][0]).days)
    dates = cut["date"]
    out = []
    for ch in checks:
        # Emitted days have a level: most checks of a short span have none, and need no
        # look at the quiet days before them.
        if not (ch.final[0, lo:] > 0).any():
            continue
        hit = np.flatnonzero(arrays.emitted(ch)[0, lo:]) + lo
        if not hit.size:
            continue
        level = ch.final[0, hit]
        cols: dict[str, object] = {
            "date": dates.gather(hit).to_list(),
            "rule": [ch.rule] * hit.size,
            "dimension": [ch.dim] * hit.size,
            "level": level,
            "threshold": _threshold(ch, level),
            **{k: _cells(ch, k, 0, hit) for k in ch.fields},
        }
        out.append((ch, hit, cols))
    return cut, out


def flag_frame(daily: pl.DataFrame, config: RuleConfig, *, since: date | None) -> pl.DataFrame:
    """``engine.flag_frame``: the flags of one athlete on days ``>= since`` (``FLAG_SCHEMA``),
    reading only the days the rules need for them (``judging.lookback_start``)."""
    _, fired = _fired(daily, config, since)
    if not fired:
        return pl.DataFrame(schema=FLAG_SCHEMA)
    parts: dict[str, list[object]] = {c: [] for c in FLAG_SCHEMA}
    for _, hit, cols in fired:
        for c in FLAG_SCHEMA:
            v = cols.get(c)
            parts[c].append(v if v is not None else np.full(hit.size, np.nan))
    return _build(FLAG_SCHEMA, parts).sort("date", "rule", "dimension")


_INTS = frozenset(c for c, t in FLAG_SCHEMA.items() if t.is_integer())


def _value(name: str, column: object, i: int) -> object:
    """One cell as ``flag_frame``'s row gives it: a date or text as is, None where the frame
    holds a null (NaN, or the field's null mask), integer columns as ints."""
    if isinstance(column, list):
        return column[i]
    values, null = column if isinstance(column, tuple) else (column, None)
    v = float(values[i])
    if null[i] if null is not None else math.isnan(v):
        return None
    return int(v) if name in _INTS else v


def flag_rows(
    daily: pl.DataFrame, config: RuleConfig, *, since: date | None, judged: Judged | None = None
) -> list[dict[str, Any]]:
    """The rows of ``flag_frame`` (ordered by date, rule, dimension) with each day's
    ``fast_threshold_mps``, as ``iter_rows(named=True)`` gives them after the engine joins the
    daily frame's: the few flags of one evaluation without building a frame for them.
    ``judged``: ``daily``'s own judgements already made (``_fired``)."""
    cut, fired = _fired(daily, config, since, judged)
    fast = cut["fast_threshold_mps"] if fired else None
    rows = []
    for _, hit, cols in fired:
        for i, at in enumerate(hit.tolist()):
            row = {c: _value(c, cols[c], i) if c in cols else None for c in FLAG_SCHEMA}
            row["fast_threshold_mps"] = fast[at] if fast is not None else None
            rows.append(row)
    rows.sort(key=lambda r: (r["date"], r["rule"], r["dimension"]))
    return rows
