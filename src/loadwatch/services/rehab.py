"""Symptoms and return-to-run plans meet the store and the rules (docs/rehab.md).

Writes (a symptom entry, a plan opened or ended) request a re-evaluation from the day they
touch in the same transaction, like an import: the flags of ``rules.plan`` are kept by the
evaluation service in the flags table beside the others, so episodes and webhooks follow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

import polars as pl

from loadwatch.analytics.schema import DIMENSIONS
from loadwatch.clock import local_today
from loadwatch.errors import Conflict, InvalidRequest, NotFound
from loadwatch.rounding import fixed, out_number
from loadwatch.rules.plan import Caps, PlanVerdict, judge, with_spikes
from loadwatch.rules.plan_caps import caps_from_tomorrow, run_words
from loadwatch.rules.plan_headroom import (
    RulesRoom,
    across_week_end,
    fast_cap,
    pace_text,
    plan_headroom,
)
from loadwatch.rules.response import (
    IRRITATED_MIN,
    TREND_DAYS,
    Response,
    pain_trend,
    tolerance,
    trend_entries,
)
from loadwatch.rules.spike_limit import SpikeFlag
from loadwatch.schemas.rehab import (
    UNSPECIFIED,
    PlanIn,
    RehabFile,
    SymptomIn,
    SymptomList,
    SymptomOut,
)
from loadwatch.schemas.rehab_status import (
    CapsOut,
    PlanOut,
    PlanRoom,
    RehabMark,
    RehabStatus,
    ResponseOut,
    ToleranceOut,
)
from loadwatch.services.inputs import EvaluationInputs, to_spec
from loadwatch.services.rehab_view import pain_log, week_caps
from loadwatch.store import pending
from loadwatch.store import plans as plan_store
from loadwatch.store import symptoms as symptom_store
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, RehabPlan, SymptomEntry
from loadwatch.vocabulary import DIMENSION_HEADING, trend_span

if TYPE_CHECKING:
    from loadwatch.schemas.status import DimensionStatus

DEFAULT_LOCATION = UNSPECIFIED


# --- symptoms -----------------------------------------------------------------------------------


EARLIEST = date(1980, 1, 1)  # before it a date is a placeholder, not a day (as for GPX)
MAX_PLAN_AGE_DAYS = 5 * 366  # the plan rules walk every day of a plan: keep that bounded


def check_day(day: date, tz: str, what: str = "date", earliest: date = EARLIEST) -> date:
    today = local_today(tz)
    if day > today:
        raise InvalidRequest(f"{what} {day} is in the future (today is {today} for the athlete)")
    if day < earliest:
        raise InvalidRequest(f"{what} {day} is before {earliest}")
    return day


def add_symptom(
    session: Session, athlete: Athlete, body: SymptomIn, *, source: str = "manual"
) -> SymptomEntry:
    """Create or complete the entry of ``body.date``; a re-evaluation from that day is
    requested in the same transaction."""
    check_day(body.date, athlete.timezone)
    values = body.values()
    if values.get("location") in ("", None) and "location" in values:
        values["location"] = DEFAULT_LOCATION
    if "aggravators" in values and values["aggravators"] is None:
        values["aggravators"] = []
    existing = symptom_store.on_day(session, athlete.id, body.date)
    pains = ("pain_during", "pain_after", "pain_next_morning")
    merged = {p: values.get(p, getattr(existing, p, None)) for p in pains}
    if all(v is None for v in merged.values()):
        raise InvalidRequest(
            "a symptom entry needs a pain value: during, after or the next morning (0-10)"
        )
    values["source"] = source
    row, _ = symptom_store.upsert(session, athlete.id, body.date, values)
    pending.request_evaluation(session, athlete.id, body.date)
    return row


def response_out(r: Response) -> ResponseOut:
    return ResponseOut(
        date=r.date,
        worst=r.worst,
        when=r.when,
        state=r.state,
        reason=r.reason,
        run_date=r.load.day if r.load else None,
        run=run_words(r.load.run) if r.load else None,
    )


def symptom_out(e: SymptomEntry, r: Response | None) -> SymptomOut:
    return SymptomOut(
        id=e.id,
        date=e.date,
        pain_during=e.pain_during,
        pain_after=e.pain_after,
        pain_next_morning=e.pain_next_morning,
        location=e.location,
        aggravators=list(e.aggravators or []),
        sitting_hours=e.sitting_hours,
        note=e.note,
        source=e.source,
        response=response_out(r) if r else None,
    )


def symptom_list(inp: EvaluationInputs) -> SymptomList:
    """The athlete's entries, newest first, each with its response; tolerated/provoking load."""
    rin = inp.rehab
    by_day = {r.date: r for r in rin.responses}
    data = [symptom_out(e, by_day.get(e.date)) for e in reversed(rin.entries)]
    return SymptomList(data=data, count=len(data), tolerance=tolerance_out(rin.responses))


