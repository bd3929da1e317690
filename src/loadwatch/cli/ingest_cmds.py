"""Commands: ``inspect`` and ``import``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from loadwatch.cli.app import app
from loadwatch.cli.output import (
    ATHLETE_IMPORT_HELP,
    BATCH_EXIT_HELP,
    STRICT_HELP,
    CreateOpt,
    JsonOpt,
    batch_failed,
    console,
    err_console,
    fail,
    fmt_duration,
    fmt_num,
    fmt_pace,
    handle_errors,
    page_json,
    print_json,
)
from loadwatch.errors import IngestError, InvalidRequest, NotAnActivity, one_line
from loadwatch.ingest.formats.registry import FORMAT_NAMES

# Only names here: the store (SQLAlchemy), the settings (pydantic) and the decoders
# (polars, fitparse) are imported by the command that uses them, so ``--help`` and the
# commands that need none of them start in a fraction of a second (issue #9).
if TYPE_CHECKING:
    from loadwatch.config import Settings
    from loadwatch.services.import_report import ImportReport

Paths = Annotated[list[Path], typer.Argument(help="Files, folders or archives (.zip, .gz).")]

STATUS_WORDS = {
    "imported": "imported",
    "duplicate": "duplicate",
    "not_activity": "not an activity",
    "failed": "failed",
}
# inspect stores nothing, so a file is read (imported or not) rather than imported.
INSPECT_WORDS = {"read": "read", "not_activity": "not an activity", "failed": "failed"}
STATUS_STYLE = {"imported": "green", "duplicate": "cyan", "not_activity": "yellow", "failed": "red"}


# --- inspect ------------------------------------------------------------------------------
def inspect_paths(
    paths: list[Path],
    settings: Settings,
    *,
    resting_hr: float | None = None,
    max_hr: float | None = None,
    sex: str | None = None,
    files: Counter[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """One JSON-able object per activity (or per file that gave none), storing nothing;
    ``files`` counts the files by what they were, in ``import``'s words: ``read`` (one or more
    activities), ``not_activity`` or ``failed``."""
    import hashlib

    # The pure part only: inspecting opens no database and so imports none.
    from loadwatch.cli.inspect_hr import inspect_hr_load
    from loadwatch.ingest.analysis import analyse, iter_paths
    from loadwatch.ingest.same_session import repeat_note, repeated_session
    from loadwatch.ingest.summary.activity import ActivitySummary

    tally: Counter[str] = Counter() if files is None else files
    for path in paths:
        found = False
        for member in iter_paths([path], settings):
            found = True
            if member.error is not None or member.data is None:
                tally["failed"] += 1
                yield {"file": member.name, "error": one_line(member.error or "no data")}
                continue
            try:
                decoded = analyse(
                    member.data,
                    member.name,
                    sha256=hashlib.sha256(member.data).hexdigest(),
                    default_tz=settings.default_timezone,
                )
            except NotAnActivity as e:
                tally["not_activity"] += 1
                yield {"file": member.name, "error": f"not an activity: {one_line(e)}"}
                continue
            except IngestError as e:
                tally["failed"] += 1
                yield {"file": member.name, "error": one_line(e)}
                continue
            tally["read"] += 1
            # A chained FIT's repeated session is one activity, as `import` stores it: said
            # on the first activity's warnings, in import's words.
            seen: list[ActivitySummary] = []
            repeats: list[str] = []
            kept = []
            for act in decoded.activities:
                again = repeated_session(seen, act.summary)
                seen.append(act.summary)
                if again is None:
                    kept.append(act)
                else:
                    repeats.append(repeat_note(act.summary, again))
            for i, act in enumerate(kept):
                obj: dict[str, Any] = {"file": member.name}
                obj.update(act.summary.to_json())
                if i == 0 and repeats:
                    obj["warnings"] = [*obj.get("warnings", []), *repeats]
                obj.update(
                    inspect_hr_load(
                        act.summary.hr_time_hist_s,
                        resting_hr,
                        max_hr,
                        sex,
                        recorded_max=act.summary.max_hr,
                    )
                )
                yield obj
        if not found:
            yield {"file": str(path), "error": f"no {FORMAT_NAMES} files found"}


def _skipped_why(skipped: list[tuple[str, str]]) -> str:
    """``"; skipped 66: a symbolic link to outside..."``: why a folder gave nothing, by reason."""
    counts: dict[str, int] = {}
    for _, why in skipped:
        counts[why] = counts.get(why, 0) + 1
    return "".join(f"; skipped {n}: {why}" for why, n in counts.items())


def _summary_row(file: str, s: dict[str, Any]) -> list[str]:
    return [
        file,
        s["format"],
        s["sport"],
        s["start_time"].replace("T", " ")[:16],
        fmt_num(s["distance_m"], 2, 1000.0),
        fmt_duration(s["moving_time_s"]),
        fmt_pace(s["avg_pace_s_per_km"], s["sport"]),
        fmt_num(s["elevation_gain_m"], 0),
        fmt_num(s["gap_distance_m"], 2, 1000.0),
        fmt_num(s["avg_hr"], 0),
    ]


@app.command()
def inspect(
    paths: Paths,
    json: JsonOpt = False,
    resting_hr: Annotated[
        float | None,
        typer.Option(
            "--resting-hr", metavar="BPM", min=25, max=120, help="Resting HR for TRIMP (60)."
        ),
    ] = None,
    max_hr: Annotated[
        float | None,
        typer.Option(
            "--max-hr",
            metavar="BPM",
            min=100,
            max=250,
            help="Maximum HR for TRIMP (default: the highest held a minute in the file).",
        ),
    ] = None,
    sex: Annotated[
        str | None,
        typer.Option("--sex", metavar="male|female", help="TRIMP's curve (unspecified: female)."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
) -> None:
    """Decode activity files and print their numbers, storing nothing.

    ``hr_load`` is Banister's TRIMP with the heart rates given, else estimated from the file
    (docs/hr-load.md).  Files are counted in ``import``'s words (read, not an activity,
    failed) and the exit code follows its rule: 1 when no file was found, every file failed,
    or (with --strict) any file failed; a course or a settings file is no failure.
    """
    from loadwatch.cli.progress import progress_bar
    from loadwatch.config import get_settings

    with handle_errors():
        if sex is not None and sex not in ("male", "female"):
            raise InvalidRequest(f"--sex {sex!r}: give male or female (or leave it out)")
        settings = get_settings()
        with progress_bar() as bar:
            task = bar.add_task("reading", total=None)
            results = []
            files: Counter[str] = Counter()
            for obj in inspect_paths(
                paths, settings, resting_hr=resting_hr, max_hr=max_hr, sex=sex, files=files
            ):
                results.append(obj)
                bar.advance(task)
        bad = [r for r in results if "error" in r]
        if json:
            print_json(page_json(results))
        else:
            _print_inspect_table(results)
        if bad:
            # stdout stays the table or the JSON; what was not read, and the count of files,
            # go to stderr.
            for r in bad:
                err_console.print(f"{r['file']}: {r['error']}", markup=False)
            n = sum(files.values())
            words = ", ".join(f"{files[k]} {w}" for k, w in INSPECT_WORDS.items())
            err_console.print(f"{n} file{'' if n == 1 else 's'}: {words}", markup=False)
            if not files:
                raise fail(f"no {FORMAT_NAMES} files found in {', '.join(map(str, paths))}")
            if batch_failed(n, files["failed"], strict=strict):
                raise fail(f"{files['failed']} of {n} file{'' if n == 1 else 's'} failed")


def _print_inspect_table(results: list[dict[str, Any]]) -> None:
    good = [r for r in results if "error" not in r]
    if good:
        from loadwatch.cli.output import Col, fitted_table, print_block

        # Numbers never wrap (F9): the file name gives way, then the least-read columns go.
        cols = [
            Col("file", text=True),
            Col("fmt", drop=9),
            Col("sport", drop=3),
            Col("start (UTC)"),
            Col("km", "right"),
            Col("moving", "right"),
            Col("pace", "right", drop=5),
            Col("climb m", "right", drop=6),
            Col("GAP km", "right", drop=8),
            Col("HR", "right", drop=7),
        ]
        cells = [[Text(r["file"]), *_summary_row(r["file"], r)[1:]] for r in good]
        print_block(fitted_table("Activities", cols, cells))
    for r in results:
        # A lenient read recovered from a defect: the numbers stand, but say what was wrong.
        for w in r.get("warnings") or []:
            console.print(f"{r['file']}: [yellow]warning:[/yellow] {w}", highlight=False)


# --- import -------------------------------------------------------------------------------
def _outcome_line(o: Any) -> str:
    word = STATUS_WORDS[o.status]
    style = STATUS_STYLE[o.status]
    extra = ""
    if o.status == "imported":
        n = len(o.activity_ids)
        extra = f" ({n} activities)" if n != 1 else ""
        if o.reason:  # "replaced a worse copy: ..."
            extra += f": {o.reason}"
    elif o.reason:
        extra = f": {o.reason}"
    line = f"[{style}]{word:<15}[/{style}] {escape(o.file)}{escape(extra)}"
    # A lenient read recovered from a defect: the numbers stand, but say what was wrong.
    for w in o.warnings:
        line += f"\n{'':<15} [yellow]warning:[/yellow] {escape(w)}"
    return line


def totals_line(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{counts[k]} {STATUS_WORDS[k]}" for k in STATUS_WORDS)


def _manual_lines(report: ImportReport) -> list[str]:
    lines = []
    for m in report.manual:
        for r in m.report.rows:
            what = f"{r.sport} {r.distance_m / 1000:.2f} km, {r.start:%Y-%m-%d}"
            title = f" {r.name!r}" if r.name else ""
            word = "manual entry" if r.status == "imported" else "manual, known"
            style = "green" if r.status == "imported" else "cyan"
            lines.append(
                f"[{style}]{word:<15}[/{style}] {escape(m.file)} line {r.line}:"
                f"{escape(title)} ({escape(what)}, from the CSV row)"
            )
        for e in m.report.errors:
            lines.append(
                f"[red]{'failed':<15}[/red] {escape(m.file)} manual entry line {e.line}: "
                f"{escape(e.message)}"
            )
    return lines


def import_json(athlete: str, athlete_id: int, report: ImportReport) -> dict[str, Any]:
    """The ``import --json`` document: every file, skipped member and manual entry."""
    zone = report.timezone
    return {
        "athlete": athlete,
        "files": [
            {
                "file": o.file,
                "status": o.status,
                "reason": o.reason,
                "activity_ids": o.activity_ids,
                "warnings": o.warnings,
                "sha256": o.sha256,
            }
            for o in report.outcomes
        ],
        "manual": [{"file": m.file, **r.to_json()} for m in report.manual for r in m.report.rows],
        "manual_errors": [
            {"file": m.file, "line": e.line, "message": e.message}
            for m in report.manual
            for e in m.report.errors
        ],
        "skipped": [{"file": f, "reason": why} for f, why in report.skipped],
        # Names only: each is an entry of "files", whose warnings say what was recovered.
        "recovered": [o.file for o in report.recovered()],
        "timezone": None
        if zone is None
        else {"zone": zone.zone, "why": zone.why, "file": zone.file},
        "totals": report.counts(),
        "manual_totals": report.manual_counts(),
        "evaluate_from": report.touched.get(athlete_id),
    }


def summary_table(report: ImportReport) -> Table | None:
    """What the closing line (``totals_line``: files per outcome) leaves out: files read with a
    warning, manual entries, skipped members; None when there is none of those (the file counts
    were printed twice: trial11 F12)."""
    rows: list[tuple[str, int]] = []
    if report.recovered():
        rows.append(("files imported with a warning", len(report.recovered())))
    manual = report.manual_counts()
    if any(manual.values()):
        rows += [("manual entries imported", manual["imported"]),
                 ("manual entries already known", manual["duplicate"]),
                 ("manual entries failed", manual["failed"])]  # fmt: skip
    if report.skipped:
        rows.append(("members skipped", len(report.skipped)))
    if not rows:
        return None
    table = Table(title="Import summary", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    for what, n in rows:
        table.add_row(what, f"{n:,}")
    return table


IMPORT_HELP = (
    "Import activity files, folders (recursive) and archives (Garmin/Strava exports, .zip, .gz)"
    " for an athlete.\n\n"
    "Each file is reported as imported, duplicate (the same file, or the same activity in"
    " another format, is already stored), not an activity (course, route, settings...) or"
    " failed, with the reason, and any defect a lenient read recovered from as a warning;"
    " Strava manual entries (activities.csv rows without a file) are imported from their rows;"
    " every other archive member is listed as skipped with why. Then a total line and a"
    " summary table. One bad file never stops the others; a file that failed is tried again"
    " when imported again. A new athlete without --timezone gets the zone the files tell"
    " (the zone at the first GPS point, else the device's UTC offset).\n\n" + BATCH_EXIT_HELP
)


@app.command("import", help=IMPORT_HELP)
def import_(
    paths: Paths,
    athlete: Annotated[
        str, typer.Option("--athlete", "-a", metavar="NAME", help=ATHLETE_IMPORT_HELP)
    ],
    timezone: Annotated[
        str | None,
        typer.Option(
            help="IANA time zone for a new athlete, e.g. Europe/Paris (default: from the files)."
        ),
    ] = None,
    create: CreateOpt = False,
    json: JsonOpt = False,
    strict: Annotated[bool, typer.Option("--strict", help=STRICT_HELP)] = False,
) -> None:
    """Import files, folders and archives for an athlete (see --help)."""
    from loadwatch.cli.progress import import_progress, plan_import
    from loadwatch.config import get_settings
    from loadwatch.services.athletes import (
        athlete_to_import_for,
        find_athlete_named,
    )
    from loadwatch.services.import_report import point_log_elsewhere
    from loadwatch.services.importing import import_paths
    from loadwatch.store.db import open_store

    with handle_errors():
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            # A typo is not a file to record as failed in the athlete's import log.
            raise fail(f"no such file or folder: {', '.join(missing)}")
        settings = get_settings()
        store = open_store(settings)
        try:
            with store.transaction() as session:
                new = find_athlete_named(session, athlete) is None
                a = athlete_to_import_for(session, athlete, timezone, create=create)
                athlete_id, athlete_name = a.id, a.name
            with import_progress(plan_import(paths, settings)) as show:

                def on_outcome(o: Any) -> None:
                    point_log_elsewhere(o, "loadwatch import-log")
                    show.advance(o)
                    if not json:
                        console.print(_outcome_line(o))

                report = import_paths(
                    store,
                    settings,
                    athlete_id,
                    paths,
                    progress=on_outcome,
                    choose_timezone=new and timezone is None,
                )
        finally:
            store.close()
        counts = report.counts()
        if json:
            print_json(import_json(athlete_name, athlete_id, report))
        if not report.outcomes and not report.manual:
            found = f"no {FORMAT_NAMES} files found in {', '.join(map(str, paths))}"
            raise fail(found + _skipped_why(report.skipped))
        if not json:
            for line in _manual_lines(report):
                console.print(line)
            for f, why in report.skipped:
                console.print(f"[dim]{'skipped':<15}[/dim] {escape(f)}: {escape(why)}")
            if report.timezone is not None:
                z = report.timezone
                source = f" from {z.file}" if z.file else ""
                console.print(
                    f"time zone of {athlete_name}: {z.zone} ({z.why}{source}); change it with"
                    f" loadwatch athlete set {athlete_name!r} --timezone ZONE",
                    markup=False,
                )
            console.print(totals_line(counts), markup=False)
            table = summary_table(report)
            if table is not None:
                console.print(table)
        if batch_failed(len(report.outcomes), counts["failed"], strict=strict):
            raise typer.Exit(1)


__all__ = ["inspect_paths", "totals_line"]
