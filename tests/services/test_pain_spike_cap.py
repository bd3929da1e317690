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
