"""Athlete views: what evaluation computed for the views to read (services/views.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Integer, Result, Select, Update, bindparam, insert, select, update

# Core tables (tables.py): a status read from its stored view reads ``summaries``.
from loadwatch.store.tables import athlete_view_days, athlete_views, athletes

if TYPE_CHECKING:
    from loadwatch.store.db import Reads, Session


def put(
    session: Session,
    athlete_id: int,
    *,
    as_of: date,
    summary: dict[str, Any],
    days: bytes,
    weeks: bytes,
    days_tail: bytes | None = None,
    fast_window: bytes | None = None,
) -> None:
    """Insert or replace the athlete's view (its day rows in ``days`` then ``days_tail``; the
    fast threshold's window the roll carries, None: none).  The stored rows are not read: an
    UPDATE, then an INSERT when there was none.  Two first evaluations racing to insert it
    end in the store's ``Conflict`` for one of them, which evaluation retries."""
    values = {
        "as_of": as_of,
        "summary": summary,
        "days_tail": days_tail,
        "weeks": weeks,
        "fast_window": fast_window,
        # A view computed anew is the chain of no forecast (services/forecast.py).
        "forecast": None,
    }
    if not _update(session, athlete_id, values):
        session.execute(insert(athlete_views).values(athlete_id=athlete_id, **values))
    q = (
        update(athlete_view_days)
        .where(athlete_view_days.c.athlete_id == athlete_id)
        .values(days=days)
    )
    if not _done(session.execute(q.execution_options(synchronize_session=False))):
        session.execute(insert(athlete_view_days).values(athlete_id=athlete_id, days=days))


def put_tail(
    session: Session,
    athlete_id: int,
    *,
    as_of: date,
    summary: dict[str, Any],
    days_tail: bytes,
    weeks: bytes,
    fast_window: bytes | None = None,
    forecast: int | None = None,
) -> bool:
    """Replace the view's summary, week rows and day-row tail, leaving the day rows before
    the tail as stored, and the fast threshold's window the roll carries when given (a roll
    that carries none found none stored); ``forecast``: the batch of forecasts the view is the
    chain of (None: none, the stored one is invalid from now on); False: no view to update."""
    values = {
        "as_of": as_of,
        "summary": summary,
        "days_tail": days_tail,
        "weeks": weeks,
        "forecast": forecast,
    }
    if fast_window is not None:
        values["fast_window"] = fast_window
    return _update(session, athlete_id, values)


def drop_forecasts(session: Session, athlete_ids: Sequence[int]) -> None:
    """These athletes' views are the chain of no forecast from now on (something the
    forecasts read changed without an evaluation: services/forecast.py)."""
    if athlete_ids:
        q = (
            update(athlete_views)
            .where(athlete_views.c.athlete_id.in_(athlete_ids))
            .values(forecast=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(q)


@cache
def _update_of(names: tuple[str, ...]) -> Update:
    """The UPDATE of these columns of a view, built once per set of columns with bound
    parameters (``v_`` + the column): building it per call, and SQLAlchemy's cache key of a
    statement carrying the values, cost ~0.17 ms of every evaluation's write."""
    return (
        update(athlete_views)
        .where(athlete_views.c.athlete_id == bindparam("aid", type_=Integer))
        .values({n: bindparam(f"v_{n}", type_=athlete_views.c[n].type) for n in names})
        .execution_options(synchronize_session=False)
    )


def _update(session: Session, athlete_id: int, values: dict[str, Any]) -> bool:
    params = {"aid": athlete_id, **{f"v_{k}": v for k, v in values.items()}}
    return _done(session.execute(_update_of(tuple(values)), params))


def _done(result: Result[Any]) -> bool:
    """Whether an UPDATE found its row."""
    count: int = result.rowcount  # type: ignore[attr-defined]
    return count > 0


def summaries(session: Reads, athlete_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The stored summaries of these athletes (not their rows), in one query."""
    if not athlete_ids:
        return {}
    q = select(athlete_views.c.athlete_id, athlete_views.c.summary).where(
        athlete_views.c.athlete_id.in_(athlete_ids)
    )
    return {aid: summary for aid, summary in session.execute(q).all()}


def as_of(session: Session) -> dict[int, date]:
    """Every stored view's day, by athlete (to find the views a new day made stale)."""
    return {
        aid: d
        for aid, d in session.execute(select(athlete_views.c.athlete_id, athlete_views.c.as_of))
    }


def day_of(session: Session, athlete_id: int) -> date | None:
    """The day the athlete's stored view is for (None: no view), without reading its rows."""
    day: date | None = session.scalar(
        select(athlete_views.c.as_of).where(athlete_views.c.athlete_id == athlete_id)
    )
    return day


def zone_and_day(session: Session, athlete_id: int) -> tuple[str, date | None] | None:
    """The athlete's time zone and their stored view's day (None: no view), in one query;
    None when there is no such athlete."""
    q = (
        select(athletes.c.timezone, athlete_views.c.as_of)
        .outerjoin(athlete_views, athlete_views.c.athlete_id == athletes.c.id)
        .where(athletes.c.id == athlete_id)
    )
    row = session.execute(q).first()
    return None if row is None else (row[0], row[1])


def blob_column(name: str) -> Column[Any]:
    """A view's blob by name: "days" (in ``athlete_view_days``, joined by ``with_days``),
    "days_tail" or "weeks"."""
    return _BLOBS[name]


_BLOBS: dict[str, Column[Any]] = {
    "days": athlete_view_days.c.days,
    "days_tail": athlete_views.c.days_tail,
    "weeks": athlete_views.c.weeks,
}


def with_days(q: Select[Any], names: Sequence[str]) -> Select[Any]:
    """``q`` over the views, joined to their day rows when ``names`` reads them."""
    if "days" not in names:
        return q
    return q.outerjoin(
        athlete_view_days, athlete_view_days.c.athlete_id == athlete_views.c.athlete_id
    )


def frames(
    session: Session, athlete_id: int, names: Sequence[str]
) -> tuple[date, dict[str, Any], dict[str, bytes]] | None:
    """The view's day, summary and only the blobs ``names`` ("days", "days_tail", "weeks")
    asks for: a weekly series does not read the day rows (None: no view)."""
    cols = [blob_column(n) for n in names]
    q = select(athlete_views.c.as_of, athlete_views.c.summary, *cols).where(
        athlete_views.c.athlete_id == athlete_id
    )
    row = session.execute(with_days(q, names)).first()
    if row is None:
        return None
    # A view without a tail reads as an empty one.
    blobs = {n: b if b is not None else b"" for n, b in zip(names, row[2:], strict=True)}
    return row[0], row[1], blobs
