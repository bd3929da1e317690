"""Flags as the API, the CLI and the report show them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, computed_field

from loadwatch.clock import UtcDatetime
from loadwatch.rules.episodes import FlagStatus
from loadwatch.rules.evidence import Evidence, Severity, evidence
from loadwatch.services.rounding import out_number
from loadwatch.store import athletes as athlete_store
from loadwatch.store import flags
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, Flag


class FlagOut(BaseModel):
    """A flag as the API, the CLI, the report, episodes and webhooks show it: the one shape of
    a flag outside the store."""

    id: int
    athlete: str
    athlete_id: int
    date: date
    dimension: str
    rule: str
    severity: Severity
    value: float
    baseline: float
    ratio: float
    threshold: float
    message: str
    status: FlagStatus
    acked_by: int | None
    acked_at: UtcDatetime | None
    created_at: UtcDatetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def evidence(self) -> Evidence:
        """Its grade and the risk of its band (derived from rule and band in one place)."""
        return evidence(self.rule, self.dimension, self.ratio, self.severity)


# Numbers leave the service rounded: 64.99000000000001 km is noise to a runner and to a client.
def flag_out(flag: Flag, athlete_name: str) -> FlagOut:
    fields = {name: getattr(flag, name) for name in FlagOut.model_fields if name != "athlete"}

    for name in ("value", "baseline", "ratio", "threshold"):
        fields[name] = out_number(fields[name])
    return FlagOut(athlete=athlete_name, **fields)


def flags_of(
    session: Session, athlete: Athlete, *, statuses: Sequence[str] | None = ("open",)
) -> list[FlagOut]:
    """The athlete's flags of these statuses (every one when None), newest day first."""
    rows = flags.of_athlete(session, athlete.id, statuses=statuses)
    return [flag_out(f, athlete.name) for f in rows]


def list_flags(
    session: Session, athlete_id: int, *, statuses: Sequence[str] | None = ("open",)
) -> list[FlagOut]:
    return flags_of(session, athlete_store.get_athlete(session, athlete_id), statuses=statuses)


def flag_by_id(session: Session, flag_id: int) -> Flag | None:
    return flags.get(session, flag_id)
