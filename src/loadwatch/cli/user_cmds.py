"""``loadwatch user add | link | list | token | remove``: accounts for the HTTP API.

There is no default account and no open admin token: the first admin is created here, by
someone with access to the database, and their token is printed once and stored hashed.
"""

from __future__ import annotations

from typing import Annotated

import typer

from loadwatch.cli.app import app
from loadwatch.cli.context import get_settings, open_store
from loadwatch.cli.output import console, handle_errors, print_json
from loadwatch.errors import InvalidRequest

user_app = typer.Typer(
    help="API accounts: add users, link coaches to athletes, list, rotate tokens, remove."
)
app.add_typer(user_app, name="user")


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Unique user name.")],
    role: Annotated[str, typer.Option("--role", help="admin | coach | athlete")],
    athlete: Annotated[
        str | None,
        typer.Option("--athlete", help="For --role athlete: the athlete's name (must exist)."),
    ] = None,
    create: Annotated[
        bool, typer.Option("--create", help="Create the athlete named by --athlete if new.")
    ] = False,
) -> None:
    """Create a user; prints their bearer token (the last word of the last line), only once."""
    from loadwatch import auth
    from loadwatch.services.athletes import (
        athlete_named,
        athlete_named_or_new,
    )

    with handle_errors():
        if role not in auth.ROLES:
            raise InvalidRequest(f"unknown role {role!r} (one of {', '.join(auth.ROLES)})")
        if (role == "athlete") != (athlete is not None):
            raise InvalidRequest("--athlete NAME is required with --role athlete, and only then")
        if create and athlete is None:
            raise InvalidRequest("--create goes with --athlete NAME")
        store = open_store(get_settings())
        try:
            with store.transaction() as session:
                athlete_id = None
                if athlete is not None:
                    # A typo must not silently create a second athlete: only with --create.
                    found = (
                        athlete_named_or_new(session, athlete)
                        if create
                        else athlete_named(session, athlete)
                    )
                    athlete_id, athlete = found.id, found.name
                user, token = auth.create_user(session, name, role, athlete_id=athlete_id)
                user_id = user.id
        finally:
            store.close()
    suffix = f" for athlete {athlete!r} (id {athlete_id})" if athlete is not None else ""
    console.print(f"created {role} {name!r} (user id {user_id}){suffix}", markup=False)
    console.print("store this token now, it is shown only once:", markup=False)
    console.print(f"token: {token}", markup=False, soft_wrap=True)


@user_app.command("link")
def link(
    coach: Annotated[str, typer.Argument(help="The coach's user name.")],
    athlete: Annotated[str, typer.Argument(help="The athlete's name.")],
) -> None:
    """Let a coach see an athlete (idempotent)."""
    from loadwatch import auth
    from loadwatch.services.athletes import (
        athlete_named,
    )

    with handle_errors():
        store = open_store(get_settings())
        try:
            with store.transaction() as session:
                coach_user = auth.get_user_by_name(session, coach)
                target = athlete_named(session, athlete)
                auth.link_coach(session, coach_user, target)
        finally:
            store.close()
    console.print(f"linked coach {coach!r} to athlete {athlete!r}", markup=False)


@user_app.command("list")
def list_(
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of lines.")] = False,
) -> None:
    """Every user with their role and the athletes they see (never their tokens)."""
    from loadwatch import auth

    with handle_errors():
        store = open_store(get_settings())
        try:
            with store.sessions() as session:
                rows: list[dict[str, object]] = []
                lines: list[str] = []
                for u in auth.list_users(session):
                    names = [a.name for a in auth.visible_athletes(session, u)]
                    seen: str | list[str] = "all" if u.role == "admin" else names
                    rows.append(
                        {
                            "id": u.id,
                            "name": u.name,
                            "role": u.role,
                            "athlete_id": u.athlete_id,
                            "athletes": seen,
                        }
                    )
                    shown = seen if isinstance(seen, str) else ", ".join(seen) or "-"
                    lines.append(f"{u.id}\t{u.name}\t{u.role}\t{shown}")
        finally:
            store.close()
    if json:
        print_json(rows)
        return
    if not rows:
        console.print("no users yet: loadwatch user add NAME --role admin", markup=False)
    for line in lines:
        console.print(line, markup=False)


@user_app.command("token")
def token(name: Annotated[str, typer.Argument(help="The user whose token to replace.")]) -> None:
    """Replace a user's token (lost or leaked); prints the new one, the old stops working."""
    from loadwatch import auth

    with handle_errors():
        store = open_store(get_settings())
        try:
            with store.transaction() as session:
                new = auth.rotate_token(session, auth.get_user_by_name(session, name))
        finally:
            store.close()
    console.print(f"new token for {name!r}; the old one no longer works:", markup=False)
    console.print(f"token: {new}", markup=False, soft_wrap=True)


@user_app.command("remove")
def remove(name: Annotated[str, typer.Argument(help="The user to delete.")]) -> None:
    """Delete a user: their token stops working and their webhooks are removed."""
    from loadwatch import auth

    with handle_errors():
        store = open_store(get_settings())
        try:
            with store.transaction() as session:
                auth.remove_user(session, auth.get_user_by_name(session, name))
        finally:
            store.close()
    console.print(f"removed user {name!r}", markup=False)
