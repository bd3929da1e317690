"""The fork's reading of definition messages (a mixin of ``fitparse_fork.LenientFitFile``).

Part of the fitparse 1.2.0 fork: with ``fitparse_fork`` the only module that imports fitparse,
and reviewed with it whenever the pin moves.  A definition is read as 1.2.0 reads it, with the
fork's recoveries (a field whose size is not a multiple of its base type is read as bytes, a
developer field of an undefined developer-data index is skipped, each a defect), compiled to
one ``struct`` (``fit_plan.Plan``) with its record shortcut, and kept in ``fit_defcache`` when
it reads cleanly, so the same bytes are not parsed twice.
"""

from __future__ import annotations

import copy
import io
import struct
from collections.abc import Callable
from typing import Any

from fitparse.profile import MESSAGE_TYPES
from fitparse.records import (
    BASE_TYPE_BYTE,
    BASE_TYPES,
    DefinitionMessage,
    DevField,
    DevFieldDefinition,
    FieldDefinition,
)

from loadwatch.ingest.formats import fit_defcache
from loadwatch.ingest.formats.fit_plan import (
    ARRAY,
    BYTES,
    EMPTY,
    SCALAR,
    Plan,
    Shortcut,
    Step,
    shortcut,
)

_BASE_SIZES = {number: base.size for number, base in BASE_TYPES.items()}


def _compile(def_mesg: Any) -> Plan:
    fmt = [def_mesg.endian]
    steps: list[Step] = []
    for fd in def_mesg.field_defs + def_mesg.dev_field_defs:
        base = fd.base_type
        n, rem = divmod(fd.size, base.size)
        if fd.size == 0:
            steps.append((0, BASE_TYPE_BYTE.parse, EMPTY))
        elif rem or base.name == "byte":
            fmt.append(f"{fd.size}B")
            steps.append((fd.size, BASE_TYPE_BYTE.parse, BYTES))
        elif base.fmt == "s":
            fmt.append(f"{fd.size}s")
            steps.append((1, base.parse, SCALAR))
        elif n == 1:
            fmt.append(base.fmt)
            steps.append((1, base.parse, SCALAR))
        else:
            fmt.append(f"{n}{base.fmt}")
            steps.append((n, base.parse, ARRAY))
    scalar_only = all(kind == SCALAR for _, _, kind in steps)
    parsers = tuple(parse for _, parse, _ in steps) if scalar_only else None
    return Plan(struct.Struct("".join(fmt)), parsers, tuple(steps))


class LenientDefinitions:
    """Methods over fitparse 1.2.0's reader state (declared here, set by ``FitFile`` and
    ``LenientFitFile``)."""

    fast_records: bool
    _data: memoryview
    _file: Any
    _bytes_left: int
    _accumulators: dict[int, dict[int, int]]
    _local_mesgs: dict[int, Any]
    _plans: dict[int, Plan]
    _fast: dict[int, Shortcut]
    _dev_fields: dict[int, dict[int, Any]]
    _read_struct: Callable[..., Any]
    _defect: Callable[[str], None]

    def _parse_definition_message(self, header: Any) -> Any:
        # A definition read cleanly before, in this file or another, is not parsed again.
        k = None
        if not header.is_developer_data:
            k = fit_defcache.key(self._data, self._file.tell(), self.fast_records)
        parsed = fit_defcache.get(k) if k is not None else None
        if k is not None and parsed is not None:
            self._file.seek(len(k[0]), io.SEEK_CUR)
            self._bytes_left -= len(k[0])
            for def_num in parsed.accumulate:
                self._accumulators.setdefault(parsed.mesg_num, {})[def_num] = 0
            def_mesg = copy.copy(parsed.template)
            def_mesg.header = header
            return self._define(header, def_mesg, parsed.plan, parsed.shortcut)
        def_mesg = self._read_definition(header)
        plan = _compile(def_mesg)
        fast = shortcut(def_mesg, plan) if self.fast_records else None
        if k is not None and fit_defcache.reads_cleanly(k[0], _BASE_SIZES):
            fit_defcache.put(k, fit_defcache.parsed(def_mesg, plan, fast))
        return self._define(header, def_mesg, plan, fast)

    def _define(self, header: Any, def_mesg: Any, plan: Plan, fast: Shortcut | None) -> Any:
        """Make ``def_mesg`` the definition of its local message type."""
        self._local_mesgs[header.local_mesg_num] = def_mesg
        self._plans[header.local_mesg_num] = plan
        if fast is None:
            self._fast.pop(header.local_mesg_num, None)
        else:
            self._fast[header.local_mesg_num] = fast
        return def_mesg

    def _read_definition(self, header: Any) -> Any:
        """fitparse 1.2.0's reading of a definition message, with the fork's recoveries."""
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
        return def_mesg
