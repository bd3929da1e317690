"""Format registry: the one list of activity file formats, and which decoder reads which
bytes.  Everything else that names the formats (the suffixes a folder is scanned for, the
media type of a download, the words of an error) takes them from here.

Decoders are pure ``(data, name) -> list[Track]`` callables.  They raise ``CorruptFile`` for
broken files, ``NotAnActivity`` for well-formed files with no recorded activity, and return
Tracks whose ``warnings`` name any defect a lenient read recovered from.  Containers (.gz,
.zip, folders) are unwrapped before this point by ``loadwatch.ingest.containers.sources``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from loadwatch.errors import UnsupportedFormat

if TYPE_CHECKING:
    from loadwatch.ingest.track import Track

Decoder = Callable[[bytes, str], list["Track"]]


# Each decoder is imported when a file of its format first arrives: reading GPX never loads
# fitparse, and a command that decodes nothing (``--help``, ``sync``) loads none of them.
def _fit(data: bytes, name: str) -> list[Track]:
    from loadwatch.ingest.formats import fit

    return fit.decode(data, name)


def _gpx(data: bytes, name: str) -> list[Track]:
    from loadwatch.ingest.formats import gpx

    return gpx.decode(data, name)


def _tcx(data: bytes, name: str) -> list[Track]:
    from loadwatch.ingest.formats import tcx

    return tcx.decode(data, name)


@dataclass(frozen=True, slots=True)
class FileFormat:
    name: str  # as stored on an activity: "fit"
    decoder: Decoder
    media_type: str  # what a download of the original file is served as


FORMATS: tuple[FileFormat, ...] = (
    FileFormat("fit", _fit, "application/vnd.ant.fit"),
    FileFormat("gpx", _gpx, "application/gpx+xml"),
    FileFormat("tcx", _tcx, "application/vnd.garmin.tcx+xml"),
)
DECODERS: dict[str, Decoder] = {f".{f.name}": f.decoder for f in FORMATS}
ACTIVITY_SUFFIXES = frozenset(DECODERS)
MEDIA_TYPES: dict[str, str] = {f.name: f.media_type for f in FORMATS}
# "FIT, GPX or TCX", for messages.
FORMAT_NAMES = " or ".join(
    [", ".join(f.name.upper() for f in FORMATS[:-1]), FORMATS[-1].name.upper()]
)


def sniff(data: bytes) -> str | None:
    """The format suffix the content itself announces, or None."""
    if len(data) >= 12 and data[8:12] == b".FIT":
        return ".fit"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        if b"<gpx" in head:
            return ".gpx"
        if b"<trainingcenterdatabase" in head:
            return ".tcx"
    return None


def format_of(name: str, data: bytes) -> str:
    """The registry key for a file: its suffix when registered, else what its content says."""
    suffix = PurePath(name).suffix.lower()
    if suffix in DECODERS:
        return suffix
    sniffed = sniff(data)
    if sniffed is None:
        raise UnsupportedFormat(
            f"not a {FORMAT_NAMES} file (suffix {suffix or 'none'!r}, content not recognised)"
        )
    return sniffed


def decode(data: bytes, name: str) -> list[Track]:
    return DECODERS[format_of(name, data)](data, name)
