"""Commands: ``symptoms`` (log pain, list entries and responses) and ``plan`` (return-to-run
plans: start, show the caps in force and why, end).  See docs/rehab.md."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from loadwatch.cli.app import app
from loadwatch.cli.context import get_settings, open_store
from loadwatch.cli.output import (
    JsonOpt,
    console,
    handle_errors,
    page_json,
    print_block,
    print_json,
)
from loadwatch.cli.output import table as output_table
from loadwatch.cli.reading import AthleteOpt, TodayOpt, evaluate_pending, parse_day
from loadwatch.errors import InvalidRequest
from loadwatch.rounding import fixed
from loadwatch.vocabulary import NO_LOAD

if TYPE_CHECKING:
    from pydantic import BaseModel

    from loadwatch.schemas.rehab import SymptomOut
    from loadwatch.services.inputs import EvaluationInputs
    from loadwatch.store.db import Session
    from loadwatch.store.models import Athlete

_M = TypeVar("_M", bound="BaseModel")
_T = TypeVar("_T")

symptoms_app = typer.Typer(
    help="Pain log: `symptoms add` an entry; `symptoms --athlete NAME` lists them.",
    invoke_without_command=True,
)
plan_app = typer.Typer(
    help="Return-to-run plans: `plan start`, `plan end`; `plan --athlete NAME` shows the caps. "
    "Planned sessions: `plan add`, `plan import`, `plan list`, `plan delete`, `plan check`.",
    invoke_without_command=True,
)
app.add_typer(symptoms_app, name="symptoms")
app.add_typer(plan_app, name="plan")

OptAthlete = Annotated[
    str | None, typer.Option("--athlete", "-a", metavar="NAME", help="Athlete name.")
]


def validated(model: type[_M], data: dict[str, Any], options: dict[str, str] | None = None) -> _M:
    """The model, or one ``InvalidRequest`` line naming the bad option as the user typed it:
    ``options`` maps a model field to its option where the names differ (``pain_next_morning``
    is ``--next-morning``); the API names its body fields, the CLI its options."""
    from pydantic import ValidationError

    names = options or {}

    def option(field: str) -> str:
        return names.get(field, "--" + field.replace("_", "-"))

    try:
        return model.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as e:
        err = e.errors()[0]
        if not err["loc"]:  # a rule across fields: its message names them
            text = err["msg"].removeprefix("Value error, ")
            for field in sorted(model.model_fields, key=len, reverse=True):
                text = text.replace(field, option(field))
            raise InvalidRequest(text) from e
        field = str(err["loc"][0])
        raise InvalidRequest(f"{option(field)} {_problem(model, field, err)}") from e


def _limits(schema: dict[str, Any], field: str) -> dict[str, Any]:
    """The field's bounds as pydantic names them (``ge``, ``le``...), from its JSON schema
    (an optional field's are inside its ``anyOf``): both ends of a range, where the error
    carries only the one crossed."""
    keys = {"minimum": "ge", "maximum": "le", "exclusiveMinimum": "gt", "exclusiveMaximum": "lt"}
    prop = schema.get("properties", {}).get(field, {})
    found: dict[str, Any] = {}
    for part in [prop, *prop.get("anyOf", [])]:
        found |= {keys[k]: v for k, v in part.items() if k in keys}
    return found


def _problem(model: type[BaseModel], field: str, err: Any) -> str:
    """What is wrong with one value, in the help's terms: "must be 0-10, not 11"."""
    if err["type"] not in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        return f"{err['msg'][:1].lower()}{err['msg'][1:]}"
    limits = {**_limits(model.model_json_schema(), field), **err.get("ctx", {})}
    value = f"{err['input']:g}" if isinstance(err["input"], int | float) else err["input"]
    if "ge" in limits and "le" in limits:
        return f"must be {limits['ge']:g}-{limits['le']:g}, not {value}"
    words = {"gt": "more than", "ge": "at least", "lt": "less than", "le": "at most"}
    said = " and ".join(
        f"{words[k]} {limits[k]:g}" for k in ("gt", "ge", "lt", "le") if k in limits
    )
    return f"must be {said}, not {value}"


def _write(athlete: str, work: Callable[[Session, Athlete], _T]) -> _T:
    """One transaction on the named athlete, then evaluate what it requested."""
    from loadwatch.services.athletes import (
        athlete_named,
    )

    store = open_store(get_settings())
    try:
        with store.transaction() as s:
            a = athlete_named(s, athlete)
            out = work(s, a)
            aid = a.id
        evaluate_pending(store, aid)
        return out
    finally:
        store.close()


def _read(athlete: str, today: str | None, read: Callable[[Session, EvaluationInputs], _T]) -> _T:
    from loadwatch.services.athletes import (
        athlete_named,
    )
    from loadwatch.services.inputs import evaluation_inputs

    day = parse_day(today, "--today")
    store = open_store(get_settings())
    try:
        with store.sessions() as s:
            aid = athlete_named(s, athlete).id
        evaluate_pending(store, aid)
        with store.sessions() as s:
            return read(s, evaluation_inputs(s, aid, day))
    finally:
        store.close()


def _need(athlete: str | None) -> str:
    if not athlete:
        raise InvalidRequest("give --athlete NAME")
    return athlete


# --- symptoms ---------------------------------------------------------------------------------
@symptoms_app.callback()
def symptoms(
    ctx: typer.Context, athlete: OptAthlete = None, json: JsonOpt = False, today: TodayOpt = None
) -> None:
    """List an athlete's symptom entries, newest first, with the response each was classified
    as and the load tolerated / provoking so far."""
    if ctx.invoked_subcommand is not None:
        return
    from loadwatch.services.rehab import symptom_list

    with handle_errors():
        name = _need(athlete)
        out = _read(name, today, lambda s, inp: symptom_list(inp))
    if json:
        # The API's SymptomPage: the page envelope, then the tolerance it reads.
        doc = out.model_dump(mode="json")
        print_json({**page_json(doc["data"], athlete=name), "tolerance": doc["tolerance"]})
        return
    if not out.data:
        console.print(f"No symptom entries for {name}.")
        return
    table = output_table(f"Symptoms: {name}")
    for c in ("date", "where", "during", "after", "next morning", "response", "after run", "note"):
        table.add_column(c, overflow="fold", no_wrap=c == "date")
    style = {"settled": "green", "irritated": "yellow", "flare": "bold red"}
    for e in out.data:
        r = e.response
        table.add_row(
            e.date.isoformat(),
            e.location,
            *(str(v) if v is not None else "-" for v in (e.pain_during, e.pain_after)),
            str(e.pain_next_morning) if e.pain_next_morning is not None else "-",
            f"[{style[r.state]}]{r.state}[/] ({r.reason})" if r else "-",
            f"{r.run_date} {r.run}" if r and r.run else "-",
            e.note or "",
        )
    console.print(table)
    for t in out.tolerance:
        if not any((t.tolerated_run, t.tolerated_week, t.provoking_run, t.provoking_week)):
            continue  # nothing in this dimension yet
        u = t.unit
        console.print(
            f" {t.dimension}: tolerated {_amt(t.tolerated_run, u)} a run, "
            f"{_amt(t.tolerated_week, u)} in 7 days; provoking {_amt(t.provoking_run, u)} a run, "
            f"{_amt(t.provoking_week, u)} in 7 days",
            markup=False,
        )


def _amt(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    return f"{fixed(v, 0, grouped=True)} m" if unit == "m" else f"{fixed(v, 1, grouped=True)} km"


@symptoms_app.command("add")
def symptoms_add(
    athlete: AthleteOpt,
    day: Annotated[
        str,
        typer.Option(
            "--date", metavar="YYYY-MM-DD", help="The day (YYYY-MM-DD) of the run or rest."
        ),
    ],
    during: Annotated[
        int | None, typer.Option("--during", metavar="0-10", help="Pain during (0-10).")
    ] = None,
    after: Annotated[
        int | None, typer.Option("--after", metavar="0-10", help="Pain after (0-10).")
    ] = None,
    next_morning: Annotated[
        int | None,
        typer.Option("--next-morning", metavar="0-10", help="Pain the morning after (0-10)."),
    ] = None,
    location: Annotated[
        str | None,
        typer.Option("--location", metavar="WHERE", help="Where it hurts (default: unspecified)."),
    ] = None,
    aggravators: Annotated[
        list[str] | None,
        typer.Option(
            "--aggravator", metavar="WHAT", help="sitting, hills, speed, stairs... (repeatable)."
        ),
    ] = None,
    sitting: Annotated[
        float | None,
        typer.Option("--sitting-hours", metavar="HOURS", help="Hours spent sitting that day."),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", metavar="TEXT", help="A note.")] = None,
    json: JsonOpt = False,
) -> None:
    """Log (or complete) a day's symptoms: a second add on the same day keeps what it does
    not give, so the next morning's pain completes the evening's entry."""
    from loadwatch.schemas.rehab import SymptomIn
    from loadwatch.services.rehab import add_symptom, symptom_out

    with handle_errors():
        body = validated(
            SymptomIn,
            {
                "date": parse_day(day, "--date"),
                "pain_during": during,
                "pain_after": after,
                "pain_next_morning": next_morning,
                "location": location,
                "aggravators": aggravators,
                "sitting_hours": sitting,
                "note": note,
            },
            {
                "pain_during": "--during",
                "pain_after": "--after",
                "pain_next_morning": "--next-morning",
                "aggravators": "--aggravator",
            },
        )
        row = _write(athlete, lambda s, a: symptom_out(add_symptom(s, a, body), None))
        listed = _read(athlete, None, lambda s, inp: symptom_list_for(inp, row.date))
    if json:
        print_json(listed.model_dump(mode="json"))
        return
    r = listed.response
    pains = ", ".join(
        f"{w} {v}/10"
        for w, v in (
            ("during", listed.pain_during),
            ("after", listed.pain_after),
            ("next morning", listed.pain_next_morning),
        )
        if v is not None
    )
    console.print(
        f"{athlete}: {listed.date} {pains}" + (f" → {r.state} ({r.reason})" if r else ""),
        markup=False,
    )


def symptom_list_for(inp: EvaluationInputs, day: date) -> SymptomOut:
    from loadwatch.services.rehab import symptom_list

    return next(e for e in symptom_list(inp).data if e.date == day)


# --- plans --------------------------------------------------------------------------------------
@plan_app.callback()
def plan(
    ctx: typer.Context, athlete: OptAthlete = None, json: JsonOpt = False, today: TodayOpt = None
) -> None:
    """The caps in force today and why, what is left this week and in the next run, the
    latest response and the pain trend."""
    if ctx.invoked_subcommand is not None:
        return
    from loadwatch.services.status import athlete_status

    with handle_errors():
        name = _need(athlete)
        st = _read(name, today, lambda s, inp: athlete_status(s, inp.athlete.id, today=inp.today))
    if json:
        print_json(st.rehab.model_dump(mode="json") if st.rehab else None)
        return
    from loadwatch.status_lines import rehab_lines

    if st.rehab is None or st.rehab.plan is None:
        console.print(f"{name} has no plan.")
        if st.rehab is not None:
            print_block(rehab_lines(st.rehab))
        return
    print_block(rehab_lines(st.rehab, full=True))


@plan_app.command("start")
def plan_start(
    athlete: AthleteOpt,
    start: Annotated[
        str,
        typer.Option("--from", metavar="YYYY-MM-DD", help="First day of the plan (YYYY-MM-DD)."),
    ],
    weekly_km: Annotated[
        float, typer.Option("--weekly-km", metavar="KM", help="Distance cap per week.")
    ],
    longest_km: Annotated[
        float, typer.Option("--longest-run-km", metavar="KM", help="Longest run cap.")
    ],
    climb_m: Annotated[
        float | None,
        typer.Option(
            "--climb-m", metavar="M", help="Climbing cap per week in metres (0: avoid hills)."
        ),
    ] = None,
    fast_km: Annotated[
        float | None, typer.Option("--fast-km", metavar="KM", help="Fast km per week (0: none).")
    ] = None,
    pace: Annotated[
        str | None,
        typer.Option("--pace-floor", metavar="M:SS", help="Run this pace (M:SS /km) or slower."),
    ] = None,
    phase: Annotated[
        int, typer.Option("--phase", metavar="1|2|3", help="1 reduce, 2 rebuild, 3 prevent.")
    ] = 1,
    condition: Annotated[
        str | None,
        typer.Option(
            "--condition",
            metavar="TEXT",
            help="The condition (default: the pain where it was last logged, e.g. knee pain).",
        ),
    ] = None,
    progression: Annotated[
        float | None,
        typer.Option("--progression-pct", metavar="PCT", help="Weekly rise after a settled week."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Open a return-to-run plan (an open one ends the day before)."""
    from loadwatch.schemas.rehab import PlanIn
    from loadwatch.services.rehab import plan_out, start_plan

    with handle_errors():
        body = validated(
            PlanIn,
            {
                "start_date": parse_day(start, "--from"),
                "weekly_km": weekly_km,
                "longest_run_km": longest_km,
                "weekly_climb_m": climb_m,
                "weekly_fast_km": fast_km,
                "pace_floor": pace,
                "phase": phase,
                "condition": condition,
                "progression_pct": progression,
            },
            {
                "start_date": "--from",
                "weekly_climb_m": "--climb-m",
                "weekly_fast_km": "--fast-km",
                "longest_run_km": "--longest-run-km",
            },
        )
        out = _write(athlete, lambda s, a: plan_out(start_plan(s, a, body), body.start_date))
    if json:
        print_json(out.model_dump(mode="json"))
        return
    hills = (
        "no cap on climbing"
        if out.weekly_climb_m is None
        else NO_LOAD["hills"]
        if out.weekly_climb_m == 0
        else f"{fixed(out.weekly_climb_m, 0, grouped=True)} m climbing a week"
    )
    console.print(
        f"{athlete}: plan {out.id} from {out.start_date} ({out.condition}, phase {out.phase}): "
        f"{fixed(out.weekly_km)} km a week, longest run {fixed(out.longest_run_km)} km, {hills}",
        markup=False,
    )


@plan_app.command("end")
def plan_end(
    athlete: AthleteOpt,
    on: Annotated[
        str | None,
        typer.Option("--on", metavar="YYYY-MM-DD", help="Last day in force (default: today)."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """End the athlete's open plan."""
    from loadwatch.services.rehab import end_plan, plan_out

    with handle_errors():
        day = parse_day(on, "--on")
        out = _write(athlete, lambda s, a: plan_out(end_plan(s, a, on=day), day or a_today(a)))
    if json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"{athlete}: plan {out.id} ended on {out.end_date}", markup=False)


def a_today(athlete: Athlete) -> date:
    from loadwatch.clock import local_today

    return local_today(athlete.timezone)
