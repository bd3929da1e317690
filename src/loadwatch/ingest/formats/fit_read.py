"""Reading a FIT file's messages: the bulk reader (``fit_bulk``) where it can, else the fork's
per-message reader (``fitparse_fork.LenientFitFile``); the record channels as columns and the
metadata messages as ``{name: value}`` dicts, for ``ingest.fit`` to build Tracks from.

Where the bytes do not say how to go on (truncation, an undefined local message type), the
messages read so far are kept and the defect becomes a warning, in loadwatch's own words
(fitparse's texts, "Tried to read 12 bytes from .FIT file but got 0", never leak).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from loadwatch.errors import CorruptFile
from loadwatch.ingest.formats import fit_bulk, fit_bulk_columns, fit_bulk_plan
from loadwatch.ingest.formats.fitparse_fork import (
    META_MESSAGES,
    MSG_RECORD,
    FitEOFError,
    FitHeaderError,
    Garbled,
    LenientFitFile,
    MetaMessage,
)

RECORD_COLUMNS = ("ts", "lat", "lon", "distance", "altitude", "speed", "heart_rate", "cadence")


@dataclass
class Content:
    # Lists from the per-message reader; float64 arrays (NaN: missing) from the bulk reader.
    columns: dict[str, Any] = field(default_factory=lambda: {c: [] for c in RECORD_COLUMNS})
    meta: dict[int, list[dict[str, Any]]] = field(
        default_factory=lambda: {n: [] for n in META_MESSAGES}
    )
    n_records: int = 0
    slow_records: int = 0  # records fitparse's own path decoded (none in the corpus)


def _values(message: Any) -> dict[str, Any]:
    # Dropping None keeps a real value when a null component of another field shares its name.
    return {f.name: f.value for f in message.fields if f.value is not None}


def _collect(ff: LenientFitFile, out: Content) -> None:
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
        elif message.def_mesg.mesg_num == MSG_RECORD:
            out.slow_records += 1
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


_LOCAL_TYPE_RE = re.compile(r"invalid local message type (\d+)")


def _stop_reason(e: Exception, ff: LenientFitFile, kept: int) -> str:
    """One line naming why reading stopped early (everything read before it is kept), in
    loadwatch's words: fitparse's texts describe its reader, not the file."""
    part = f" (chained part {ff.n_headers})" if ff.n_headers > 1 else ""
    if isinstance(e, FitEOFError):
        if ff.bytes_left <= 0:
            return f"truncated{part}: file ends without its file CRC; kept {kept} records"
        return f"truncated{part}: file ends before its declared size; kept {kept} records"
    if isinstance(e, Garbled):
        return f"{e}: stopped reading there; kept {kept} records"
    if isinstance(e, FitHeaderError):
        where = f"ignored from byte {ff.position}"
        return f"chained FIT part {ff.n_headers} has an invalid header; {where}"
    local_type = _LOCAL_TYPE_RE.search(str(e))
    if local_type:
        what = f"a data message of undefined local message type {local_type.group(1)}"
    else:
        what = "bytes that are not a valid FIT message"
    return f"unreadable from byte {ff.position} ({what}); kept {kept} records"


def _open(data: bytes, *, fast_records: bool, lean_meta: bool = False) -> LenientFitFile:
    if not data:
        raise CorruptFile("not a FIT file: empty file")
    try:
        return LenientFitFile(data, fast_records=fast_records, lean_meta=lean_meta)
    except FitEOFError as e:
        raise CorruptFile(
            f"not a FIT file: truncated: {len(data)} byte(s), shorter than the FIT header"
        ) from e
    except (FitHeaderError, struct.error) as e:
        raise CorruptFile("not a FIT file: no valid FIT header ('.FIT' signature)") from e


def _read_bulk(data: bytes) -> tuple[Content, list[str]] | None:
    """The bulk reader (``fit_bulk``); None where the file has a shape it leaves to the
    per-message reader."""
    ff = _open(data, fast_records=True, lean_meta=True)
    bulk = fit_bulk.BulkRead(data)
    stopped: Exception | None = None
    try:
        fit_bulk.read_bulk(ff, bulk)
    except fit_bulk_plan.Refused:
        return None
    except Exception as e:  # fitparse raises bare ValueError/KeyError/struct.error on bad bytes
        stopped = e
    try:
        columns = fit_bulk_columns.columns(bulk)
    except fit_bulk_plan.Refused:
        return None
    content = Content(columns=dict(columns))
    content.n_records = len(columns["ts"])
    meta = content.meta
    for message in bulk.meta:
        if type(message) is MetaMessage:
            meta[message.mesg_num].append(message.values)
        elif message.def_mesg.mesg_num in meta:
            meta[message.def_mesg.mesg_num].append(_values(message))
    if stopped is not None:
        ff.defects.append(_stop_reason(stopped, ff, content.n_records))
    return content, ff.defects


def read(
    data: bytes, name: str, *, fast_records: bool, bulk: bool = True
) -> tuple[Content, list[str]]:
    if fast_records and bulk:
        read = _read_bulk(data)
        if read is not None:
            return read
    ff = _open(data, fast_records=fast_records)
    content = Content()
    try:
        _collect(ff, content)
    except Exception as e:  # fitparse raises bare ValueError/KeyError/struct.error on bad bytes
        ff.defects.append(_stop_reason(e, ff, len(content.columns["ts"])))
    content.n_records = len(content.columns["ts"])
    return content, ff.defects


def record_columns(
    data: bytes, *, fast_records: bool = True, bulk: bool = True
) -> tuple[dict[str, list[Any]], int]:
    """The raw record columns (``ts`` as FIT seconds, ``lat``/``lon`` in semicircles, the
    rest scaled as the profile says) as the reader collected them, None where missing, and
    the number of records the fast path left to fitparse's own reading; for the reference
    tests."""
    content, _ = read(data, "", fast_records=fast_records, bulk=bulk)
    out = {}
    for name, values in content.columns.items():
        if isinstance(values, np.ndarray):
            as_int = name in ("ts", "lat", "lon")  # integers in FIT, as fitparse gives them
            values = [None if v != v else (int(v) if as_int else v) for v in values.tolist()]
        out[name] = values
    return out, content.slow_records


def read_path(data: bytes) -> str:
    """Which reader decodes the file: ``bulk``, or ``per-message`` where the bulk reader
    leaves it to the fork (for the reference tests and the benchmark)."""
    return "bulk" if _read_bulk(data) is not None else "per-message"
