"""Command: ``import-log``, a CSV training log (a spreadsheet or Strava's activities.csv)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from loadwatch.cli.app import app
from loadwatch.cli.context import get_settings, open_store
from loadwatch.cli.output import (
    ATHLETE_IMPORT_HELP,
    CreateOpt,
    JsonOpt,
    console,
    err_console,
    handle_errors,
    print_json,
)
from loadwatch.errors import InputTooLarge

if TYPE_CHECKING:  # imported by the commands that use them (cli/context.py says why)
    pass


# --- import-log -----------------------------------------------------------------------------
@app.command("import-log")
def import_log(
    file: Annotated[
        Path, typer.Argument(help="CSV training log (your spreadsheet or Strava's activities.csv).")
    ],
    athlete: Annotated[
        str, typer.Option("--athlete", "-a", metavar="NAME", help=ATHLETE_IMPORT_HELP)
    ],
    timezone: Annotated[
        str | None,
        typer.Option(metavar="ZONE", help="IANA time zone for a new athlete (default UTC)."),
    ] = None,
    create: CreateOpt = False,
    json: JsonOpt = False,
) -> None:
    """Import a CSV training log: one activity per row; bad rows are listed with line numbers."""
    from loadwatch.ingest.sports import RUNNING_SPORTS
    from loadwatch.services.athletes import athlete_to_import_for
    from loadwatch.services.csv_import import import_log as run_import
    from loadwatch.services.evaluation import drain_pending

    with handle_errors():
        settings = get_settings()
        size = file.stat().st_size
        if size > settings.max_file_bytes:
            raise InputTooLarge(
                f"{file}: {size} bytes is over the {settings.max_file_bytes}-byte limit"
            )
        data = file.read_bytes()
        store = open_store(settings)
        try:
            with store.transaction() as s:
                aid = athlete_to_import_for(s, athlete, timezone, create=create).id
            rep = run_import(store, aid, data, file.name)
            drain_pending(store, athlete_id=aid, historic_days=get_settings().historic_days)
        finally:
            store.close()
        # A log without a single run (an empty sheet, a cyclist's export, the wrong tab) adds
        # nothing to the running load: said, and a failure for scripts, not a quiet 0.
        runs = sum(r.sport in RUNNING_SPORTS for r in rep.rows)
        empty = None
        if runs == 0 and not rep.symptom_days:
            empty = f"no running rows in {file.name} ({len(rep.rows)} other row(s) read)"
        if json:
            print_json({"athlete": athlete, **rep.to_json(), "warnings": [empty] if empty else []})
        else:
            for e in rep.errors:
                console.print(f"[yellow]{file.name}: {e}[/]", markup=True, highlight=False)
            console.print(
                f"{file.name}: {rep.imported} imported, {rep.duplicates} already stored, "
                f"{len(rep.errors)} bad row(s)"
            )
        if empty is not None:
            err_console.print(f"warning: {empty}", markup=False)
            raise typer.Exit(1)
        if rep.imported == 0 and rep.duplicates == 0 and rep.errors:
            raise typer.Exit(1)
