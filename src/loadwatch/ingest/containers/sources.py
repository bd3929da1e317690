"""Sources: turn what a user hands us (a file, a folder, an upload, an export archive) into leaf
activity files.

Containers are unwrapped here so decoders only ever see FIT/GPX/TCX bytes: ``.gz`` members are
gunzipped, ``.zip`` archives (and zips inside zips, as in Garmin exports) are expanded, folders
are walked.  Every limit in ``Settings`` is enforced while reading, never from the sizes an
archive declares: a declared size is a claim by the attacker.  One bad member becomes a
``Member`` with ``error`` set and never stops the rest.

A Strava bulk export (``activities.csv`` beside ``activities/*``) also gives each file its
title, Strava type and id through ``Member.meta``.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Protocol

from loadwatch.config import Settings
from loadwatch.errors import CorruptFile, IngestError, InputTooLarge, UnsafeInput
from loadwatch.ingest.formats.registry import ACTIVITY_SUFFIXES, FORMAT_NAMES, sniff

# What an upload or a folder may hold besides activity files: containers, opened here.
CONTAINER_SUFFIXES = (".gz", ".zip")

_CHUNK = 1 << 20
_SNIFF_BYTES = 4096
# Below this a high compression ratio cannot hurt anyone (a tiny all-zero file is not a bomb).
_RATIO_FLOOR_BYTES = 1 << 20
# The same for a whole input: however small the upload, it may always expand to this much.
_INPUT_RATIO_FLOOR_BYTES = 16 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_DRIVE = re.compile(r"^[A-Za-z]:")


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


_HIDDEN = "hidden or system file (dot file, __MACOSX)"
_IRRELEVANT = f"not an activity file (neither its name nor its first bytes say {FORMAT_NAMES})"
_STRAVA_TABLE = "Strava's activity table: read for titles, types and manual entries"


class _Budget:
    """Decompressed bytes still allowed for one input, across every archive level inside it:
    at most ``max_archive_total_bytes``, and at most ``max_compression_ratio`` times the input's
    own size (beyond a small floor), so many small members cannot add up to a bomb that no
    single member's ratio gives away."""

    def __init__(self, limit: int, *, ratio: float | None = None) -> None:
        self.limit = limit
        self.ratio = ratio  # set when the ratio, not the absolute total, set the limit
        self.used = 0

    @classmethod
    def for_input(cls, settings: Settings, input_bytes: int) -> _Budget:
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
            raise _ArchiveBudgetError(
                InputTooLarge(f"archive expands past {_mib(self.limit)} in total {self.rule}")
            )


class _ArchiveBudgetError(Exception):
    """The whole-input budget ran out: stop this input, not just one member."""

    def __init__(self, error: InputTooLarge) -> None:
        super().__init__(str(error))
        self.error = error


# --- public entry points -----------------------------------------------------------------------


def iter_path(path: Path, settings: Settings, notes: SourceNotes | None = None) -> Iterator[Member]:
    """Leaf activity files under ``path``: a file, a folder (recursive, sorted) or an archive.
    With ``notes``, skipped members and Strava manual entries are recorded there."""
    if path.is_dir():
        yield from _iter_folder(path, settings, notes)
        return
    try:
        size = path.stat().st_size
    except OSError as e:
        yield Member(path.name, None, CorruptFile(f"cannot read file: {e.strerror or e}"))
        return
    budget = _Budget.for_input(settings, size)
    yield from _guarded(
        _expand(path, path.name, settings, budget, depth=0, direct=True, size=size, notes=notes),
        path.name,
    )


