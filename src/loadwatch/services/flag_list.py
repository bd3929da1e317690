"""Flags as the API, the CLI and the report show them."""

from __future__ import annotations

from collections.abc import Sequence

from loadwatch.schemas.flags import FlagOut
from loadwatch.services.rounding import out_number
from loadwatch.store import athletes as athlete_store
from loadwatch.store import flags
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, Flag
from loadwatch.vocabulary import OPEN, FlagStatus


# Numbers leave the service rounded: 64.99000000000001 km is noise to a runner and to a client.
def flag_out(flag: Flag, athlete_name: str) -> FlagOut:
    fields = {name: getattr(flag, name) for name in FlagOut.model_fields if name != "athlete"}

    for name in ("value", "baseline", "ratio", "threshold"):
        fields[name] = out_number(fields[name])
    return FlagOut(athlete=athlete_name, **fields)


def flags_of(
    session: Session, athlete: Athlete, *, statuses: Sequence[FlagStatus] | None = (OPEN,)
) -> list[FlagOut]:
    """The athlete's flags of these statuses (every one when None), newest day first."""
    rows = flags.of_athlete(session, athlete.id, statuses=statuses)
    return [flag_out(f, athlete.name) for f in rows]


def list_flags(
    session: Session, athlete_id: int, *, statuses: Sequence[FlagStatus] | None = (OPEN,)
) -> list[FlagOut]:
    return flags_of(session, athlete_store.get_athlete(session, athlete_id), statuses=statuses)


def flag_by_id(session: Session, flag_id: int) -> Flag | None:
    return flags.get(session, flag_id)
