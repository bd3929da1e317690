"""Daily frames in, flag and judgement frames out, judged by ``rules.arrays``: the same frames
``engine.flag_frame`` and headroom's candidate panel give, at a fraction of the cost."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from loadwatch.analytics.schema import DIMENSIONS, validate_calendar
from loadwatch.rules import arrays
from loadwatch.rules.arrays import Check, F
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.engine import FLAG_SCHEMA, JUDGEMENT_SCHEMA, _lookback_start

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


def flag_frame(daily: pl.DataFrame, config: RuleConfig, *, since: date | None) -> pl.DataFrame:
    """``engine.flag_frame``: the flags of one athlete on days ``>= since`` (``FLAG_SCHEMA``),
    reading only the days the rules need for them (``engine._lookback_start``)."""
    validate_calendar(daily, "daily frame")
    if daily.is_empty():
        return pl.DataFrame(schema=FLAG_SCHEMA)
    first: date = daily["date"][0]
    start = 0 if since is None else max(0, (_lookback_start(daily, config, since) - first).days)
    cut = daily.slice(start)
    day = np.arange(start, daily.height, dtype=np.float64)[None, :]
    runs, loads = _inputs(cut)
    checks = arrays.wide(day, runs[None, :], {c: v[None, :] for c, v in loads.items()}, config)
    lo = 0 if since is None else max(0, (since - cut["date"][0]).days)
    dates = cut["date"]
    parts: dict[str, list[object]] = {c: [] for c in FLAG_SCHEMA}
    for ch in checks:
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
        for c in FLAG_SCHEMA:
            v = cols.get(c)
            parts[c].append(v if v is not None else np.full(hit.size, np.nan))
    if not parts["date"]:
        return pl.DataFrame(schema=FLAG_SCHEMA)
    return _build(FLAG_SCHEMA, parts).sort("date", "rule", "dimension")


def panel(
    base: pl.DataFrame, first_day: int, tails: list[pl.DataFrame]
) -> tuple[F, F, dict[str, F]]:
    """Day numbers, runs and loads of ``base`` (its first day numbered ``first_day``) followed,
    on row i, by ``tails[i]`` and rest days up to the longest tail."""
    width = max((t.height for t in tails), default=0)
    k, n = len(tails), base.height
    runs_b, loads_b = _inputs(base)
    runs = np.zeros((k, n + width))
    runs[:, :n] = runs_b
    loads = {}
    for c in _LOAD_COLS:
        a = np.zeros((k, n + width))
        a[:, :n] = loads_b[c]
        loads[c] = a
    for i, t in enumerate(tails):
        if t.height:
            runs[i, n : n + t.height] = t["runs"].to_numpy()
            for c in _LOAD_COLS:
                loads[c][i, n : n + t.height] = t[c].to_numpy()
    day = np.arange(first_day, first_day + n + width, dtype=np.float64)
    return np.broadcast_to(day, runs.shape), runs, loads


def judgements_at(
    checks: list[Check], rows: list[int], cols: list[int], dates: list[date], keys: list[int]
) -> pl.DataFrame:
    """Judgement rows (``_candidate`` then ``JUDGEMENT_SCHEMA``) of the cells
    ``(rows[i], cols[i])``, each carrying ``dates[i]`` and ``keys[i]``, sorted by candidate,
    date, rule, dimension (``engine._judgement_frames``)."""
    r, c = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    m = r.size
    schema = {"_candidate": pl.Int64(), **JUDGEMENT_SCHEMA}
    parts: dict[str, list[object]] = {x: [] for x in schema}
    for ch in checks:
        final, level, ok = ch.final[r, c], ch.level[r, c], ch.ok[r, c] > 0
        alert = ch.alert()
        cells: dict[str, object] = {
            "_candidate": keys,
            "date": dates,
            "rule": [ch.rule] * m,
            "dimension": [ch.dim] * m,
            # A level the hand-over to return_after_break silenced is not this rule's verdict.
            "judged": ok & ~(ok & (final == 0) & (level > 0)),
            "level": final,
            **{x: _cells(ch, x, r, c) for x in ("value", "baseline", "own_baseline", "ratio")},
            "caution": np.full(m, ch.caution()),
            "alert": np.full(m, np.nan if alert is None else alert),
        }
        for x in schema:
            parts[x].append(cells[x])
    return _build(schema, parts).sort("_candidate", "date", "rule", "dimension")
