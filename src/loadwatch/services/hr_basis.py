"""Saying when the heart rates behind TRIMP move (docs/hr-load.md, "When the numbers change").

An estimated maximum heart rate is the highest held a minute in any activity: a new hardest run
raises it, and every past activity's TRIMP and the fitness series move with it.  Each basis the
loads are recomputed with is recorded (``store/hr_basis.py``), so status, the report and the
series say "maximum heart rate re-estimated from 169 to 178 bpm on 2026-11-15 (from the run of
2026-11-14 'Tempo'): heart-rate load recomputed" instead of the numbers moving silently.  A
coach's maximum is never replaced by an estimate (``hr_load.hr_profile``); setting one is
recorded and said the same way.
"""

from __future__ import annotations

from loadwatch.analytics.days import local_day
from loadwatch.analytics.trimp import HrProfile
from loadwatch.clock import local_today
from loadwatch.schemas.fitness import HrChangeOut
from loadwatch.store import hr_basis as basis_store
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, HrBasisChange


def note(session: Session, athlete: Athlete, prof: HrProfile | None) -> bool:
    """Record ``prof`` when it is not the basis in force; True when recorded."""
    if prof is None:
        return False
    last = basis_store.latest(session, athlete.id)
    if last is not None and (last.rest_bpm, last.max_bpm, last.max_source) == (
        prof.rest_bpm,
        prof.max_bpm,
        prof.max_source,
    ):
        return False
    row = HrBasisChange(
        athlete_id=athlete.id,
        recorded_on=local_today(athlete.timezone),
        rest_bpm=prof.rest_bpm,
        max_bpm=prof.max_bpm,
        max_source=prof.max_source,
        prev_max_bpm=last.max_bpm if last is not None else None,
    )
    if prof.max_source == "estimated":
        run = basis_store.peak_run(session, athlete.id)
        if run is not None:
            row.activity_id, row.run_name = run[0], run[1]
            row.run_day = local_day(run[2], run[3], athlete.timezone)
    basis_store.add(session, row)
    return True


def latest_change(session: Session, athlete_id: int) -> HrChangeOut | None:
    """The latest move of the maximum heart rate, None when it never moved since recorded."""
    last = basis_store.latest(session, athlete_id)
    if last is None or last.prev_max_bpm is None or last.prev_max_bpm == last.max_bpm:
        return None
    source = "settings" if last.max_source == "settings" else "estimated"
    return HrChangeOut(
        on=last.recorded_on,
        from_max_hr=last.prev_max_bpm,
        to_max_hr=last.max_bpm,
        max_source=source,
        run_day=last.run_day,
        run_name=last.run_name,
        activity_id=last.activity_id,
        sentence=change_sentence(
            last.prev_max_bpm, last.max_bpm, source, last.recorded_on, last.run_day, last.run_name
        ),
    )


def change_sentence(
    was: float,
    now: float,
    source: str,
    on: object,
    run_day: object | None,
    run_name: str | None,
) -> str:
    """'maximum heart rate re-estimated from 154 to 169 bpm on 2026-07-25 (from the run of
    2026-07-21 'Intervals'): heart-rate load recomputed'."""
    if source == "settings":
        what = f"maximum heart rate set by the coach from {was:.0f} to {now:.0f} bpm on {on}"
    else:
        run = "the runs on record"
        if run_day is not None:
            run = f"the run of {run_day}" + (f" {run_name!r}" if run_name else "")
        what = (
            f"maximum heart rate re-estimated from {was:.0f} to {now:.0f} bpm on {on} (from {run})"
        )
    return f"{what}: heart-rate load recomputed"
