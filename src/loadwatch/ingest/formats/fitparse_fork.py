"""The fitparse 1.2.0 fork: a ``FitFile`` subclass that overrides private 1.2.0 methods.

The only module that imports fitparse.  Everything here depends on fitparse's internals
(``_parse_message``, ``_parse_definition_message``, ``_local_mesgs``, ``_accumulators``,
``_compressed_ts_accumulator``...), which are not API: pyproject pins ``fitparse==1.2.0`` and
``tests/ingest/test_fitparse_fork.py`` fails when the installed version is not that pin, so an
upgrade is a deliberate review of this file, never an accident of ``pip install -U``.

What the subclass (``LenientFitFile``) changes about 1.2.0:

* developer-field definitions live in a module global in fitparse and leak from one file to the
  next; here they are kept per file (and per chained part), so every decode is independent;
* defects that 1.2.0 raises on are recovered where the bytes still say how to go on: a field
  whose size is not a multiple of its base type is read as bytes (COROS), a developer field of
  an undefined developer-data index is skipped (Lezyne), a CRC mismatch is a warning;
* speed: per-field data processors (datetime objects, unit names) are skipped, each data
  message is unpacked with one precompiled ``struct.Struct``, and record messages whose
  definition allows it skip fitparse's per-field objects altogether (a test checks this fast
  path gives the same Tracks as fitparse's own path); message types nobody reads (hrv...)
  are skipped after their timestamp; the file CRC is checked with a vectorised CRC
  (``fit_crc``) instead of fitparse's per-nibble loop.

``ingest.fit`` builds Tracks from what this reader yields and never touches fitparse itself.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fitparse.base import FitFile
from fitparse.processors import FitFileDataProcessor
from fitparse.profile import FIELD_TYPE_TIMESTAMP, MESSAGE_TYPES
from fitparse.records import (
    BASE_TYPE_BYTE,
    BASE_TYPES,
    Crc,
    DefinitionMessage,
    DevField,
    DevFieldDefinition,
    FieldDefinition,
)
from fitparse.utils import FitEOFError, FitHeaderError, FitParseError

from loadwatch.ingest.formats.fit_crc import crc16

__all__ = [
    "META_MESSAGES",
    "PINNED_FITPARSE",
    "SKIPPED",
    "DefinitionMessage",
    "FitEOFError",
    "FitHeaderError",
    "Garbled",
    "LenientFitFile",
    "MetaMessage",
]

PINNED_FITPARSE = "1.2.0"  # the version whose internals this module overrides
MAX_DEFECTS = 3  # distinct recoverable defects before a file counts as garbled

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
_SCALAR, _ARRAY, _BYTES, _EMPTY = 0, 1, 2, 3
_Step = tuple[int, Callable[[Any], Any], int]


class _NoProcessing(FitFileDataProcessor):  # type: ignore[misc]
    """Skips fitparse's per-field processors: whole columns are converted after the loop."""

    def run_type_processor(self, field_data: Any) -> None:
        return None

    def run_field_processor(self, field_data: Any) -> None:
        return None

    def run_unit_processor(self, field_data: Any) -> None:
        return None

    def run_message_processor(self, data_message: Any) -> None:
        return None


_NO_PROCESSING = _NoProcessing()


@dataclass(frozen=True, slots=True)
class _Plan:
    """One definition message compiled: a single struct for the whole data message."""

    unpack: struct.Struct
    parsers: tuple[Callable[[Any], Any], ...] | None  # set when every field is a scalar
    steps: tuple[_Step, ...]


