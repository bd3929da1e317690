"""The fork's fast reading of data message values (a mixin of ``LenientFitFile``): a record's
Track channels straight from its compiled struct (``fit_plan.Shortcut``), a metadata message's
``{name: value}`` without fitparse's per-field objects, components, raw values.

Each method mirrors what fitparse 1.2.0's reader computes for the same bytes
(``tests/ingest/test_fit_reference.py`` holds them to it on the corpus); the fitparse state they
share (accumulators, the compressed-timestamp accumulator, the file) is the subclass's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from loadwatch.ingest.formats.fit_plan import (
    ARRAY,
    BYTES,
    MSG_RECORD,
    SCALAR,
    SKIPPED,
    Component,
    MetaMessage,
    Plan,
    Shortcut,
    scaled,
)

TIMESTAMP_DEF_NUM = 253  # fitparse's FIELD_TYPE_TIMESTAMP: the field every message may carry


class FastValues:
    """Methods over fitparse 1.2.0's reader state (declared here, set by ``FitFile``)."""

    _plans: dict[int, Plan]
    _local_mesgs: dict[int, Any]
    _accumulators: dict[int, dict[int, int]]
    _compressed_ts_accumulator: int
    _read: Callable[[int], bytes]
    _resolve_subfield: Callable[..., Any]
    _apply_scale_offset: Callable[[Any, Any], Any]
    _apply_compressed_accumulation: Callable[[int, int, int], int]
    _render_timestamp: Callable[[int], Any]  # fitparse's FIELD_TYPE_TIMESTAMP.render

    def _fast_data_message(self, header: Any, fast: Shortcut) -> Any:
        """A data message whose definition has a shortcut: a record as ``{channel: value}``,
        any other message (nobody reads it) as ``SKIPPED`` once its timestamp is kept."""
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
                    v = tuple(scaled(x, scale, offset) for x in v)
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
            if field_def.def_num == TIMESTAMP_DEF_NUM and raw_value is not None:
                self._compressed_ts_accumulator = raw_value
            if value is not None:
                out[name] = value
        if header.time_offset is not None:
            ts = self._compressed_ts_accumulator = self._apply_compressed_accumulation(
                header.time_offset, self._compressed_ts_accumulator, 5
            )
            out["timestamp"] = self._render_timestamp(ts)
        return MetaMessage(def_mesg.mesg_num, out)

    def _component(self, c: Component, raw: Any, *, def_mesg_num: int) -> Any:
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
            if kind == SCALAR:
                out.append(parse(values[i]))
            elif kind == ARRAY:
                out.append(tuple(parse(v) for v in values[i : i + n]))
            elif kind == BYTES:
                out.append(parse(values[i : i + n]))
            else:
                out.append(None)
            i += n
        return out
