"""Who the athletes are: the lookups every face makes (by name, by id, all of them, with their
activity counts), through the store alone.  Apart from ``services/athletes.py`` (which changes
athletes and shows them with their heart rates) so that a command that only reads - ``status``,
``flags``, ``athletes`` - loads no analytics to find its athlete; and those commands read the
athletes as plain rows (``store/athlete_rows.py``), so that they load no ORM models either.
The lookups that return the mapped ``Athlete`` (for a caller that changes it or reads its
relationships) import it when called."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loadwatch.store import activity_counts, athlete_rows
from loadwatch.store.activity_counts import ActivityStats as ActivityStats  # the CLI's listing
from loadwatch.store.athlete_rows import AthleteRow as AthleteRow  # the CLI's listing

if TYPE_CHECKING:
    from loadwatch.store.db import Reads, Session
    from loadwatch.store.models import Athlete


def get_athlete(session: Session, athlete_id: int) -> Athlete:
    """The athlete with this id, or ``NotFound``."""
    from loadwatch.store import athletes as athlete_store

    return athlete_store.get_athlete(session, athlete_id)


def athlete_named(session: Session, name: str) -> Athlete:
    """The athlete called ``name`` (trimmed, any case), or ``NotFound`` suggesting a close
    name."""
    from loadwatch.store import athletes as athlete_store

    return athlete_store.get_athlete_by_name(session, name)


def athlete_id_named(session: Reads, name: str) -> int:
    """The id of the athlete called ``name``, as ``athlete_named`` finds them."""
    return athlete_rows.named(session, name).id


def find_athlete_named(session: Session, name: str) -> Athlete | None:
    from loadwatch.store import athletes as athlete_store

    return athlete_store.find_athlete_by_name(session, name)


def all_athletes(session: Session) -> list[Athlete]:
    """Every athlete, by name."""
    from loadwatch.store import athletes as athlete_store

    return athlete_store.list_athletes(session)


def athlete_listing(session: Reads) -> list[AthleteRow]:
    """Every athlete as a plain row (id, name, time zone, fast threshold), by name."""
    return athlete_rows.every(session)


def athlete_ids(session: Session) -> list[int]:
    from loadwatch.store import athletes as athlete_store

    return athlete_store.athlete_ids(session)


def activity_stats(session: Reads) -> dict[int, ActivityStats]:
    """Per athlete id: how many activities, the first and the last start."""
    return activity_counts.activity_stats(session)
