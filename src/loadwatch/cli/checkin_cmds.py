"""Commands: ``checkin-link create | list | revoke`` (personal check-in links) and
``activity rpe`` (an activity's session RPE).  See docs/checkin.md."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from loadwatch.cli.activity_cmds import activity_app
from loadwatch.cli.app import app
from loadwatch.cli.context import get_settings, open_store
from loadwatch.cli.output import (
    Col,
    JsonOpt,
    console,
    fitted_table,
    handle_errors,
    page_json,
    print_block,
    print_json,
)
from loadwatch.cli.reading import AthleteOpt
from loadwatch.errors import InvalidRequest, NotFound

link_app = typer.Typer(
    help="Personal check-in links: create one for an athlete's phone, list, revoke.",
    no_args_is_help=True,
)
app.add_typer(link_app, name="checkin-link")


@link_app.command("create")
def link_create(
    athlete: AthleteOpt,
    label: Annotated[
        str | None, typer.Option("--label", metavar="TEXT", help='e.g. "Anna\'s phone".')
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", metavar="URL", help="The server's address, to print the whole link."
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Create a personal check-in link: it can check in and read only this athlete, until
    revoked.  Its token is printed once and stored hashed."""
    from loadwatch.schemas.checkin import CheckinLinkIn
    from loadwatch.services.athletes import athlete_named
    from loadwatch.services.checkin_links import create_link

    with handle_errors():
        body = CheckinLinkIn(label=label)
        store = open_store(get_settings())
        try:
            with store.transaction() as s:
                out = create_link(s, athlete_named(s, athlete), label=body.label)
        finally:
            store.close()
    link = (base_url or "").rstrip("/") + out.path
    if json:
        print_json({**out.model_dump(mode="json"), "link": link})
        return
    console.print(f"check-in link {out.id} for {athlete} (shown once):", markup=False)
    console.print(link, markup=False, soft_wrap=True)


@link_app.command("list")
def link_list(athlete: AthleteOpt, json: JsonOpt = False) -> None:
    """The athlete's check-in links, newest first, revoked ones too (never their tokens)."""
    from loadwatch.services.athletes import athlete_named
    from loadwatch.services.checkin_links import links_of

    with handle_errors():
        store = open_store(get_settings())
        try:
            with store.sessions() as s:
                links = links_of(s, athlete_named(s, athlete))
        finally:
            store.close()
    if json:
        print_json(page_json([x.model_dump(mode="json") for x in links], athlete=athlete))
        return
    if not links:
        console.print(f"No check-in links for {athlete}.", markup=False)
        return
    # Times never wrap (F9): the label narrows first.
    cols = [
        Col("id", "right"),
        Col("label", text=True),
        Col("created", drop=2),
        Col("last used", drop=1),
        Col("state", text=True),
    ]
    cells = [
        [
            str(x.id),
            Text(x.label or ""),
            x.created_at.strftime("%Y-%m-%d %H:%M"),
            x.last_used_at.strftime("%Y-%m-%d %H:%M") if x.last_used_at else "-",
            Text("active" if x.active else f"revoked {x.revoked_at:%Y-%m-%d}"),
        ]
        for x in links
    ]
    print_block(fitted_table(f"Check-in links: {athlete}", cols, cells))


@link_app.command("revoke")
def link_revoke(
    athlete: AthleteOpt,
    link_id: Annotated[int, typer.Argument(help="The link's id (see checkin-link list).")],
    json: JsonOpt = False,
) -> None:
    """Revoke a check-in link: it stops working at once."""
    from loadwatch.services.athletes import athlete_named
    from loadwatch.services.checkin_links import revoke_link

    with handle_errors():
        store = open_store(get_settings())
        try:
            with store.transaction() as s:
                out = revoke_link(s, athlete_named(s, athlete), link_id)
        finally:
            store.close()
    if json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"check-in link {out.id} of {athlete} revoked", markup=False)


@activity_app.command("rpe")
def activity_rpe(
    activity_id: Annotated[int, typer.Argument(help="Activity id (see loadwatch activities).")],
    rpe: Annotated[
        float | None,
        typer.Argument(metavar="RPE", help="Session RPE, CR-10 (0-10, halves allowed)."),
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the activity's RPE.")] = False,
    json: JsonOpt = False,
) -> None:
    """Set an activity's session RPE (CR-10): its sRPE is RPE x moving minutes."""
    from pydantic import ValidationError

    from loadwatch.schemas.checkin import ActivityRpeIn
    from loadwatch.services.activities import find_activity
    from loadwatch.services.athletes import get_athlete
    from loadwatch.services.effort import set_activity_rpe
    from loadwatch.services.evaluation import drain_pending

    with handle_errors():
        if (rpe is None) == (not clear):
            raise InvalidRequest("give an RPE (0-10) or --clear")
        try:
            body = ActivityRpeIn(rpe=None if clear else rpe)
        except ValidationError as e:
            raise InvalidRequest(f"RPE: {e.errors()[0]['msg']}") from e
        settings = get_settings()
        store = open_store(settings)
        try:
            with store.transaction() as s:
                row = find_activity(s, activity_id)
                if row is None:
                    raise NotFound(f"no activity with id {activity_id}")
                athlete = get_athlete(s, row.athlete_id)
                out = set_activity_rpe(s, athlete, row, body.rpe)
                name, aid = athlete.name, athlete.id
            drain_pending(store, athlete_id=aid, historic_days=settings.historic_days)
        finally:
            store.close()
    if json:
        print_json({"athlete": name, **out.model_dump(mode="json")})
        return
    what = "cleared" if out.rpe is None else f"RPE {out.rpe:g} x {out.minutes:.0f} min = "
    console.print(
        f"activity {activity_id} ({name}, {out.date}): "
        + (what if out.rpe is None else f"{what}{out.srpe:.0f} AU"),
        markup=False,
    )
