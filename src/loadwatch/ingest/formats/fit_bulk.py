"""FIT data messages decoded in bulk: one numpy structured dtype per definition message.

The fork (``fitparse_fork.LenientFitFile``) still reads the file header, every definition
message, the metadata messages (file_id, session, lap, device_info...) and the CRCs, and
decides each definition's shortcut.  What it no longer does is read data messages one at a
time: a tight framing loop here only notes where each data message of a shortcut definition
starts (its size is its definition's), and afterwards the messages of each definition are
gathered into one ``(n, size)`` byte matrix viewed as a structured array (the definition's
endianness, field sizes and base types), from which the record channels are extracted column
by column with fitparse's semantics:

* a base type's invalid value is a missing value; scale then offset as the profile says;
* components expanded in fitparse's order (the component before its field, the last valid
  value of a name winning), on integer fields and little-endian byte arrays
  (``compressed_speed_distance``); accumulating components (its ``distance``) as a segmented
  cumulative sum of the roll-over differences, reset where fitparse resets them (each
  definition that has them);
* compressed-timestamp headers: the accumulator is replayed over every data message in file
  order (full timestamps of any message type anchor it, file headers reset it to 0), the
  5-bit offsets added with their roll-over as a segmented cumulative sum;
* developer fields: their bytes are part of the definition's size and skipped (a developer
  field named like a Track channel has no shortcut, see below).

Shapes this path refuses, handed back whole to the fork's per-message reader (which
``tests/ingest/test_fit_reference.py`` checks against plain fitparse), raising ``Refused``:
a record definition without a shortcut (a developer field named like a channel, subfields);
a record channel stored as an array, a string or a 64-bit integer; a timestamp field that is
not a 32-bit integer; a component wider than its byte array can hold; a data message that
crosses its file's declared end, or a metadata message with a compressed-timestamp header.
Truncation is not refused: reading stops where the bytes end, as the fork's does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate
from typing import Any

import numpy as np

from loadwatch.ingest.formats.fitparse_fork import (
    MSG_RECORD,
    SKIPPED,
    DefinitionMessage,
    LenientFitFile,
)

__all__ = ["CHANNELS", "BulkRead", "Refused", "read_bulk"]

CHANNELS = ("ts", "lat", "lon", "distance", "altitude", "speed", "heart_rate", "cadence")
_TS_FIELD = 253
_TS_BITS = 5

# FIT base type id -> (numpy type code, invalid value or None for NaN).  The 64-bit integers
# and strings are left to the fork (a record channel never has them in the corpus).
_NUMERIC: dict[int, tuple[str, float | None]] = {
    0x00: ("u1", 0xFF),  # enum
    0x01: ("i1", 0x7F),
    0x02: ("u1", 0xFF),
    0x83: ("i2", 0x7FFF),
    0x84: ("u2", 0xFFFF),
    0x85: ("i4", 0x7FFFFFFF),
    0x86: ("u4", 0xFFFFFFFF),
    0x88: ("f4", None),
    0x89: ("f8", None),
    0x0A: ("u1", 0),  # uint8z
    0x8B: ("u2", 0),
    0x8C: ("u4", 0),
}
_TS_TYPES = frozenset({0x85, 0x86, 0x8C})
_BYTE = 0x0D


class Refused(Exception):
    """This file has a shape the bulk path leaves to the fork's per-message reader."""


@dataclass(frozen=True, slots=True)
class _Step:
    """One write into a record channel, in fitparse's order."""

    name: str  # the fitparse field name written (e.g. enhanced_speed)
    offset: int  # byte offset of the source field in the data message
    size: int
    base: int  # FIT base type id of the source field
    scale: Any
    value_offset: Any
    shift: int | None = None  # set for a component
    mask: int = 0
    bits: int = 0
    accumulate: int | None = None  # the accumulated target's field number


@dataclass(slots=True)
class _Def:
    """One definition message as the bulk path uses it."""

    position: int
    size: int
    dtype: np.dtype[Any] | None  # the fields read, at their offsets; None: nothing read
    ts: tuple[int, int] | None  # (byte offset, base type) of a timestamp field
    record_steps: tuple[_Step, ...] | None  # None: not a record
    accumulates: frozenset[int] = frozenset()


@dataclass
class BulkRead:
    """What the framing loop saw, for ``columns`` to decode afterwards."""

    data: bytes
    positions: list[int] = field(default_factory=list)  # header byte of each fast message
    seg_starts: list[int] = field(default_factory=lambda: [0])
    seg_tables: list[list[int]] = field(default_factory=lambda: [[-1] * 16])
    defs: list[_Def] = field(default_factory=list)
    # Timestamp anchors from outside the fast messages: (position, value) of metadata
    # messages carrying a timestamp and of file headers (which reset it to 0).
    anchors: list[tuple[int, int]] = field(default_factory=lambda: [(-1, 0)])
    meta: list[Any] = field(default_factory=list)  # fitparse DataMessages, in file order


