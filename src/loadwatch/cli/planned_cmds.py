"""Commands on planned sessions (docs/planning.md), beside the return-to-run ones in the same
``plan`` group: ``plan add | import | list | delete`` enter and keep runs to come, ``plan
check`` judges a proposal (``--file week.csv``) or the stored sessions before they are run.
(``plan start | end`` open and close a return-to-run plan: docs/rehab.md.)"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from loadwatch.cli.output import (
    Col,
    JsonOpt,
    console,
    err_console,
    fitted_table,
    handle_errors,
    page_json,
    print_block,
    print_json,
)
from loadwatch.cli.reading import AthleteOpt, TodayOpt, parse_day, parse_day_range
from loadwatch.cli.rehab_cmds import _read, _write, plan_app, validated
from loadwatch.errors import InvalidRequest
from loadwatch.rounding import fixed
from loadwatch.vocabulary import dimension_label, rule_label

if TYPE_CHECKING:
    from collections.abc import Sequence

    from loadwatch.schemas.planned import CheckOut, PlannedIn, PlannedOut
    from loadwatch.store.db import Session
    from loadwatch.store.models import Athlete

DayOpt = Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD", help="The planned day.")]
TypeOpt = Annotated[
    str | None,
    typer.Option(
        "--type",
        metavar="easy|long|intervals|hills",
        help="Named session: fills fast km (intervals: 40 %) and climbing (hills: 25 m/km).",
    ),
]
_STYLE = {"ok": "green", "caution": "yellow", "alert": "bold red"}


def _rows_table(title: str, rows: list[PlannedOut]) -> None:
    # Numbers never wrap (F9): the note narrows first, then the type and the note go.
    cols = [
        Col("id", "right"),
        Col("date"),
        Col("type", drop=2),
        Col("km", "right"),
        Col("fast km", "right"),
        Col("climb m", "right"),
        Col("note", text=True, drop=1),
    ]
    cells = [
        [
            str(p.id),
            f"{p.date} {p.date.strftime('%a')}",
            p.type or "-",
            fixed(p.distance_km),
            fixed(p.fast_km),
            fixed(p.climb_m, 0),
            Text(p.note or ""),
        ]
        for p in rows
    ]
    print_block(fitted_table(title, cols, cells))


def _added(
    session: Session, athlete: Athlete, entries: Sequence[PlannedIn]
) -> tuple[list[PlannedOut], str | None]:
    """The sessions stored, and the note for any on a day already past."""
    from loadwatch.services.planned import add_sessions, past_note, planned_out

    rows = add_sessions(session, athlete, entries)
    return [planned_out(r) for r in rows], past_note(athlete, [r.date for r in rows])


def _say(note: str | None) -> None:
    # On stderr, so that --json's stdout stays JSON.
    if note is not None:
        err_console.print(f"note: {note}", markup=False)


@plan_app.command("add")
def plan_add(
    athlete: AthleteOpt,
    day: DayOpt,
    km: Annotated[float, typer.Option("--km", metavar="KM", help="Planned distance (km).")],
    fast_km: Annotated[
        float | None, typer.Option("--fast-km", metavar="KM", help="Planned fast km.")
    ] = None,
    climb_m: Annotated[
        float | None, typer.Option("--climb-m", metavar="M", help="Planned climbing (m).")
    ] = None,
    kind: TypeOpt = None,
    note: Annotated[str | None, typer.Option("--note", metavar="TEXT", help="A note.")] = None,
    json: JsonOpt = False,
) -> None:
    """Plan one run."""
    from loadwatch.schemas.planned import PlannedIn

    with handle_errors():
        body = validated(
            PlannedIn,
            {
                "date": parse_day(day, "--date"),
                "distance_km": km,
                "fast_km": fast_km,
                "climb_m": climb_m,
                "type": kind.lower() if kind else None,
                "note": note,
            },
            {"distance_km": "--km"},
        )
        rows, note = _write(athlete, lambda s, a: _added(s, a, [body]))
    _say(note)
    if json:
        # As POST .../planned answers: the page and its past-day note.
        added = [r.model_dump(mode="json") for r in rows]
        print_json({**page_json(added, athlete=athlete), "note": note})
        return
    _rows_table(f"Planned: {athlete}", rows)


@plan_app.command("import")
def plan_import(
    athlete: AthleteOpt,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV: date,distance_km,...")],
    json: JsonOpt = False,
) -> None:
    """Plan a week (or more) from a CSV: ``date,distance_km,fast_km,climb_m[,type][,note]``."""
    from loadwatch.services.planned import parse_csv

    with handle_errors():
        entries = parse_csv(_read_file(file))
        rows, note = _write(athlete, lambda s, a: _added(s, a, entries))
    _say(note)
    if json:
        added = [r.model_dump(mode="json") for r in rows]
        print_json({**page_json(added, athlete=athlete), "note": note})
        return
    _rows_table(f"Planned: {athlete} ({len(rows)} sessions added)", rows)


@plan_app.command("list")
def plan_list(
    athlete: AthleteOpt,
    from_: Annotated[
        str | None, typer.Option("--from", metavar="YYYY-MM-DD", help="First day.")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", metavar="YYYY-MM-DD", help="Last day.")] = None,
    json: JsonOpt = False,
) -> None:
    """The athlete's planned sessions by day."""
    from loadwatch.services.planned import list_sessions, planned_out

    with handle_errors():
        start, end = parse_day_range(from_, to)
        rows = _read(
            athlete,
            None,
            lambda s, inp: [planned_out(r) for r in list_sessions(s, inp.athlete, start, end)],
        )
    if json:
        print_json(page_json([r.model_dump(mode="json") for r in rows], athlete=athlete))
        return
    if not rows:
        console.print(f"Nothing planned for {athlete}.", markup=False)
        return
    _rows_table(f"Planned: {athlete}", rows)


