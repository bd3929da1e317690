"""Acknowledging flags: the coach's answer to them, from the API (one or many) and the CLI.

Idempotent: a flag already acknowledged keeps its first author and time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from loadwatch.clock import utcnow
from loadwatch.errors import InvalidRequest, NotFound
from loadwatch.services import episodes, triage
from loadwatch.store import flags as flag_rows
from loadwatch.store.db import Session
from loadwatch.store.models import Flag
from loadwatch.vocabulary import ACKNOWLEDGED, OPEN


def acknowledge(
    session: Session, flags: Sequence[Flag], *, by: int | None, at: datetime | None = None
) -> int:
    """Mark the open ones of ``flags`` acknowledged, and their episodes when every live flag
    is answered; returns how many flags changed."""
    when = at or utcnow()
    changed = 0
    for flag in flags:
        if flag.status == OPEN:
            flag.status, flag.acked_by, flag.acked_at = ACKNOWLEDGED, by, when
            changed += 1
    episodes.restatus(session, [f.episode_id for f in flags if f.episode_id is not None])
    if changed:
        flag_rows.flush(session)
        # The triage counts open flags: its stored rows follow the answer.
        triage.refresh(session, [f.athlete_id for f in flags])
    return changed


def flags_by_ids(session: Session, ids: Sequence[int]) -> list[Flag]:
    """The flags with these ids, in the order asked (duplicates once); ``NotFound`` naming the
    first missing id."""
    unique = list(dict.fromkeys(ids))
    found = flag_rows.by_ids(session, unique)
    missing = [i for i in unique if i not in found]
    if missing:
        raise NotFound(f"no flag with id {missing[0]}")
    return [found[i] for i in unique]


def flags_to_ack(
    session: Session,
    athlete_id: int,
    *,
    flag_id: int | None = None,
    before: date | None = None,
    all_open: bool = False,
) -> list[Flag]:
    """What ``loadwatch ack`` selects: one flag of the athlete, the open ones dated before a
    day, or all open ones.  Exactly one selector."""
    chosen = sum((flag_id is not None, before is not None, all_open))
    if chosen != 1:
        raise InvalidRequest("choose exactly one of --flag ID, --before DATE and --all")
    if flag_id is not None:
        flag = flag_rows.by_ids(session, [flag_id]).get(flag_id)
        if flag is None or flag.athlete_id != athlete_id:
            raise NotFound(f"no flag with id {flag_id} for this athlete")
        return [flag]
    return flag_rows.open_before(session, athlete_id, before)
