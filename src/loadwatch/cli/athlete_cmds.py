"""Command: ``athlete set`` (name, time zone, fast threshold, heart rates, weekly summary)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

import typer

from loadwatch.cli.app import app
from loadwatch.cli.context import get_settings, open_store
from loadwatch.cli.output import console, handle_errors
from loadwatch.errors import InvalidRequest

if TYPE_CHECKING:  # imported by the commands that use them (cli/context.py says why)
    pass

athlete_app = typer.Typer(
    help="Change an athlete: name, time zone, fast threshold, heart rates, weekly summary."
)
app.add_typer(athlete_app, name="athlete")


@athlete_app.command("set")
def athlete_set(
    name: Annotated[str, typer.Argument(help="The athlete's current name.")],
    timezone: Annotated[
        str | None,
        typer.Option("--timezone", metavar="ZONE", help="IANA time zone, e.g. Europe/Madrid."),
    ] = None,
    new_name: Annotated[
        str | None, typer.Option("--name", metavar="NAME", help="A new name.")
    ] = None,
    fast_pace: Annotated[
        str | None,
        typer.Option(
            "--fast-pace",
            metavar="M:SS",
            help="Running faster than this pace (M:SS per km) is fast.",
        ),
    ] = None,
    derived_fast_pace: Annotated[
        bool,
        typer.Option(
            "--derived-fast-pace",
            help="Forget the set fast pace: derive it from the athlete's own running again.",
        ),
    ] = False,
    resting_hr: Annotated[
        float | None,
        typer.Option("--resting-hr", metavar="BPM", help="Resting heart rate for TRIMP."),
    ] = None,
    max_hr: Annotated[
        float | None,
        typer.Option("--max-hr", metavar="BPM", help="Maximum heart rate for TRIMP."),
    ] = None,
    sex: Annotated[
        str | None,
        typer.Option("--sex", metavar="male|female", help="TRIMP's curve (unspecified: female's)."),
    ] = None,
    estimated_hr: Annotated[
        bool,
        typer.Option(
            "--estimated-hr",
            help="Forget the set heart rates and sex: estimate them from the data again.",
        ),
    ] = False,
    weekly_summary: Annotated[
        bool | None,
        typer.Option(
            "--weekly-summary/--no-weekly-summary",
            help="Send (or stop) the Sunday-evening summary to the athlete and their coaches.",
        ),
    ] = None,
) -> None:
    """Change an athlete's time zone, name, fast threshold, heart rates or weekly summary.  A
    new zone, threshold or heart rate re-evaluates the athlete's whole history (activities may
    move to another local day); new heart rates recompute every activity's TRIMP
    (docs/hr-load.md)."""
    from loadwatch.services.athletes import KEEP, athlete_named, change_athlete

    hr_given = resting_hr is not None or max_hr is not None or sex is not None
    with handle_errors():
        if (
            timezone is None
            and new_name is None
            and fast_pace is None
            and weekly_summary is None
            and not derived_fast_pace
            and not hr_given
            and not estimated_hr
        ):
            raise InvalidRequest(
                "nothing to change: give --timezone, --name, --fast-pace, --derived-fast-pace, "
                "--resting-hr, --max-hr, --sex, --estimated-hr or --weekly-summary"
            )
        if hr_given and estimated_hr:
            raise InvalidRequest("give heart rates or --estimated-hr, not both")
        if fast_pace is not None and derived_fast_pace:
            raise InvalidRequest("give --fast-pace or --derived-fast-pace, not both")
        if fast_pace is not None and not re.fullmatch(r"\s*\d{1,2}:\d{2}\s*(/km)?\s*", fast_pace):
            raise InvalidRequest(f"fast pace {fast_pace!r} is not M:SS per km, e.g. 4:30")
        store = open_store(get_settings())
        try:
            with store.transaction() as s:
                a = athlete_named(s, name)
                old = (a.name, a.timezone, a.fast_speed_mps, a.weekly_summary)
                old_hr = (a.resting_hr, a.max_hr, a.sex)
                pending = change_athlete(
                    s,
                    a,
                    name=new_name,
                    timezone=timezone,
                    fast_threshold=None if derived_fast_pace else (fast_pace or KEEP),
                    weekly_summary=weekly_summary,
                    resting_hr=None if estimated_hr else (resting_hr or KEEP),
                    max_hr=None if estimated_hr else (max_hr or KEEP),
                    sex=None if estimated_hr else (sex or KEEP),
                )
                shown = {"name": a.name, "timezone": a.timezone, "fast_speed_mps": a.fast_speed_mps}
                new_hr = (a.resting_hr, a.max_hr, a.sex)
        finally:
            store.close()
    changes = []
    if shown["name"] != old[0]:
        changes.append(f"renamed {old[0]!r} to {shown['name']!r}")
    if shown["timezone"] != old[1]:
        changes.append(f"time zone {old[1]} → {shown['timezone']}")
    speed = shown["fast_speed_mps"]
    if fast_pace is not None and isinstance(speed, float):
        changes.append(f"fast means faster than {fast_pace.strip()} per km ({speed:.2f} m/s)")
    if derived_fast_pace and old[2] is not None:
        changes.append("fast pace derived from the athlete's own running")
    if weekly_summary is not None and weekly_summary != old[3]:
        changes.append(f"weekly summary {'on' if weekly_summary else 'off'}")
    if new_hr != old_hr:
        rest, top = ("estimated" if v is None else f"{v:g} bpm" for v in new_hr[:2])
        changes.append(
            f"TRIMP heart rates: resting {rest}, maximum {top}, sex {new_hr[2] or 'unspecified'}"
        )
    console.print(f"{shown['name']}: " + ("; ".join(changes) or "no change"), markup=False)
    if pending is not None:
        console.print(f"flags will be re-evaluated from {pending.isoformat()}", markup=False)
