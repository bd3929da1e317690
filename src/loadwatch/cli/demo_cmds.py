"""Command: ``demo``, sample data in a fresh store, reported on and then served."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from loadwatch.cli.app import app
from loadwatch.cli.context import get_settings, open_store
from loadwatch.cli.load_cmds import athlete_report
from loadwatch.cli.output import console, handle_errors, print_block

if TYPE_CHECKING:  # imported by the commands that use them (cli/context.py says why)
    from loadwatch.services.demo import DemoResult


# --- demo -----------------------------------------------------------------------------------
@app.command()
def demo(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            metavar="DIR",
            help="The demo store is <DIR>/demo; default: LOADWATCH_DATA_DIR when set, else "
            "the user cache dir (never the real store's data dir).",
        ),
    ] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Only print the reports.")] = False,
    weeks: Annotated[
        int,
        typer.Option("--weeks", metavar="N", min=1, max=520, help="Weeks each report shows."),
    ] = 12,
    host: Annotated[
        str, typer.Option(metavar="HOST", help="Address to serve the demo on.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to serve the demo on.")] = 8000,
) -> None:
    """Import sample_data/ into a fresh demo store, report on its three runners, then serve.

    The runners: Steady Sam, Spiky Sara (a long run that jumps) and Returning Rosa (back
    from a hamstring injury on a return-to-run plan).  The API and the dashboard are served
    with a demo coach token until Ctrl-C; --no-serve only prints the reports."""
    from loadwatch.services.demo import demo_coach, run_demo

    with handle_errors():
        from loadwatch.config import default_demo_base

        if data_dir is None:
            settings = get_settings()
            data_dir = settings.data_dir if settings.data_dir_chosen else default_demo_base()
        base = data_dir.expanduser().resolve()
        result = run_demo(base / "demo")
        console.print(explore_hint(result))
        store = open_store(result.settings)
        try:
            with store.sessions() as s:
                for a in result.athletes:
                    print_block(athlete_report(s, a.athlete_id, weeks=weeks, today=result.today))
        finally:
            store.close()
    if no_serve:
        return
    with handle_errors():
        token = demo_coach(result)
        _print_demo_urls(result, token, host, port)
        from loadwatch.cli.service_cmds import run_server

        serving = result.settings.model_copy(update={"scheduler": True, "as_of": result.today})
        run_server(serving, host, port, scheduler=True)


def runnable() -> str:
    """What to type to run this loadwatch: ``loadwatch`` when the shell finds this very
    program, else its path (``.venv/bin/loadwatch`` after ``make demo``, which installs into a
    venv the shell has not activated): a hint the user pastes must run."""
    here = Path(sys.executable).parent / "loadwatch"
    found = shutil.which("loadwatch")
    if found is not None and Path(found).resolve() == here.resolve():
        return "loadwatch"
    try:
        return str(here.relative_to(Path.cwd()))
    except ValueError:
        return str(here)


def explore_hint(result: DemoResult) -> str:
    """How to look at the demo store from a shell on the demo's day, as the demo server does:
    without the pin, commands read the real date and the sample runners look idle."""
    d, day = result.settings.data_dir, result.today.isoformat()
    first = max(result.athletes, key=lambda a: len(a.flags), default=None)
    example = f' {runnable()} report --athlete "{first.name}"' if first is not None else ""
    return (
        f"Demo store: {d} (evaluated as of {day}). Explore it as of that day, as the demo "
        f"server does:\n  LOADWATCH_DATA_DIR={d} LOADWATCH_AS_OF={day}{example}\n"
        f"(without LOADWATCH_AS_OF commands read today's date; --today {day} pins one command)."
    )


def _print_demo_urls(result: DemoResult, token: str, host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    auth_h = f'-H "Authorization: Bearer {token}"'
    # The curl lines show the athlete with the most to see.
    first = max(result.athletes, key=lambda a: len(a.flags), default=None)
    lines = [
        f"Serving the demo on {base} — Ctrl-C to stop.",
        f"  dashboard:  {base}/#token={token}",
        f"  API docs:   {base}/docs",
        f"  demo coach token: {token}",
        "Try:",
        f"  curl {auth_h} {base}/api/v1/dashboard",
    ]
    if first is not None:
        aid = first.athlete_id
        sample = next(iter(sorted(first.folder.glob("*.fit"))), None)
        lines += [
            f"  curl {auth_h} {base}/api/v1/athletes/{aid}/flags",
            f'  curl {auth_h} "{base}/api/v1/athletes/{aid}/series?period=week"',
            f"  curl {auth_h} {base}/api/v1/athletes/{aid}/status",
        ]
        if sample is not None:
            # Every sample file is in the store already: say so, or a first try looks broken.
            lines.append(
                f"  curl {auth_h} -F files=@{sample} {base}/api/v1/athletes/{aid}/activities"
                '\n    (that file is stored already, so it answers "duplicate"; upload a FIT,'
                " GPX or TCX file of your own to see one imported and evaluated)"
            )
    console.print("\n".join(lines), highlight=False, soft_wrap=True)
