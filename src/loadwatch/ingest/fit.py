"""FIT decoder: the bytes of one FIT file (or several chained) → one Track per session.

The only module that imports fitparse.  fitparse 1.2.0 does the framing, the profile and the
field decoding; a subclass (``_LenientFitFile``) changes what 1.2.0 gets wrong for us:

* developer-field definitions live in a module global in fitparse and leak from one file to the
  next; here they are kept per file (and per chained part), so every decode is independent;
* defects that 1.2.0 raises on are recovered where the bytes still say how to go on: a field
  whose size is not a multiple of its base type is read as bytes (COROS), a developer field of
  an undefined developer-data index is skipped (Lezyne), a CRC mismatch is a warning;
* where the bytes do not say how to go on (truncation, an undefined local message type), the
  messages read so far are kept and the defect becomes a Track warning;
* speed: per-field data processors (datetime objects, unit names) are skipped, each data
  message is unpacked with one precompiled ``struct.Struct``, and record messages whose
  definition allows it skip fitparse's per-field objects altogether (a test checks this fast
  path gives the same Tracks as fitparse's own path); message types nobody reads (hrv...)
  are skipped after their timestamp; the file CRC is checked with a vectorised CRC
  (``fit_crc``) instead of fitparse's per-nibble loop; timestamps, semicircles and session
  windows are converted per column with polars/numpy.

Records are read from raw field values so a null compressed speed/distance component cannot
overwrite a real ``distance`` the way ``get_values()`` does.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from fitparse.base import FitFile
from fitparse.processors import FitFileDataProcessor
from fitparse.profile import MESSAGE_TYPES
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

from loadwatch.errors import CorruptFile, NotAnActivity, one_line
from loadwatch.ingest.fit_crc import crc16
from loadwatch.ingest.fit_profile import device_string, map_sport
from loadwatch.ingest.track import DeviceTotals, Track, conform_samples, empty_samples

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
FIT_EPOCH_UNIX_S = 631_065_600
# FIT date_time values below this are seconds since device power-on, not since the FIT epoch.
MIN_ABSOLUTE_TS = 0x10000000
SEMICIRCLE_TO_DEG = 180.0 / 2**31
OFFSET_STEP_S = 900  # local offsets are whole quarter hours
MAX_OFFSET_S = 14 * 3600
MAX_DEFECTS = 3  # distinct recoverable defects before a file counts as garbled

_FILE_ID, _SPORT, _SESSION, _LAP, _RECORD, _DEVICE_INFO, _ACTIVITY = 0, 12, 18, 19, 20, 23, 34
_TS_CORRELATION, _FIELD_DESCRIPTION, _DEVELOPER_DATA_ID = 162, 206, 207
_META_MESSAGES = frozenset(
    {_FILE_ID, _SPORT, _SESSION, _LAP, _DEVICE_INFO, _ACTIVITY, _TS_CORRELATION}
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


# The record channels a Track keeps (enhanced_* copies of altitude/speed are components, which
# the fast path does not expand: the collector falls back to the plain field).
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
_RecordStep = tuple[int, str, Callable[[Any], Any] | None, Any, Any]


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
_KEEP_MESSAGES = _META_MESSAGES | {_FIELD_DESCRIPTION, _DEVELOPER_DATA_ID}


def _shortcut(def_mesg: Any, plan: _Plan) -> _Shortcut | None:
    """The fast path for a definition, or None where fitparse must do the work.

    fitparse builds a FieldData object per field (≈ 40 % of its time); records need neither
    those nor enum rendering.  Accumulating components (compressed speed/distance) and
    subfields keep the general path.
    """
    if def_mesg.mesg_num in _KEEP_MESSAGES:
        return None
    all_defs = def_mesg.field_defs + def_mesg.dev_field_defs
    ts_index = next((i for i, fd in enumerate(all_defs) if fd.def_num == 253), None)
    scalar = plan.parsers is not None
    if def_mesg.mesg_num != _RECORD:
        return _Shortcut(False, (), scalar, ts_index)
    steps = []
    for i, fd in enumerate(def_mesg.field_defs):
        fld = fd.field
        if fld is None:
            continue
        if fld.subfields or any(c.accumulate for c in fld.components or ()):
            return None
        if fld.name in _RECORD_FIELDS:
            parse = plan.parsers[i] if plan.parsers is not None else None
            steps.append((i, fld.name, parse, fld.scale, fld.offset))
    return _Shortcut(True, tuple(steps), scalar, ts_index)


_SKIPPED = object()  # what the fast path returns for a message nobody reads


def _scaled(v: Any, scale: Any, offset: Any) -> Any:
    """fitparse's scale/offset for one value of an array field."""
    if not isinstance(v, int | float):
        return v
    return (v / scale if scale else v) - (offset or 0)