def tolerance_out(responses: list[Response]) -> list[ToleranceOut]:
    return [
        ToleranceOut(
            dimension=t.dimension,
            unit=t.unit,
            tolerated_run=out_number(t.tolerated_run),
            tolerated_week=out_number(t.tolerated_week),
            provoking_run=out_number(t.provoking_run),
            provoking_week=out_number(t.provoking_week),
        )
        for t in tolerance(responses)
    ]


# --- plans ---------------------------------------------------------------------------------------


def plan_out(p: RehabPlan, today: date) -> PlanOut:
    return PlanOut(
        id=p.id,
        condition=p.condition,
        phase=p.phase,
        start_date=p.start_date,
        end_date=p.end_date,
        active=to_spec(p).active_on(today),
        weekly_km=p.weekly_km,
        longest_run_km=p.longest_run_km,
        weekly_fast_km=p.weekly_fast_km,
        weekly_climb_m=p.weekly_climb_m,
        pace_floor=pace_text(p.pace_floor_s_per_km),
        progression_pct=p.progression_pct,
    )


def _logged_condition(session: Session, athlete: Athlete) -> str:
    """'knee pain' from the latest symptom entry that says where, else 'unspecified'."""
    for entry in reversed(symptom_store.of_athlete(session, athlete.id)):
        if entry.location and entry.location != UNSPECIFIED:
            return f"{entry.location} pain"
    return UNSPECIFIED


def start_plan(
    session: Session, athlete: Athlete, body: PlanIn, *, by: int | None = None
) -> RehabPlan:
    """Open a plan; an open one ends the day before (a plan starting on or before the open
    one's start is a ``Conflict``: end that one first)."""
    oldest = local_today(athlete.timezone) - timedelta(days=MAX_PLAN_AGE_DAYS)
    check_day(body.start_date, athlete.timezone, "start date", earliest=oldest)
    if body.longest_run_km > body.weekly_km:
        raise InvalidRequest(
            f"longest run {body.longest_run_km:g} km is more than the week's {body.weekly_km:g} km"
        )
    current = plan_store.open_plan(session, athlete.id)
    if current is not None:
        if current.start_date >= body.start_date:
            raise Conflict(
                f"{athlete.name} has a plan from {current.start_date}; end it first "
                f"(loadwatch plan end --athlete {athlete.name!r})"
            )
        current.end_date = body.start_date - timedelta(days=1)
    plan = RehabPlan(
        athlete_id=athlete.id,
        condition=body.condition or _logged_condition(session, athlete),
        phase=body.phase,
        start_date=body.start_date,
        weekly_km=body.weekly_km,
        longest_run_km=body.longest_run_km,
        weekly_fast_km=body.weekly_fast_km,
        weekly_climb_m=body.weekly_climb_m,
        pace_floor_s_per_km=body.pace_floor,
        progression_pct=body.progression_pct,
        created_by=by,
    )
    plan_store.add(session, plan)
    pending.request_evaluation(session, athlete.id, body.start_date)
    return plan


def end_plan(session: Session, athlete: Athlete, *, on: date | None = None) -> RehabPlan:
    """End the open plan: in force through ``on`` (default the athlete's today)."""
    current = plan_store.open_plan(session, athlete.id)
    if current is None:
        raise NotFound(f"{athlete.name} has no open plan")
    day = check_day(on or local_today(athlete.timezone), athlete.timezone, "end date")
    if day < current.start_date:
        raise InvalidRequest(f"the plan starts on {current.start_date}, after {day}")
    current.end_date = day
    plan_store.flush(session)
    pending.request_evaluation(session, athlete.id, day + timedelta(days=1))
    return current


