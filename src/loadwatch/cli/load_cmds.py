"""Commands that show an athlete's load: ``series``, ``status``, ``report``.

They evaluate the athlete's pending imports first (``cli/reading.py``), so in the embedded setup
(no scheduler running) what they show always includes the last import.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from loadwatch.cli.app import app
from loadwatch.cli.context import no_model_plugins
from loadwatch.cli.output import JsonOpt, console, handle_errors, print_block, print_json
from loadwatch.cli.reading import (
    AthleteOpt,
    TodayOpt,
    parse_day,
    parse_day_range,
    read_athlete,
    read_athlete_rows,
    read_athlete_rows_kept,
)
from loadwatch.errors import InvalidRequest
from loadwatch.rounding import fixed

if TYPE_CHECKING:  # imported by the commands that use them (cli/context.py says why)
    import polars as pl

    from loadwatch.store.db import Reads

# --- series -------------------------------------------------------------------------------
_SERIES_COLS = {
    "day": ["date", "runs", "distance_km", "fast_km", "elevation_gain_m", "longest_run_km", "srpe"],
    "week": [
        "week_start",
        "runs",
        "distance_km",
        "fast_km",
        "elevation_gain_m",
        "longest_run_km",
        "srpe",
    ],
}


@app.command()
def series(
    athlete: AthleteOpt,
    period: Annotated[
        str, typer.Option("--period", metavar="day|week", help="day or week.")
    ] = "week",
    from_: Annotated[
        str | None, typer.Option("--from", metavar="YYYY-MM-DD", help="First day (YYYY-MM-DD).")
    ] = None,
    to: Annotated[
        str | None,
        typer.Option("--to", metavar="YYYY-MM-DD", help="Last day (YYYY-MM-DD); default today."),
    ] = None,
    json: JsonOpt = False,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV on stdout.")] = False,
) -> None:
    """Daily or weekly load series: distance, fast km, climbing (and EWMA/ratios for days)."""
    from loadwatch.services.series_out import named_for_output
    from loadwatch.services.views import series as load_series

    with handle_errors():
        if period not in ("day", "week"):
            raise InvalidRequest(f"--period must be day or week, not {period!r}")
        if json and csv:
            raise InvalidRequest("choose one of --json and --csv")
        start, end = parse_day_range(from_, to)
        frame = read_athlete(
            athlete,
            lambda s, aid: load_series(s, aid, "day" if period == "day" else "week", start, end),
        )
        frame = named_for_output(frame)
        if csv:
            sys.stdout.write(frame.write_csv())
        elif json:
            # The API's series keys: what it is of, its columns, its rows in ``data``.
            print_json(
                {
                    "athlete": athlete,
                    "period": period,
                    "columns": frame.columns,
                    "data": frame.to_dicts(),
                }
            )
        else:
            _print_series(frame, period)


def _print_series(frame: pl.DataFrame, period: str) -> None:
    from loadwatch.cli.output import Col, fitted_table, print_block

    cols = [c for c in _SERIES_COLS[period] if c in frame.columns]
    first = ("date", "week_start")
    # Every cell is one number: none wraps (F9); the least-read columns go when narrow.
    late = {"srpe": 3, "longest_run_km": 2, "runs": 1}
    table = fitted_table(
        f"{'Daily' if period == 'day' else 'Weekly'} load",
        [Col(c, "left" if c in first else "right", drop=late.get(c, 0)) for c in cols],
        [
            [fixed(v) if isinstance(v, float) else str(v) for v in row]
            for row in frame.select(cols).iter_rows()
        ],
    )
    print_block(table)


@app.command()
def status(athlete: AthleteOpt, json: JsonOpt = False, today: TodayOpt = None) -> None:
    """Current ratios, headroom, open flags and fast threshold."""
    with no_model_plugins(), handle_errors():
        from loadwatch.services.status import athlete_status

        day = parse_day(today, "--today")
        st = read_athlete_rows_kept(
            athlete, lambda s, aid, store: athlete_status(s, aid, today=day, blobs=store.blobs)
        )
        if json:
            print_json(st.model_dump(mode="json"))
            return
        from loadwatch.status_lines import episode_lines, headroom_lines, ratio_lines

        console.print(f"[bold]{st.athlete}[/] as of {st.today} ({st.timezone})")
        if st.reprocess_note is not None:
            # First: every number below is read from those activities' older figures.
            print_block(f"[bold]Upgrade[/]  {escape(st.reprocess_note)}")
        print_block(ratio_lines(st))
        print_block(headroom_lines(st))
        print_block(episode_lines(st))
        if st.rehab is not None:
            from loadwatch.status_lines import pain_line, rehab_lines

            print_block(rehab_lines(st.rehab))
            print_block(pain_line(st.rehab))
        if st.effort is not None:
            print_block(f"[bold]Effort[/]  {escape(st.effort.note)}")
        print_block(f"[bold]Fast means[/]  {st.fast_threshold.explanation}")
        if st.fitness is not None:
            from loadwatch.cli.fitness_view import fitness_line
            from loadwatch.status_lines import hr_change_line

            print_block(fitness_line(st.fitness))
            moved = hr_change_line(st)
            if moved is not None:
                print_block(moved)


@app.command()
def report(
    athlete: AthleteOpt,
    weeks: Annotated[
        int, typer.Option("--weeks", metavar="N", min=1, max=520, help="Weeks to show.")
    ] = 12,
    today: TodayOpt = None,
    json: JsonOpt = False,
) -> None:
    """A report a runner reads at a glance: weekly bars, flags, headroom, fast threshold."""
    with no_model_plugins(), handle_errors():
        day = parse_day(today, "--today")
        if json:
            print_json(
                read_athlete_rows(
                    athlete, lambda s, aid: report_json(s, aid, weeks=weeks, today=day)
                )
            )
            return
        print_block(
            read_athlete_rows(
                athlete, lambda s, aid: athlete_report(s, aid, weeks=weeks, today=day)
            )
        )


def athlete_report(session: Reads, athlete_id: int, *, weeks: int, today: date | None) -> Any:
    from loadwatch.report import render_report
    from loadwatch.services.status import status_and_weeks

    st, weekly = status_and_weeks(session, athlete_id, weeks=weeks, today=today)
    return render_report(st, weekly, weeks=weeks, width=console.width)


def report_json(
    session: Reads, athlete_id: int, *, weeks: int, today: date | None
) -> dict[str, Any]:
    """``report --json``: what the report shows, as data: the status and the shown weeks with
    every column of the weekly series (its frame: polars, which the text report does without)."""
    import polars as pl

    from loadwatch.services.status import athlete_status
    from loadwatch.services.views import series as load_series
    from loadwatch.store.db import orm_session

    st = athlete_status(session, athlete_id, today=today)
    weekly = load_series(orm_session(session), athlete_id, "week", None, st.today)
    shown = weekly.sort("week_start").tail(weeks)
    floats = [c for c, t in shown.schema.items() if t.is_float()]
    shown = shown.with_columns(pl.col(floats).fill_nan(None)) if floats else shown
    return {"status": st.model_dump(mode="json"), "weeks": shown.to_dicts()}