@plan_app.command("delete")
def plan_delete(
    athlete: AthleteOpt,
    planned_id: Annotated[int, typer.Argument(metavar="ID", help="The planned session's id.")],
) -> None:
    """Remove a planned session."""
    from loadwatch.services.planned import delete_session, planned_of

    with handle_errors():
        _write(athlete, lambda s, a: delete_session(s, a, planned_of(s, a, planned_id)))
    console.print(f"{athlete}: planned session {planned_id} deleted", markup=False)


@plan_app.command("check")
def plan_check(
    athlete: AthleteOpt,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", metavar="FILE", help="A proposal (CSV) to check; default: what is stored."
        ),
    ] = None,
    json: JsonOpt = False,
    today: TodayOpt = None,
) -> None:
    """Judge planned runs before they are run: the rules (and a return-to-run plan's caps)
    that will judge them, the largest version of each that raises nothing, and what the
    whole plan does to the 7-day windows.  A proposal is not stored."""
    from loadwatch.services.planned import parse_csv
    from loadwatch.services.preflight import check_proposal, check_stored

    with handle_errors():
        day = parse_day(today, "--today")
        if file is not None:
            entries = parse_csv(_read_file(file))
            out = _read(athlete, today, lambda s, inp: check_proposal(s, inp.athlete, entries, day))
        else:
            out = _read(athlete, today, lambda s, inp: check_stored(s, inp.athlete, today=day))
    if json:
        print_json(out.model_dump(mode="json"))
        return
    show_check(athlete, out)


def show_check(athlete: str, out: CheckOut) -> None:
    if not out.sessions:
        console.print(f"{athlete}: nothing planned from {out.today} on to check.", markup=False)
        return
    console.print(f"Pre-flight check: {athlete}, as of {out.today}", style="bold", markup=False)
    for s in out.sessions:
        console.print(f"[{_STYLE[s.verdict]}]{s.verdict:>7}[/] ", end="")
        console.print(f"{s.date} {s.sentence}", markup=False)
        for f in s.findings[1:]:
            console.print(f"         also: {f.message} ({f.evidence_grade} evidence)", markup=False)
    # "caution over": the line the ratio is read against (the ramp's 2.0, the return's 0.5),
    # so a 1.50 beside "ok" reads as under the line, not as an unexplained number.  Each
    # amount is whole at any width (F9); the baseline's words narrow first.
    cols = [
        Col("dimension"),
        Col("peak", "right"),
        Col("days judged", text=True),
        Col("baseline", text=True, drop=3),
        Col("ratio", "right"),
        Col("caution over", "right", drop=1),
        Col("verdict", text=True),
    ]
    cells = []
    for w in out.windows:
        base = _usual(w.usual_week, w.own_week, w.unit)
        cells.append(
            [
                dimension_label(w.dimension),
                _amount(w.peak_7d, w.unit),
                # Which days, and how much of them is the plan (F2b): a peak of last week's
                # running reads as last week's, not as the plan's.
                Text(w.span or str(w.peak_date)),
                Text(f"{w.basis}: {base}" if base != "-" else base),
                fixed(w.ratio, 2) if w.ratio is not None else "-",
                fixed(w.caution, 2) if w.caution is not None else "-",
                Text(_verdict(w.severity, w.rule)),
            ]
        )
    print_block(fitted_table("The plan's 7-day windows (peak vs its baseline)", cols, cells))


_RULE = {"session_spike": "a run's spike", "return_after_break": "the return"}


def _verdict(severity: str | None, rule: str | None) -> str:
    """'ok', 'caution', or 'alert (a run's spike)' when another rule than the ramp says it."""
    if severity is None:
        return "ok"
    # A person's words for the rule (trial 10 F13: "caution (plan_breach)").
    said = _RULE.get(rule or "") or rule_label(rule or "")
    return f"{severity} ({said})" if rule and rule != "weekly_ramp" else severity


def _amount(v: float, unit: str) -> str:
    # Halves up, as every face rounds (rounding.fixed).
    return f"{fixed(v, 0, grouped=True)} m" if unit == "m" else f"{fixed(v, 1, grouped=True)} km"


def _usual(base: float | None, own: float | None, unit: str) -> str:
    """'258 m (at least 300 m)' where a floor stood in: a floor is not the athlete's week."""
    if base is None:
        return "-"
    if own is not None and own < base:
        return f"{_amount(own, unit)} (at least {_amount(base, unit)})"
    return _amount(base, unit)


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise InvalidRequest(f"cannot read {path}: {e.strerror or e}") from e
