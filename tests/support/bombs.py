"""Archives that try to exhaust the importer: a zip bomb, a bomb hidden in a nested archive."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

MiB = 1 << 20


def unique_members(n: int) -> dict[str, bytes]:
    """``n`` different 1 MiB "FIT files": an 8-digit serial, then zeros (deflate: ~1.1 KB)."""
    return {f"activities/{i:04d}.fit": f"{i:08d}".encode() + bytes(MiB - 8) for i in range(n)}


def bomb_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in unique_members(300).items():
            zf.writestr(name, data)
    return buf.getvalue()


def hidden_bomb_zip() -> bytes:
    """The same 300 MiB as gzip members stored in a zip: the zip directory declares only the
    ~1 KB gzip files, so only the bytes actually inflated can tell."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in unique_members(300).items():
            zf.writestr(f"{name}.gz", gzip.compress(data, compresslevel=9, mtime=0))
    return buf.getvalue()


def tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
