"""A pain flare after a spike (trial 11, F5): the alert names the limit the runner may run.

Spiky Sara's pattern: weeks of 8, 8, 8 km and a 22 km Sunday, then a 30.8 km Sunday (a
``session_spike`` over 22.0 km).  Pain 7/10 the next day is a flare with no check-in that
recorded a tolerated run: a quarter below 30.8 km is 23.1 km, but the spike's step-back cap
(22.0 km, ``rules.spike_limit``) is lower and is the one status applies.  The stored sentence
is the same whichever path judged it: the incremental evaluation of the check-in, the full
evaluation and the nightly roll."""

from __future__ import annotations

from datetime import date, timedelta

from loadwatch.schemas.rehab import SymptomIn
from loadwatch.services.csv_import import import_log
from loadwatch.services.evaluation import EvaluationResult, drain_pending, evaluate_athlete
from loadwatch.services.rehab import add_symptom
from loadwatch.services.status import athlete_status
from loadwatch.store import athletes as athlete_store
from loadwatch.store import flag_rows
from loadwatch.store.db import Store

MONDAY = date(2026, 9, 7)
SPIKE = MONDAY + timedelta(weeks=5, days=6)  # the sixth Sunday
PAIN = SPIKE + timedelta(days=1)

CAPPED = (
    "Pain 7/10 the day after Sunday's 30.8 km run: step back to runs of up to 22.0 km, the "
    "step-back cap after Sunday's spike (no check-in has recorded a run you tolerated yet)."
)


def _log() -> bytes:
    lines = ["date,distance_km,duration_min,climbing_m"]
    for w in range(6):
        kms = (8.0, 8.0, 8.0, 30.8 if w == 5 else 22.0)
        for d, km in zip((1, 3, 5, 6), kms, strict=True):
            lines.append(f"{MONDAY + timedelta(weeks=w, days=d)},{km},{km * 5.5},0")
    return ("\n".join(lines) + "\n").encode()


def _pain(store: Store, aid: int) -> list[str]:
    with store.sessions() as s:
        return [
            r.message
            for r in flag_rows.of_athlete(s, aid, statuses=None)
            if r.rule == "pain_response"
        ]


def _spikes(store: Store, aid: int) -> list[tuple[date, float, float]]:
    with store.sessions() as s:
        return [
            (r.date, round(r.value, 1), round(r.baseline, 1))
            for r in flag_rows.of_athlete(s, aid, statuses=None)
            if r.rule == "session_spike" and r.dimension == "distance"
        ]


def test_a_flare_after_a_spike_names_the_spikes_cap_on_every_path(store: Store) -> None:
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Sara", "UTC").id
    import_log(store, aid, _log(), "log.csv")
    assert drain_pending(store, athlete_id=aid, today=SPIKE) == [aid]
    assert _spikes(store, aid) == [(SPIKE, 30.8, 22.0)]
    # The check-in the next day: evaluated from its day, the spike before it as stored.
    with store.transaction() as s:
        add_symptom(s, athlete_store.get_athlete(s, aid), SymptomIn(date=PAIN, pain_after=7))
    done: list[EvaluationResult] = []
    drain_pending(store, athlete_id=aid, today=PAIN, on_result=done.append)
    assert [r.evaluated_from for r in done] == [PAIN]
    assert _pain(store, aid) == [CAPPED]
    full = evaluate_athlete(store, aid, today=PAIN)
    assert not full.rolled and full.evaluated_from is None
    assert _pain(store, aid) == [CAPPED]
    rolled = evaluate_athlete(store, aid, today=PAIN + timedelta(days=1), unchanged_since=PAIN)
    assert rolled.rolled
    assert _pain(store, aid) == [CAPPED]


def _fast_log() -> bytes:
    # The same weeks with fast km: 1.5 km in every Tuesday's 8 km (6.0 km in the fourth
    # week's), then 6.0 km in each 8 km of the sixth week (18.0 km: over the fast 7-day limit,
    # no spike over the 6.0 km), none in any Sunday's run.
    lines = ["date,distance_km,duration_min,climbing_m,fast_km"]
    for w in range(6):
        kms = (8.0, 8.0, 8.0, 30.8 if w == 5 else 22.0)
        for d, km in zip((1, 3, 5, 6), kms, strict=True):
            fast = 6.0 if (w == 5 and d < 6) or (w == 3 and d == 1) else 1.5 if d == 1 else 0.0
            lines.append(f"{MONDAY + timedelta(weeks=w, days=d)},{km},{km * 5.5},0,{fast}")
    return ("\n".join(lines) + "\n").encode()


def test_on_the_flares_day_status_promises_no_fast_run_the_step_back_forbids(
    store: Store,
) -> None:
    """Trial 12 F3: the rules said "a usual ... of fast running fits again on Tuesday" while
    the flare (after Sunday's run with no fast km) allows none for 14 days."""
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Sara", "UTC").id
    import_log(store, aid, _fast_log(), "log.csv")
    drain_pending(store, athlete_id=aid, today=SPIKE)
    with store.transaction() as s:
        add_symptom(s, athlete_store.get_athlete(s, aid), SymptomIn(date=PAIN, pain_after=7))
    drain_pending(store, athlete_id=aid, today=PAIN)
    said = (
        "Fast km (quicker than 5:00/km): 18.0 km in the last 7 days (usual week 2.6 km, judged "
        "against at least 3.0 km), over the 7-day limit of 6.0 km; no fast running until "
        "Sunday 2026-11-01 (step back after the pain flare on Monday 2026-10-19: Sunday's run "
        "had none)."
    )
    # The flare is Monday 2026-10-19, its step back stands to Sunday 2026-11-01: no "a usual
    # 1.7 km of fast running fits again on Thursday"; the same from the incremental
    # evaluation of the check-in and from the full one.
    for _ in range(2):
        with store.sessions() as s:
            speed = next(
                d for d in athlete_status(s, aid, today=PAIN).dimensions if d.dimension == "speed"
            )
        assert (speed.headroom_note, speed.headroom_run) == (said, 0.0)
        evaluate_athlete(store, aid, today=PAIN)
    # The nightly roll to Tuesday says what a full evaluation of Tuesday says, and no promise.
    tue = PAIN + timedelta(days=1)
    notes = []
    for rolled in (True, False):
        r = evaluate_athlete(store, aid, today=tue, unchanged_since=PAIN if rolled else None)
        assert r.rolled is rolled
        with store.sessions() as s:
            st = athlete_status(s, aid, today=tue)
        notes.append(next(d.headroom_note for d in st.dimensions if d.dimension == "speed"))
    assert notes[0] == notes[1] and "fits again" not in (notes[0] or "")
