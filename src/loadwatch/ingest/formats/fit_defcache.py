"""Definition messages already parsed, by their bytes, for the fitparse fork.

A FIT file defines each message layout (a definition message: architecture, global message
number, one (number, size, base type) triple per field) before the data messages that use it,
and re-sends a definition each time it switches a local message type back; a device writes the
same definitions in every file it records.  Parsing one through fitparse builds a field object
per triple and compiles its struct (``fit_plan``): about a third of a small FIT file's reading.
What that yields is a function of the definition's bytes and fitparse's static profile, so it is
kept here, per process, keyed by those bytes (1,799 definitions of the corpus activity files
are 797 distinct ones).

Only definitions that read cleanly are kept: no developer fields (their meaning is per file)
and no field of a size its base type does not divide (a defect the fork reports per file).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loadwatch.ingest.formats.fit_plan import Plan, Shortcut

MAX_ENTRIES = 4096  # distinct definitions kept (a few hundred bytes each); then start afresh
_HEAD = 5  # reserved, architecture, global message number (2), number of fields


@dataclass(frozen=True, slots=True)
class Parsed:
    """What parsing a definition's bytes gave, less the message header (per message)."""

    template: Any  # the fitparse DefinitionMessage first read, copied with each new header
    mesg_num: int
    accumulate: tuple[int, ...]  # component targets whose accumulator a definition resets
    plan: Plan
    shortcut: Shortcut | None  # for the reader mode it was parsed in (see ``key``)


_ENTRIES: dict[tuple[bytes, bool], Parsed] = {}


def key(data: memoryview, start: int, fast_records: bool) -> tuple[bytes, bool] | None:
    """The cache key of a definition message (without developer fields) whose content starts at
    ``start``; None when the bytes end inside it (the fork's own reading reports that)."""
    if start + _HEAD > len(data):
        return None
    end = start + _HEAD + 3 * data[start + _HEAD - 1]
    if end > len(data):
        return None
    return bytes(data[start:end]), fast_records


def get(k: tuple[bytes, bool]) -> Parsed | None:
    return _ENTRIES.get(k)


def put(k: tuple[bytes, bool], parsed: Parsed) -> None:
    if len(_ENTRIES) >= MAX_ENTRIES:
        _ENTRIES.clear()
    _ENTRIES[k] = parsed


def parsed(def_mesg: Any, plan: Plan, shortcut: Shortcut | None) -> Parsed:
    """What a definition gave, for the next time its bytes come."""
    accumulate = tuple(
        c.def_num
        for fd in def_mesg.field_defs
        if fd.field is not None
        for c in fd.field.components or ()
        if c.accumulate
    )
    return Parsed(def_mesg, def_mesg.mesg_num, accumulate, plan, shortcut)


def reads_cleanly(definition: bytes, base_sizes: Mapping[int, int]) -> bool:
    """No field's size is one its base type does not divide (an unknown type is a byte)."""
    triples = struct.iter_unpack("3B", definition[_HEAD:])
    return all(size % base_sizes.get(base, 1) == 0 for _, size, base in triples)


def clear() -> None:
    """Forget every definition (tests: a cold reader)."""
    _ENTRIES.clear()


def size() -> int:
    return len(_ENTRIES)
