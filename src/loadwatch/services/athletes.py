"""Creating and changing an athlete: the one path the API and the CLI both take.

A change of time zone, fast threshold or rule thresholds can change flags anywhere in the
athlete's history, so it requests a re-evaluation from the athlete's first local day in the
same transaction (see ``reevaluation_day``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from loadwatch.analytics.days import local_day
from loadwatch.analytics.fast import parse_fast_threshold
from loadwatch.clock import as_utc, local_today
from loadwatch.errors import Conflict, InvalidRequest, LoadwatchError
from loadwatch.rules.config import RuleConfig
from loadwatch.schemas.athletes import AthleteOut
from loadwatch.services import hr_basis, hr_load, triage

# The lookups every face makes, re-exported: they live apart so that a command that only reads
# (``status``, ``athletes``) finds its athlete without this module's analytics.
from loadwatch.services.roster import all_athletes as all_athletes
from loadwatch.services.roster import athlete_ids as athlete_ids
from loadwatch.services.roster import athlete_named as athlete_named
from loadwatch.services.roster import find_athlete_named as find_athlete_named
from loadwatch.services.roster import get_athlete as get_athlete
from loadwatch.store import activities as activity_store
from loadwatch.store import athlete_rows, pending
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Session
from loadwatch.store.models import Activity, Athlete

# A fast threshold outside this range is a typo, not a runner: 1 m/s is 16:40 min/km,
# 10 m/s is 1:40 min/km.


class _Keep(enum.Enum):
    KEEP = enum.auto()


# "Leave the fast threshold as it is"; None means "clear it" (back to the derived one).
KEEP = _Keep.KEEP


def _fast_speed(value: float | str | None) -> float | None:
    try:
        return parse_fast_threshold(value)
    except ValueError as e:
        raise InvalidRequest(str(e)) from e


def check_thresholds(overrides: dict[str, Any]) -> dict[str, Any]:
    """The athlete's rule overrides, or ``InvalidRequest`` saying which one is wrong."""
    try:
        RuleConfig.from_overrides(overrides)
    except LoadwatchError as e:
        raise InvalidRequest(f"thresholds: {e}") from e
    except (ValueError, TypeError, KeyError) as e:
        raise InvalidRequest(f"thresholds: {' '.join(str(e).split())}") from e
    return overrides


def reevaluation_day(first: Activity | None, zones: Iterable[str]) -> date | None:
    """The earliest local day the athlete's first activity falls on, by its device's offset
    or in any of ``zones`` (the old and the new one: the flags on the days the old zone gave
    are re-judged too); None without activities.  It is the athlete's first day, whatever
    changed: a threshold or a zone can move flags anywhere in the history."""
    if first is None:
        return None
    start = as_utc(first.start_time)
    days = (local_day(start, off, ZoneInfo(z)) for z in zones for off in (None, first.utc_offset_s))
    return min(days, default=None)


def create_athlete(
    session: Session,
    *,
    name: str,
    timezone: str = "UTC",
    fast_speed_mps: float | None = None,
    thresholds: dict[str, Any] | None = None,
) -> Athlete:
    """A new athlete (flushed, with its id); a name already taken is a ``Conflict``.  A fast
    threshold given at creation holds for the whole history."""
    athlete = Athlete(
        name=athlete_store.clean_name(name),
        timezone=athlete_store.check_timezone(timezone),
        fast_speed_mps=_fast_speed(fast_speed_mps),
        thresholds=check_thresholds(thresholds or {}),
    )
    return athlete_store.save_athlete(session, athlete)