def iter_upload(
    data: bytes, name: str, settings: Settings, notes: SourceNotes | None = None
) -> Iterator[Member]:
    """Leaf activity files in one uploaded file (expands ``.gz`` and ``.zip``)."""
    display = PurePosixPath(name.replace("\\", "/")).name or "upload"
    if len(data) > settings.max_upload_bytes:
        error = InputTooLarge(
            f"upload is {_mib(len(data))}, over {_mib(settings.max_upload_bytes)} "
            "(limit max_upload_bytes)"
        )
        yield Member(display, None, error)
        return
    budget = _Budget.for_input(settings, len(data))
    yield from _guarded(
        _expand(data, display, settings, budget, depth=0, direct=True, size=len(data), notes=notes),
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
        if lower.endswith(".zip") or _head(path, 4) in _ZIP_MAGICS:
            with zipfile.ZipFile(path) as zf:
                leaves = [
                    i
                    for i in zf.infolist()
                    if not i.is_dir()
                    and not _is_hidden(re.split(r"[\\/]", i.filename))
                    and _is_activity_name(i.filename.lower().removesuffix(".gz"))
                ]
                return len(leaves), sum(i.file_size for i in leaves)
        stripped = lower.removesuffix(".gz")
        return (1, path.stat().st_size) if _is_activity_name(stripped) else (0, 0)
    except (OSError, zipfile.BadZipFile, ValueError):
        return 1, 0


def visible_files(folder: Path, *, follow_inner_links: bool = False) -> list[Path]:
    """The files under ``folder`` a user means to share (recursive, sorted by path).

    Hidden files and folders (a leading dot, macOS's ``__MACOSX``) are skipped, and so are
    symbolic links unless ``follow_inner_links``: then a link that stays inside ``folder`` is
    followed (a loop is walked once) and one that escapes it is still skipped.
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
            if _is_hidden([entry.name]):
                continue
            if entry.is_symlink() and not (
                follow_inner_links and _inside(entry.resolve(), real_root)
            ):
                continue
            if entry.is_dir():
                yield from walk(entry)
            elif entry.is_file():
                yield entry

    return list(walk(folder))


# --- containers --------------------------------------------------------------------------------


def _guarded(members: Iterator[Member], name: str) -> Iterator[Member]:
    try:
        yield from members
    except _ArchiveBudgetError as e:
        yield Member(name, None, e.error)


def _expand(
    src: Source,
    name: str,
    settings: Settings,
    budget: _Budget,
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
    head = _head(src, 4)
    lower = name.lower()
    is_gzip = head.startswith(_GZIP_MAGIC)
    is_zip = head in _ZIP_MAGICS
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
    budget: _Budget,
    *,
    depth: int,
    direct: bool,
    meta: Mapping[str, str],
    notes: SourceNotes | None = None,
) -> Iterator[Member]:
    try:
        with _open(src) as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            data = _read_capped(gz, settings.max_file_bytes, budget)
    except IngestError as e:
        yield Member(name, None, e)
        return
    except (OSError, EOFError, zlib.error) as e:
        yield Member(name, None, CorruptFile(f"not a readable gzip file: {_why(e)}"))
        return
    inner = name[:-3] if name.lower().endswith(".gz") else name
    if data[:2] == _GZIP_MAGIC or data[:4] in _ZIP_MAGICS:
        # A container inside the gzip is one more nesting level (this also ends gzip quines).
        if depth >= settings.max_archive_depth:
            yield Member(name, None, _too_deep(settings))
            return
        yield from _expand(
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
    if direct or _is_activity_name(inner) or _sniff(data):
        yield Member(name, data, meta=meta)
    elif notes is not None:
        notes.skip(name, _IRRELEVANT)


def _expand_zip(
    src: Source,
    name: str,
    settings: Settings,
    budget: _Budget,
    *,
    depth: int,
    notes: SourceNotes | None = None,
) -> Iterator[Member]:
    try:
        zf = zipfile.ZipFile(src if isinstance(src, Path) else io.BytesIO(src))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        yield Member(name, None, CorruptFile(f"not a readable zip archive: {_why(e)}"))
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
                    f"archive declares {_mib(declared)} unpacked, over "
                    f"{_mib(budget.limit - budget.used)} {budget.rule}"
                ),
            )
            return
        strava, strava_errors = _strava_meta_from_zip(zf, infos, settings, budget, name, notes)
        yield from (Member(f"{name}/{n}", None, e) for n, e in strava_errors)
        for info in infos:
            yield from _zip_member(zf, info, name, settings, budget, depth, strava, notes)


def _zip_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    archive: str,
    settings: Settings,
    budget: _Budget,
    depth: int,
    strava: Mapping[str, Mapping[str, str]],
    notes: SourceNotes | None = None,
) -> Iterator[Member]:
    inner = info.filename
    display = f"{archive}/{inner}"
    parts = re.split(r"[\\/]", inner)
    if _is_unsafe(inner, parts):
        yield Member(display, None, UnsafeInput(f"unsafe path in archive: {inner}"))
        return
    if _is_hidden(parts):
        if notes is not None:
            notes.skip(display, _HIDDEN)
        return
    if info.flag_bits & 0x1:
        yield Member(display, None, CorruptFile("encrypted archive member (password protected)"))
        return
    try:
        if not _looks_relevant(zf, info):
            if notes is not None:
                is_table = parts[-1].lower() == "activities.csv"
                notes.skip(display, _STRAVA_TABLE if is_table else _IRRELEVANT)
            return
        ratio_error = _ratio_error(info, settings)
        if ratio_error is not None:
            yield Member(display, None, ratio_error)
            return
        with zf.open(info) as stream:
            data = _read_capped(
                stream,
                settings.max_file_bytes,
                budget,
                compressed_size=info.compress_size,
                ratio=settings.max_compression_ratio,
            )
    except InputTooLarge as e:
        if budget.used > budget.limit:
            raise _ArchiveBudgetError(e) from e
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
        yield Member(display, None, CorruptFile(f"unreadable archive member: {_why(e)}"))
        return
    yield from _expand(
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


def _looks_relevant(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Activity files and containers by name; anything else only if its first bytes say so."""
    lower = info.filename.lower()
    stripped = lower[:-3] if lower.endswith(".gz") else lower
    if _is_activity_name(stripped) or stripped.endswith(".zip"):
        return True
    with zf.open(info) as stream:
        head = stream.read(_SNIFF_BYTES)
    if head[:4] in _ZIP_MAGICS:
        return True
    if head.startswith(_GZIP_MAGIC):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, _SNIFF_BYTES)
        except zlib.error:
            return False
        if head[:4] in _ZIP_MAGICS:
            return True
    return _sniff(head)


