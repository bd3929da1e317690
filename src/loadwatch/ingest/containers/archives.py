"""Containers unwrapped so decoders only ever see FIT/GPX/TCX bytes: ``.gz`` members are
gunzipped, ``.zip`` archives (and zips inside zips, as in Garmin exports) are expanded.  One bad
member becomes a ``Member`` with ``error`` set and never stops the rest."""

from __future__ import annotations

import gzip
import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path

from loadwatch.config import Settings
from loadwatch.errors import CorruptFile, IngestError, InputTooLarge, UnsafeInput
from loadwatch.ingest.containers.budget import (
    ArchiveBudgetError,
    Budget,
    ratio_refusal,
    read_capped,
)
from loadwatch.ingest.containers.members import (
    HIDDEN,
    IRRELEVANT,
    STRAVA_TABLE,
    Member,
    Source,
    SourceNotes,
    mib,
    why,
)
from loadwatch.ingest.containers.recognise import (
    GZIP_MAGIC,
    ZIP_MAGICS,
    is_activity_name,
    is_hidden,
    is_unsafe,
    open_source,
    read_head,
    sniffs,
    zip_member_looks_relevant,
)
from loadwatch.ingest.containers.strava_export import strava_meta_from_zip


def guarded(members: Iterator[Member], name: str) -> Iterator[Member]:
    try:
        yield from members
    except ArchiveBudgetError as e:
        yield Member(name, None, e.error)


def expand(
    src: Source,
    name: str,
    settings: Settings,
    budget: Budget,
    *,
    depth: int,
    direct: bool,
    size: int,
    meta: Mapping[str, str] | None = None,
    notes: SourceNotes | None = None,
) -> Iterator[Member]:
    """Dispatch one blob by its magic bytes (then its name): gzip, zip, or a leaf file.

    ``depth`` counts the archives already opened around ``src``; ``direct`` is true when the
    user named this file, so it is yielded even if it does not look like an activity.
    """
    meta = meta or {}
    head = read_head(src, 4)
    lower = name.lower()
    is_gzip = head.startswith(GZIP_MAGIC)
    is_zip = head in ZIP_MAGICS
    if is_gzip or (not is_zip and lower.endswith(".gz")):
        yield from _expand_gzip(
            src, name, settings, budget, depth=depth, direct=direct, meta=meta, notes=notes
        )
    elif is_zip or lower.endswith(".zip"):
        if depth >= settings.max_archive_depth:
            yield Member(name, None, _too_deep(settings))
            return
        yield from _expand_zip(src, name, settings, budget, depth=depth, notes=notes)
    else:
        yield from _leaf(src, name, settings, direct=direct, size=size, meta=meta, notes=notes)


def _expand_gzip(
    src: Source,
    name: str,
    settings: Settings,
    budget: Budget,
    *,
    depth: int,
    direct: bool,
    meta: Mapping[str, str],
    notes: SourceNotes | None = None,
) -> Iterator[Member]:
    try:
        with open_source(src) as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            data = read_capped(gz, settings.max_file_bytes, budget)
    except IngestError as e:
        yield Member(name, None, e)
        return
    except (OSError, EOFError, zlib.error) as e:
        yield Member(name, None, CorruptFile(f"not a readable gzip file: {why(e)}"))
        return
    inner = name[:-3] if name.lower().endswith(".gz") else name
    if data[:2] == GZIP_MAGIC or data[:4] in ZIP_MAGICS:
        # A container inside the gzip is one more nesting level (this also ends gzip quines).
        if depth >= settings.max_archive_depth:
            yield Member(name, None, _too_deep(settings))
            return
        yield from expand(
            data,
            name,
            settings,
            budget,
            depth=depth + 1,
            direct=direct,
            size=len(data),
            meta=meta,
            notes=notes,
        )
        return
    if direct or is_activity_name(inner) or sniffs(data):
        yield Member(name, data, meta=meta)
    elif notes is not None:
        notes.skip(name, IRRELEVANT)


