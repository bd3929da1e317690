"""Strava bulk export: ``activities.csv`` beside ``activities/*`` gives each file its title, Strava
type and id (``Member.meta``); its rows without a file are manual entries for the CSV log
importer."""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

from loadwatch.config import Settings
from loadwatch.errors import CorruptFile, IngestError, InputTooLarge, MissingFile
from loadwatch.ingest.containers.budget import Budget, ratio_refusal, read_capped
from loadwatch.ingest.containers.members import ManualLog, SourceNotes, mib, why
from loadwatch.ingest.containers.recognise import is_hidden, is_unsafe

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


def files_named(text: str) -> list[tuple[int, str]]:
    """Each ``(line, file)`` an ``activities.csv`` names, ``line`` the physical line its row
    starts on (the header is line 1), ``file`` as ``parse_strava_csv`` keys it.  Empty when no
    column names files."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    start = 1
    for cells in reader:
        rows.append((start, cells))
        start = reader.line_num + 1
    if len(rows) < 2:
        return []
    header = [h.strip().lower() for h in rows[0][1]]
    body = [cells for _, cells in rows[1:]]
    file_col = next((header.index(a) for a in _STRAVA_COLUMNS["filename"] if a in header), None)
    if file_col is None:
        file_col = _guess_file_column(body)
    if file_col is None:
        return []
    return [
        (line, cells[file_col].strip().replace("\\", "/").lstrip("/"))
        for line, cells in rows[1:]
        if file_col < len(cells) and _names_a_file(cells[file_col].strip())
    ]


# What a Filename cell holds when it names a file: a path (``activities/123.fit.gz``) or an
# activity file's name.  A row whose unquoted date ("Jan 01, 2019, 06:00:00 AM") shifted its
# cells puts a title there ("Run 0"): that names nothing missing.
_FILE_NAME = re.compile(r"(/|\.(fit|gpx|tcx)(\.gz)?$)", re.IGNORECASE)


def _names_a_file(value: str) -> bool:
    return bool(value) and _FILE_NAME.search(value) is not None


def missing_files(
    table: str, text: str, present: Callable[[str], bool], where: str = "archive"
) -> list[tuple[str, IngestError]]:
    """The rows of ``activities.csv`` (display name ``table``) whose file ``present`` says the
    source does not hold, each as ``(table line N, MissingFile)``: that run is not imported,
    and the import says so rather than letting it vanish (trial9 F24)."""
    return [
        (
            f"{table} line {line}",
            MissingFile(f"names {file}, which is not in the {where}: not imported"),
        )
        for line, file in files_named(text)
        if not present(file)
    ]


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


def strava_meta_from_zip(
    zf: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    settings: Settings,
    budget: Budget,
    archive: str = "",
    notes: SourceNotes | None = None,
) -> tuple[dict[str, Mapping[str, str]], list[tuple[str, IngestError]]]:
    meta: dict[str, Mapping[str, str]] = {}
    errors: list[tuple[str, IngestError]] = []
    names = {i.filename.replace("\\", "/") for i in infos}
    for info in infos:
        parts = re.split(r"[\\/]", info.filename)
        if parts[-1].lower() != "activities.csv" or is_unsafe(info.filename, parts):
            continue
        if is_hidden(parts) or info.flag_bits & 0x1:
            continue
        prefix = "/".join(parts[:-1])
        try:
            ratio_error = ratio_refusal(info, settings)
            if ratio_error is not None:
                raise ratio_error
            with zf.open(info) as stream:
                raw = read_capped(
                    stream,
                    settings.max_file_bytes,
                    budget,
                    compressed_size=info.compress_size,
                    ratio=settings.max_compression_ratio,
                )
            text = raw.decode("utf-8-sig", errors="replace")
            table = parse_strava_csv(text)
            _note_manual(notes, f"{archive}/{info.filename}", text)
            errors.extend(
                missing_files(
                    info.filename,
                    text,
                    _in_zip(names, prefix),
                )
            )
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
            errors.append((info.filename, CorruptFile(f"unreadable activities.csv: {why(e)}")))
            continue
        for file, m in table.items():
            meta[f"{prefix}/{file}" if prefix else file] = m
    return meta, errors


def strava_meta_from_folder(
    root: Path, settings: Settings, notes: SourceNotes | None = None
) -> tuple[dict[str, Mapping[str, str]], list[tuple[str, IngestError]]]:
    """The folder's ``activities.csv`` meta per file, and its errors as ``(name, error)`` with
    ``name`` relative to ``root``: the table unreadable, or a row naming a file not there."""
    table = root / "activities.csv"
    try:
        if not table.is_file():
            return {}, []
        if table.stat().st_size > settings.max_file_bytes:
            raise InputTooLarge(f"activities.csv is over {mib(settings.max_file_bytes)}")
        text = table.read_bytes().decode("utf-8-sig", errors="replace")
        meta: dict[str, Mapping[str, str]] = dict(parse_strava_csv(text))
        _note_manual(notes, f"{root.name}/activities.csv", text)
        missing = missing_files(
            "activities.csv", text, lambda f: _is_file(root / f), where="folder"
        )
        return meta, missing
    except IngestError as e:
        return {}, [("activities.csv", e)]
    except (OSError, csv.Error) as e:
        return {}, [("activities.csv", CorruptFile(f"unreadable activities.csv: {why(e)}"))]


def _in_zip(names: set[str], prefix: str) -> Callable[[str], bool]:
    """Whether a file named by the ``activities.csv`` in folder ``prefix`` is among ``names``."""
    return lambda f: (f"{prefix}/{f}" if prefix else f) in names


def _is_file(path: Path) -> bool:
    if ".." in path.parts:  # a row never makes the import look outside the folder
        return False
    try:
        return path.is_file()
    except OSError:
        return False
