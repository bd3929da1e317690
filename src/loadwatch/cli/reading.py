"""What the commands that read an athlete share: the athlete and day options, and the read
itself, which evaluates the athlete's pending imports first so that in the embedded setup (no
scheduler running) what a command shows always includes the last import."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from loadwatch.cli.context import get_settings, open_store
from loadwatch.errors import InvalidRequest

if TYPE_CHECKING:  # imported by the commands that use them (cli/context.py says why)
    from loadwatch.store.db import Reads, Session, Store

_T = TypeVar("_T")
_S = TypeVar("_S")

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


def parse_day_range(first: str | None, last: str | None) -> tuple[date | None, date | None]:
    """``--from`` and ``--to`` as days; a range that ends before it starts is refused naming
    the options (the API's door names its query fields the same way, ``api/query.py``)."""
    start, end = parse_day(first, "--from"), parse_day(last, "--to")
    if start is not None and end is not None and start > end:
        raise InvalidRequest(f"--from {start} is after --to {end}")
    return start, end


def athlete_id_of(store: Store, name: str) -> int:
    from loadwatch.services.roster import athlete_id_named

    with store.reading() as s:
        return athlete_id_named(s, name)


def evaluate_pending(store: Store, athlete_id: int) -> None:
    """Evaluate the athlete's pending imports.  Always as of the real local date, whatever
    ``--today`` a command shows: a request drained only up to an earlier day would leave the
    days after it unevaluated."""
    from loadwatch.services.pending import is_evaluating

    with store.reading() as s:
        if not is_evaluating(s, athlete_id):
            return
    # Only now the evaluation (the rules, polars, numpy): a command reading an athlete with
    # nothing pending, the common case, never loads it.
    from loadwatch.services.evaluation import drain_pending

    drain_pending(store, athlete_id=athlete_id, historic_days=get_settings().historic_days)


def read_athlete(name: str, read: Callable[[Session, int], _T]) -> _T:
    """Open the store, find the athlete, evaluate what is pending for them, then ``read`` in
    one session."""
    return _read(name, lambda store: store.sessions(), read)


def read_athlete_rows(name: str, read: Callable[[Reads, int], _T]) -> _T:
    """``read_athlete`` for a read of Core tables (``status``, ``flags``, ``report``): on a
    plain connection, so the command never loads the ORM (~35 ms, issue #19); a read that
    turns out to need mapped objects makes its session with ``store.db.orm_session``."""
    return _read(name, lambda store: store.reading(), read)


def read_athlete_rows_kept(name: str, read: Callable[[Reads, int, Store], _T]) -> _T:
    """``read_athlete_rows`` with the store itself for its kept files: ``status`` tells the
    older activities ``reprocess`` can re-derive from those whose file must be imported
    again."""
    kept: list[Store] = []

    def opening(store: Store) -> AbstractContextManager[Reads]:
        kept.append(store)
        return store.reading()

    return _read(name, opening, lambda conn, aid: read(conn, aid, kept[0]))


def _read(
    name: str,
    opening: Callable[[Store], AbstractContextManager[_S]],
    read: Callable[[_S, int], _T],
) -> _T:
    store = open_store(get_settings())
    try:
        athlete_id = athlete_id_of(store, name)
        evaluate_pending(store, athlete_id)
        with opening(store) as conn:
            return read(conn, athlete_id)
    finally:
        store.close()
