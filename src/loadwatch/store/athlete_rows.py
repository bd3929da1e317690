"""Athletes as plain rows, read in SQLAlchemy Core (``tables.athletes``): how the CLI's data
commands find their athlete and list the roster without the ORM's mapper (``tables.py`` says
why).  The same lookups as ``athletes.py``, which reads and writes the mapped objects."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select

from loadwatch.errors import NotFound
from loadwatch.store.tables import athletes

if TYPE_CHECKING:
    from loadwatch.store.db import Reads


class AthleteLike(Protocol):
    """What a reader needs of an athlete: a mapped ``Athlete`` or an ``AthleteRow``."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def timezone(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AthleteRow:
    id: int
    name: str
    timezone: str
    fast_speed_mps: float | None


_COLUMNS = (athletes.c.id, athletes.c.name, athletes.c.timezone, athletes.c.fast_speed_mps)


def name_key(name: str) -> str:
    """What makes two athlete names the same person's: trimmed, case-folded."""
    return name.strip().casefold()


def get(session: Reads, athlete_id: int) -> AthleteRow:
    """The athlete with this id, or ``NotFound``."""
    row = session.execute(select(*_COLUMNS).where(athletes.c.id == athlete_id)).first()
    if row is None:
        raise NotFound(f"no athlete with id {athlete_id}")
    return AthleteRow(*row)


def named(session: Reads, name: str) -> AthleteRow:
    """The athlete called ``name`` (trimmed, any case), or ``NotFound`` suggesting a close
    name."""
    q = select(*_COLUMNS).where(athletes.c.name_key == name_key(name))
    row = session.execute(q).first()
    if row is None:
        raise not_found(session, name)
    return AthleteRow(*row)


def close_name(session: Reads, name: str) -> str | None:
    """The stored athlete name closest to ``name`` when one is close enough to be a typo of
    it ("Anna" for "Ana"), else None: what "did you mean" suggests, and what keeps ``import``
    from creating a second athlete out of a misspelling."""
    names = list(session.scalars(select(athletes.c.name)))
    by_lower = {n.lower(): n for n in names}
    close = difflib.get_close_matches(name.strip().lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


def not_found(session: Reads, name: str, *, create_hint: str = "") -> NotFound:
    """``NotFound`` for the athlete called ``name``, naming the closest athlete's name (and
    ``create_hint``, how to create it after all, when given)."""
    clean = name.strip()
    close = close_name(session, clean)
    hint = f" — did you mean {close!r}?" if close else ""
    return NotFound(f"no athlete {clean!r}{hint}{create_hint}")


def every(session: Reads) -> list[AthleteRow]:
    """Every athlete, by name."""
    return [AthleteRow(*r) for r in session.execute(select(*_COLUMNS).order_by(athletes.c.name))]
