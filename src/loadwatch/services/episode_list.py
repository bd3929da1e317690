"""Episodes as the API, the CLI and the status show them, read as plain rows
(``store/episode_rows.py``): a status read from its stored view loads neither the ORM's models
nor the evaluation's episode keeping (``services/episodes.py``), issue #19."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol, TypeVar

from loadwatch.rules import episodes as lifecycle
from loadwatch.schemas.flags import EpisodeOut
from loadwatch.services.flag_list import flag_out
from loadwatch.store import episode_rows, flag_rows
from loadwatch.store.athlete_rows import AthleteLike
from loadwatch.store.episode_rows import EpisodeRow
from loadwatch.store.flag_rows import FlagRow
from loadwatch.vocabulary import LIVE_EPISODE, EpisodeStatus

if TYPE_CHECKING:
    from loadwatch.store.db import Reads
    from loadwatch.store.models import Episode, Flag


class _Dated(Protocol):
    @property
    def status(self) -> EpisodeStatus: ...
    @property
    def last(self) -> date: ...


E = TypeVar("E", bound=_Dated)


def episode_out(
    ep: Episode | EpisodeRow, flags: Sequence[Flag | FlagRow], athlete_name: str
) -> EpisodeOut:
    return EpisodeOut(
        id=ep.id,
        athlete_id=ep.athlete_id,
        athlete=athlete_name,
        first=ep.first,
        last=ep.last,
        severity=ep.severity,
        status=ep.status,
        headline=ep.headline,
        rules=list(ep.rules),
        dimensions=list(ep.dimensions),
        reasons=list(ep.reasons),
        flags=[flag_out(f, athlete_name) for f in flags],
        created_at=ep.created_at,
        updated_at=ep.updated_at,
    )


def live_now(episodes: Sequence[E], today: date) -> list[E]:
    """The live episodes still about the present: one whose last flag has left the current
    window is over, whether or not an evaluation has marked it resolved yet."""
    return [e for e in episodes if e.status in LIVE_EPISODE and lifecycle.is_current(e.last, today)]


def episodes_of(
    session: Reads, athlete: AthleteLike, statuses: Sequence[EpisodeStatus] | None = None
) -> list[EpisodeOut]:
    """The athlete's episodes, newest first, with their flags."""
    eps = episode_rows.of_athlete(session, athlete.id, statuses)
    by_episode: dict[int, list[FlagRow]] = {}
    for f in flag_rows.of_episodes(session, [e.id for e in eps]):
        by_episode.setdefault(f.episode_id or 0, []).append(f)
    return [episode_out(e, by_episode.get(e.id, []), athlete.name) for e in eps]