def _plan_def(def_mesg: Any, shortcut: Any, position: int) -> _Def:
    all_defs = def_mesg.field_defs + def_mesg.dev_field_defs
    offsets = [0, *accumulate(int(fd.size) for fd in all_defs)]
    endian = def_mesg.endian
    ts = None
    # The fork takes the first field numbered 253 as the timestamp, developer fields too.
    i_ts = next((i for i, fd in enumerate(all_defs) if fd.def_num == _TS_FIELD), None)
    if i_ts is not None:
        fd = all_defs[i_ts]
        if i_ts >= len(def_mesg.field_defs):
            raise Refused("a developer field numbered like the timestamp")
        if fd.size != 4 or fd.base_type.identifier not in _TS_TYPES:
            raise Refused("a timestamp field that is not a 32-bit integer")
        ts = (offsets[i_ts], fd.base_type.identifier)
    if not shortcut.is_record:
        dtype = _dtype(endian, offsets[-1], [ts] if ts else [])
        return _Def(position, offsets[-1], dtype, ts, None)
    steps: list[_Step] = []
    accumulates: set[int] = set()
    for i, name, _parse, scale, value_offset, component in shortcut.steps:
        fd = all_defs[i]
        base = fd.base_type.identifier
        if component is not None:
            if component.accumulate:
                accumulates.add(component.def_num)  # fitparse resets it, read or not
            if base == _BYTE:
                if fd.size > 8:
                    raise Refused("a component of a byte array wider than 8 bytes")
                if component.shift >= fd.size * 8:
                    continue  # fitparse: more components than the bytes hold; none given
            elif (
                base not in _NUMERIC
                or _NUMERIC[base][0][0] == "f"
                or fd.size != int(_NUMERIC[base][0][1])
            ):
                raise Refused(f"a component of a {fd.base_type.name} field")
            acc = component.def_num if component.accumulate else None
            steps.append(
                _Step(
                    name, offsets[i], fd.size, base, component.scale, component.offset,
                    component.shift, component.mask, component.bits, acc,
                )
            )  # fmt: skip
            continue
        if base not in _NUMERIC or fd.size != int(_NUMERIC[base][0][1]):
            raise Refused(f"record field {name} stored as {fd.size} byte(s) of {fd.base_type.name}")
        steps.append(_Step(name, offsets[i], fd.size, base, scale, value_offset))
    read = [(st.offset, st.base if st.base != _BYTE else -st.size) for st in steps]
    dtype = _dtype(endian, offsets[-1], [*read, *([ts] if ts else [])])
    return _Def(position, offsets[-1], dtype, ts, tuple(steps), frozenset(accumulates))


def _dtype(endian: str, size: int, fields: Sequence[tuple[int, int]]) -> np.dtype[Any] | None:
    """The definition's structured dtype: each field read (offset, base type; a negative
    base type is a byte array of that length) at its offset, the rest of the bytes skipped."""
    if not fields or not size:
        return None
    unique = dict(fields)
    names = [f"f{offset}" for offset in unique]
    formats: list[Any] = [
        ("u1", (-base,)) if base < 0 else endian + _NUMERIC[base][0] for base in unique.values()
    ]
    spec = {"names": names, "formats": formats, "offsets": list(unique), "itemsize": size}
    return np.dtype(spec)  # type: ignore[call-overload,no-any-return]