def _compile(def_mesg: Any) -> _Plan:
    fmt = [def_mesg.endian]
    steps: list[_Step] = []
    for fd in def_mesg.field_defs + def_mesg.dev_field_defs:
        base = fd.base_type
        n, rem = divmod(fd.size, base.size)
        if fd.size == 0:
            steps.append((0, BASE_TYPE_BYTE.parse, _EMPTY))
        elif rem or base.name == "byte":
            fmt.append(f"{fd.size}B")
            steps.append((fd.size, BASE_TYPE_BYTE.parse, _BYTES))
        elif base.fmt == "s":
            fmt.append(f"{fd.size}s")
            steps.append((1, base.parse, _SCALAR))
        elif n == 1:
            fmt.append(base.fmt)
            steps.append((1, base.parse, _SCALAR))
        else:
            fmt.append(f"{n}{base.fmt}")
            steps.append((n, base.parse, _ARRAY))
    scalar_only = all(kind == _SCALAR for _, _, kind in steps)
    parsers = tuple(parse for _, parse, _ in steps) if scalar_only else None
    return _Plan(struct.Struct("".join(fmt)), parsers, tuple(steps))


# The record channels a Track keeps.  ``enhanced_altitude``/``enhanced_speed`` are also
# components of ``altitude``/``speed``, and ``speed``/``distance`` of
# ``compressed_speed_distance`` (distance accumulating): the fast path expands exactly those
# components, in fitparse's order, so the values (and which one wins a name) are fitparse's.
_RECORD_FIELDS = frozenset(
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
class _Component:
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
_RecordStep = tuple[int, str, Callable[[Any], Any] | None, Any, Any, _Component | None]


@dataclass(frozen=True, slots=True)
class _Shortcut:
    """How a data message bypasses fitparse's per-field objects.

    ``steps`` (records): the Track channels to read; ``parse`` is None where the definition has
    array/byte fields and the values come from the general raw-value list.  No steps (a message
    type nobody reads, e.g. hrv): only its timestamp is kept, for compressed timestamps.
    """

    is_record: bool
    steps: tuple[_RecordStep, ...]
    scalar: bool
    timestamp_index: int | None


# Messages read in full by fitparse: metadata, and developer definitions (they define fields).
_KEEP_MESSAGES = META_MESSAGES | {MSG_FIELD_DESCRIPTION, MSG_DEVELOPER_DATA_ID}


def _shortcut(def_mesg: Any, plan: _Plan) -> _Shortcut | None:
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
    if def_mesg.mesg_num in _KEEP_MESSAGES:
        return None
    all_defs = def_mesg.field_defs + def_mesg.dev_field_defs
    ts_index = next((i for i, fd in enumerate(all_defs) if fd.def_num == 253), None)
    scalar = plan.parsers is not None
    if def_mesg.mesg_num != MSG_RECORD:
        return _Shortcut(False, (), scalar, ts_index)
    if any(fd.field.name in _RECORD_FIELDS for fd in def_mesg.dev_field_defs):
        return None
    steps: list[_RecordStep] = []
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
            if target is None or target.name not in _RECORD_FIELDS:
                continue
            component = _Component(
                c, c.bit_offset or 0, (1 << c.bits) - 1, c.bits, bool(c.accumulate),
                c.def_num, c.scale, c.offset,
            )  # fmt: skip
            steps.append((i, target.name, parse, None, None, component))
        if fld.name in _RECORD_FIELDS:
            steps.append((i, fld.name, parse, fld.scale, fld.offset, None))
    return _Shortcut(True, tuple(steps), scalar, ts_index)


SKIPPED = object()  # what the fast path returns for a message nobody reads


def _scaled(v: Any, scale: Any, offset: Any) -> Any:
    """fitparse's scale/offset for one value of an array field."""
    if not isinstance(v, int | float):
        return v
    return (v / scale if scale else v) - (offset or 0)


@dataclass(frozen=True, slots=True)
class MetaMessage:
    """A metadata message read without fitparse's per-field objects (``lean_meta``)."""

    mesg_num: int
    values: dict[str, Any]


class Garbled(FitParseError):  # type: ignore[misc]
    """Raised when a file keeps breaking the format: stop and keep what was read."""


class LenientFitFile(FitFile):  # type: ignore[misc]
    """fitparse 1.2.0 with per-file developer fields, recoverable defects and a faster reader."""

    _complete: bool
    _bytes_left: int

    def __init__(self, data: bytes, *, fast_records: bool = True, lean_meta: bool = False) -> None:
        self.defects: list[str] = []
        self.lean_meta = lean_meta
        self.n_headers = 0
        self.fast_records = fast_records
        self._dev_fields: dict[int, dict[int, Any]] = {}
        self._plans: dict[int, _Plan] = {}
        self._fast: dict[int, _Shortcut] = {}
        self._data = memoryview(data)
        self._part_start = 0
        # fitparse's own CRC runs a nibble at a time in Python; ours checks each part at its end.
        super().__init__(io.BytesIO(data), check_crc=False, data_processor=_NO_PROCESSING)

    def _defect(self, text: str) -> None:
        if text in self.defects:
            return
        if len(self.defects) >= MAX_DEFECTS:
            # Past a few distinct defects the reader is walking through garbage, not data.
            raise Garbled(f"garbled from byte {self.position}")
        self.defects.append(text)

    @property
    def position(self) -> int:
        return int(self._file.tell()) if self._file is not None else -1

    @property
    def bytes_left(self) -> int:
        return int(self._bytes_left)

    def data_messages(self) -> Iterator[Any]:
        """Data messages in file order, without keeping them (fitparse keeps every message).

        A record read by the fast path comes as a plain ``{field name: value}`` dict.
        """
        while not self._complete:
            message = self._parse_message()
            skip = message is None or message is SKIPPED
            if not skip and not isinstance(message, DefinitionMessage):
                yield message

    # --- overrides of fitparse 1.2.0 internals (pinned version) ---------------------------
    def _parse_file_header(self) -> None:
        # Developer fields and definitions belong to one FIT file, also inside a chain.
        self.n_headers += 1
        self._dev_fields = {}
        self._plans = {}
        self._fast = {}
        self._part_start = self._file.tell()
        super()._parse_file_header()

    def _read_and_assert_crc(self, allow_zero: bool = False) -> None:
        computed = crc16(self._data[self._part_start : self._file.tell()])
        stored = self._read_struct(Crc.FMT)
        if computed == stored or (allow_zero and stored == 0):
            return
        self._defect("header CRC mismatch" if allow_zero else "file CRC mismatch")

    def _parse_message(self) -> Any:
        if self._bytes_left <= 0:
            if not self._complete:
                self._read_and_assert_crc()
            if self._file.tell() >= self._filesize:
                self._complete = True
                return None
            self._parse_file_header()  # chained FIT file
            return self._parse_message()
        header = self._parse_message_header()
        if header.is_definition:
            return self._parse_definition_message(header)
        message = self._parse_data_message(header)
        if type(message) is dict or message is SKIPPED or type(message) is MetaMessage:
            return message
        mesg_num = message.def_mesg.mesg_num
        if mesg_num == MSG_DEVELOPER_DATA_ID:
            self._dev_fields[message.get_raw_value("developer_data_index")] = {}
        elif mesg_num == MSG_FIELD_DESCRIPTION:
            self._add_dev_field(message)
        return message

    def _add_dev_field(self, message: Any) -> None:
        index = message.get_raw_value("developer_data_index")
        num = message.get_raw_value("field_definition_number")
        fields = self._dev_fields.get(index)
        if fields is None:
            self._defect(f"developer field description for undefined developer data index {index}")
            fields = self._dev_fields.setdefault(index, {})
        fields[num] = DevField(
            dev_data_index=index,
            def_num=num,
            type=BASE_TYPES.get(message.get_raw_value("fit_base_type_id"), BASE_TYPE_BYTE),
            name=message.get_raw_value("field_name") or f"unnamed_dev_field_{num}",
            units=message.get_raw_value("units"),
            native_field_num=message.get_raw_value("native_field_num"),
        )

    def _parse_definition_message(self, header: Any) -> Any:
        endian = ">" if self._read_struct("xB") else "<"
        mesg_num, num_fields = self._read_struct("HB", endian=endian)
        mesg_type = MESSAGE_TYPES.get(mesg_num)
        field_defs = []
        for _ in range(num_fields):
            def_num, size, base_type_num = self._read_struct("3B", endian=endian)
            fld = mesg_type.fields.get(def_num) if mesg_type else None
            base_type = BASE_TYPES.get(base_type_num, BASE_TYPE_BYTE)
            if size % base_type.size:
                # fitparse 1.2.0 raises here (COROS); the size still says how far to skip.
                where = (
                    f"{mesg_type.name if mesg_type else mesg_num}.{fld.name if fld else def_num}"
                )
                self._defect(
                    f"field {where} has size {size}, not a multiple of {base_type.name}; skipped"
                )
                fld, base_type = None, BASE_TYPE_BYTE
            if fld is not None and fld.components:
                for component in fld.components:
                    if component.accumulate:
                        self._accumulators.setdefault(mesg_num, {})[component.def_num] = 0
            field_defs.append(
                FieldDefinition(field=fld, def_num=def_num, base_type=base_type, size=size)
            )
        dev_field_defs = []
        if header.is_developer_data:
            for _ in range(self._read_struct("B", endian=endian)):
                def_num, size, index = self._read_struct("3B", endian=endian)
                dev = self._dev_fields.get(index, {}).get(def_num)
                if dev is None:
                    self._defect(
                        f"developer field {def_num} of undefined developer data index "
                        f"{index}; skipped"
                    )
                    dev = DevField(
                        dev_data_index=index,
                        def_num=def_num,
                        type=BASE_TYPE_BYTE,
                        name=f"unknown_dev_{index}_{def_num}",
                    )
                dev_field_defs.append(
                    DevFieldDefinition(field=dev, dev_data_index=index, def_num=def_num, size=size)
                )
        def_mesg = DefinitionMessage(
            header=header,
            endian=endian,
            mesg_type=mesg_type,
            mesg_num=mesg_num,
            field_defs=field_defs,
            dev_field_defs=dev_field_defs,
        )
        self._local_mesgs[header.local_mesg_num] = def_mesg
        plan = self._plans[header.local_mesg_num] = _compile(def_mesg)
        fast = _shortcut(def_mesg, plan) if self.fast_records else None
        if fast is None:
            self._fast.pop(header.local_mesg_num, None)
        else:
            self._fast[header.local_mesg_num] = fast
        return def_mesg

    def _parse_data_message(self, header: Any) -> Any:
        fast = self._fast.get(header.local_mesg_num)
        if fast is None:
            if self.lean_meta:
                def_mesg = self._local_mesgs.get(header.local_mesg_num)
                if def_mesg is not None and def_mesg.mesg_num in META_MESSAGES:
                    return self._parse_meta(header, def_mesg)
            return super()._parse_data_message(header)
        plan = self._plans[header.local_mesg_num]
        if fast.scalar:
            values: Sequence[Any] = (
                plan.unpack.unpack(self._read(plan.unpack.size)) if plan.unpack.size else ()
            )
        else:
            values = self._parse_raw_values_from_data_message(
                self._local_mesgs[header.local_mesg_num]
            )
        record: dict[str, Any] = {}
        for i, name, parse, scale, offset, component in fast.steps:
            v = values[i] if parse is None else parse(values[i])
            if component is not None:
                v = self._component(component, v, def_mesg_num=MSG_RECORD)
                if v is not None:
                    record[name] = v
                continue
            if v is not None:
                if type(v) is tuple:  # an array where the profile says scalar
                    v = tuple(_scaled(x, scale, offset) for x in v)
                else:
                    if scale:
                        v = v / scale
                    if offset:
                        v = v - offset
                record[name] = v
        # fitparse's compressed-timestamp bookkeeping, for every message type.
        if fast.timestamp_index is not None:
            raw_ts = values[fast.timestamp_index]
            if fast.scalar:
                raw_ts = plan.parsers[fast.timestamp_index](raw_ts)  # type: ignore[index]
            if raw_ts is not None:
                self._compressed_ts_accumulator = raw_ts
        if header.time_offset is not None:
            ts = self._compressed_ts_accumulator = self._apply_compressed_accumulation(
                header.time_offset, self._compressed_ts_accumulator, 5
            )
            record["timestamp"] = ts
        return record if fast.is_record else SKIPPED

    def _parse_meta(self, header: Any, def_mesg: Any) -> MetaMessage:
        """fitparse 1.2.0's ``_parse_data_message`` for a metadata message, giving the
        ``{name: value}`` of its non-null fields (the last value of a name wins, components
        before their field) without building a FieldData per field."""
        raw_values = self._parse_raw_values_from_data_message(def_mesg)
        out: dict[str, Any] = {}
        resolve, scaled = self._resolve_subfield, self._apply_scale_offset
        all_defs = def_mesg.field_defs + def_mesg.dev_field_defs
        for field_def, raw_value in zip(all_defs, raw_values, strict=True):
            fld = field_def.field
            if fld:
                fld, _ = resolve(fld, def_mesg, raw_values)
                for component in fld.components or ():
                    try:
                        cmp_raw = component.render(raw_value)
                    except ValueError:
                        continue
                    if component.accumulate and cmp_raw is not None:
                        accumulator = self._accumulators[def_mesg.mesg_num]
                        cmp_raw = self._apply_compressed_accumulation(
                            cmp_raw, accumulator[component.def_num], component.bits
                        )
                        accumulator[component.def_num] = cmp_raw
                    cmp_raw = scaled(component, cmp_raw)
                    cmp_field, _ = resolve(
                        def_mesg.mesg_type.fields[component.def_num], def_mesg, raw_values
                    )
                    cmp_value = cmp_field.render(cmp_raw)
                    if cmp_value is not None:
                        out[cmp_field.name] = cmp_value
                value = scaled(fld, fld.render(raw_value))
                name = fld.name
            else:
                value, name = raw_value, f"unknown_{field_def.def_num}"
            if field_def.def_num == FIELD_TYPE_TIMESTAMP.def_num and raw_value is not None:
                self._compressed_ts_accumulator = raw_value
            if value is not None:
                out[name] = value
        if header.time_offset is not None:
            ts = self._compressed_ts_accumulator = self._apply_compressed_accumulation(
                header.time_offset, self._compressed_ts_accumulator, 5
            )
            out[FIELD_TYPE_TIMESTAMP.name] = FIELD_TYPE_TIMESTAMP.render(ts)
        return MetaMessage(def_mesg.mesg_num, out)

    def _component(self, c: _Component, raw: Any, *, def_mesg_num: int) -> Any:
        """fitparse's component value for a raw field value (render, accumulate, scale)."""
        if raw is None:
            return None
        if type(raw) is int:
            value = (raw >> c.shift) & c.mask
        else:
            try:
                value = c.field.render(raw)  # a byte array, unpacked little-endian
            except ValueError:  # more components than the bytes hold
                return None
            if value is None:
                return None
        if c.accumulate:
            accumulator = self._accumulators[def_mesg_num]
            value = accumulator[c.def_num] = self._apply_compressed_accumulation(
                value, accumulator[c.def_num], c.bits
            )
        if isinstance(value, int | float):
            if c.scale:
                value = float(value) / c.scale
            if c.offset:
                value = value - c.offset
        return value

    def _parse_raw_values_from_data_message(self, def_mesg: Any) -> list[Any]:
        plan = self._plans[def_mesg.header.local_mesg_num]
        values = plan.unpack.unpack(self._read(plan.unpack.size)) if plan.unpack.size else ()
        if plan.parsers is not None:
            return [parse(v) for parse, v in zip(plan.parsers, values, strict=True)]
        out: list[Any] = []
        i = 0
        for n, parse, kind in plan.steps:
            if kind == _SCALAR:
                out.append(parse(values[i]))
            elif kind == _ARRAY:
                out.append(tuple(parse(v) for v in values[i : i + n]))
            elif kind == _BYTES:
                out.append(parse(values[i : i + n]))
            else:
                out.append(None)
            i += n
        return out
