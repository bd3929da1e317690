"""``loadwatch reprocess``: re-derive activities an older loadwatch stored, from their kept files
(services/reprocess.py; docs/operations.md "Upgrades")."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from loadwatch.cli.app import app
from loadwatch.cli.context import get_settings, open_store
from loadwatch.cli.output import JsonOpt, console, handle_errors, print_json
from loadwatch.cli.reading import athlete_id_of
from loadwatch.errors import InvalidRequest

if TYPE_CHECKING:
    from loadwatch.services.reprocess import ActivityOutcome, Change, ReprocessReport

# How the figures read in a line of the report (the shown ones: services/reprocess.SHOWN).
_LABELS = {
    "sport": "sport",
    "start_time": "start",
    "distance_m": "distance",
    "moving_time_s": "moving time",
    "fast_distance_m": "fast km",
    "uphill_distance_m": "uphill km",
    "elevation_gain_m": "climbing",
    "hr_load": "TRIMP",
}


def _value(figure: str, v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M UTC")
    if figure in ("distance_m", "fast_distance_m", "uphill_distance_m"):
        return f"{v / 1000:.2f} km"
    if figure == "moving_time_s":
        return f"{v / 60:.1f} min"
    if figure == "elevation_gain_m":
        return f"{v:.0f} m"
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


def _change(c: Change) -> str:
    return f"{_LABELS[c.figure]} {_value(c.figure, c.before)} → {_value(c.figure, c.after)}"


def _line(o: ActivityOutcome) -> str:
    head = f"#{o.activity_id} {o.day} {o.sport}".rstrip()
    if o.status == "updated":
        parts = [_change(c) for c in o.changes]
        if o.also_changed:
            parts.append(f"also {', '.join(o.also_changed)}")
        return f"  updated {head}: {'; '.join(parts)}"
    if o.status == "unchanged":
        return f"  same    {head}"
    return f"  {o.status.replace('_', ' ')} {head}: {o.reason}"


def _print(report: ReprocessReport) -> None:
    verb = "would re-derive" if report.dry_run else "re-derived"
    for a in report.athletes:
        mine = [o for o in report.activities if o.athlete_id == a.athlete_id]
        if not mine and not a.log_rows:
            continue
        console.print(f"[bold]{a.athlete}[/]", highlight=False)
        for o in mine:
            console.print(_line(o), markup=False, highlight=False)
        if a.log_rows:
            console.print(
                f"  {a.log_rows} training-log row(s) kept as logged: no file to re-derive from",
                markup=False,
            )
        if a.loads_moved:
            console.print(
                f"  TRIMP of {a.loads_moved} other activit(ies) moved with the heart-rate basis",
                markup=False,
            )
        if a.reevaluate_from is not None and not report.dry_run:
            console.print(
                f"  flags and series re-evaluated from {a.reevaluate_from} at the next evaluation",
                markup=False,
            )
    n = len(report.activities)
    if n == 0:
        console.print(f"nothing to re-derive: every activity is of derivation {report.derivation}")
        return
    console.print(
        f"{verb} {n} activit{'y' if n == 1 else 'ies'} (derivation {report.derivation}): "
        f"{report.count('updated')} changed, {report.count('unchanged')} the same, "
        f"{report.count('not_kept')} without kept bytes, {report.count('failed')} failed",
        markup=False,
    )


@app.command()
def reprocess(
    athlete: Annotated[
        str | None,
        typer.Option("--athlete", "-a", metavar="NAME", help="Only this athlete's activities."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every athlete's activities.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Decode and compare; change nothing.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Re-derive the activities an older loadwatch stored from their kept original files, in
    place (same ids; relabels, names and RPE kept), and re-evaluate from the earliest changed
    day.  Run after an upgrade when `status` says some were derived by an older version; a
    second run does nothing.  Exit 1 when any activity failed."""
    from loadwatch.cli.progress import progress_bar
    from loadwatch.services.reprocess import reprocess as run
    from loadwatch.services.reprocess import stale_count

    with handle_errors():
        if (athlete is None) == (not all_):
            raise InvalidRequest("give --athlete NAME or --all")
        store = open_store(get_settings())
        try:
            ids = [athlete_id_of(store, athlete)] if athlete is not None else None
            total = stale_count(store, ids[0] if ids else None)
            with progress_bar(total=total) as bar:
                task = bar.add_task("re-deriving", total=total)
                report = run(store, ids, dry_run=dry_run, progress=lambda n: bar.advance(task, n))
        finally:
            store.close()
    if json:
        print_json(asdict(report))
    else:
        _print(report)
    if report.count("failed"):
        raise typer.Exit(1)
