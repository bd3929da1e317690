"""Commands on flags: ``flags`` (list), ``ack`` (acknowledge), ``evaluate`` (pending imports,
or one athlete's whole history again)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from loadwatch.cli.app import app
from loadwatch.cli.context import get_settings, no_model_plugins, open_store
from loadwatch.cli.output import JsonOpt, console, handle_errors, page_json, print_json
from loadwatch.cli.reading import (
    AthleteOpt,
    TodayOpt,
    athlete_id_of,
    evaluate_pending,
    parse_day,
    read_athlete_rows,
)
from loadwatch.errors import InvalidRequest
from loadwatch.vocabulary import dimension_label, rule_label, shown_ratio

if TYPE_CHECKING:  # imported by the commands that use them (cli/context.py says why)
    pass

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
    with no_model_plugins(), handle_errors():
        from loadwatch.services.flag_list import list_flags
        from loadwatch.vocabulary import OPEN

        shown = None if all_ else (OPEN,)
        rows = read_athlete_rows(athlete, lambda s, aid: list_flags(s, aid, statuses=shown))
        if json:
            flags_out = [r.model_dump(mode="json", exclude=_FLAG_JSON_EXCLUDE) for r in rows]
            print_json(page_json(flags_out, athlete=athlete))
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
        ratio = shown_ratio(r.rule, r.ratio)
        evidence = f"{r.evidence.grade}: {r.evidence.risk}"
        if wide:
            # A person's words (trial 10 F5); --json keeps the machine keys.
            cells = [
                dimension_label(r.dimension), rule_label(r.rule), severity, ratio or "-",
                r.status, r.message, evidence,
            ]  # fmt: skip
        else:
            facts_cell = Text("\n").join(
                [
                    severity + (f" ×{ratio}" if ratio else ""),
                    Text(dimension_label(r.dimension)),
                    Text(rule_label(r.rule)),
                    Text(r.status),
                ]
            )
            cells = [facts_cell, f"{r.message}\nevidence {evidence}"]
        table.add_row(str(r.id), r.date.isoformat(), *cells)
    return table


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
                aid = athlete_id_of(store, athlete)
                evaluate_pending(store, aid)
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
            aid = athlete_id_of(store, athlete)
            evaluate_pending(store, aid)
            with store.transaction() as s:
                user_id = auth.get_user_by_name(s, by).id if by else None
                chosen = flags_to_ack(s, aid, flag_id=flag, before=day, all_open=all_)
                was = [(f.id, f.status, f.acked_at) for f in chosen]
                changed = acknowledge(s, chosen, by=user_id)
                ids = [f.id for f in chosen if f.status == ACKNOWLEDGED]
        finally:
            store.close()
        if json:
            print_json({"athlete": athlete, "acknowledged": changed, "flag_ids": ids})
        elif changed == 0 and flag is not None:
            # "acknowledged 0 flag(s)" for the one flag asked about read as a failure.
            (fid, status, at) = was[0]
            when = f" on {at:%Y-%m-%d}" if status == ACKNOWLEDGED and at else ""
            console.print(f"{athlete}: flag {fid} was already {status}{when}: nothing to do")
        elif changed == 0:
            console.print(f"{athlete}: no open flag to acknowledge")
        else:
            console.print(f"{athlete}: acknowledged {changed} flag(s)")
