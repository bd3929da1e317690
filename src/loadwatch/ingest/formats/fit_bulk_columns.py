"""The bulk FIT reader's second half: what ``fit_bulk.read_bulk`` noted, decoded column by
column through each definition's ``fit_bulk_plan.BulkDef`` (see ``fit_bulk`` for the semantics
kept from fitparse).

Each definition's messages are gathered into one byte matrix viewed through its structured
dtype; invalid values, scale and offset, components, accumulation and compressed timestamps
are worked out over whole columns with numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from loadwatch.ingest.formats.fit_bulk import BulkRead
from loadwatch.ingest.formats.fit_bulk_plan import (
    BYTE_TYPE,
    NUMERIC_TYPES,
    BulkDef,
    BulkStep,
    Refused,
)

__all__ = ["columns"]


def _block(u8: np.ndarray[Any, Any], starts: np.ndarray[Any, Any], d: BulkDef) -> Any:
    """Every data message of one definition as one structured array (a gather of the rows
    of bytes, viewed through the definition's dtype)."""
    assert d.dtype is not None
    rows = u8[(starts + 1)[:, None] + np.arange(d.size)]
    return rows.view(d.dtype).reshape(-1)


def _numeric(
    block: Any, offset: int, base: int
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """A numeric field's values as float64 and whether each is valid (not the invalid value)."""
    raw = block[f"f{offset}"]
    invalid = NUMERIC_TYPES[base][1]
    values = raw.astype(np.float64)
    valid = ~np.isnan(values) if invalid is None else raw != invalid
    return values, valid


def _component_raw(block: Any, s: BulkStep) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The component's unsigned bits before accumulation, and validity."""
    raw = block[f"f{s.offset}"]
    if s.base == BYTE_TYPE:
        raw = raw.astype(np.uint64)
        valid = ~(raw == 0xFF).all(axis=1)  # fitparse: a byte array of 0xFF is invalid
        num = np.zeros(len(raw), dtype=np.uint64)
        for k in range(s.size):  # little-endian, whatever the message's endianness
            num |= raw[:, k] << np.uint64(8 * k)
    else:
        valid = raw != NUMERIC_TYPES[s.base][1]
        num = raw.astype(np.int64).astype(np.uint64)  # fitparse shifts Python ints
    assert s.shift is not None
    bits = (num >> np.uint64(s.shift)) & np.uint64(s.mask)
    return bits.astype(np.int64), valid


def _rollover_sum(values: np.ndarray[Any, Any], segment: np.ndarray[Any, Any], bits: int) -> Any:
    """fitparse's ``_apply_compressed_accumulation`` replayed: each value advances the
    accumulator by its roll-over difference from the previous one; a segment starts at 0."""
    m = 1 << bits
    prev = np.empty_like(values)
    prev[0] = 0
    prev[1:] = values[:-1]
    starts = np.ones(len(values), dtype=bool)
    starts[1:] = segment[1:] != segment[:-1]
    prev[starts] = 0
    inc = (values - prev) % m
    total = np.cumsum(inc)
    before = (total - inc)[starts]
    return total - np.repeat(before, np.diff(np.flatnonzero(np.r_[starts, True])))


def _timestamps(
    pos: np.ndarray[Any, Any],
    anchored: np.ndarray[Any, Any],
    anchor: np.ndarray[Any, Any],
    compressed: np.ndarray[Any, Any],
    offset: np.ndarray[Any, Any],
) -> Any:
    """The compressed-timestamp accumulator after each message (file order by ``pos``)."""
    order = np.argsort(pos, kind="stable")
    a, v = anchored[order], anchor[order]
    c, o = compressed[order], offset[order]
    n = len(order)
    idx = np.arange(n)
    last = np.maximum.accumulate(np.where(a, idx, -1))  # the first entry is always an anchor
    base = v[last]
    low_after = np.where(c, o, np.where(a, v % 32, -1))
    filled = low_after[np.maximum.accumulate(np.where(low_after >= 0, idx, 0))]
    prev_low = np.empty(n, dtype=np.int64)
    prev_low[0] = 0
    prev_low[1:] = filled[:-1]
    prev_low = np.where(a, v % 32, prev_low)
    inc = np.where(c, (o - prev_low) % 32, 0)
    total = np.cumsum(inc)
    acc = base + total - (total[last] - inc[last])
    out = np.empty(n, dtype=np.int64)
    out[order] = acc
    return out


def columns(into: BulkRead) -> dict[str, np.ndarray[Any, np.dtype[np.float64]]]:
    """The record channels of every fast record message, in file order: float64, NaN where
    missing (``ts`` in FIT seconds, ``lat``/``lon`` in semicircles, the rest scaled)."""
    u8 = np.frombuffer(into.data, dtype=np.uint8)
    pos = np.array(into.positions, dtype=np.int64)
    n = len(pos)
    hdr = u8[pos].astype(np.int64)
    compressed = (hdr & 0x80) != 0
    local = np.where(compressed, (hdr >> 5) & 3, hdr & 15)
    seg = np.searchsorted(np.array(into.seg_starts), np.arange(n), side="right") - 1
    inst = np.array(into.seg_tables, dtype=np.int64).reshape(-1, 16)[seg, local]

    # Full timestamps of the fast messages.
    anchored = np.zeros(n, dtype=bool)
    anchor = np.zeros(n, dtype=np.int64)
    groups: dict[int, np.ndarray[Any, Any]] = {}
    if n:
        order = np.argsort(inst, kind="stable")
        cuts = np.flatnonzero(np.diff(inst[order])) + 1
        for chunk in np.split(order, cuts):
            groups[int(inst[chunk[0]])] = chunk
    # Without compressed-timestamp headers no record needs the accumulator, and messages
    # other than records need not be read at all.
    any_compressed = bool(compressed.any())
    blocks = {
        i: _block(u8, pos[rows], into.defs[i])
        for i, rows in groups.items()
        if into.defs[i].dtype is not None
        and (any_compressed or into.defs[i].record_steps is not None)
    }
    acc = anchor
    if any_compressed:
        for i, rows in groups.items():
            d = into.defs[i]
            if d.ts is not None:
                values, valid = _numeric(blocks[i], d.ts[0], d.ts[1])
                anchored[rows] = valid
                anchor[rows] = values.astype(np.int64)
        extra = np.array(into.anchors, dtype=np.int64).reshape(-1, 2)
        acc = _timestamps(
            np.concatenate((pos, extra[:, 0])),
            np.concatenate((anchored, np.ones(len(extra), dtype=bool))),
            np.concatenate((anchor, extra[:, 1])),
            np.concatenate((compressed, np.zeros(len(extra), dtype=bool))),
            np.concatenate((hdr & 31, np.zeros(len(extra), dtype=np.int64))),
        )[:n]

    record_insts = [i for i in groups if into.defs[i].record_steps is not None]
    is_record = np.zeros(n, dtype=bool)
    for i in record_insts:
        is_record[groups[i]] = True
    rec_rows = np.flatnonzero(is_record)  # positions are already in file order
    rec_index = np.full(n, -1, dtype=np.int64)
    rec_index[rec_rows] = np.arange(len(rec_rows))
    m = len(rec_rows)
    named: dict[str, np.ndarray[Any, Any]] = {}

    def put(name: str, rows: np.ndarray[Any, Any], values: Any, valid: Any) -> None:
        col = named.get(name)
        if col is None:
            col = named[name] = np.full(m, np.nan)
        target = rec_index[rows]
        col[target[valid]] = values[valid]

    accumulated = _accumulated(into, blocks, pos, groups, record_insts)
    for i in record_insts:
        d, rows = into.defs[i], groups[i]
        for s in d.record_steps or ():
            if s.shift is not None:
                if s.accumulate is not None:
                    raw, valid = accumulated[(i, s.offset, s.accumulate)]
                else:
                    raw, valid = _component_raw(blocks[i], s)
                values = raw.astype(np.float64)
            else:
                values, valid = _numeric(blocks[i], s.offset, s.base)
            if s.scale:
                values = values / s.scale
            if s.value_offset:
                values = values - s.value_offset
            put(s.name, rows, values, valid)
        # A compressed header gives the record its timestamp, over any timestamp field.
        c = compressed[rows]
        if c.any():
            put("timestamp", rows, acc[rows].astype(np.float64), c)

    def first(*names: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        out = np.full(m, np.nan)
        for name in reversed(names):  # the first name wins where it has a value
            col = named.get(name)
            if col is not None:
                out = np.where(np.isnan(col), out, col)
        return out

    return {
        "ts": first("timestamp"),
        "lat": first("position_lat"),
        "lon": first("position_long"),
        "distance": first("distance"),
        "altitude": first("enhanced_altitude", "altitude"),
        "speed": first("enhanced_speed", "speed"),
        "heart_rate": first("heart_rate"),
        "cadence": first("cadence"),
    }


def _accumulated(
    into: BulkRead,
    blocks: dict[int, Any],
    pos: np.ndarray[Any, Any],
    groups: dict[int, np.ndarray[Any, Any]],
    record_insts: Sequence[int],
) -> dict[tuple[int, int, int], tuple[Any, Any]]:
    """Accumulating components (``distance`` of ``compressed_speed_distance``): fitparse keeps
    one accumulator per target field of the record message, reset to 0 by each record
    definition that has such a component, advanced by each valid value in file order."""
    out: dict[tuple[int, int, int], tuple[Any, Any]] = {}
    targets = {t for i in record_insts for t in into.defs[i].accumulates}
    for target in targets:
        parts = []
        for i in record_insts:
            d = into.defs[i]
            for s in d.record_steps or ():
                if s.accumulate == target:
                    raw, valid = _component_raw(blocks[i], s)
                    parts.append((i, s, raw, valid))
        if not parts:
            continue
        bits = parts[0][1].bits
        if any(p[1].bits != bits for p in parts):
            raise Refused("an accumulated field with components of different widths")
        p_all = np.concatenate([pos[groups[i]][valid] for i, _, _, valid in parts])
        v_all = np.concatenate([raw[valid] for _, _, raw, valid in parts])
        order = np.argsort(p_all, kind="stable")
        resets = np.array(
            sorted(into.defs[i].position for i in range(len(into.defs))
                   if target in into.defs[i].accumulates),
            dtype=np.int64,
        )  # fmt: skip
        segment = np.searchsorted(resets, p_all[order], side="right")
        acc_sorted = _rollover_sum(v_all[order], segment, bits) if len(order) else v_all
        acc = np.empty_like(v_all)
        acc[order] = acc_sorted
        start = 0
        for i, s, raw, valid in parts:
            k = int(valid.sum())
            full = np.zeros(len(raw), dtype=np.int64)
            full[valid] = acc[start : start + k]
            start += k
            out[(i, s.offset, target)] = (full, valid)
    return out
