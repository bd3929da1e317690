"""Flags: one row per (athlete, rule, dimension, local day), kept by evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Date, Integer, Row, Select, String, bindparam, func, or_, select
from sqlalchemy.orm import Session

from loadwatch.store.models import Flag, User
from loadwatch.store.tables import flags as flag_table
from loadwatch.store.users import visible_ids_query
from loadwatch.vocabulary import OPEN, RESOLVED, FlagStatus


def get(session: Session, flag_id: int) -> Flag | None:
    return session.get(Flag, flag_id)


def in_range(
    session: Session,
    athlete_id: int,
    from_date: date | None,
    to_date: date,
    rules: Sequence[str] | None = None,
) -> list[Flag]:
    """The athlete's stored flags dated ``[from_date, to_date]`` (all before when None), of
    ``rules`` only when given."""
    q = _in_range(from_date is not None, tuple(rules) if rules is not None else None)
    params: dict[str, object] = {"aid": athlete_id, "to": to_date}
    if from_date is not None:
        params["from"] = from_date
    return list(session.scalars(q, params))


@cache
def _in_range(bounded: bool, rules: tuple[str, ...] | None) -> Select[Flag]:
    """Built once per shape (every evaluation runs one)."""
    where = [
        Flag.athlete_id == bindparam("aid", type_=Integer),
        Flag.date <= bindparam("to", type_=Date),
    ]
    if bounded:
        where.append(Flag.date >= bindparam("from", type_=Date))
    if rules is not None:
        where.append(Flag.rule.in_(rules))
    return select(Flag).where(*where)


# Built once: building these per call cost about as much as running them, and the nightly
# roll runs them for every athlete (docs/scale.md).
_RAISED_IN = select(
    flag_table.c.date,
    flag_table.c.rule,
    flag_table.c.dimension,
    flag_table.c.value,
    flag_table.c.baseline,
    flag_table.c.spike_value,
    flag_table.c.spike_baseline,
    # A step back cites the spiked run as its flag does ("(two recordings, 1 min apart)").
    flag_table.c.message,
).where(
    flag_table.c.athlete_id == bindparam("aid", type_=Integer),
    # A return's flag that carried the day's spike stands for it (revision 0018).
    (flag_table.c.rule == bindparam("rule", type_=String))
    | flag_table.c.spike_baseline.is_not(None),
    flag_table.c.date >= bindparam("lo", type_=Date),
    flag_table.c.date <= bindparam("hi", type_=Date),
    flag_table.c.status != RESOLVED,
)


def raised_in(
    session: Session, athlete_id: int, from_date: date, to_date: date, rule: str
) -> list[Row[Any]]:
    """The athlete's flags of ``rule`` dated ``[from_date, to_date]`` that the rules still
    raise (every status but resolved), and those that carried a spike (``spike_baseline``):
    their date, rule, dimension, value, baseline, carried spike and message (what
    ``rules.spike_limit.SpikeFlag`` reads), not the session's objects."""
    params = {"aid": athlete_id, "rule": rule, "lo": from_date, "hi": to_date}
    return list(session.execute(_RAISED_IN, params))


def of_athlete(
    session: Session, athlete_id: int, *, statuses: Sequence[FlagStatus] | None = (OPEN,)
) -> list[Flag]:
    """Newest day first; of these statuses (every status when None)."""
    q = select(Flag).where(Flag.athlete_id == athlete_id)
    if statuses is not None:
        q = q.where(Flag.status.in_(statuses))
    return list(session.scalars(q.order_by(Flag.date.desc(), Flag.dimension, Flag.rule)))


def firing(session: Session, athlete_id: int) -> list[Flag]:
    """Every flag of the athlete the rules still raise (all but ``resolved``), by date."""
    q = select(Flag).where(Flag.athlete_id == athlete_id, Flag.status != RESOLVED)
    return list(session.scalars(q.order_by(Flag.date, Flag.id)))


def firing_or_open(session: Session, athlete_id: int, since: date) -> list[Flag]:
    """The athlete's flags not ``resolved`` dated ``since`` or later, and their open flags of
    any date, by date (one query: what regrouping from ``since`` and the triage row read)."""
    return list(session.scalars(_FIRING_OR_OPEN, {"aid": athlete_id, "since": since}))


# Built once (every change from a day runs it).
_FIRING_OR_OPEN = (
    select(Flag)
    .where(
        Flag.athlete_id == bindparam("aid", type_=Integer),
        Flag.status != RESOLVED,
        or_(Flag.date >= bindparam("since", type_=Date), Flag.status == OPEN),
    )
    .order_by(Flag.date, Flag.id)
)


def open_counts(session: Session, user: User) -> list[tuple[int, str, str, int]]:
    """(athlete id, dimension, severity, count) of open flags over the athletes ``user`` sees."""
    rows = session.execute(
        select(Flag.athlete_id, Flag.dimension, Flag.severity, func.count(Flag.id))
        .where(Flag.status == OPEN, Flag.athlete_id.in_(visible_ids_query(user)))
        .group_by(Flag.athlete_id, Flag.dimension, Flag.severity)
    ).all()
    return [(a, d, s, n) for a, d, s, n in rows]


def open_of(session: Session, athlete_ids: Sequence[int]) -> list[Flag]:
    """The open flags of these athletes."""
    if len(athlete_ids) == 1:  # an evaluation's triage row: the statement built once
        return list(session.scalars(_open_of_one(), {"aid": athlete_ids[0]}))
    return list(
        session.scalars(select(Flag).where(Flag.status == OPEN, Flag.athlete_id.in_(athlete_ids)))
    )


@cache
def _open_of_one() -> Select[Flag]:
    return select(Flag).where(Flag.status == OPEN, Flag.athlete_id == bindparam("aid", Integer))


def by_ids(session: Session, ids: Sequence[int]) -> dict[int, Flag]:
    return {f.id: f for f in session.scalars(select(Flag).where(Flag.id.in_(ids)))}


def open_before(session: Session, athlete_id: int, before: date | None) -> list[Flag]:
    """The athlete's open flags dated before ``before`` (all when None), oldest first."""
    q = select(Flag).where(Flag.athlete_id == athlete_id, Flag.status == OPEN)
    if before is not None:
        q = q.where(Flag.date < before)
    return list(session.scalars(q.order_by(Flag.date, Flag.id)))


def add(session: Session, flag: Flag) -> Flag:
    session.add(flag)
    return flag


def remove(session: Session, flag: Flag) -> None:
    session.delete(flag)


def flush(session: Session) -> None:
    session.flush()