class _Garbled(FitParseError):  # type: ignore[misc]
    """Raised when a file keeps breaking the format: stop and keep what was read."""


class _LenientFitFile(FitFile):  # type: ignore[misc]
    """fitparse 1.2.0 with per-file developer fields, recoverable defects and a faster reader."""

    _complete: bool
    _bytes_left: int

    def __init__(self, data: bytes, *, fast_records: bool = True) -> None:
        self.defects: list[str] = []
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
            raise _Garbled(f"garbled from byte {self.position}")
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
            skip = message is None or message is _SKIPPED
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
        if type(message) is dict or message is _SKIPPED:  # from the fast path
            return message
        mesg_num = message.def_mesg.mesg_num
        if mesg_num == _DEVELOPER_DATA_ID:
            self._dev_fields[message.get_raw_value("developer_data_index")] = {}
        elif mesg_num == _FIELD_DESCRIPTION:
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
        for i, name, parse, scale, offset in fast.steps:
            v = values[i] if parse is None else parse(values[i])
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
        return record if fast.is_record else _SKIPPED

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


# --- reading ------------------------------------------------------------------------------
_RECORD_COLUMNS = ("ts", "lat", "lon", "distance", "altitude", "speed", "heart_rate", "cadence")


@dataclass
class _Content:
    columns: dict[str, list[Any]] = field(default_factory=lambda: {c: [] for c in _RECORD_COLUMNS})
    meta: dict[int, list[dict[str, Any]]] = field(
        default_factory=lambda: {n: [] for n in _META_MESSAGES}
    )
    n_records: int = 0


def _values(message: Any) -> dict[str, Any]:
    # Dropping None keeps a real value when a null component of another field shares its name.
    return {f.name: f.value for f in message.fields if f.value is not None}


def _collect(ff: _LenientFitFile, out: _Content) -> None:
    """The hot loop: one pass, per-column lists, nothing converted per sample."""
    cols = out.columns
    ts, lat, lon, dist = (
        cols["ts"].append,
        cols["lat"].append,
        cols["lon"].append,
        cols["distance"].append,
    )
    alt, spd, hr, cad = (
        cols["altitude"].append,
        cols["speed"].append,
        cols["heart_rate"].append,
        cols["cadence"].append,
    )
    meta = out.meta
    for message in ff.data_messages():
        if type(message) is dict:
            v = message
        elif message.def_mesg.mesg_num == _RECORD:
            v = {f.name: f.value for f in message.fields if f.value is not None}
        else:
            if message.def_mesg.mesg_num in meta:
                meta[message.def_mesg.mesg_num].append(_values(message))
            continue
        get = v.get
        ts(get("timestamp"))
        lat(get("position_lat"))
        lon(get("position_long"))
        dist(get("distance"))
        alt(get("enhanced_altitude", get("altitude")))
        spd(get("enhanced_speed", get("speed")))
        hr(get("heart_rate"))
        cad(get("cadence"))
    out.n_records = len(cols["ts"])