def change_athlete(
    session: Session,
    athlete: Athlete,
    *,
    name: str | None = None,
    timezone: str | None = None,
    fast_threshold: float | str | _Keep | None = KEEP,
    thresholds: dict[str, Any] | None = None,
    resting_hr: float | _Keep | None = KEEP,
    max_hr: float | _Keep | None = KEEP,
    sex: str | _Keep | None = KEEP,
    weekly_summary: bool | None = None,
) -> date | None:
    """Rename, move to another time zone, set (a pace ``"4:30"`` or m/s) or clear (None) the
    fast threshold, replace the rule thresholds, set or clear (None: estimated,
    docs/hr-load.md) the resting and maximum heart rate and the sex TRIMP is computed for, or
    turn the weekly summary on or off.  A change of heart rates recomputes every activity's
    heart-rate load at once.  When the zone, a threshold or a heart rate changed, a
    re-evaluation is requested in the session and the day it will start from returned (an
    earlier pending request keeps its day); else None."""
    if name is not None:
        clean = athlete_store.clean_name(name)
        other = athlete_store.find_athlete_by_name(session, clean)
        if other is not None and other.id != athlete.id:
            raise Conflict(f"another athlete is already called {other.name!r}")
        renamed = clean != athlete.name
        athlete.name = clean
        athlete_store.save_athlete(session, athlete)  # a rename racing another is a Conflict
        if renamed:
            triage.refresh(session, [athlete.id])
    if weekly_summary is not None:
        athlete.weekly_summary = weekly_summary  # what is sent, not what is judged
    old_zone = athlete.timezone
    moved = False
    if timezone is not None:
        moved |= athlete_store.check_timezone(timezone) != athlete.timezone
        athlete.timezone = timezone
    if fast_threshold is not KEEP:
        moved |= _set_fast_threshold(athlete, _fast_speed(fast_threshold))
    if thresholds is not None:
        new = check_thresholds(thresholds)
        moved |= new != athlete.thresholds
        athlete.thresholds = new
    moved |= _set_heart_rates(session, athlete, resting_hr, max_hr, sex)
    session.flush()
    if not moved:
        return None
    first = activity_store.first_activity(session, athlete.id)
    day = reevaluation_day(first, {old_zone, athlete.timezone})
    if day is None:
        return None
    pending.request_evaluation(session, athlete.id, day)
    return pending.pending_from(session, athlete.id)


def _set_heart_rates(
    session: Session,
    athlete: Athlete,
    resting_hr: float | _Keep | None,
    max_hr: float | _Keep | None,
    sex: str | _Keep | None,
) -> bool:
    """Set what was given (``KEEP``: unchanged) and recompute the heart-rate loads; True when
    anything changed."""
    rest = athlete.resting_hr if isinstance(resting_hr, _Keep) else resting_hr
    top = athlete.max_hr if isinstance(max_hr, _Keep) else max_hr
    new_sex = athlete.sex if isinstance(sex, _Keep) else sex
    if new_sex is not None:
        new_sex = new_sex.strip().lower()
    if (rest, top, new_sex) == (athlete.resting_hr, athlete.max_hr, athlete.sex):
        return False
    hr_load.check_settings(rest, top, new_sex)
    athlete.resting_hr, athlete.max_hr, athlete.sex = rest, top, new_sex
    session.flush()
    hr_load.refresh(session, athlete)
    return True


def _set_fast_threshold(athlete: Athlete, speed_mps: float | None) -> bool:
    """The coach's fast threshold from the athlete's local today on (the days before keep the
    threshold that was in force then); None goes back to the derived one everywhere.  True
    when it changed."""
    if speed_mps == athlete.fast_speed_mps:
        return False
    athlete.fast_speed_mps = speed_mps
    athlete.fast_speed_since = local_today(athlete.timezone) if speed_mps is not None else None
    return True


def athlete_out(session: Session, athlete: Athlete) -> AthleteOut:
    """The athlete as every face shows it, with the heart rates TRIMP is computed with."""
    from loadwatch.services.fitness import hr_out  # fitness reads the inputs, which read this

    prof = hr_load.hr_profile(session, athlete)
    change = hr_basis.latest_change(session, athlete.id) if prof is not None else None
    return AthleteOut.of(athlete, hr_out(prof), change)


def athlete_named_or_new(session: Session, name: str, timezone: str | None = None) -> Athlete:
    """The athlete called ``name``, created (in ``timezone``, default UTC) when new; a zone
    that contradicts an existing athlete's is a ``Conflict``."""
    return athlete_store.get_or_create_athlete(session, name, timezone)


def athlete_to_import_for(
    session: Session, name: str, timezone: str | None = None, *, create: bool = False
) -> Athlete:
    """The athlete an import names: the one called ``name``; created when new and no stored
    athlete's name is close to it (a first import on a new store is one command); refused,
    naming the close one, when there is (a coach's typo must not send a runner's week to a
    second athlete no one watches) unless ``create`` says the new one is meant."""
    new = find_athlete_named(session, name) is None
    if new and not create and athlete_rows.close_name(session, name) is not None:
        hint = f" (to add {name.strip()!r} as a new athlete, pass --create)"
        raise athlete_rows.not_found(session, name, create_hint=hint)
    return athlete_store.get_or_create_athlete(session, name, timezone)
