"""The decompression budget: every limit in ``Settings`` is enforced while reading, never from the
sizes an archive declares (a declared size is a claim by the attacker)."""

from __future__ import annotations

import zipfile
from typing import Protocol

from loadwatch.config import Settings
from loadwatch.errors import InputTooLarge
from loadwatch.ingest.containers.members import mib

_CHUNK = 1 << 20
# Below this a high compression ratio cannot hurt anyone (a tiny all-zero file is not a bomb).
_RATIO_FLOOR_BYTES = 1 << 20
# The same for a whole input: however small the upload, it may always expand to this much.
_INPUT_RATIO_FLOOR_BYTES = 16 << 20


class Budget:
    """Decompressed bytes still allowed for one input, across every archive level inside it:
    at most ``max_archive_total_bytes``, and at most ``max_compression_ratio`` times the input's
    own size (beyond a small floor), so many small members cannot add up to a bomb that no
    single member's ratio gives away."""

    def __init__(self, limit: int, *, ratio: float | None = None) -> None:
        self.limit = limit
        self.ratio = ratio  # set when the ratio, not the absolute total, set the limit
        self.used = 0

    @classmethod
    def for_input(cls, settings: Settings, input_bytes: int) -> Budget:
        ratio = settings.max_compression_ratio
        by_ratio = max(ratio * input_bytes, _INPUT_RATIO_FLOOR_BYTES)
        if by_ratio < settings.max_archive_total_bytes:
            return cls(int(by_ratio), ratio=ratio)
        return cls(settings.max_archive_total_bytes)

    @property
    def rule(self) -> str:
        if self.ratio is None:
            return "(limit max_archive_total_bytes)"
        return f"({self.ratio:.0f}× the input's size, limit max_compression_ratio; a zip bomb?)"

    def charge(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise ArchiveBudgetError(
                InputTooLarge(f"archive expands past {mib(self.limit)} in total {self.rule}")
            )


class ArchiveBudgetError(Exception):
    """The whole-input budget ran out: stop this input, not just one member."""

    def __init__(self, error: InputTooLarge) -> None:
        super().__init__(str(error))
        self.error = error


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def read_capped(
    stream: Readable,
    cap: int,
    budget: Budget,
    *,
    compressed_size: int | None = None,
    ratio: float | None = None,
) -> bytes:
    """Read a decompressing stream in chunks, stopping as soon as it passes ``cap`` bytes (or
    the compression ratio, or the input's total budget), whatever the archive declared."""
    out = bytearray()
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return bytes(out)
        out += chunk
        budget.charge(len(chunk))
        if len(out) > cap:
            raise InputTooLarge(f"expands past {mib(cap)} (limit max_file_bytes)")
        if (
            compressed_size is not None
            and ratio is not None
            and len(out) > _RATIO_FLOOR_BYTES
            and len(out) > ratio * max(compressed_size, 1)
        ):
            raise InputTooLarge(
                f"expands past {ratio:.0f}× its compressed size "
                "(limit max_compression_ratio; a zip bomb?)"
            )


def ratio_refusal(info: zipfile.ZipInfo, settings: Settings) -> InputTooLarge | None:
    if info.file_size <= _RATIO_FLOOR_BYTES or info.compress_type == zipfile.ZIP_STORED:
        return None
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > settings.max_compression_ratio:
        return InputTooLarge(
            f"compression ratio {ratio:.0f}:1 is over {settings.max_compression_ratio:.0f}:1 "
            "(limit max_compression_ratio; a zip bomb?)"
        )
    return None
