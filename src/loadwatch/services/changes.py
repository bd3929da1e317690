"""After a change that moves an athlete's numbers: record what to re-evaluate, commit, and
hand it to the hook (the scheduler's wake-up, or in-process evaluation)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from loadwatch.store import pending
from loadwatch.store.db import Session

log = logging.getLogger(__name__)


class Change(Protocol):
    """What a hook needs to know of a change: the athletes it touched, each with the earliest
    local day whose flags must be re-judged.  An import's report is one."""

    @property
    def touched(self) -> Mapping[int, date]: ...


ChangeHook = Callable[[Change], None]


@dataclass(frozen=True, slots=True)
class Reevaluation:
    """One athlete's flags to re-judge from a local day on (an edit, a deletion, a plan)."""

    athlete_id: int
    from_date: date

    @property
    def touched(self) -> Mapping[int, date]:
        return {self.athlete_id: self.from_date}


def notify(hook: ChangeHook, change: Change) -> None:
    """Run the hook.  The change is committed and its pending evaluation with it, so a failing
    evaluation must not turn a stored upload into an error the client would retry: it is
    logged, and the pending row stays for the next drain."""
    if not change.touched:
        return
    try:
        hook(change)
    except Exception:
        log.exception("evaluation after a change failed; it stays pending")


def committed(hook: ChangeHook, session: Session, athlete_id: int, from_date: date | None) -> None:
    """Commit the session, whose pending evaluation from ``from_date`` (if any) is already
    requested, then notify."""
    session.commit()
    if from_date is not None:
        notify(hook, Reevaluation(athlete_id, from_date))


def reevaluate(hook: ChangeHook, session: Session, athlete_id: int, from_date: date | None) -> None:
    """Commit the session with a pending evaluation from ``from_date``, then notify."""
    if from_date is not None:
        pending.request_evaluation(session, athlete_id, from_date)
    committed(hook, session, athlete_id, from_date)
