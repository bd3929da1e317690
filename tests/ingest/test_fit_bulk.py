"""The bulk FIT reader (``ingest/formats/fit_bulk.py``) on hand-made files whose shapes the
corpus has few of: compressed-timestamp headers rolling over their 5 bits and re-anchored by
another message type, big-endian definitions, a local message type redefined mid-file,
invalid values, chained files, truncation.  Each is compared with the fork's per-message
reader and with fitparse's own path (``fast_records=False``), and with hand-computed values.
"""

from __future__ import annotations

import struct

import pytest

from loadwatch.ingest.formats.fit import read_path, record_columns
from loadwatch.ingest.formats.fit_crc import crc16

T0 = 1_000_000_000  # FIT seconds (2021-09-09)
# record: timestamp u32, heart_rate u8, distance u32 (scale 100), altitude u16 (scale 5,
# offset 500: also its component enhanced_altitude)
RECORD_FIELDS = [(253, 4, 0x86), (3, 1, 0x02), (5, 4, 0x86), (2, 2, 0x84)]
RECORD_NO_TS = RECORD_FIELDS[1:]
EVENT_FIELDS = [(253, 4, 0x86), (0, 1, 0x00), (1, 1, 0x00)]  # event: timestamp, event, type


def _define(local: int, mesg: int, fields: list[tuple[int, int, int]], big: bool = False) -> bytes:
    e = ">" if big else "<"
    out = struct.pack(e + "BBBHB", 0x40 | local, 0, 1 if big else 0, mesg, len(fields))
    return out + b"".join(struct.pack("BBB", *f) for f in fields)


def _data(
    local: int, fmt: str, *values: int, big: bool = False, offset: int | None = None
) -> bytes:
    header = local if offset is None else 0x80 | (local << 5) | offset
    return bytes([header]) + struct.pack((">" if big else "<") + fmt, *values)


def _file(body: bytes) -> bytes:
    head = struct.pack("<BBHI4s", 12, 0x10, 2132, len(body), b".FIT")
    data = head + body
    return data + struct.pack("<H", crc16(data))


def _all_readers(data: bytes) -> dict[str, list[object]]:
    bulk, slow = record_columns(data)
    assert read_path(data) == "bulk" and slow == 0
    assert record_columns(data, bulk=False)[0] == bulk  # the fork, per message
    assert record_columns(data, fast_records=False)[0] == bulk  # fitparse's own path
    return bulk


def test_compressed_timestamps_roll_over_and_reanchor() -> None:
    """A full timestamp at T0 (T0 % 32 == 0), then compressed offsets 30, 31, 1 (rolled
    over: +32), an event's full timestamp T0 + 100 (100 % 32 == 4) and offsets 3 (rolled
    over from 4: +31) and 10."""
    assert T0 % 32 == 0
    body = _define(0, 20, RECORD_FIELDS) + _define(1, 20, RECORD_NO_TS)
    body += _define(2, 21, EVENT_FIELDS)
    body += _data(0, "IBIH", T0, 140, 0, 3000)
    for off, hr in ((30, 141), (31, 142), (1, 143)):
        body += _data(1, "BIH", hr, 100 * hr, 3000, offset=off)
    body += _data(2, "IBB", T0 + 100, 0, 0)
    body += _data(1, "BIH", 150, 15000, 0xFFFF, offset=3)  # altitude invalid
    body += _data(1, "BIH", 0xFF, 0xFFFFFFFF, 3005, offset=10)  # heart rate, distance invalid
    cols = _all_readers(_file(body))
    assert cols["ts"] == [T0, T0 + 30, T0 + 31, T0 + 33, T0 + 131, T0 + 138]
    assert cols["heart_rate"] == [140, 141, 142, 143, 150, None]
    assert cols["distance"] == [0.0, 141.0, 142.0, 143.0, 150.0, None]
    assert cols["altitude"] == [100.0, 100.0, 100.0, 100.0, None, 101.0]


def test_big_endian_and_a_local_type_redefined_mid_file() -> None:
    """Local 0 is a big-endian record, then redefined as a little-endian record whose fields
    come in another order; the values are the same numbers either way."""
    body = _define(0, 20, RECORD_FIELDS, big=True)
    body += _data(0, "IBIH", T0, 120, 1000, 2600, big=True)
    body += _data(0, "IBIH", T0 + 1, 121, 1250, 2605, big=True)
    swapped = [RECORD_FIELDS[2], RECORD_FIELDS[0], RECORD_FIELDS[3], RECORD_FIELDS[1]]
    body += _define(0, 20, swapped)
    body += _data(0, "IIHB", 1500, T0 + 2, 2610, 122)
    cols = _all_readers(_file(body))
    assert cols["ts"] == [T0, T0 + 1, T0 + 2]
    assert cols["heart_rate"] == [120, 121, 122]
    assert cols["distance"] == [10.0, 12.5, 15.0]
    assert cols["altitude"] == [20.0, 21.0, 22.0]


def test_chained_files_each_start_over() -> None:
    part = _define(3, 20, RECORD_FIELDS) + _data(3, "IBIH", T0, 130, 500, 2550)
    second = _define(3, 20, RECORD_FIELDS) + _data(3, "IBIH", T0 + 60, 131, 700, 2555)
    cols = _all_readers(_file(part) + _file(second))
    assert cols["ts"] == [T0, T0 + 60]
    assert cols["distance"] == [5.0, 7.0]


@pytest.mark.parametrize("cut", [1, 4, 11])
def test_truncated_file_keeps_what_was_read(cut: int) -> None:
    """The bytes end inside the fourth record: three are kept, as the fork keeps them."""
    body = _define(0, 20, RECORD_FIELDS)
    for i in range(4):
        body += _data(0, "IBIH", T0 + i, 140 + i, 100 * i, 3000)
    data = _file(body)[: -(2 + cut)]
    bulk, _ = record_columns(data)
    assert bulk == record_columns(data, bulk=False)[0]
    assert bulk["heart_rate"] == [140, 141, 142]
