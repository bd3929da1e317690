"""The nightly roll's forecasts (revision 0016, ``services/forecast.py``): per athlete and
day, what the roll of an unchanged athlete stores that day, ready-serialised.  Read with the
roll's state (``store/roll_state.py``: one row, joined on the view's ``forecast``), written in
one batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    Column,
    Delete,
    Insert,
    Integer,
    Table,
    Update,
    bindparam,
    delete,
    insert,
    update,
)
from sqlalchemy.orm import Session

from loadwatch.clock import utcnow
from loadwatch.store.models import AthleteTriage
from loadwatch.store.tables import athlete_forecasts


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


@cache
def _put_triage() -> Update:
    """Built once (a statement built per call costs more than it runs)."""
    # The Core table: an ORM-enabled UPDATE goes through the ORM's bulk path.
    t = cast(Table, AthleteTriage.__table__)
    return (
        update(t)
        .where(t.c.athlete_id == bindparam("aid", type_=Integer))
        .values(
            as_of=bindparam("as_of"),
            concern=bindparam("concern"),
            sort_key=bindparam("sort_key"),
            body=bindparam("body"),
            computed_at=bindparam("at"),
        )
        .execution_options(synchronize_session=False)
    )


def put_triage(session: Session, athlete_id: int, fc: Forecast) -> bool:
    """The athlete's triage row is the forecast's (one UPDATE, not the session's unit of work:
    a served night writes nothing else through it); False: no row to update."""
    params = {
        "aid": athlete_id,
        "as_of": fc.day,
        "concern": fc.concern,
        "sort_key": fc.sort_key,
        "body": fc.body,
        "at": utcnow(),
    }
    count: int = session.execute(_put_triage(), params).rowcount  # type: ignore[attr-defined]
    return count > 0