def _stop_reason(e: Exception, ff: _LenientFitFile, kept: int) -> str:
    """One line naming why reading stopped early (everything read before it is kept)."""
    part = f" (chained part {ff.n_headers})" if ff.n_headers > 1 else ""
    if isinstance(e, FitEOFError):
        if ff.bytes_left <= 0:
            return f"truncated{part}: file ends without its file CRC; kept {kept} records"
        return f"truncated{part}: file ends before its declared size; kept {kept} records"
    if isinstance(e, _Garbled):
        return f"{e}: stopped reading there; kept {kept} records"
    if isinstance(e, FitHeaderError):
        where = f"ignored from byte {ff.position}"
        return f"chained FIT part {ff.n_headers} has an invalid header; {where}"
    return f"unreadable from byte {ff.position}: {one_line(e)}; kept {kept} records"


def _read(data: bytes, name: str, *, fast_records: bool) -> tuple[_Content, list[str]]:
    try:
        ff = _LenientFitFile(data, fast_records=fast_records)
    except (FitHeaderError, FitEOFError, struct.error) as e:
        raise CorruptFile(f"not a FIT file ({one_line(e)})") from e
    content = _Content()
    try:
        _collect(ff, content)
    except Exception as e:  # fitparse raises bare ValueError/KeyError/struct.error on bad bytes
        ff.defects.append(_stop_reason(e, ff, len(content.columns["ts"])))
    content.n_records = len(content.columns["ts"])
    return content, ff.defects


# --- building Tracks ---------------------------------------------------------------------
def _num(v: object) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _abs_ts(v: object, shift: int | None) -> int | None:
    """A raw FIT date_time as seconds since the FIT epoch, anchored when it is device-relative."""
    if not isinstance(v, int):
        return None
    if v < MIN_ABSOLUTE_TS and shift is not None:
        return v + shift
    return v


def _to_datetime(v: int | None) -> datetime | None:
    return None if v is None or v < MIN_ABSOLUTE_TS else FIT_EPOCH + timedelta(seconds=v)


def _relative_shift(correlations: Sequence[dict[str, Any]]) -> int | None:
    """Seconds to add to a device-relative time, from a timestamp_correlation message."""
    for c in correlations:
        t, s = c.get("timestamp"), c.get("system_timestamp")
        if isinstance(t, int) and isinstance(s, int) and t >= MIN_ABSOLUTE_TS:
            return t - s
    return None


def round_offset(seconds: float) -> int | None:
    """A local-minus-UTC difference rounded to the quarter hour; None when implausible."""
    rounded = round(seconds / OFFSET_STEP_S) * OFFSET_STEP_S
    return rounded if abs(rounded) <= MAX_OFFSET_S else None


def _utc_offset(meta: dict[int, list[dict[str, Any]]]) -> int | None:
    for m in (*meta[_ACTIVITY], *meta[_TS_CORRELATION]):
        local, utc = m.get("local_timestamp"), m.get("timestamp")
        if isinstance(local, int) and isinstance(utc, int) and min(local, utc) >= MIN_ABSOLUTE_TS:
            return round_offset(local - utc)
    return None


def _device(meta: dict[int, list[dict[str, Any]]]) -> str | None:
    if not meta[_FILE_ID]:
        return None
    fid = meta[_FILE_ID][0]
    product = fid.get("garmin_product", fid.get("product"))

    def is_creator(d: dict[str, Any]) -> bool:
        # The creator is device_index 0; some devices (Lezyne) give it another index but the
        # file_id's own manufacturer and product.
        if d.get("device_index") in ("creator", 0):
            return True
        same = d.get("garmin_product", d.get("product")) == product
        return same and d.get("manufacturer") == fid.get("manufacturer")

    creator = next(
        (d["product_name"] for d in meta[_DEVICE_INFO] if d.get("product_name") and is_creator(d)),
        None,
    )
    return device_string(fid.get("manufacturer"), product, fid.get("product_name"), creator)


def _session_totals(s: dict[str, Any]) -> DeviceTotals:
    return DeviceTotals(
        distance_m=_num(s.get("total_distance")),
        timer_time_s=_num(s.get("total_timer_time")),
        elapsed_time_s=_num(s.get("total_elapsed_time")),
        ascent_m=_num(s.get("total_ascent")),
        descent_m=_num(s.get("total_descent")),
        max_speed_mps=_num(s.get("enhanced_max_speed", s.get("max_speed"))),
        avg_hr=_num(s.get("avg_heart_rate")),
        max_hr=_num(s.get("max_heart_rate")),
    )


