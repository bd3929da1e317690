"""Commands: ``series``, ``flags``, ``ack``, ``status``, ``report``, ``evaluate``, ``import-log``,
``demo``.

Reading commands drain the athlete's pending evaluation first, so in the embedded setup (no
scheduler running) what they show always includes the last import.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from loadwatch.cli.app import app
from loadwatch.cli.context import get_settings, open_store
from loadwatch.cli.output import (
    JsonOpt,
    console,
    err_console,
    handle_errors,
    print_block,
    print_json,
)
from loadwatch.errors import InputTooLarge, InvalidRequest

if TYPE_CHECKING:  # imported by the commands that use them (cli/context.py says why)
    import polars as pl

    from loadwatch.services.demo import DemoResult
    from loadwatch.store.db import Session, Store

_T = TypeVar("_T")

AthleteOpt = Annotated[str, typer.Option("--athlete", "-a", metavar="NAME", help="Athlete name.")]
TodayOpt = Annotated[
    str | None,
    typer.Option(
        "--today",
        metavar="YYYY-MM-DD",
        help="Evaluate as of this local day (YYYY-MM-DD); default: today.",
    ),
]


def parse_day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as e:
        raise InvalidRequest(f"{what} {text!r} is not a date (use YYYY-MM-DD)") from e


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


def _athlete_id(store: Store, name: str) -> int:
    from loadwatch.services.athletes import (
        athlete_named,
    )

    with store.sessions() as s:
        return athlete_named(s, name).id


def _fresh(store: Store, athlete_id: int) -> None:
    """Evaluate the athlete's pending imports.  Always as of the real local date, whatever
    ``--today`` a command shows: a request drained only up to an earlier day would leave the
    days after it unevaluated."""
    from loadwatch.services.evaluation import drain_pending

    drain_pending(store, athlete_id=athlete_id, historic_days=get_settings().historic_days)


def _read_athlete(name: str, read: Callable[[Session, int], _T]) -> _T:
    """Open the store, find the athlete, evaluate what is pending for them, then ``read`` in
    one session."""
    store = open_store(get_settings())
    try:
        athlete_id = _athlete_id(store, name)
        _fresh(store, athlete_id)
        with store.sessions() as s:
            return read(s, athlete_id)
    finally:
        store.close()


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
    from loadwatch.services.views import series as load_series

    with handle_errors():
        if period not in ("day", "week"):
            raise InvalidRequest(f"--period must be day or week, not {period!r}")
        if json and csv:
            raise InvalidRequest("choose one of --json and --csv")
        start, end = parse_day(from_, "--from"), parse_day(to, "--to")
        frame = _read_athlete(
            athlete,
            lambda s, aid: load_series(s, aid, "day" if period == "day" else "week", start, end),
        )
        if csv:
            sys.stdout.write(frame.write_csv())
        elif json:
            print_json(frame.to_dicts())
        else:
            _print_series(frame, period)


def _print_series(frame: pl.DataFrame, period: str) -> None:
    cols = [c for c in _SERIES_COLS[period] if c in frame.columns]
    table = Table(title=f"{'Daily' if period == 'day' else 'Weekly'} load")
    for c in cols:
        table.add_column(c, justify="left" if c in ("date", "week_start") else "right")
    for row in frame.select(cols).iter_rows():
        table.add_row(*[f"{v:.1f}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)


# --- flags / status / report ---------------------------------------------------------------
# The ``flags --json`` rows kept the shape they had before the API and CLI shared FlagOut.
_FLAG_JSON_EXCLUDE = {"athlete_id", "acked_by", "acked_at", "created_at"}


@app.command()
def flags(
    athlete: AthleteOpt,
    all_: Annotated[
        bool,
        typer.Option("--all", help="Every flag: acknowledged, resolved and historic ones too."),
    ] = False,
    json: JsonOpt = False,
) -> None:
    """The athlete's flags (open ones unless --all), newest first."""
    from loadwatch.services.flag_list import list_flags
    from loadwatch.vocabulary import OPEN

    with handle_errors():
        shown = None if all_ else (OPEN,)
        rows = _read_athlete(athlete, lambda s, aid: list_flags(s, aid, statuses=shown))
        if json:
            print_json([r.model_dump(mode="json", exclude=_FLAG_JSON_EXCLUDE) for r in rows])
            return
        if not rows:
            console.print(f"No {'' if all_ else 'open '}flags for {athlete}.")
            return
        console.print(flags_table(athlete, rows, console.width))