def _expand_zip(
    src: Source,
    name: str,
    settings: Settings,
    budget: Budget,
    *,
    depth: int,
    notes: SourceNotes | None = None,
) -> Iterator[Member]:
    try:
        zf = zipfile.ZipFile(src if isinstance(src, Path) else io.BytesIO(src))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        yield Member(name, None, CorruptFile(f"not a readable zip archive: {why(e)}"))
        return
    with zf:
        infos = sorted((i for i in zf.infolist() if not i.is_dir()), key=lambda i: i.filename)
        if len(infos) > settings.max_archive_members:
            yield Member(
                name,
                None,
                InputTooLarge(
                    f"archive has {len(infos)} members, over {settings.max_archive_members} "
                    "(limit max_archive_members)"
                ),
            )
            return
        declared = sum(i.file_size for i in infos)
        if declared > budget.limit - budget.used:
            # A declared size is a claim: an honest one over the budget is refused before any
            # byte is inflated; a lie is caught by the budget while reading.
            yield Member(
                name,
                None,
                InputTooLarge(
                    f"archive declares {mib(declared)} unpacked, over "
                    f"{mib(budget.limit - budget.used)} {budget.rule}"
                ),
            )
            return
        strava, strava_errors = strava_meta_from_zip(zf, infos, settings, budget, name, notes)
        yield from (Member(f"{name}/{n}", None, e) for n, e in strava_errors)
        for info in infos:
            yield from _zip_member(zf, info, name, settings, budget, depth, strava, notes)


def _zip_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    archive: str,
    settings: Settings,
    budget: Budget,
    depth: int,
    strava: Mapping[str, Mapping[str, str]],
    notes: SourceNotes | None = None,
) -> Iterator[Member]:
    inner = info.filename
    display = f"{archive}/{inner}"
    parts = re.split(r"[\\/]", inner)
    if is_unsafe(inner, parts):
        yield Member(display, None, UnsafeInput(f"unsafe path in archive: {inner}"))
        return
    if is_hidden(parts):
        if notes is not None:
            notes.skip(display, HIDDEN)
        return
    if info.flag_bits & 0x1:
        yield Member(display, None, CorruptFile("encrypted archive member (password protected)"))
        return
    try:
        if not zip_member_looks_relevant(zf, info):
            if notes is not None:
                is_table = parts[-1].lower() == "activities.csv"
                notes.skip(display, STRAVA_TABLE if is_table else IRRELEVANT)
            return
        ratio_error = ratio_refusal(info, settings)
        if ratio_error is not None:
            yield Member(display, None, ratio_error)
            return
        with zf.open(info) as stream:
            data = read_capped(
                stream,
                settings.max_file_bytes,
                budget,
                compressed_size=info.compress_size,
                ratio=settings.max_compression_ratio,
            )
    except InputTooLarge as e:
        if budget.used > budget.limit:
            raise ArchiveBudgetError(e) from e
        yield Member(display, None, e)
        return
    except IngestError as e:
        yield Member(display, None, e)
        return
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        zlib.error,
        NotImplementedError,
        RuntimeError,
        ValueError,
    ) as e:
        yield Member(display, None, CorruptFile(f"unreadable archive member: {why(e)}"))
        return
    yield from expand(
        data,
        display,
        settings,
        budget,
        depth=depth + 1,
        direct=False,
        size=len(data),
        meta=strava.get(inner, {}),
        notes=notes,
    )


def _leaf(
    src: Source,
    name: str,
    settings: Settings,
    *,
    direct: bool,
    size: int,
    meta: Mapping[str, str],
    notes: SourceNotes | None = None,
) -> Iterator[Member]:
    if size > settings.max_file_bytes:
        yield Member(
            name,
            None,
            InputTooLarge(
                f"file is {mib(size)}, over {mib(settings.max_file_bytes)} (limit max_file_bytes)"
            ),
        )
        return
    if isinstance(src, Path):
        try:
            data = src.read_bytes()
        except OSError as e:
            yield Member(name, None, CorruptFile(f"cannot read file: {e.strerror or e}"))
            return
    else:
        data = src
    if direct or is_activity_name(name) or sniffs(data):
        yield Member(name, data, meta=meta)
    elif notes is not None:
        notes.skip(name, IRRELEVANT)


# --- Strava bulk export ------------------------------------------------------------------------
def _too_deep(settings: Settings) -> UnsafeInput:
    return UnsafeInput(
        f"archives nested more than {settings.max_archive_depth} deep (limit max_archive_depth)"
    )
