"""Who the athletes are: the lookups every face makes (by name, by id, all of them, with their
activity counts), through the store alone.  Apart from ``services/athletes.py`` (which changes
athletes and shows them with their heart rates) so that a command that only reads - ``status``,
``flags``, ``athletes`` - loads no analytics to find its athlete."""

from __future__ import annotations

from loadwatch.store import activity_counts
from loadwatch.store import athletes as athlete_store
from loadwatch.store.activity_counts import ActivityStats as ActivityStats  # the CLI's listing
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete


def get_athlete(session: Session, athlete_id: int) -> Athlete:
    """The athlete with this id, or ``NotFound``."""
    return athlete_store.get_athlete(session, athlete_id)


def athlete_named(session: Session, name: str) -> Athlete:
    """The athlete called ``name`` (trimmed, any case), or ``NotFound`` suggesting a close
    name."""
    return athlete_store.get_athlete_by_name(session, name)


def find_athlete_named(session: Session, name: str) -> Athlete | None:
    return athlete_store.find_athlete_by_name(session, name)


def all_athletes(session: Session) -> list[Athlete]:
    """Every athlete, by name."""
    return athlete_store.list_athletes(session)


def athlete_ids(session: Session) -> list[int]:
    return athlete_store.athlete_ids(session)


def activity_stats(session: Session) -> dict[int, ActivityStats]:
    """Per athlete id: how many activities, the first and the last start."""
    return activity_counts.activity_stats(session)
