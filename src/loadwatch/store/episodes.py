"""Episodes and their events: kept by evaluation, announced by the webhook outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache

from sqlalchemy import Date, Integer, Select, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from loadwatch.store.models import Delivery, Episode, EpisodeEvent, Flag
from loadwatch.vocabulary import ACKNOWLEDGED, WITHDRAWN, EpisodeStatus


def of_athlete(
    session: Session, athlete_id: int, statuses: Sequence[EpisodeStatus] | None = None
) -> list[Episode]:
    """Newest first; every status unless ``statuses``."""
    q = select(Episode).where(Episode.athlete_id == athlete_id)
    if statuses is not None:
        q = q.where(Episode.status.in_(statuses))
    return list(session.scalars(q.order_by(Episode.last.desc(), Episode.id.desc())))


def of_athletes(
    session: Session, athlete_ids: Sequence[int], statuses: Sequence[EpisodeStatus]
) -> list[Episode]:
    q = select(Episode).where(Episode.athlete_id.in_(athlete_ids), Episode.status.in_(statuses))
    return list(session.scalars(q.order_by(Episode.last.desc(), Episode.id.desc())))


def live_or_after(
    session: Session, athlete_id: int, statuses: Sequence[EpisodeStatus], day: date
) -> list[Episode]:
    """The athlete's episodes of ``statuses`` and any of any status whose last flag is dated
    after ``day``, newest first (``of_athletes``' order), in one query."""
    q = _live_or_after(tuple(statuses))
    return list(session.scalars(q, {"aid": athlete_id, "day": day}))


@cache
def _live_or_after(statuses: tuple[EpisodeStatus, ...]) -> Select[Episode]:
    """Built once per set of statuses (the nightly roll runs it for every athlete with an
    episode: building it per call cost about as much as running it)."""
    q = select(Episode).where(
        Episode.athlete_id == bindparam("aid", type_=Integer),
        or_(Episode.status.in_(statuses), Episode.last > bindparam("day", type_=Date)),
    )
    return q.order_by(Episode.last.desc(), Episode.id.desc())


@cache
def _from_first_near(statuses: tuple[EpisodeStatus, ...]) -> Select[Episode]:
    """Built once per set of statuses (every change from a day runs it: building it per call
    cost more than running it)."""
    mine = (Episode.athlete_id == bindparam("aid", type_=Integer), Episode.status != WITHDRAWN)
    near = bindparam("near", type_=Date)
    start = (
        select(func.min(Episode.first))
        .where(*mine, or_(Episode.status.in_(statuses), Episode.last >= near))
        .scalar_subquery()
    )
    since = bindparam("since", type_=Date)
    q = select(Episode).where(*mine, Episode.last >= func.coalesce(start, since))
    return q.order_by(Episode.last.desc(), Episode.id.desc())


def from_first_near(
    session: Session,
    athlete_id: int,
    statuses: Sequence[EpisodeStatus],
    near: date,
    since: date,
) -> list[Episode]:
    """The athlete's episodes but the withdrawn whose last flag is on or after the first day of
    the earliest episode of ``statuses`` or whose last flag is on or after ``near`` (``since``
    when there is none), in ``of_athlete``'s order, in one query."""
    q = _from_first_near(tuple(statuses))
    return list(session.scalars(q, {"aid": athlete_id, "near": near, "since": since}))


def get(session: Session, episode_id: int) -> Episode | None:
    return session.get(Episode, episode_id)


def flags_of(session: Session, episode_ids: Sequence[int]) -> list[Flag]:
    """The flags of these episodes, by date."""
    if not episode_ids:
        return []
    q = select(Flag).where(Flag.episode_id.in_(episode_ids))
    return list(session.scalars(q.order_by(Flag.date, Flag.rule, Flag.dimension)))


def acknowledged_counts(session: Session, episode_ids: Sequence[int]) -> dict[int, int]:
    """Per episode, how many of its flags a coach has acknowledged (absent: none)."""
    if not episode_ids:
        return {}
    q = _ACKNOWLEDGED_COUNTS
    return {
        int(e): int(n) for e, n in session.execute(q, {"ids": list(episode_ids)}) if e is not None
    }


# Built once (every evaluation's triage row with a live episode runs it).
_ACKNOWLEDGED_COUNTS = (
    select(Flag.episode_id, func.count())
    .where(Flag.episode_id.in_(bindparam("ids", expanding=True)), Flag.status == ACKNOWLEDGED)
    .group_by(Flag.episode_id)
)


def add(session: Session, episode: Episode) -> Episode:
    session.add(episode)
    session.flush()
    return episode


def remove(session: Session, episode: Episode) -> None:
    session.delete(episode)


def add_event(session: Session, event: EpisodeEvent) -> None:
    session.add(event)


def announced(session: Session, episode_id: int) -> bool:
    """Some hook has been handed one of the episode's events (a delivery row exists)."""
    q = select(
        exists().where(EpisodeEvent.episode_id == episode_id, Delivery.event_id == EpisodeEvent.id)
    )
    return bool(session.scalar(q))


def unannounced_event(session: Session, episode_id: int) -> EpisodeEvent | None:
    """The episode's newest event no hook has been handed yet, if any."""
    return session.scalars(_UNANNOUNCED, {"eid": episode_id}).first()


# Built once (a change that moves a live episode rewrites its unsent event): built per call,
# its correlated EXISTS cost more to compile than the query to run.
_UNANNOUNCED = (
    select(EpisodeEvent)
    .where(
        EpisodeEvent.episode_id == bindparam("eid", type_=Integer),
        ~exists().where(Delivery.event_id == EpisodeEvent.id),
    )
    .order_by(EpisodeEvent.id.desc())
    .limit(1)
)


def events_of(session: Session, athlete_id: int) -> list[EpisodeEvent]:
    q = select(EpisodeEvent).where(EpisodeEvent.athlete_id == athlete_id)
    return list(session.scalars(q.order_by(EpisodeEvent.id)))