def _lap_totals(laps: Sequence[dict[str, Any]]) -> DeviceTotals:
    """Totals of a file without a session message, summed over its laps."""

    def total(key: str) -> float | None:
        vals = [v for v in (_num(lap.get(key)) for lap in laps) if v is not None]
        return sum(vals) if vals else None

    def peak(*keys: str) -> float | None:
        vals = [v for lap in laps for k in keys if (v := _num(lap.get(k))) is not None]
        return max(vals) if vals else None

    weighted = [
        (hr, t)
        for lap in laps
        if (hr := _num(lap.get("avg_heart_rate"))) is not None
        and (t := _num(lap.get("total_timer_time")))
    ]
    avg_hr = sum(h * t for h, t in weighted) / sum(t for _, t in weighted) if weighted else None
    return DeviceTotals(
        distance_m=total("total_distance"),
        timer_time_s=total("total_timer_time"),
        elapsed_time_s=total("total_elapsed_time"),
        ascent_m=total("total_ascent"),
        descent_m=total("total_descent"),
        max_speed_mps=peak("enhanced_max_speed", "max_speed"),
        avg_hr=avg_hr,
        max_hr=peak("max_heart_rate"),
    )


def _series(name: str, values: list[Any], dtype: pl.DataType) -> pl.Series:
    try:
        return pl.Series(name, values, dtype=dtype, strict=False)
    except (TypeError, ValueError, pl.exceptions.PolarsError):
        # A device wrote an array where the profile says scalar; such a sample is unusable.
        clean = [v if isinstance(v, int | float) else None for v in values]
        return pl.Series(name, clean, dtype=dtype, strict=False)


def _samples_frame(columns: dict[str, list[Any]], shift: int | None) -> pl.DataFrame:
    df = pl.DataFrame(
        [
            _series("ts", columns["ts"], pl.Int64()),
            *(_series(c, columns[c], pl.Float64()) for c in _RECORD_COLUMNS[1:]),
        ]
    )
    ts = pl.col("ts")
    if shift is not None:
        ts = pl.when(ts < MIN_ABSOLUTE_TS).then(ts + shift).otherwise(ts)
    return df.with_columns(
        ts.alias("ts"),
        pl.from_epoch(ts + FIT_EPOCH_UNIX_S, time_unit="s")
        .dt.replace_time_zone("UTC")
        .alias("time"),
        (pl.col("lat") * SEMICIRCLE_TO_DEG).alias("lat"),
        (pl.col("lon") * SEMICIRCLE_TO_DEG).alias("lon"),
        pl.lit(0, dtype=pl.Int32()).alias("segment"),
    )


def _session_start(s: dict[str, Any], shift: int | None) -> int | None:
    start = _abs_ts(s.get("start_time"), shift)
    if start is None:
        end, elapsed = _abs_ts(s.get("timestamp"), shift), _num(s.get("total_elapsed_time"))
        if end is not None and elapsed is not None:
            start = end - int(elapsed)
    return start


def _assign(ts: pl.Series, starts: Sequence[int | None]) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Index of the session each record belongs to: the last one started at or before it.

    Records between two sessions (a transition the device did not cover) stay with the session
    before; records before the first start go to the first session.
    """
    order = sorted((s, i) for i, s in enumerate(starts) if s is not None)
    if not order:
        return np.zeros(len(ts), dtype=np.int64)
    sorted_starts = np.array([s for s, _ in order], dtype=np.int64)
    owners = np.array([i for _, i in order], dtype=np.int64)
    pos = np.searchsorted(sorted_starts, ts.fill_null(0).to_numpy(), side="right") - 1
    return owners[np.clip(pos, 0, None)]


def _file_type(file_ids: Sequence[dict[str, Any]]) -> object:
    types = [f.get("type") for f in file_ids if f.get("type") is not None]
    return "activity" if "activity" in types else (types[0] if types else None)


def decode(data: bytes, name: str) -> list[Track]:
    """One Track per FIT session (multisport and chained files give several).

    A recording whose clock was never set (times relative to power-on, with no
    timestamp_correlation to anchor them) is not an activity: it cannot be placed on a day,
    and a run dated 1990 would only corrupt the athlete's history (GPX does the same)."""
    return decode_records(data, name, fast_records=True)


