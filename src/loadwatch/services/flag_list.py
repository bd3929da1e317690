"""Flags as the API, the CLI and the report show them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from loadwatch.rounding import out_number
from loadwatch.schemas.flags import FlagOut
from loadwatch.store import athlete_rows, flag_rows
from loadwatch.store.athlete_rows import AthleteLike
from loadwatch.store.flag_rows import FlagRow
from loadwatch.vocabulary import OPEN, FlagStatus

if TYPE_CHECKING:
    from loadwatch.store.db import Reads, Session
    from loadwatch.store.models import Flag


# Numbers leave the service rounded: 64.99000000000001 km is noise to a runner and to a client.
def flag_out(flag: Flag | FlagRow, athlete_name: str) -> FlagOut:
    fields = {name: getattr(flag, name) for name in FlagOut.model_fields if name != "athlete"}

    for name in ("value", "baseline", "ratio", "threshold"):
        fields[name] = out_number(fields[name])
    return FlagOut(athlete=athlete_name, **fields)


def flags_of(
    session: Reads, athlete: AthleteLike, *, statuses: Sequence[FlagStatus] | None = (OPEN,)
) -> list[FlagOut]:
    """The athlete's flags of these statuses (every one when None), newest day first: read as
    plain rows (``store/flag_rows.py``), so listing them loads none of the ORM's models."""
    rows = flag_rows.of_athlete(session, athlete.id, statuses=statuses)
    return [flag_out(f, athlete.name) for f in rows]


def list_flags(
    session: Reads, athlete_id: int, *, statuses: Sequence[FlagStatus] | None = (OPEN,)
) -> list[FlagOut]:
    return flags_of(session, athlete_rows.get(session, athlete_id), statuses=statuses)


def flag_by_id(session: Session, flag_id: int) -> Flag | None:
    from loadwatch.store import flags  # the mapped flag: its reader changes it

    return flags.get(session, flag_id)
