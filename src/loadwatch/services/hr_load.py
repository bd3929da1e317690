"""Keeping each activity's heart-rate load (TRIMP) true to the athlete's heart rates.

The TRIMP of an activity depends on the athlete's resting and maximum heart rate
(``analytics.trimp``), which a coach may set or change, and which are otherwise estimated
from the whole history (a new hardest run raises an estimated maximum).  So:

- an import computes the new activities' load with the heart rates as they stand
  (``after_import``);
- a change of the heart-rate settings, and every evaluation, recomputes every activity of the
  athlete (``refresh``): one dot product per activity, no file read again;
- each basis the loads are recomputed with is recorded (``services/hr_basis``), so a moved
  maximum is said, not silent.
"""

from __future__ import annotations

from collections.abc import Sequence

from loadwatch.analytics.trimp import MIN_RESERVE_BPM, SEXES, HrProfile, Sex, profile, trimp
from loadwatch.errors import InvalidRequest
from loadwatch.services import hr_basis
from loadwatch.store import activity_hr as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete

REST_RANGE = (25.0, 120.0)  # bpm; outside is a typo
MAX_RANGE = (100.0, 250.0)


def check_settings(resting_hr: float | None, max_hr: float | None, sex: str | None) -> None:
    """``InvalidRequest`` naming what is wrong with a coach's heart rates."""
    if resting_hr is not None and not REST_RANGE[0] <= resting_hr <= REST_RANGE[1]:
        raise InvalidRequest(
            f"resting heart rate {resting_hr:g} bpm is outside {REST_RANGE[0]:g}-{REST_RANGE[1]:g}"
        )
    if max_hr is not None and not MAX_RANGE[0] <= max_hr <= MAX_RANGE[1]:
        raise InvalidRequest(
            f"maximum heart rate {max_hr:g} bpm is outside {MAX_RANGE[0]:g}-{MAX_RANGE[1]:g}"
        )
    if resting_hr is not None and max_hr is not None and max_hr - resting_hr < MIN_RESERVE_BPM:
        raise InvalidRequest(
            f"maximum heart rate {max_hr:g} must be at least {MIN_RESERVE_BPM:g} bpm above the "
            f"resting {resting_hr:g}"
        )
    if sex is not None and sex not in SEXES:
        raise InvalidRequest(f"sex {sex!r} is not one of: {', '.join(SEXES)} (or null)")


def _sex(athlete: Athlete) -> Sex | None:
    return "male" if athlete.sex == "male" else "female" if athlete.sex == "female" else None


def hr_profile(session: Session, athlete: Athlete) -> HrProfile | None:
    """The heart rates the athlete's TRIMP is computed with, and whether each is the coach's
    or estimated; None when neither set nor estimable (no heart rate recorded)."""
    peak = activity_store.hr_peak(session, athlete.id) if athlete.max_hr is None else None
    return profile_with_peak(athlete, peak)


def profile_with_peak(athlete: Athlete, peak_bpm: float | None) -> HrProfile | None:
    """``hr_profile`` given the highest held heart rate of the athlete's activities: an import
    batch keeps that peak as it adds activities instead of asking the database per file."""
    return profile(
        rest_bpm=athlete.resting_hr,
        max_bpm=athlete.max_hr,
        sex=_sex(athlete),
        peak_bpm=peak_bpm if athlete.max_hr is None else None,
    )


def refresh_athlete(session: Session, athlete_id: int) -> int:
    """``refresh`` when the heart rates moved since the last one (what evaluation calls).

    The first activity imported (lowest id) with heart rate is the witness: every refresh
    recomputes it and an import computes only the new ones (higher ids), so it holds the load
    of the heart rates the last refresh used.  When the current ones give it the same load,
    nothing moved and the history is not read."""
    athlete = athlete_store.get_athlete(session, athlete_id)
    first = activity_store.first_hr_activity(session, athlete_id)
    if first is None:
        return 0
    prof = hr_profile(session, athlete)
    # Recorded before the witness's shortcut: a store upgraded to the revision that keeps the
    # basis (0013) gets its basis at the first evaluation, so the next move can be said.
    hr_basis.note(session, athlete, prof)
    if not moved(first, prof):
        return 0
    return refresh(session, athlete)


def moved(first: tuple[int, list[float], float | None] | None, prof: HrProfile | None) -> bool:
    """Whether the heart rates moved since the last refresh: the witness ``first`` (id,
    histogram and stored load of the athlete's first activity with heart rate; None: none has)
    has another load with ``prof`` than the one stored (``refresh_athlete``)."""
    if first is None:
        return False
    want = trimp([first[1]], prof)[0] if prof is not None else None
    return not _same(first[2], want)


def refresh(session: Session, athlete: Athlete) -> int:
    """Recompute the heart-rate load of every activity of the athlete; how many changed."""
    prof = hr_profile(session, athlete)
    hr_basis.note(session, athlete, prof)  # the move is said, not silent (services/hr_basis)
    rows = activity_store.hr_histograms(session, athlete.id)
    loads = trimp([h for _, h in rows], prof) if prof is not None else [None] * len(rows)
    want = {i: v for (i, _), v in zip(rows, loads, strict=True)}
    have = activity_store.hr_loads(session, athlete.id)
    changed = {i: want.get(i) for i, old in have.items() if not _same(old, want.get(i))}
    activity_store.set_hr_loads(session, changed)
    return len(changed)


def after_import(session: Session, athlete_id: int, activity_ids: Sequence[int]) -> None:
    """The new activities' heart-rate load with the heart rates as they now stand (the other
    activities follow at the evaluation the import requests)."""
    if not activity_ids:
        return
    prof = hr_profile(session, athlete_store.get_athlete(session, athlete_id))
    rows = activity_store.hr_histograms(session, athlete_id, ids=activity_ids)
    loads = trimp([h for _, h in rows], prof) if prof is not None else [None] * len(rows)
    activity_store.set_hr_loads(session, {i: v for (i, _), v in zip(rows, loads, strict=True)})


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))
