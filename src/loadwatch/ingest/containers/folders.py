"""Folders walked: the files a user means to share, each expanded as its own input (with its own
budget), Strava titles read from an ``activities.csv`` at the root."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from loadwatch.config import Settings
from loadwatch.errors import CorruptFile
from loadwatch.ingest.containers.archives import expand, guarded
from loadwatch.ingest.containers.budget import Budget
from loadwatch.ingest.containers.members import (
    IRRELEVANT,
    OUTSIDE_LINK,
    STRAVA_TABLE,
    Member,
    SourceNotes,
)
from loadwatch.ingest.containers.recognise import file_looks_relevant, is_hidden
from loadwatch.ingest.containers.strava_export import strava_meta_from_folder


def visible_files(
    folder: Path,
    *,
    follow_inner_links: bool = False,
    on_outside_link: Callable[[Path], None] | None = None,
) -> list[Path]:
    """The files under ``folder`` a user means to share (recursive, sorted by path).

    Hidden files and folders (a leading dot, macOS's ``__MACOSX``) are skipped, and so are
    symbolic links unless ``follow_inner_links``: then a link that stays inside ``folder`` is
    followed (a loop is walked once) and one that escapes it is still skipped, and handed to
    ``on_outside_link`` so that the skip can be said.
    """
    real_root = folder.resolve()
    seen: set[Path] = set()

    def walk(directory: Path) -> Iterator[Path]:
        real = directory.resolve()
        if real in seen:  # a symlink loop inside the folder
            return
        seen.add(real)
        try:
            entries = sorted(directory.iterdir(), key=lambda p: p.name)
        except OSError:
            return
        for entry in entries:
            if is_hidden([entry.name]):
                continue
            if entry.is_symlink() and not (
                follow_inner_links and _inside(entry.resolve(), real_root)
            ):
                if follow_inner_links and on_outside_link is not None:
                    on_outside_link(entry)
                continue
            if entry.is_dir():
                yield from walk(entry)
            elif entry.is_file():
                yield entry

    return list(walk(folder))


# --- containers --------------------------------------------------------------------------------
def iter_folder(
    root: Path, settings: Settings, notes: SourceNotes | None = None
) -> Iterator[Member]:
    strava, strava_errors = strava_meta_from_folder(root, settings, notes)

    def display_of(file: Path) -> str:
        rel = file.relative_to(root).as_posix()
        return f"{root.name}/{rel}" if root.name else rel

    # An unreadable table: the files still import, only their Strava titles are lost.  A row
    # naming a file that is not there: that activity is not imported.  The user is told both.
    for name, error in strava_errors:
        yield Member(display_of(root / name), None, error)

    def outside(link: Path) -> None:
        if notes is not None:
            notes.skip(display_of(link), OUTSIDE_LINK)

    for file in visible_files(root, follow_inner_links=True, on_outside_link=outside):
        rel = file.relative_to(root).as_posix()
        display = display_of(file)
        meta = strava.get(rel, {})
        try:
            size = file.stat().st_size
            if not file_looks_relevant(file):
                if notes is not None:
                    is_table = rel == "activities.csv"
                    notes.skip(display, STRAVA_TABLE if is_table else IRRELEVANT)
                continue
        except OSError as e:
            yield Member(display, None, CorruptFile(f"cannot read file: {e.strerror or e}"))
            continue
        budget = Budget.for_input(settings, size)
        yield from guarded(
            expand(
                file,
                display,
                settings,
                budget,
                depth=0,
                direct=False,
                size=size,
                meta=meta,
                notes=notes,
            ),
            display,
        )


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
