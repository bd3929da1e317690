"""How the fitparse fork reads a data message without fitparse's per-field objects: the FIT
message numbers it knows, a definition compiled to one ``struct`` (``Plan``), and the record
shortcut (``Shortcut``: which fields and components become Track channels).

No fitparse import here (the fork, ``fitparse_fork`` and ``fitparse_definitions``, is the only
code that imports it): the objects passed in are fitparse 1.2.0's definition messages, read by
attribute.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# FIT global message numbers (FIT SDK profile, "mesg_num").
MSG_FILE_ID, MSG_SPORT, MSG_SESSION, MSG_LAP, MSG_RECORD = 0, 12, 18, 19, 20
MSG_DEVICE_INFO, MSG_ACTIVITY, MSG_TS_CORRELATION = 23, 34, 162
MSG_FIELD_DESCRIPTION, MSG_DEVELOPER_DATA_ID = 206, 207
# Messages kept whole for building Tracks (records are read column by column).
META_MESSAGES = frozenset(
    {
        MSG_FILE_ID,
        MSG_SPORT,
        MSG_SESSION,
        MSG_LAP,
        MSG_DEVICE_INFO,
        MSG_ACTIVITY,
        MSG_TS_CORRELATION,
    }
)

# How a field's unpacked values become its raw value (mirrors fitparse 1.2.0's reader).
SCALAR, ARRAY, BYTES, EMPTY = 0, 1, 2, 3
Step = tuple[int, Callable[[Any], Any], int]


@dataclass(frozen=True, slots=True)
class Plan:
    """One definition message compiled: a single struct for the whole data message."""

    unpack: struct.Struct
    parsers: tuple[Callable[[Any], Any], ...] | None  # set when every field is a scalar
    steps: tuple[Step, ...]


# The record channels a Track keeps.  ``enhanced_altitude``/``enhanced_speed`` are also
# components of ``altitude``/``speed``, and ``speed``/``distance`` of
# ``compressed_speed_distance`` (distance accumulating): the fast path expands exactly those
# components, in fitparse's order, so the values (and which one wins a name) are fitparse's.
RECORD_FIELDS = frozenset(
    {
        "timestamp",
        "position_lat",
        "position_long",
        "distance",
        "altitude",
        "enhanced_altitude",
        "speed",
        "enhanced_speed",
        "heart_rate",
        "cadence",
    }
)


@dataclass(frozen=True, slots=True)
class Component:
    """One component of a record field whose target is a Track channel (fitparse's
    ``ComponentField``, its target's global number and whether it accumulates)."""

    field: Any  # fitparse.records.ComponentField: ``render`` for the rare non-int raw value
    shift: int
    mask: int
    bits: int
    accumulate: bool
    def_num: int  # the component's target field: the accumulator's key
    scale: Any
    offset: Any


# (field index, name, parser or None, scale, offset, component or None)
RecordStep = tuple[int, str, Callable[[Any], Any] | None, Any, Any, Component | None]


@dataclass(frozen=True, slots=True)
class Shortcut:
    """How a data message bypasses fitparse's per-field objects.

    ``steps`` (records): the Track channels to read; ``parse`` is None where the definition has
    array/byte fields and the values come from the general raw-value list.  No steps (a message
    type nobody reads, e.g. hrv): only its timestamp is kept, for compressed timestamps.
    """

    is_record: bool
    steps: tuple[RecordStep, ...]
    scalar: bool
    timestamp_index: int | None


# Messages read in full by fitparse: metadata, and developer definitions (they define fields).
KEEP_MESSAGES = META_MESSAGES | {MSG_FIELD_DESCRIPTION, MSG_DEVELOPER_DATA_ID}


def shortcut(def_mesg: Any, plan: Plan) -> Shortcut | None:
    """The fast path for a definition, or None where fitparse must do the work.

    fitparse builds a FieldData object per field (≈ 40 % of its time); records need neither
    those nor enum rendering.  Components whose target is a Track channel are expanded here
    (accumulating ones through fitparse's own accumulator, so a definition read by fitparse
    later in the file continues from the same state); components nobody reads (the
    accumulating ``total_cycles`` of swims, ``accumulated_power``) are not computed at all.
    Every record definition in the corpus takes this path (``tests/ingest/test_fit_reference.py``);
    only a record field with subfields (none in the 1.2.0 profile) or a developer field
    named like a channel (fitparse would let it win the name) goes to fitparse.
    """
    if def_mesg.mesg_num in KEEP_MESSAGES:
        return None
    all_defs = def_mesg.field_defs + def_mesg.dev_field_defs
    ts_index = next((i for i, fd in enumerate(all_defs) if fd.def_num == 253), None)
    scalar = plan.parsers is not None
    if def_mesg.mesg_num != MSG_RECORD:
        return Shortcut(False, (), scalar, ts_index)
    if any(fd.field.name in RECORD_FIELDS for fd in def_mesg.dev_field_defs):
        return None
    steps: list[RecordStep] = []
    fields = def_mesg.mesg_type.fields if def_mesg.mesg_type is not None else {}
    for i, fd in enumerate(def_mesg.field_defs):
        fld = fd.field
        if fld is None:
            continue
        if fld.subfields:
            return None
        parse = plan.parsers[i] if plan.parsers is not None else None
        # fitparse puts a field's components ahead of the field itself: same order here.
        for c in fld.components or ():
            target = fields.get(c.def_num)
            if target is None or target.name not in RECORD_FIELDS:
                continue
            component = Component(
                c, c.bit_offset or 0, (1 << c.bits) - 1, c.bits, bool(c.accumulate),
                c.def_num, c.scale, c.offset,
            )  # fmt: skip
            steps.append((i, target.name, parse, None, None, component))
        if fld.name in RECORD_FIELDS:
            steps.append((i, fld.name, parse, fld.scale, fld.offset, None))
    return Shortcut(True, tuple(steps), scalar, ts_index)


SKIPPED = object()  # what the fast path returns for a message nobody reads


def scaled(v: Any, scale: Any, offset: Any) -> Any:
    """fitparse's scale/offset for one value of an array field."""
    if not isinstance(v, int | float):
        return v
    return (v / scale if scale else v) - (offset or 0)


@dataclass(frozen=True, slots=True)
class MetaMessage:
    """A metadata message read without fitparse's per-field objects (``lean_meta``)."""

    mesg_num: int
    values: dict[str, Any]
