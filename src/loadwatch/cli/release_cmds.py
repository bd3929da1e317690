"""``loadwatch --version``, ``backup``, ``restore`` and ``migrate --to`` (services/backup.py;
docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from loadwatch.cli.app import app
from loadwatch.cli.context import get_settings
from loadwatch.cli.output import console, err_console, handle_errors


def _print_version(value: bool) -> None:
    if value:
        from loadwatch import __version__  # read from the package metadata: only here
        from loadwatch.store.db import newest_on_disk

        # The schema too: it tells which stores this build reads and writes, which the
        # version alone does not between releases.
        typer.echo(f"loadwatch {__version__} (schema {newest_on_disk()})")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    # No docstring: the app's own help stays the root help.
    from loadwatch.cli.output import follow_terminal

    follow_terminal()
    _pin_as_of()


def _pin_as_of() -> None:
    """Every command reads as ``LOADWATCH_AS_OF`` when it is set, as ``serve`` does: the demo's
    server and a command pointed at its store then agree about today.  The settings (pydantic)
    are read only then, so start-up without it stays cheap."""
    import os

    if not any(k.upper() == "LOADWATCH_AS_OF" for k in os.environ):
        return
    with handle_errors():
        from loadwatch.clock import pin_today

        pin_today(get_settings().as_of)


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="The archive to write (.tar.gz).")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Write one consistent archive of the store (database, kept files, settings, checksums);
    safe while `serve` runs."""
    from loadwatch.services.backup import backup as run

    with handle_errors():
        rep = run(get_settings(), file, overwrite=force)
    rows = sum(rep.rows.values())
    console.print(
        f"{rep.path}: {_mb(rep.bytes)} in {rep.seconds:.2f} s — {rep.dialect} schema "
        f"{rep.revision}, {rows} rows in {len(rep.rows)} tables, {rep.files} kept files "
        f"({_mb(rep.file_bytes)})",
        markup=False,
    )


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="An archive written by `loadwatch backup`.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace a store already there (its data is deleted)."),
    ] = False,
) -> None:
    """Rebuild the configured store (LOADWATCH_DATABASE_URL / LOADWATCH_DATA_DIR) from an
    archive, into an empty place; an older archive is upgraded to this version's schema.
    Stop `serve` and `scheduler` first."""
    from loadwatch.services.backup import restore as run

    with handle_errors():
        rep = run(get_settings(), file, force=force)
    rows = sum(rep.rows.values())
    upgraded = (
        f", upgraded {rep.archive_revision} → {rep.revision}"
        if rep.archive_revision != rep.revision
        else ""
    )
    console.print(
        f"restored {rows} rows in {len(rep.rows)} tables and {rep.files} kept files from "
        f"loadwatch {rep.archive_version} (schema {rep.archive_revision}){upgraded} "
        f"in {rep.seconds:.2f} s",
        markup=False,
    )
    for name, (then, now) in rep.settings_changed.items():
        err_console.print(
            f"note: LOADWATCH_{name.upper()} was {then!r} where the backup was made, "
            f"is {now!r} here",
            markup=False,
        )


@app.command()
def migrate(
    to: Annotated[
        str,
        typer.Option(
            "--to", help="The database to move the store into, e.g. postgresql://user@host/db."
        ),
    ],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace a store already in that database (deleted)."),
    ] = False,
) -> None:
    """Copy the store's database into another, empty one (SQLite to PostgreSQL), at the
    newest schema; kept files stay in the data dir.  Stop `serve` and `scheduler` first."""
    from loadwatch.services.backup import move_database
    from loadwatch.store.db import display_url

    with handle_errors():
        rep = move_database(get_settings(), to, force=force)
    console.print(
        f"copied {sum(rep.rows.values())} rows in {len(rep.rows)} tables (schema "
        f"{rep.revision}) to {display_url(to)} in {rep.seconds:.2f} s; now set "
        "LOADWATCH_DATABASE_URL to it and start loadwatch",
        markup=False,
    )
