"""The fitparse 1.2.0 fork: a ``FitFile`` subclass that overrides private 1.2.0 methods.

With ``fitparse_definitions``, the only module that imports fitparse.  Everything here
depends on fitparse's internals (``_parse_message``, ``_parse_definition_message``,
``_local_mesgs``, ``_accumulators``, ``_compressed_ts_accumulator``...), which are not API:
pyproject pins ``fitparse==1.2.0`` and ``tests/ingest/test_fitparse_fork.py`` fails when the
installed version is not that pin, so an upgrade is a deliberate review of these two files,
never an accident of ``pip install -U``.

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

Definition messages (their recoveries, compiling, the definition cache) are read by
``fitparse_definitions``, a mixin of ``LenientFitFile``.  The fitparse-free parts live beside
them: ``fit_plan`` (message numbers, a definition compiled to one struct, the record
shortcut) and ``fit_values`` (the fast value reading, a mixin of ``LenientFitFile``).
``ingest.fit`` builds Tracks from what this reader yields and never touches fitparse itself.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from fitparse.base import FitFile
from fitparse.processors import FitFileDataProcessor
from fitparse.profile import FIELD_TYPE_TIMESTAMP
from fitparse.records import (
    BASE_TYPE_BYTE,
    BASE_TYPES,
    Crc,
    DefinitionMessage,
    DevField,
)
from fitparse.utils import FitEOFError, FitHeaderError, FitParseError

from loadwatch.ingest.formats.fit_crc import crc16
from loadwatch.ingest.formats.fit_plan import (
    META_MESSAGES,
    MSG_ACTIVITY,
    MSG_DEVELOPER_DATA_ID,
    MSG_DEVICE_INFO,
    MSG_FIELD_DESCRIPTION,
    MSG_FILE_ID,
    MSG_LAP,
    MSG_RECORD,
    MSG_SESSION,
    MSG_SPORT,
    MSG_TS_CORRELATION,
    SKIPPED,
    MetaMessage,
    Plan,
    Shortcut,
)
from loadwatch.ingest.formats.fit_values import FastValues
from loadwatch.ingest.formats.fitparse_definitions import LenientDefinitions

# The message numbers and values are fit_plan's; importers of the fork find them here too.
__all__ = [
    "META_MESSAGES",
    "MSG_ACTIVITY",
    "MSG_DEVICE_INFO",
    "MSG_FILE_ID",
    "MSG_LAP",
    "MSG_RECORD",
    "MSG_SESSION",
    "MSG_SPORT",
    "MSG_TS_CORRELATION",
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


class Garbled(FitParseError):  # type: ignore[misc]
    """Raised when a file keeps breaking the format: stop and keep what was read."""


class LenientFitFile(FastValues, LenientDefinitions, FitFile):  # type: ignore[misc]
    """fitparse 1.2.0 with per-file developer fields, recoverable defects and a faster reader."""

    _complete: bool
    _bytes_left: int

    def __init__(self, data: bytes, *, fast_records: bool = True, lean_meta: bool = False) -> None:
        self.defects: list[str] = []
        self.lean_meta = lean_meta
        self.n_headers = 0
        self.fast_records = fast_records
        self._dev_fields: dict[int, dict[int, Any]] = {}
        self._plans: dict[int, Plan] = {}
        self._fast: dict[int, Shortcut] = {}
        self._data = memoryview(data)
        self._part_start = 0
        self._render_timestamp = FIELD_TYPE_TIMESTAMP.render
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

    def _parse_data_message(self, header: Any) -> Any:
        fast = self._fast.get(header.local_mesg_num)
        if fast is None:
            if self.lean_meta:
                def_mesg = self._local_mesgs.get(header.local_mesg_num)
                if def_mesg is not None and def_mesg.mesg_num in META_MESSAGES:
                    return self._parse_meta(header, def_mesg)
            return super()._parse_data_message(header)
        return self._fast_data_message(header, fast)
