"""FIT data messages decoded in bulk: one numpy structured dtype per definition message.

The fork (``fitparse_fork.LenientFitFile``) still reads the file header, every definition
message, the metadata messages (file_id, session, lap, device_info...) and the CRCs, and
decides each definition's shortcut.  What it no longer does is read data messages one at a
time: a tight framing loop here only notes where each data message of a shortcut definition
starts (its size is its definition's), and afterwards the messages of each definition are
gathered into one ``(n, size)`` byte matrix viewed as a structured array (``fit_bulk_plan``:
the definition's endianness, field sizes and base types), from which the record channels
are extracted column by column (``fit_bulk_columns``) with fitparse's semantics:

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

from dataclasses import dataclass, field, replace
from typing import Any

from loadwatch.ingest.formats.fit_bulk_plan import BulkDef, Refused, plan_def
from loadwatch.ingest.formats.fitparse_fork import (
    MSG_RECORD,
    SKIPPED,
    DefinitionMessage,
    LenientFitFile,
)

__all__ = ["BulkRead", "read_bulk"]  # planning: fit_bulk_plan; decoding: fit_bulk_columns


@dataclass
class BulkRead:
    """What the framing loop saw, for ``columns`` to decode afterwards."""

    data: bytes
    positions: list[int] = field(default_factory=list)  # header byte of each fast message
    seg_starts: list[int] = field(default_factory=lambda: [0])
    seg_tables: list[list[int]] = field(default_factory=lambda: [[-1] * 16])
    defs: list[BulkDef] = field(default_factory=list)
    # Timestamp anchors from outside the fast messages: (position, value) of metadata
    # messages carrying a timestamp and of file headers (which reset it to 0).
    anchors: list[tuple[int, int]] = field(default_factory=lambda: [(-1, 0)])
    meta: list[Any] = field(default_factory=list)  # fitparse DataMessages, in file order


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
                bulk = plan_def(message, shortcut, pos)
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
    bulk: BulkDef | None
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
