"""The bulk FIT reader's plan of a definition message (``BulkDef``): the structured numpy dtype
its data messages are viewed through, where its timestamp is, and for a record definition the
channel writes (``BulkStep``) in fitparse's order, components and accumulators included.

``fit_bulk`` frames the messages and plans each definition here; ``fit_bulk_columns`` decodes
the columns by these plans.  A definition of a shape the bulk path leaves to the fork's
per-message reader raises ``Refused`` (the shapes are listed in ``fit_bulk``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import numpy as np

__all__ = [
    "BYTE_TYPE",
    "CHANNELS",
    "NUMERIC_TYPES",
    "BulkDef",
    "BulkStep",
    "Refused",
    "plan_def",
]

CHANNELS = ("ts", "lat", "lon", "distance", "altitude", "speed", "heart_rate", "cadence")
_TS_FIELD = 253
_TS_BITS = 5

# FIT base type id -> (numpy type code, invalid value or None for NaN).  The 64-bit integers
# and strings are left to the fork (a record channel never has them in the corpus).
NUMERIC_TYPES: dict[int, tuple[str, float | None]] = {
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
BYTE_TYPE = 0x0D


class Refused(Exception):
    """This file has a shape the bulk path leaves to the fork's per-message reader."""


@dataclass(frozen=True, slots=True)
class BulkStep:
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
class BulkDef:
    """One definition message as the bulk path uses it."""

    position: int
    size: int
    dtype: np.dtype[Any] | None  # the fields read, at their offsets; None: nothing read
    ts: tuple[int, int] | None  # (byte offset, base type) of a timestamp field
    record_steps: tuple[BulkStep, ...] | None  # None: not a record
    accumulates: frozenset[int] = frozenset()


def plan_def(def_mesg: Any, shortcut: Any, position: int) -> BulkDef:
    """How the bulk path reads one definition's data messages: its dtype, timestamp and, for a
    record, the channel writes in fitparse's order; ``Refused`` for a shape left to the fork."""
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
        return BulkDef(position, offsets[-1], dtype, ts, None)
    steps: list[BulkStep] = []
    accumulates: set[int] = set()
    for i, name, _parse, scale, value_offset, component in shortcut.steps:
        fd = all_defs[i]
        base = fd.base_type.identifier
        if component is not None:
            if component.accumulate:
                accumulates.add(component.def_num)  # fitparse resets it, read or not
            if base == BYTE_TYPE:
                if fd.size > 8:
                    raise Refused("a component of a byte array wider than 8 bytes")
                if component.shift >= fd.size * 8:
                    continue  # fitparse: more components than the bytes hold; none given
            elif (
                base not in NUMERIC_TYPES
                or NUMERIC_TYPES[base][0][0] == "f"
                or fd.size != int(NUMERIC_TYPES[base][0][1])
            ):
                raise Refused(f"a component of a {fd.base_type.name} field")
            acc = component.def_num if component.accumulate else None
            steps.append(
                BulkStep(
                    name, offsets[i], fd.size, base, component.scale, component.offset,
                    component.shift, component.mask, component.bits, acc,
                )
            )  # fmt: skip
            continue
        if base not in NUMERIC_TYPES or fd.size != int(NUMERIC_TYPES[base][0][1]):
            raise Refused(f"record field {name} stored as {fd.size} byte(s) of {fd.base_type.name}")
        steps.append(BulkStep(name, offsets[i], fd.size, base, scale, value_offset))
    read = [(st.offset, st.base if st.base != BYTE_TYPE else -st.size) for st in steps]
    dtype = _dtype(endian, offsets[-1], [*read, *([ts] if ts else [])])
    return BulkDef(position, offsets[-1], dtype, ts, tuple(steps), frozenset(accumulates))


def _dtype(endian: str, size: int, fields: Sequence[tuple[int, int]]) -> np.dtype[Any] | None:
    """The definition's structured dtype: each field read (offset, base type; a negative
    base type is a byte array of that length) at its offset, the rest of the bytes skipped."""
    if not fields or not size:
        return None
    unique = dict(fields)
    names = [f"f{offset}" for offset in unique]
    formats: list[Any] = [
        ("u1", (-base,)) if base < 0 else endian + NUMERIC_TYPES[base][0]
        for base in unique.values()
    ]
    spec = {"names": names, "formats": formats, "offsets": list(unique), "itemsize": size}
    return np.dtype(spec)  # type: ignore[call-overload,no-any-return]
