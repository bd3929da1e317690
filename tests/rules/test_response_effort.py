"""A hard session before the pain (rules/response.py, docs/rehab.md): the response's reason
says so; the class stays the pain values' alone (effort explains, it never decides)."""

from __future__ import annotations

from datetime import date, timedelta

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules.response import HARD_RPE, Symptom, classify
from support.activity_builder import activity, frame

MON = date(2026, 1, 5)


def test_pain_after_a_hard_session_is_said_and_not_reclassified() -> None:
    daily = daily_frame(
        frame([activity(MON, 10.0), activity(MON + timedelta(2), 10.0)]),
        tz="UTC",
        fast_speed_mps=None,
    )
    entries = [
        Symptom(date=MON, pain_after=2),  # after an easy session (RPE 4)
        Symptom(date=MON + timedelta(2), pain_after=2),  # the same pain after RPE 8
        Symptom(date=MON + timedelta(3), pain_next_morning=5),  # the morning after: linked back
    ]
    rpe = {MON: 4.0, MON + timedelta(2): 8.0}
    easy, hard, morning = classify(entries, daily, rpe)
    plain = classify(entries, daily)
    assert [r.state for r in (easy, hard, morning)] == [r.state for r in plain]
    assert (easy.state, easy.reason, easy.hard_rpe) == ("settled", "2/10 at most", None)
    assert hard.state == "settled"
    assert hard.reason == "2/10 at most, after a hard session (RPE 8)"
    assert hard.hard_rpe == 8.0 >= HARD_RPE
    # Day 3 had no run: its entry is linked to day 2's hard session.
    assert morning.state == "irritated"
    assert morning.reason == "5/10 the morning after, after a hard session (RPE 8)"