# Below this width the flag's facts share one column, leaving the sentence room to read.
WIDE_FLAGS = 120


def flags_table(athlete: str, rows: list[Any], width: int) -> Table:
    """The flags as a table that fits ``width`` columns: the sentence and its evidence wrap
    between words."""
    from rich.text import Text

    from loadwatch.vocabulary import ALERT

    table = Table(title=f"Flags: {athlete}")
    wide = width >= WIDE_FLAGS
    facts = ("dimension", "rule", "severity", "ratio", "status") if wide else ("flag",)
    for c in ("id", "date", *facts):
        table.add_column(c, no_wrap=True)
    table.add_column("message", overflow="fold", min_width=20)
    if wide:
        table.add_column("evidence", overflow="fold", min_width=16)
    for r in rows:
        severity = Text(r.severity, style="bold red" if r.severity == ALERT else "yellow")
        ratio = f"{r.ratio:.2f}"
        evidence = f"{r.evidence.grade}: {r.evidence.risk}"
        if wide:
            cells = [r.dimension, r.rule, severity, ratio, r.status, r.message, evidence]
        else:
            facts_cell = Text("\n").join(
                [severity + f" ×{ratio}", Text(r.dimension), Text(r.rule), Text(r.status)]
            )
            cells = [facts_cell, f"{r.message}\nevidence {evidence}"]
        table.add_row(str(r.id), r.date.isoformat(), *cells)
    return table


@app.command()
def status(athlete: AthleteOpt, json: JsonOpt = False, today: TodayOpt = None) -> None:
    """Current ratios, headroom, open flags and fast threshold."""
    from loadwatch.services.views import athlete_status

    with handle_errors():
        day = parse_day(today, "--today")
        st = _read_athlete(athlete, lambda s, aid: athlete_status(s, aid, today=day))
        if json:
            print_json(st.model_dump(mode="json"))
            return
        from loadwatch.report import episode_lines, headroom_lines, ratio_lines

        console.print(f"[bold]{st.athlete}[/] as of {st.today} ({st.timezone})")
        print_block(ratio_lines(st))
        print_block(headroom_lines(st))
        print_block(episode_lines(st))
        if st.rehab is not None:
            from loadwatch.report import pain_line, rehab_lines

            print_block(rehab_lines(st.rehab))
            print_block(pain_line(st.rehab))
        if st.effort is not None:
            print_block(f"[bold]Effort[/]  {escape(st.effort.note)}")
        print_block(f"[bold]Fast means[/]  {st.fast_threshold.explanation}")
        if st.fitness is not None:
            from loadwatch.cli.fitness_view import fitness_line

            print_block(fitness_line(st.fitness))


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
    with handle_errors():
        day = parse_day(today, "--today")
        if json:
            print_json(
                _read_athlete(athlete, lambda s, aid: report_json(s, aid, weeks=weeks, today=day))
            )
            return
        print_block(
            _read_athlete(athlete, lambda s, aid: athlete_report(s, aid, weeks=weeks, today=day))
        )


def _report_data(session: Session, athlete_id: int, today: date | None) -> tuple[Any, pl.DataFrame]:
    from loadwatch.services.views import athlete_status
    from loadwatch.services.views import series as load_series

    st = athlete_status(session, athlete_id, today=today)
    return st, load_series(session, athlete_id, "week", None, st.today)


def athlete_report(session: Session, athlete_id: int, *, weeks: int, today: date | None) -> Any:
    from loadwatch.report import render_report

    st, weekly = _report_data(session, athlete_id, today)
    return render_report(st, weekly, weeks=weeks, width=console.width)


def report_json(
    session: Session, athlete_id: int, *, weeks: int, today: date | None
) -> dict[str, Any]:
    """``report --json``: what the report shows, as data: the status and the shown weeks."""
    import polars as pl

    st, weekly = _report_data(session, athlete_id, today)
    shown = weekly.sort("week_start").tail(weeks)
    floats = [c for c, t in shown.schema.items() if t.is_float()]
    shown = shown.with_columns(pl.col(floats).fill_nan(None)) if floats else shown
    return {"status": st.model_dump(mode="json"), "weeks": shown.to_dicts()}