def _ratio_error(info: zipfile.ZipInfo, settings: Settings) -> InputTooLarge | None:
    if info.file_size <= _RATIO_FLOOR_BYTES or info.compress_type == zipfile.ZIP_STORED:
        return None
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > settings.max_compression_ratio:
        return InputTooLarge(
            f"compression ratio {ratio:.0f}:1 is over {settings.max_compression_ratio:.0f}:1 "
            "(limit max_compression_ratio; a zip bomb?)"
        )
    return None


# --- folders -----------------------------------------------------------------------------------


def _iter_folder(
    root: Path, settings: Settings, notes: SourceNotes | None = None
) -> Iterator[Member]:
    strava, strava_error = _strava_meta_from_folder(root, settings, notes)
    if strava_error is not None:
        # The files still import; only their Strava titles are lost, and the user is told.
        yield Member(f"{root.name}/activities.csv", None, strava_error)
    for file in visible_files(root, follow_inner_links=True):
        rel = file.relative_to(root).as_posix()
        display = f"{root.name}/{rel}" if root.name else rel
        meta = strava.get(rel, {})
        try:
            size = file.stat().st_size
            if not _file_looks_relevant(file):
                if notes is not None:
                    is_table = rel == "activities.csv"
                    notes.skip(display, _STRAVA_TABLE if is_table else _IRRELEVANT)
                continue
        except OSError as e:
            yield Member(display, None, CorruptFile(f"cannot read file: {e.strerror or e}"))
            continue
        budget = _Budget.for_input(settings, size)
        yield from _guarded(
            _expand(
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


def _file_looks_relevant(file: Path) -> bool:
    lower = file.name.lower()
    stripped = lower[:-3] if lower.endswith(".gz") else lower
    if _is_activity_name(stripped) or stripped.endswith(".zip"):
        return True
    with file.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    if head[:4] in _ZIP_MAGICS or head.startswith(_GZIP_MAGIC):
        return True
    return _sniff(head)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


# --- leaves ------------------------------------------------------------------------------------


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
                f"file is {_mib(size)}, over {_mib(settings.max_file_bytes)} (limit max_file_bytes)"
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
    if direct or _is_activity_name(name) or _sniff(data):
        yield Member(name, data, meta=meta)
    elif notes is not None:
        notes.skip(name, _IRRELEVANT)


# --- Strava bulk export ------------------------------------------------------------------------

# Header spellings seen in Strava exports (English, German, French, Spanish, Italian, Dutch,
# Portuguese); matched case-insensitively after trimming.
_STRAVA_COLUMNS: dict[str, tuple[str, ...]] = {
    "strava_id": (
        "activity id",
        "aktivitäts-id",
        "id de l'activité",
        "id de la actividad",
        "id actividad",
        "id attività",
        "activiteits-id",
        "id da atividade",
    ),
    "title": (
        "activity name",
        "aktivitätsname",
        "nom de l'activité",
        "nombre de la actividad",
        "nome attività",
        "naam activiteit",
        "nome da atividade",
    ),
    "strava_type": (
        "activity type",
        "aktivitätsart",
        "type d'activité",
        "tipo de actividad",
        "tipo di attività",
        "tipo attività",
        "activiteitstype",
        "tipo de atividade",
    ),
    "filename": (
        "filename",
        "dateiname",
        "nom du fichier",
        "nombre de archivo",
        "nombre del archivo",
        "nome file",
        "bestandsnaam",
        "nome do arquivo",
    ),
}


def parse_strava_csv(text: str) -> dict[str, dict[str, str]]:
    """Map each ``Filename`` in a Strava ``activities.csv`` to its meta (title, type, id).

    Rows without a file (manual entries) are skipped.  When no header names the file column,
    the column whose values look like ``activities/...`` is used, so unknown languages work.
    """
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return {}
    header = [h.strip().lower() for h in rows[0]]
    body = rows[1:]

    def index_of(key: str) -> int | None:
        for alias in _STRAVA_COLUMNS[key]:
            if alias in header:
                return header.index(alias)  # Strava repeats some headers; the first is right
        return None

    file_col = index_of("filename")
    if file_col is None:
        file_col = _guess_file_column(body)
    if file_col is None:
        raise CorruptFile("activities.csv has no Filename column")
    cols = {key: index_of(key) for key in ("title", "strava_type", "strava_id")}
    out: dict[str, dict[str, str]] = {}
    for row in body:
        if file_col >= len(row) or not row[file_col].strip():
            continue
        meta = {
            key: row[i].strip()
            for key, i in cols.items()
            if i is not None and i < len(row) and row[i].strip()
        }
        out[row[file_col].strip().replace("\\", "/").lstrip("/")] = meta
    return out


def manual_entries_csv(text: str) -> tuple[bytes, int] | None:
    """The header and the rows without a file (Strava's manual entries) of an
    ``activities.csv``, as CSV bytes for the log importer, with their count; None when every
    row has its file.  Rows with a file become blank lines, so each manual entry keeps its line
    number in the original table (the log importer reports lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[list[str], int]] = []  # (cells, physical lines spanned)
    seen = 0
    for cells in reader:
        records.append((cells, reader.line_num - seen))
        seen = reader.line_num
    if len(records) < 2:
        return None
    header = [h.strip().lower() for h in records[0][0]]
    body = [cells for cells, _ in records[1:]]
    file_col = next((header.index(a) for a in _STRAVA_COLUMNS["filename"] if a in header), None)
    if file_col is None:
        file_col = _guess_file_column(body)
    if file_col is None:
        return None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    n = 0
    for i, (cells, span) in enumerate(records):
        manual = (
            i > 0
            and any(c.strip() for c in cells)
            and (file_col >= len(cells) or not cells[file_col].strip())
        )
        if i == 0 or manual:
            before = out.tell()
            writer.writerow(cells)
            written = out.getvalue()[before:].count("\n")
            out.write("\n" * max(span - written, 0))
            n += manual
        else:
            out.write("\n" * span)
    return (out.getvalue().encode(), n) if n else None


def _note_manual(notes: SourceNotes | None, name: str, text: str) -> None:
    if notes is None:
        return
    found = manual_entries_csv(text)
    if found is not None:
        notes.manual.append(ManualLog(name, *found))


def _guess_file_column(body: list[list[str]]) -> int | None:
    width = max((len(r) for r in body), default=0)
    best, best_hits = None, 0
    for i in range(width):
        hits = sum(1 for r in body if i < len(r) and r[i].strip().startswith("activities/"))
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def _strava_meta_from_zip(
    zf: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    settings: Settings,
    budget: _Budget,
    archive: str = "",
    notes: SourceNotes | None = None,
) -> tuple[dict[str, Mapping[str, str]], list[tuple[str, IngestError]]]:
    meta: dict[str, Mapping[str, str]] = {}
    errors: list[tuple[str, IngestError]] = []
    for info in infos:
        parts = re.split(r"[\\/]", info.filename)
        if parts[-1].lower() != "activities.csv" or _is_unsafe(info.filename, parts):
            continue
        if _is_hidden(parts) or info.flag_bits & 0x1:
            continue
        prefix = "/".join(parts[:-1])
        try:
            ratio_error = _ratio_error(info, settings)
            if ratio_error is not None:
                raise ratio_error
            with zf.open(info) as stream:
                raw = _read_capped(
                    stream,
                    settings.max_file_bytes,
                    budget,
                    compressed_size=info.compress_size,
                    ratio=settings.max_compression_ratio,
                )
            text = raw.decode("utf-8-sig", errors="replace")
            table = parse_strava_csv(text)
            _note_manual(notes, f"{archive}/{info.filename}", text)
        except IngestError as e:
            errors.append((info.filename, e))
            continue
        except (
            zipfile.BadZipFile,
            OSError,
            EOFError,
            zlib.error,
            NotImplementedError,
            csv.Error,
        ) as e:
            errors.append((info.filename, CorruptFile(f"unreadable activities.csv: {_why(e)}")))
            continue
        for file, m in table.items():
            meta[f"{prefix}/{file}" if prefix else file] = m
    return meta, errors


def _strava_meta_from_folder(
    root: Path, settings: Settings, notes: SourceNotes | None = None
) -> tuple[dict[str, Mapping[str, str]], IngestError | None]:
    table = root / "activities.csv"
    try:
        if not table.is_file():
            return {}, None
        if table.stat().st_size > settings.max_file_bytes:
            raise InputTooLarge(f"activities.csv is over {_mib(settings.max_file_bytes)}")
        text = table.read_bytes().decode("utf-8-sig", errors="replace")
        meta: dict[str, Mapping[str, str]] = dict(parse_strava_csv(text))
        _note_manual(notes, f"{root.name}/activities.csv", text)
        return meta, None
    except IngestError as e:
        return {}, e
    except (OSError, csv.Error) as e:
        return {}, CorruptFile(f"unreadable activities.csv: {_why(e)}")


# --- helpers -----------------------------------------------------------------------------------


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _read_capped(
    stream: _Readable,
    cap: int,
    budget: _Budget,
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
            raise InputTooLarge(f"expands past {_mib(cap)} (limit max_file_bytes)")
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


def _head(src: Source, n: int) -> bytes:
    if isinstance(src, Path):
        try:
            with src.open("rb") as f:
                return f.read(n)
        except OSError:
            return b""
    return src[:n]


def _open(src: Source) -> IO[bytes]:
    return src.open("rb") if isinstance(src, Path) else io.BytesIO(src)


def _sniff(data: bytes) -> bool:
    return sniff(data) is not None


def _is_activity_name(name: str) -> bool:
    return PurePosixPath(name.lower()).suffix in ACTIVITY_SUFFIXES


def _is_unsafe(name: str, parts: list[str]) -> bool:
    return (
        name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in parts or "\x00" in name
    )


def _is_hidden(parts: list[str]) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in parts if p)


def _too_deep(settings: Settings) -> UnsafeInput:
    return UnsafeInput(
        f"archives nested more than {settings.max_archive_depth} deep (limit max_archive_depth)"
    )


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= (1 << 20) else f"{n} bytes"


def _why(e: BaseException) -> str:
    return str(e) or type(e).__name__


__all__ = [
    "CONTAINER_SUFFIXES",
    "ManualLog",
    "Member",
    "SourceNotes",
    "estimate",
    "iter_path",
    "iter_upload",
    "manual_entries_csv",
    "parse_strava_csv",
]
