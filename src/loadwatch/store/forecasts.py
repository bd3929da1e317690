"""The nightly roll's forecasts (revision 0016, ``services/forecast.py``): per athlete and
day, what the roll of an unchanged athlete stores that day, ready-serialised.  Its day, batch
and key are read with the roll's state (``store/roll_state.py``: one row, joined on the view's
``forecast``); serving it copies the rest into the view and the triage row in the database
(``put_view``, ``put_triage``).  Written in one batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    Column,
    Date,
    Delete,
    Insert,
    Integer,
    Table,
    Update,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from loadwatch.clock import utcnow
from loadwatch.store.models import AthleteTriage
from loadwatch.store.tables import athlete_forecasts, athlete_views


@dataclass(frozen=True, slots=True)
class Forecast:
    day: date
    basis: int
    key: str  # what the batch read of the athlete (``services.forecast.key``)
    summary: dict[str, Any]  # the view's summary as JSON
    days_tail: bytes  # the view's day rows after ``days``
    weeks: bytes
    fast_window: bytes | None  # None: the roll writes none (the stored one stands)
    concern: str  # the triage row's
    sort_key: bytes
    body: bytes


_FIELDS = tuple(Forecast.__slots__)
# The row's columns in ``Forecast``'s order, for a query that selects them beside others.
FORECAST_COLUMNS: tuple[Column[Any], ...] = tuple(athlete_forecasts.c[f] for f in _FIELDS)


def forecast_of(row: Sequence[Any]) -> Forecast | None:
    """The forecast of ``FORECAST_COLUMNS``' values (None: an outer join found none)."""
    if row[0] is None:
        return None
    return Forecast(*row)


@cache
def _delete() -> Delete:
    return delete(athlete_forecasts).where(
        athlete_forecasts.c.athlete_id == bindparam("aid", type_=Integer)
    )


@cache
def _insert() -> Insert:
    return insert(athlete_forecasts)


def replace(session: Session, athlete_id: int, forecasts: Sequence[Forecast]) -> None:
    """The athlete's forecasts are these (the batch before them deleted): two statements."""
    session.execute(_delete(), {"aid": athlete_id})
    if forecasts:
        rows = [
            {"athlete_id": athlete_id, **{f: getattr(fc, f) for f in _FIELDS}} for fc in forecasts
        ]
        session.execute(_insert(), rows)


@dataclass(frozen=True, slots=True)
class Stands:
    """What the roll's state reads of the forecast for its day (``store/roll_state.py``):
    enough to judge whether it stands; serving it copies the rest in the database."""

    day: date
    basis: int
    key: str


# ``Stands``' columns, for a query that selects them beside others.
STANDS_COLUMNS: tuple[Column[Any], ...] = tuple(athlete_forecasts.c[f] for f in Stands.__slots__)


def stands_of(row: Sequence[Any]) -> Stands | None:
    """The ``Stands`` of ``STANDS_COLUMNS``' values (None: an outer join found none)."""
    return None if row[0] is None else Stands(*row)


def _this(f: Table, athlete_id: Any = None) -> Any:
    """The forecast of the athlete's ``day`` and ``basis`` (joined to ``athlete_id``: the
    updated row's column, else the bound one)."""
    aid = bindparam("aid", type_=Integer)
    return (
        (f.c.athlete_id == (athlete_id if athlete_id is not None else aid))
        & (f.c.day == bindparam("day", type_=Date))
        & (f.c.basis == bindparam("basis", type_=Integer))
    )


@cache
def _put_view() -> Update:
    """Built once.  An UPDATE ... FROM (PostgreSQL, SQLite >= 3.33): the forecast's summary
    and blobs (about 50 kB) go from row to row in the database, never through the client,
    which on PostgreSQL decoded them (hex, JSON) and encoded them back."""
    v, f = athlete_views, athlete_forecasts
    return (
        update(v)
        .where(v.c.athlete_id == bindparam("aid", type_=Integer), _this(f, v.c.athlete_id))
        .values(
            as_of=f.c.day,
            summary=f.c.summary,
            days_tail=f.c.days_tail,
            weeks=f.c.weeks,
            # A roll that carries no window found none stored: the stored one stands.
            fast_window=func.coalesce(f.c.fast_window, v.c.fast_window),
            forecast=f.c.basis,
        )
        .execution_options(synchronize_session=False)
    )


def put_view(session: Session, athlete_id: int, stands: Stands) -> bool:
    """The athlete's view is the forecast's (``views.put_tail`` of it); False: none."""
    params = {"aid": athlete_id, "day": stands.day, "basis": stands.basis}
    count: int = session.execute(_put_view(), params).rowcount  # type: ignore[attr-defined]
    return count > 0


@cache
def _put_triage() -> Update:
    """Built once, an UPDATE ... FROM as ``_put_view``'s."""
    # The Core table: an ORM-enabled UPDATE goes through the ORM's bulk path.
    t, f = cast(Table, AthleteTriage.__table__), athlete_forecasts
    return (
        update(t)
        .where(t.c.athlete_id == bindparam("aid", type_=Integer), _this(f, t.c.athlete_id))
        .values(
            as_of=f.c.day,
            concern=f.c.concern,
            sort_key=f.c.sort_key,
            body=f.c.body,
            computed_at=bindparam("at"),
        )
        .execution_options(synchronize_session=False)
    )


def put_triage(session: Session, athlete_id: int, stands: Stands) -> bool:
    """The athlete's triage row is the forecast's (one UPDATE, not the session's unit of work:
    a served night writes nothing else through it); False: no row to update."""
    params = {"aid": athlete_id, "day": stands.day, "basis": stands.basis, "at": utcnow()}
    count: int = session.execute(_put_triage(), params).rowcount  # type: ignore[attr-defined]
    return count > 0


def get(session: Session, athlete_id: int, stands: Stands) -> Forecast | None:
    """The whole forecast (a served night with no triage row to update: never, a roll always
    left one)."""
    q = select(*FORECAST_COLUMNS).where(_this(athlete_forecasts))
    row = session.execute(q, {"aid": athlete_id, "day": stands.day, "basis": stands.basis})
    return forecast_of(row.one())
