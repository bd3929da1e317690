"""What reading a source yields: leaf ``Member`` files, Strava's manual entries and the notes
on what was skipped, with the words that say why a member was skipped or refused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from loadwatch.errors import IngestError
from loadwatch.ingest.formats.registry import FORMAT_NAMES


@dataclass(frozen=True)
class Member:
    """One leaf activity file: its display path and bytes (already gunzipped), or an error."""

    name: str
    data: bytes | None
    error: IngestError | None = None
    meta: Mapping[str, str] = field(default_factory=dict)


Source = bytes | Path


@dataclass(frozen=True, slots=True)
class ManualLog:
    """Strava's manual entries (``activities.csv`` rows without a file), as a CSV of their own:
    the header and those rows only, for the CSV log importer."""

    name: str  # display path of the activities.csv they came from
    data: bytes
    rows: int


@dataclass
class SourceNotes:
    """What reading a source found besides activity files, so that nothing is dropped without a
    word: members skipped (with why) and manual entries to import from their CSV rows.  Filled
    as the members are iterated."""

    skipped: list[tuple[str, str]] = field(default_factory=list)
    manual: list[ManualLog] = field(default_factory=list)

    def skip(self, name: str, reason: str) -> None:
        self.skipped.append((name, reason))


HIDDEN = "hidden or system file (dot file, __MACOSX)"
IRRELEVANT = f"not an activity file (neither its name nor its first bytes say {FORMAT_NAMES})"
# A folder's links are followed only where they stay inside it (see folders.visible_files).
OUTSIDE_LINK = (
    "a symbolic link to outside the folder, not followed: import the file it points to, "
    "or the folder that holds it"
)
STRAVA_TABLE = "Strava's activity table: read for titles, types and manual entries"


def mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= (1 << 20) else f"{n} bytes"


def why(e: BaseException) -> str:
    return str(e) or type(e).__name__
