"""Sources: turn what a user hands us (a file, a folder, an upload, an export archive) into leaf
activity files.  The entry points live here; the work beside them:

- ``archives``: ``.gz``/``.zip`` unwrapped so decoders only ever see FIT/GPX/TCX bytes;
- ``folders``: folders walked, each file its own input;
- ``budget``: every limit in ``Settings`` enforced while reading, never from the sizes an
  archive declares (a declared size is a claim by the attacker);
- ``recognise``: what a name or the first bytes say;
- ``strava_export``: titles, types and manual entries from a Strava ``activities.csv``;
- ``members``: what all of them yield.  One bad member becomes a ``Member`` with ``error`` set
  and never stops the rest.

``Member``, ``SourceNotes`` and ``ManualLog`` are handed on from here because most callers
take them together with ``iter_path``/``iter_upload``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from loadwatch.config import Settings
from loadwatch.errors import CorruptFile, InputTooLarge
from loadwatch.ingest.containers.archives import expand, guarded
from loadwatch.ingest.containers.budget import Budget
from loadwatch.ingest.containers.folders import iter_folder, visible_files
from loadwatch.ingest.containers.members import ManualLog, Member, SourceNotes, mib
from loadwatch.ingest.containers.recognise import ZIP_MAGICS, is_activity_name, is_hidden, read_head

# What an upload or a folder may hold besides activity files: containers, opened here.
CONTAINER_SUFFIXES = (".gz", ".zip")


def iter_path(path: Path, settings: Settings, notes: SourceNotes | None = None) -> Iterator[Member]:
    """Leaf activity files under ``path``: a file, a folder (recursive, sorted) or an archive.
    With ``notes``, skipped members and Strava manual entries are recorded there."""
    if path.is_dir():
        yield from iter_folder(path, settings, notes)
        return
    try:
        size = path.stat().st_size
    except OSError as e:
        yield Member(path.name, None, CorruptFile(f"cannot read file: {e.strerror or e}"))
        return
    budget = Budget.for_input(settings, size)
    yield from guarded(
        expand(path, path.name, settings, budget, depth=0, direct=True, size=size, notes=notes),
        path.name,
    )


def iter_upload(
    data: bytes, name: str, settings: Settings, notes: SourceNotes | None = None
) -> Iterator[Member]:
    """Leaf activity files in one uploaded file (expands ``.gz`` and ``.zip``)."""
    display = PurePosixPath(name.replace("\\", "/")).name or "upload"
    if len(data) > settings.max_upload_bytes:
        error = InputTooLarge(
            f"upload is {mib(len(data))}, over {mib(settings.max_upload_bytes)} "
            "(limit max_upload_bytes)"
        )
        yield Member(display, None, error)
        return
    budget = Budget.for_input(settings, len(data))
    yield from guarded(
        expand(data, display, settings, budget, depth=0, direct=True, size=len(data), notes=notes),
        display,
    )


def estimate(path: Path) -> tuple[int, int]:
    """(activity files, bytes) that ``iter_path`` will likely yield, from names and archive
    directories only (nothing is decompressed): the total of a progress display."""
    if path.is_dir():
        files, size = 0, 0
        for f in visible_files(path, follow_inner_links=True):
            n, b = estimate(f)
            files, size = files + n, size + b
        return files, size
    try:
        lower = path.name.lower()
        if lower.endswith(".zip") or read_head(path, 4) in ZIP_MAGICS:
            with zipfile.ZipFile(path) as zf:
                leaves = [
                    i
                    for i in zf.infolist()
                    if not i.is_dir()
                    and not is_hidden(re.split(r"[\\/]", i.filename))
                    and is_activity_name(i.filename.lower().removesuffix(".gz"))
                ]
                return len(leaves), sum(i.file_size for i in leaves)
        stripped = lower.removesuffix(".gz")
        return (1, path.stat().st_size) if is_activity_name(stripped) else (0, 0)
    except (OSError, zipfile.BadZipFile, ValueError):
        return 1, 0


__all__ = [
    "CONTAINER_SUFFIXES",
    "ManualLog",
    "Member",
    "SourceNotes",
    "estimate",
    "iter_path",
    "iter_upload",
]
