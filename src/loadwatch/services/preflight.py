"""The pre-flight check as a use case (docs/planning.md): a proposal or the stored sessions to
come, judged on top of the athlete's real history by ``rules.preflight``; and, when an
evaluation finishes, the ``plan.at_risk`` alerts for stored sessions that became flaggable.

A session is checked when it lies ahead: after today, or today while nothing has been run
today (once run, the run itself is judged).  Earlier ones are reported as not checked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Any

from loadwatch.rounding import out_number
from loadwatch.rules.messages import day_name
from loadwatch.rules.preflight import Finding, History, Preflight, SessionCheck, check
from loadwatch.schemas.planned import (
    CheckOut,
    FindingOut,
    PlannedIn,
    SessionCheckOut,
    SuggestionOut,
    WindowOut,
)
from loadwatch.services.inputs import EvaluationInputs, evaluation_inputs
from loadwatch.services.planned import planned_out, to_run
from loadwatch.store import planned as planned_store
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, PlanAlert, PlannedSession
from loadwatch.vocabulary import ALERT, CAUTION

EVENT = "plan.at_risk"


def history(inp: EvaluationInputs) -> History:
    """What evaluation reads, as the pure check takes it."""
    return History(inp.daily, inp.config, inp.rehab.specs(), inp.rehab.responses, inp.today)


def ran_today(inp: EvaluationInputs) -> bool:
    d = inp.daily
    if d.is_empty() or d["date"][-1] != inp.today:
        return False
    return bool(d["runs"][-1] > 0)


def ahead(inp: EvaluationInputs, day: date) -> bool:
    return day > inp.today or (day == inp.today and not ran_today(inp))


def _finding_out(f: Finding) -> FindingOut:
    ratio = out_number(f.ratio)
    return FindingOut(
        rule=f.rule,
        dimension=f.dimension,
        severity=f.severity,
        value=out_number(f.value),
        baseline=out_number(f.baseline),
        ratio=ratio,
        over_pct=None if ratio is None else round((ratio - 1.0) * 100.0, 1),
        threshold=out_number(f.threshold),
        evidence_grade=f.grade,
        message=f.message,
        flagged_on=f.flagged,
    )


def session_out(c: SessionCheck) -> SessionCheckOut:
    r, s = c.run, c.suggestion
    return SessionCheckOut(
        id=r.key,
        date=r.date,
        day=day_name(r.date),
        type=r.kind,
        distance_km=r.distance_km,
        fast_km=r.fast_km,
        climb_m=r.climb_m,
        verdict=c.severity or "ok",
        findings=[_finding_out(f) for f in c.findings],
        suggestion=None
        if s is None
        else SuggestionOut(
            how=s.how,
            distance_km=s.run.distance_km,
            fast_km=s.run.fast_km,
            climb_m=s.run.climb_m,
        ),
        sentence=c.sentence,
    )


def check_out(
    athlete_id: int, inp: EvaluationInputs, pf: Preflight, skipped: Sequence[PlannedSession] = ()
) -> CheckOut:
    windows = [
        WindowOut(
            dimension=w.dimension,
            unit=w.unit,
            peak_7d=out_number(w.peak) or 0.0,
            peak_date=w.peak_date,
            usual_week=out_number(w.usual_week),
            own_week=out_number(w.own_week),
            ratio=out_number(w.ratio),
            severity=ALERT if w.level >= 2 else CAUTION if w.level == 1 else None,
            caution=out_number(w.caution),
            alert=out_number(w.alert),
            rule=w.rule,
            basis=w.basis,
            planned=out_number(w.planned) or 0.0,
            span=w.span,
        )
        for w in pf.windows
    ]
    return CheckOut(
        athlete_id=athlete_id,
        today=inp.today,
        sessions=[session_out(c) for c in pf.sessions],
        windows=windows,
        not_checked=[planned_out(p) for p in skipped],
    )


def check_proposal(
    session: Session, athlete: Athlete, entries: Sequence[PlannedIn], today: date | None = None
) -> CheckOut:
    """Planned runs not stored, checked on top of the history (and of nothing else planned)."""
    inp = evaluation_inputs(session, athlete.id, today)
    runs = [to_run(e) for e in entries]
    return check_out(athlete.id, inp, check(history(inp), [r for r in runs if ahead(inp, r.date)]))


def check_stored(
    session: Session,
    athlete: Athlete,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> CheckOut:
    """The stored sessions to come (within ``[start, end]``), checked in date order; every
    session ahead is simulated, so one outside the range still weighs on those inside."""
    inp = evaluation_inputs(session, athlete.id, today)
    rows = planned_store.of_athlete(session, athlete.id)
    coming = [to_run(r) for r in rows if ahead(inp, r.date)]
    pf = check(history(inp), coming)
    inside = [
        c
        for c in pf.sessions
        if (start is None or c.run.date >= start) and (end is None or c.run.date <= end)
    ]
    skipped = [
        r
        for r in rows
        if not ahead(inp, r.date)
        and (start is None or r.date >= start)
        and (end is None or r.date <= end)
    ]
    return check_out(athlete.id, inp, Preflight(inside, pf.windows), skipped)


def at_risk(inp: EvaluationInputs, rows: Sequence[PlannedSession]) -> dict[int, SessionCheck]:
    """The stored sessions to come that the check flags, by id (no suggestions searched)."""
    coming = [to_run(r) for r in rows if ahead(inp, r.date)]
    pf = check(history(inp), coming, suggestions=False)
    return {c.run.key: c for c in pf.sessions if c.findings and c.run.key is not None}


def dedupe_key(row: PlannedSession) -> str:
    return hashlib.sha256(f"plan.at_risk:{row.id}:v{row.version}".encode()).hexdigest()[:32]


def _payload(athlete: Athlete, row: PlannedSession, c: SessionCheck) -> dict[str, Any]:
    out = session_out(c)
    return {
        "event": EVENT,
        "athlete": {"id": athlete.id, "name": athlete.name},
        "planned": {**out.model_dump(mode="json"), "version": row.version},
    }


def keep_at_risk(session: Session, inp: EvaluationInputs) -> int:
    """Record a ``plan.at_risk`` alert for each stored session to come that the check now
    flags at alert level and whose coach has not heard of this version of it; returns how
    many.  The outbox
    (``services.webhooks``) delivers them like episode events."""
    rows = planned_store.of_athlete(session, inp.athlete.id, start=inp.today)
    if not rows:
        return 0
    risky = at_risk(inp, rows)
    if not risky:
        return 0
    told = planned_store.alert_keys(session, inp.athlete.id)
    added = 0
    for row in rows:
        c = risky.get(row.id)
        key = dedupe_key(row)
        # Like episodes, only what reaches an alert is pushed: a caution is context, shown by
        # the check and the calendar (docs/webhooks.md).
        if c is None or c.severity != ALERT or key in told:
            continue
        planned_store.add_alert(
            session,
            PlanAlert(
                athlete_id=inp.athlete.id,
                planned_id=row.id,
                dedupe_key=key,
                payload=_payload(inp.athlete, row, c),
            ),
        )
        added += 1
    return added