# --- what evaluation reads ------------------------------------------------------------------------
def verdict(inp: EvaluationInputs) -> PlanVerdict:
    """The plan rules' flags and quiet days for ``inp`` (none without plans or symptoms)."""
    return judge(inp.rehab.specs(), inp.daily, inp.rehab.responses, inp.today)


def after_spikes(v: PlanVerdict, inp: EvaluationInputs, spikes: Sequence[SpikeFlag]) -> PlanVerdict:
    """``v`` once the rules' spike flags are known: a flare's step back names a lower spike
    cap current on its day (``rules.plan.with_spikes``).  The evaluation judges the plan
    first (its quiet days gate the rules), then this."""
    return with_spikes(v, inp.rehab.responses, inp.today, spikes)


def _caps_out(c: Caps, fast_mps: float | None) -> CapsOut:
    return CapsOut(
        plan_week=c.week + 1,
        week_start=c.week_start,
        since=c.changed_on,
        weekly_km=c.weekly_km,
        longest_run_km=c.longest_run_km,
        weekly_fast_km=c.weekly_fast_km,
        weekly_climb_m=c.weekly_climb_m,
        pace_floor=pace_text(c.pace_floor_s_per_km),
        reason=c.reason,
        step=c.step,
        fast_km_allowed=fast_cap(c, fast_mps),
    )


def rehab_status(
    inp: EvaluationInputs,
    dims: list[DimensionStatus],
    v: PlanVerdict | None = None,
    rules_words: Mapping[str, str] | None = None,
    held: RulesRoom | None = None,
) -> RehabStatus | None:
    """What status, report and dashboard show: None for an athlete with neither plan nor
    symptoms.  ``rules_words``: what bounds ``dims`` where the rules' own limit does not (a
    flare's step back), for the plan's sentences; ``held``: the step backs (a flare's, a
    current spike's cap) that bound even the dimensions the plan is the baseline of."""
    rin = inp.rehab
    if not rin.plans and not rin.entries:
        return None
    v = v or verdict(inp)
    current = next((p for p in reversed(rin.plans) if to_spec(p).active_on(inp.today)), None)
    shown = current or (rin.plans[-1] if rin.plans else None)
    caps = v.caps[-1] if current is not None and v.caps else None
    timeline: list[CapsOut] = []
    for c in v.caps:
        if not timeline or timeline[-1].since != c.changed_on:
            timeline.append(_caps_out(c, inp.fast.speed_mps))
    rules = {d.dimension: (d.headroom_week, d.headroom_run) for d in dims}
    later = (
        caps_from_tomorrow(to_spec(current), rin.responses, inp.today)
        if current is not None
        else None
    )
    rooms = _rooms(inp, caps, rules, later, rules_words, held) if caps is not None else []
    latest = rin.responses[-1] if rin.responses else None
    trend, word = pain_trend(rin.responses, inp.today)
    entries = trend_entries(rin.responses, inp.today)
    parts = []
    if caps is not None and current is not None:
        parts.append(
            f"Plan week {caps.week + 1} ({current.condition}): up to "
            f"{fixed(caps.longest_run_km)} km a run, {fixed(caps.weekly_km)} km a week"
            + (", flat" if caps.weekly_climb_m == 0 else "")
        )
    if latest is not None:
        parts.append(f"latest pain {latest.worst}/10 on {latest.date} ({latest.state})")
    if trend:
        parts.append(
            "pain "
            + " → ".join(map(str, trend))
            + f" {trend_span(len(trend), entries, TREND_DAYS)}"
            + (f" ({word})" if word else "")
        )
    return RehabStatus(
        plan=plan_out(shown, inp.today) if shown else None,
        caps=_caps_out(caps, inp.fast.speed_mps) if caps else None,
        timeline=timeline,
        rooms=rooms,
        latest_response=response_out(latest) if latest else None,
        recent_responses=[response_out(r) for r in rin.responses[-5:]],
        pain_trend=trend,
        pain_trend_word=word,
        pain_trend_days=TREND_DAYS,
        pain_trend_entries=entries,
        tolerance=tolerance_out(rin.responses),
        summary="; ".join(parts) + "." if parts else "",
        chart_caps=week_caps(v.timelines, inp.daily, inp.fast.speed_mps),
        pain_log=pain_log(rin.entries, rin.responses),
        pain_threshold=IRRITATED_MIN,
    )