def decode_records(
    data: bytes, name: str, *, fast_records: bool, allow_unplaced: bool = False
) -> list[Track]:
    """``decode`` with the record fast path switchable (tests compare both paths) and, for
    tests of the decoding itself, recordings with an unset clock kept."""
    content, defects = _read(data, name, fast_records=fast_records)
    meta = content.meta
    ftype = _file_type(meta[_FILE_ID])
    if ftype is not None and ftype != "activity":
        kind = ftype if isinstance(ftype, str) else f"type {ftype}"
        raise NotAnActivity(f"a FIT {kind} file, not a recorded activity")

    shift = _relative_shift(meta[_TS_CORRELATION])
    sessions = meta[_SESSION]
    starts = [_session_start(s, shift) for s in sessions]
    df = _samples_frame(content.columns, shift)
    timed = int(df["ts"].is_not_null().sum())
    if not sessions and (timed < 2 or df["ts"].n_unique() < 2):
        if defects and not timed:
            raise CorruptFile(defects[-1])
        raise NotAnActivity(
            "a FIT activity file without a session or timed records (nothing recorded)"
        )
    if sessions and timed == 0 and all(s is None for s in starts):
        raise NotAnActivity("a FIT activity file without timestamps")

    warnings = list(defects)
    all_ts = [s for s in starts if s is not None] + ([int(df["ts"].min())] if timed else [])  # type: ignore[arg-type]
    if any(t < MIN_ABSOLUTE_TS for t in all_ts):
        unplaced = "timestamps are relative to device power-on (clock not set): the date is unknown"
        if not allow_unplaced:
            raise NotAnActivity(
                f"the device clock was never set ({unplaced.split(' (')[0]}), so the recording "
                "cannot be placed in time"
            )
        warnings.append(unplaced)
    common: dict[str, Any] = {
        "format": "fit",
        "utc_offset_s": _utc_offset(meta),
        "device": _device(meta),
        "warnings": tuple(warnings),
    }

    if not sessions:
        sport_msg = meta[_SPORT][0] if meta[_SPORT] else (meta[_LAP][0] if meta[_LAP] else {})
        samples = conform_samples(df)
        first = int(df["ts"].drop_nulls().min())  # type: ignore[arg-type]
        return [
            Track(
                sport=map_sport(sport_msg.get("sport"), sport_msg.get("sub_sport")),
                samples=samples,
                start_time=_to_datetime(first),
                totals=_lap_totals(meta[_LAP]),
                name=sport_msg.get("name") if isinstance(sport_msg.get("name"), str) else None,
                **common,
            )
        ]

    df = df.with_columns(pl.Series("_session", _assign(df["ts"], starts)))
    parts = df.partition_by("_session", as_dict=True, include_key=False)
    sport_names = [m.get("name") for m in meta[_SPORT] if isinstance(m.get("name"), str)]
    tracks = []
    order = sorted(range(len(sessions)), key=lambda k: (starts[k] is None, starts[k] or 0))
    for i, original in enumerate(order):
        s, start = sessions[original], starts[original]
        part = parts.get((original,))
        samples = empty_samples() if part is None else conform_samples(part)
        title = s.get("sport_profile_name")
        if not isinstance(title, str):
            title = sport_names[0] if len(sessions) == 1 and sport_names else None
        tracks.append(
            Track(
                sport=map_sport(s.get("sport"), s.get("sub_sport")),
                samples=samples,
                start_time=_to_datetime(start),
                totals=_session_totals(s),
                session_index=i,
                name=title,
                **common,
            )
        )
    return tracks