def read_bulk(ff: LenientFitFile, into: BulkRead) -> None:
    """Frame every message of ``ff``; fast data messages are only noted in ``into``.

    Raises what the fork raises where the bytes end or break (everything noted before it is
    kept in ``into``), and ``Refused`` for a shape left to the fork.
    """
    data = into.data
    length = len(data)
    positions = into.positions
    append = positions.append
    # Per header byte: 1 + the content size of a data message the bulk path reads; 0 else.
    step = [0] * 256
    table = [-1] * 16
    cache: dict[bytes, _Seen] = {}
    pos = int(ff._file.tell())
    end = pos + int(ff._bytes_left)
    limit = min(end, length)
    while True:
        while pos < limit:  # the hot loop: one lookup per message
            k = step[data[pos]]
            if not k or pos + k > limit:
                break
            append(pos)
            pos += k
        if pos < limit and step[data[pos]] and end < pos + step[data[pos]] <= length:
            raise Refused("a data message crosses its file's declared end")
        # (a message past the last byte is a truncation: the fork raises where the bytes end)
        if pos + 6 <= limit and data[pos] & 0xE0 == 0x40:
            # A definition without developer fields, byte for byte one seen before in this
            # part (devices repeat them): the fork's reading of it is reused.
            stop = pos + 6 + 3 * data[pos + 5]
            hit = cache.get(data[pos:stop]) if stop <= limit else None
            if hit is not None:
                local = data[pos] & 15
                _reuse(ff, local, hit)
                if hit.bulk is None:
                    _set_local(step, local, 0)
                    table[local] = -1
                else:
                    into.defs.append(replace(hit.bulk, position=pos))
                    _set_local(step, local, 1 + hit.bulk.size)
                    table[local] = len(into.defs) - 1
                _new_segment(into, table)
                pos = stop
                continue
        # Anything else is one message for the fork: sync its reader to where we are.
        ff._file.seek(pos)
        ff._bytes_left = end - pos
        headers = ff.n_headers
        compressed = pos < length and pos < end and data[pos] & 0x80
        ff._compressed_ts_accumulator = -1  # tells whether the message set it
        message = ff._parse_message()
        if ff._complete:
            return
        if ff.n_headers != headers:  # a chained file: a new header, the state starts over
            into.anchors.append((pos, 0))
            step = [0] * 256
            table = [-1] * 16
            cache = {}
            _new_segment(into, table)
        new_pos = int(ff._file.tell())
        if isinstance(message, DefinitionMessage):
            local = message.header.local_mesg_num
            shortcut = ff._fast.get(local)
            bulk = None
            if shortcut is None:
                if message.mesg_num == MSG_RECORD:
                    raise Refused("a record definition without a shortcut")
                _set_local(step, local, 0)
                table[local] = -1
            else:
                bulk = _plan_def(message, shortcut, pos)
                into.defs.append(bulk)
                _set_local(step, local, 1 + bulk.size)
                table[local] = len(into.defs) - 1
            _new_segment(into, table)
            if not message.header.is_developer_data and ff.n_headers == headers:
                cache[data[pos:new_pos]] = _Seen(
                    message, ff._plans[local], shortcut, bulk, _resets(message)
                )
        elif message is None or message is SKIPPED or type(message) is dict:
            raise Refused("a data message the fast path read one at a time")
        else:
            if compressed:
                raise Refused("a metadata message with a compressed timestamp")
            if ff._compressed_ts_accumulator != -1:
                into.anchors.append((pos, int(ff._compressed_ts_accumulator)))
            into.meta.append(message)
        pos = new_pos
        end = pos + int(ff._bytes_left)
        limit = min(end, length)


def _headers_of(local: int) -> tuple[int, ...]:
    """Every header byte of a data message of a local type: normal (bits 4 and 5 unused)
    and compressed-timestamp (any 5-bit offset)."""
    normal = tuple(local | extra for extra in (0x00, 0x10, 0x20, 0x30))
    if local > 3:
        return normal
    return normal + tuple(0x80 | (local << 5) | offset for offset in range(32))


_HEADERS = tuple(_headers_of(local) for local in range(16))


def _set_local(step: list[int], local: int, value: int) -> None:
    for header in _HEADERS[local]:
        step[header] = value


@dataclass(frozen=True, slots=True)
class _Seen:
    """A definition message as the fork read it, with what reading it changed."""

    message: Any
    plan: Any
    shortcut: Any
    bulk: _Def | None
    resets: tuple[tuple[int, int], ...]  # accumulators the definition sets to 0


def _resets(message: Any) -> tuple[tuple[int, int], ...]:
    return tuple(
        (message.mesg_num, c.def_num)
        for fd in message.field_defs
        if fd.field is not None and fd.field.components
        for c in fd.field.components
        if c.accumulate
    )


def _reuse(ff: LenientFitFile, local: int, seen: _Seen) -> None:
    """What the fork's ``_parse_definition_message`` leaves behind, without reading again."""
    ff._local_mesgs[local] = seen.message
    ff._plans[local] = seen.plan
    if seen.shortcut is None:
        ff._fast.pop(local, None)
    else:
        ff._fast[local] = seen.shortcut
    for mesg_num, def_num in seen.resets:
        ff._accumulators.setdefault(mesg_num, {})[def_num] = 0


def _new_segment(into: BulkRead, table: list[int]) -> None:
    if into.seg_starts[-1] == len(into.positions):
        into.seg_tables[-1] = list(table)
    else:
        into.seg_starts.append(len(into.positions))
        into.seg_tables.append(list(table))


# --- decoding, after the loop -----------------------------------------------------------
def _block(u8: np.ndarray[Any, Any], starts: np.ndarray[Any, Any], d: _Def) -> Any:
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
    invalid = _NUMERIC[base][1]
    values = raw.astype(np.float64)
    valid = ~np.isnan(values) if invalid is None else raw != invalid
    return values, valid


def _component_raw(block: Any, s: _Step) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The component's unsigned bits before accumulation, and validity."""
    raw = block[f"f{s.offset}"]
    if s.base == _BYTE:
        raw = raw.astype(np.uint64)
        valid = ~(raw == 0xFF).all(axis=1)  # fitparse: a byte array of 0xFF is invalid
        num = np.zeros(len(raw), dtype=np.uint64)
        for k in range(s.size):  # little-endian, whatever the message's endianness
            num |= raw[:, k] << np.uint64(8 * k)
    else:
        valid = raw != _NUMERIC[s.base][1]
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