def _rooms(
    inp: EvaluationInputs,
    caps: Caps,
    rules_room: RulesRoom,
    later: Caps | None,
    rules_words: Mapping[str, str] | None = None,
    held: RulesRoom | None = None,
) -> list[PlanRoom]:
    """The plan's rooms as of today; ``later``: the caps of the plan week starting tomorrow,
    when today ends one (the next run may fall under either: ``across_week_end``);
    ``rules_words``: what bounds the rules' limits where their own does not (a flare's step
    back)."""
    week = inp.daily.filter((pl.col("date") >= caps.week_start) & (pl.col("date") <= inp.today))
    used = {dim: float(week[col].sum()) for dim, (col, _) in DIMENSIONS.items()}
    fast = inp.fast.speed_mps
    rooms = plan_headroom(caps, used, rules_room, fast, rules_words, held)
    if later is not None:
        today = week.filter(pl.col("date") == inp.today)
        ran_today = float(today[DIMENSIONS["distance"][0]].sum()) > 0
        fresh = dict.fromkeys(used, 0.0)
        rooms = across_week_end(
            rooms,
            plan_headroom(later, fresh, rules_room, fast, rules_words, held),
            later.week_start,
            ran_today,
        )
    return [
        PlanRoom(
            dimension=r.dimension,
            unit=r.unit,
            week_cap=r.week_cap,
            week_used=out_number(r.week_used) or 0.0,
            week_left=out_number(r.week_left),
            next_run=out_number(r.next_run),
            binding=r.binding,
            next_run_alert=out_number(r.next_run_alert),
            note=r.note,
        )
        for r in rooms
    ]


def follow_plan(dims: list[DimensionStatus], status: RehabStatus | None) -> list[DimensionStatus]:
    """Status headroom under an active plan: the smaller of the plan and the rules.  A flat
    plan leaves no uphill running either (its climbing cap quiets both hill dimensions)."""
    if status is None or status.caps is None:
        return dims
    rooms = {r.dimension: r for r in status.rooms}
    flat = status.caps.weekly_climb_m == 0
    out = []
    for d in dims:
        r = rooms.get(d.dimension)
        if r is None:
            if d.dimension == "uphill" and flat:
                d = d.model_copy(
                    update={
                        "headroom_week": 0.0,
                        "headroom_run": 0.0,
                        "headroom_note": (
                            f"{DIMENSION_HEADING['uphill']}: the plan avoids hills: keep runs flat."
                        ),
                    }
                )
            out.append(d)
            continue
        out.append(
            d.model_copy(
                update={
                    "headroom_week": r.week_left,
                    "headroom_run": r.next_run,
                    "headroom_note": r.note,
                    # The alert line too: the plan's breach alerts long before the rules would.
                    "headroom_run_alert": _smaller(d.headroom_run_alert, r.next_run_alert),
                }
            )
        )
    return out


def _smaller(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def dashboard_mark(inp: EvaluationInputs) -> RehabMark | None:
    """None for an athlete with neither plan nor symptoms."""
    rin = inp.rehab
    if not rin.plans and not rin.entries:
        return None
    current = next((p for p in reversed(rin.plans) if to_spec(p).active_on(inp.today)), None)
    latest = rin.responses[-1] if rin.responses else None
    return RehabMark(
        on_plan=current is not None,
        plan_week=(inp.today - current.start_date).days // 7 + 1 if current else None,
        latest_pain=latest.worst if latest else None,
        latest_pain_date=latest.date if latest else None,
        latest_state=latest.state if latest else None,
    )


def enter_rehab(session: Session, athlete: Athlete, data: object) -> RehabFile:
    """Open the file's plan and log its entries (validated as the API validates them)."""
    try:
        doc = RehabFile.model_validate(data)
    except ValueError as e:
        raise InvalidRequest(f"not a rehab file: {' '.join(str(e).split())}") from e
    if doc.plan is not None:
        start_plan(session, athlete, doc.plan)
    for entry in doc.symptoms:
        add_symptom(session, athlete, entry)
    return doc


def plans_of(session: Session, athlete_id: int) -> list[RehabPlan]:
    """The athlete's plans, oldest first."""
    return plan_store.of_athlete(session, athlete_id)
