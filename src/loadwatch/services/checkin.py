"""The athlete's check-in (docs/checkin.md): what the page shows - the run it refers to, what
is still to give, today's plan caps or next-run limits - and the entry it stores.

A check-in writes the very symptom entry the rules read (``services/rehab.add_symptom``, on
the run's local day, source ``checkin``) and the run's session RPE (``services/effort``): no
second pain log exists.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from loadwatch.analytics.days import local_day
from loadwatch.clock import local_today
from loadwatch.errors import InvalidRequest
from loadwatch.rounding import fixed, out_number
from loadwatch.rules.plan_headroom import pace_text
from loadwatch.schemas.checkin import (
    CheckinIn,
    CheckinOut,
    CheckinView,
    EntryOut,
    LimitOut,
    RunOut,
)
from loadwatch.schemas.rehab import SymptomIn
from loadwatch.schemas.status import AthleteStatus
from loadwatch.services.effort import activity_minutes, set_activity_rpe
from loadwatch.services.rehab import add_symptom, check_day
from loadwatch.services.status import athlete_status
from loadwatch.store import activities as activity_store
from loadwatch.store import symptoms as symptom_store
from loadwatch.store.db import Session
from loadwatch.store.models import Activity, Athlete, SymptomEntry

RECENT_DAYS = 3  # a run older than this is not what "after your run" means any more
SOURCE = "checkin"
_PAIN_FIELDS = ("pain_during", "pain_after", "pain_next_morning")


def run_out(a: Activity, tz: str) -> RunOut:
    minutes = activity_minutes(a)
    km = a.distance_m / 1000.0
    pace = pace_text(minutes * 60.0 / km) if km > 0 and minutes > 0 else None
    return RunOut(
        activity_id=a.id,
        date=local_day(a.start_time, a.utc_offset_s, tz),
        sport=a.sport,
        name=a.name,
        distance_km=out_number(km) or 0.0,
        minutes=out_number(minutes) or 0.0,
        pace=pace,
        rpe=a.rpe,
        srpe=out_number(a.rpe * minutes) if a.rpe is not None else None,
    )


def entry_out(e: SymptomEntry | None) -> EntryOut | None:
    if e is None:
        return None
    return EntryOut(
        date=e.date,
        pain_during=e.pain_during,
        pain_after=e.pain_after,
        pain_next_morning=e.pain_next_morning,
        note=e.note,
    )


def _latest_run(session: Session, athlete: Athlete) -> Activity | None:
    today = local_today(athlete.timezone)
    first = today - timedelta(days=RECENT_DAYS - 1)
    # A day early in UTC covers every zone; the local day decides below.
    since = datetime.combine(first - timedelta(days=1), time(0), tzinfo=UTC)
    for a in activity_store.last_runs(session, athlete.id, since):
        if first <= local_day(a.start_time, a.utc_offset_s, athlete.timezone) <= today:
            return a
    return None


def _limits(st: AthleteStatus) -> tuple[bool, list[LimitOut], str]:
    rehab = st.rehab
    if rehab is not None and rehab.caps is not None:
        limits = [
            LimitOut(
                dimension=r.dimension,
                text=r.note,
                next_run=r.next_run,
                unit=r.unit,
                binding=r.binding,
                flat=r.dimension == "hills" and r.week_cap == 0,
            )
            for r in rehab.rooms
        ]
        return True, limits, rehab.summary
    limits = []
    for d in st.dimensions:
        if d.dimension not in ("distance", "speed", "hills"):
            continue
        text = d.headroom_note or (
            f"next run up to {fixed(d.headroom_run)} {d.unit}"
            if d.headroom_run is not None
            else "no limit from the rules yet"
        )
        limits.append(
            LimitOut(dimension=d.dimension, text=text, next_run=d.headroom_run, unit=d.unit)
        )
    return False, limits, st.idle_note or ""


def checkin_view(session: Session, athlete: Athlete) -> CheckinView:
    today = local_today(athlete.timezone)
    run = _latest_run(session, athlete)
    run_o = run_out(run, athlete.timezone) if run is not None else None
    day = run_o.date if run_o is not None else today
    entry = symptom_store.on_day(session, athlete.id, day)
    ask_after = run_o is not None and (
        entry is None or entry.pain_after is None or run_o.rpe is None
    )
    ask_morning = (
        run_o is not None
        and run_o.date == today - timedelta(days=1)
        and (entry is None or entry.pain_next_morning is None)
    )
    on_plan, limits, note = _limits(athlete_status(session, athlete.id, today=today))
    return CheckinView(
        athlete_id=athlete.id,
        athlete=athlete.name,
        today=today,
        run=run_o,
        entry=entry_out(entry),
        ask_after_run=ask_after,
        ask_morning=ask_morning,
        on_plan=on_plan,
        limits=limits,
        limits_note=note,
    )


def check_in(session: Session, athlete: Athlete, body: CheckinIn) -> CheckinOut:
    """Store the check-in: pains and note on the run's day (or ``body.date``), the RPE on
    the run.  The day is evaluated again in the same transaction."""
    run: Activity | None = None
    if body.activity_id is not None:
        run = activity_store.get_activity(session, athlete.id, body.activity_id)  # NotFound
        day = local_day(run.start_time, run.utc_offset_s, athlete.timezone)
        if body.date is not None and body.date != day:
            raise InvalidRequest(f"activity {run.id} is on {day}, not {body.date}")
    else:
        day = body.date or local_today(athlete.timezone)
    check_day(day, athlete.timezone)
    given = {k: getattr(body, k) for k in _PAIN_FIELDS if getattr(body, k) is not None}
    existing = symptom_store.on_day(session, athlete.id, day)
    if body.note is not None and (given or existing is not None):
        given["note"] = body.note
    if given:
        add_symptom(session, athlete, SymptomIn(date=day, **given), source=SOURCE)
    elif body.note is not None:
        raise InvalidRequest("a note goes with a pain value: give pain during, after or waking")
    if run is not None and body.rpe is not None:
        set_activity_rpe(session, athlete, run, body.rpe)
    return CheckinOut(
        date=day,
        entry=entry_out(symptom_store.on_day(session, athlete.id, day)),
        run=run_out(run, athlete.timezone) if run is not None else None,
    )
