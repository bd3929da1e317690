"""What a name or a file's first bytes say: an activity file, a container, a hidden or unsafe
path.  Decided from names and heads only, before anything is decompressed."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO

from loadwatch.ingest.containers.members import Source
from loadwatch.ingest.formats.registry import ACTIVITY_SUFFIXES, sniff

_SNIFF_BYTES = 4096
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_DRIVE = re.compile(r"^[A-Za-z]:")


def zip_member_looks_relevant(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Activity files and containers by name; anything else only if its first bytes say so."""
    lower = info.filename.lower()
    stripped = lower[:-3] if lower.endswith(".gz") else lower
    if is_activity_name(stripped) or stripped.endswith(".zip"):
        return True
    with zf.open(info) as stream:
        head = stream.read(_SNIFF_BYTES)
    if head[:4] in ZIP_MAGICS:
        return True
    if head.startswith(GZIP_MAGIC):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, _SNIFF_BYTES)
        except zlib.error:
            return False
        if head[:4] in ZIP_MAGICS:
            return True
    return sniffs(head)


def file_looks_relevant(file: Path) -> bool:
    lower = file.name.lower()
    stripped = lower[:-3] if lower.endswith(".gz") else lower
    if is_activity_name(stripped) or stripped.endswith(".zip"):
        return True
    with file.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    if head[:4] in ZIP_MAGICS or head.startswith(GZIP_MAGIC):
        return True
    return sniffs(head)


def read_head(src: Source, n: int) -> bytes:
    if isinstance(src, Path):
        try:
            with src.open("rb") as f:
                return f.read(n)
        except OSError:
            return b""
    return src[:n]


def open_source(src: Source) -> IO[bytes]:
    return src.open("rb") if isinstance(src, Path) else io.BytesIO(src)


def sniffs(data: bytes) -> bool:
    return sniff(data) is not None


def is_activity_name(name: str) -> bool:
    return PurePosixPath(name.lower()).suffix in ACTIVITY_SUFFIXES


def is_unsafe(name: str, parts: list[str]) -> bool:
    return (
        name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in parts or "\x00" in name
    )


def is_hidden(parts: list[str]) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in parts if p)