@app.command()
def evaluate(
    athlete: Annotated[
        str | None,
        typer.Option(
            "--athlete", "-a", metavar="NAME", help="Re-evaluate this athlete's whole history."
        ),
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", metavar="YYYY-MM-DD", help="Only from this day on.")
    ] = None,
    today: TodayOpt = None,
    json: JsonOpt = False,
) -> None:
    """Evaluate pending imports (all athletes), or re-evaluate one athlete."""
    from loadwatch.services.evaluation import drain_pending, evaluate_athlete

    with handle_errors():
        day, start = parse_day(today, "--today"), parse_day(from_, "--from")
        store = open_store(get_settings())
        try:
            if athlete is None:
                if start is not None or day is not None:
                    raise InvalidRequest("--from and --today need --athlete")
                done = drain_pending(store, historic_days=get_settings().historic_days)
                out: dict[str, Any] = {"evaluated_athletes": done}
                msg = f"evaluated {len(done)} athlete(s) with pending imports"
            else:
                aid = _athlete_id(store, athlete)
                _fresh(store, aid)
                r = evaluate_athlete(
                    store,
                    aid,
                    from_date=start,
                    today=day,
                    historic_days=get_settings().historic_days,
                )
                out = {
                    "athlete": athlete,
                    "today": r.today,
                    "evaluated_from": r.evaluated_from,
                    "new_flag_ids": r.new_flag_ids,
                    "updated_flag_ids": r.updated_flag_ids,
                    "removed": r.removed,
                }
                msg = (
                    f"{athlete}: {len(r.new_flag_ids)} new, {len(r.updated_flag_ids)} updated, "
                    f"{r.removed} removed flag(s) (as of {r.today})"
                )
        finally:
            store.close()
        if json:
            print_json(out)
        else:
            console.print(msg)


# --- ack ------------------------------------------------------------------------------------
@app.command()
def ack(
    athlete: AthleteOpt,
    flag: Annotated[
        int | None, typer.Option("--flag", metavar="ID", help="Acknowledge this flag id.")
    ] = None,
    before: Annotated[
        str | None,
        typer.Option(
            "--before",
            metavar="YYYY-MM-DD",
            help="Acknowledge the open flags dated before this day.",
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Acknowledge every open flag.")] = False,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", metavar="USER", help="Record this user (a coach) as the acknowledger."
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Acknowledge flags of an athlete: one (--flag ID), older ones (--before DATE) or all."""
    from loadwatch import auth
    from loadwatch.services.acknowledge import acknowledge, flags_to_ack
    from loadwatch.vocabulary import ACKNOWLEDGED

    with handle_errors():
        day = parse_day(before, "--before")
        store = open_store(get_settings())
        try:
            aid = _athlete_id(store, athlete)
            _fresh(store, aid)
            with store.transaction() as s:
                user_id = auth.get_user_by_name(s, by).id if by else None
                chosen = flags_to_ack(s, aid, flag_id=flag, before=day, all_open=all_)
                changed = acknowledge(s, chosen, by=user_id)
                ids = [f.id for f in chosen if f.status == ACKNOWLEDGED]
        finally:
            store.close()
        if json:
            print_json({"athlete": athlete, "acknowledged": changed, "flag_ids": ids})
        else:
            console.print(f"{athlete}: acknowledged {changed} flag(s)")


# --- import-log -----------------------------------------------------------------------------
@app.command("import-log")
def import_log(
    file: Annotated[
        Path, typer.Argument(help="CSV training log (your spreadsheet or Strava's activities.csv).")
    ],
    athlete: Annotated[
        str, typer.Option("--athlete", "-a", metavar="NAME", help="Athlete name (created if new).")
    ],
    timezone: Annotated[
        str | None,
        typer.Option(metavar="ZONE", help="IANA time zone for a new athlete (default UTC)."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Import a CSV training log: one activity per row; bad rows are listed with line numbers."""
    from loadwatch.ingest.sports import RUNNING_SPORTS
    from loadwatch.services.athletes import (
        athlete_named_or_new,
    )
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
                aid = athlete_named_or_new(s, athlete, timezone).id
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
    weeks: Annotated[int, typer.Option("--weeks", metavar="N", min=1, max=520)] = 12,
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
        console.print(
            f"Demo store: {result.settings.data_dir} (evaluated as of {result.today}); "
            f"use LOADWATCH_DATA_DIR={result.settings.data_dir} to explore it."
        )
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
            lines.append(
                f"  curl {auth_h} -F files=@{sample} {base}/api/v1/athletes/{aid}/activities"
            )
    console.print("\n".join(lines), highlight=False, soft_wrap=True)
