"""Planned sessions through the API (docs/planning.md): entry, edit and delete, the pre-flight
check of a proposal and of the stored plan, the calendar, and the acceptance path: a long run
planned 40 % over the 30-day longest gets its flag and its largest safe version, and running
exactly that version the next day raises nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine

from loadwatch.clock import utcnow
from support.api_env import API, Env, gpx_run, upload
from support.planning import LONGEST_KM, history_csv


def _log(env: Env, data: bytes) -> None:
    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/logs",
        files=[("files", ("log.csv", data, "text/csv"))],
        headers=env.coach,
    )
    assert r.status_code == 200, r.text
    assert r.json()["totals"]["imported"] > 0, r.text


def _check(env: Env, *sessions: dict[str, Any]) -> dict[str, Any]:
    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/planned/check",
        json={"sessions": list(sessions)},
        headers=env.coach,
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _today() -> date:
    return utcnow().date()  # the athlete's zone is UTC


def test_a_long_run_40_percent_over_gets_its_flag_and_its_largest_safe_version(env: Env) -> None:
    today = _today()
    _log(env, history_csv(today - timedelta(days=2)))
    tomorrow = today + timedelta(days=1)
    planned = round(LONGEST_KM * 1.4, 1)  # 21.4 km, 40 % over 15.3
    body = _check(env, {"date": str(tomorrow), "distance_km": planned, "type": "long"})
    (s,) = body["sessions"]
    assert s["verdict"] == "caution"  # a 40 % spike is Frandsen's caution band, not > 100 %
    (f,) = s["findings"]
    assert (f["rule"], f["dimension"], f["evidence_grade"]) == (
        "session_spike",
        "distance",
        "strong",
    )
    assert f["baseline"] == pytest.approx(LONGEST_KM)
    assert f["over_pct"] == pytest.approx(39.9, abs=0.05)
    # The caution line is 10 % over 15.3 km = 16.83 km: the largest 0.1 km step under it.
    assert s["suggestion"] == {
        "how": "distance",
        "distance_km": 16.8,
        "fast_km": 0.0,
        "climb_m": 0.0,
    }
    assert "40 % over your longest run in 30 days (15.3 km)" in s["sentence"]
    assert s["sentence"].endswith("up to 16.8 km raises nothing.")
    # One step more does trip: the suggestion is the line, not a guess below it.
    over = _check(env, {"date": str(tomorrow), "distance_km": 16.9})["sessions"][0]
    assert over["verdict"] == "caution"
    nothing = _check(env, {"date": str(tomorrow), "distance_km": 16.8})["sessions"][0]
    assert (nothing["verdict"], nothing["findings"]) == ("ok", [])

    # The next day she runs exactly that: a GPX of 16.8 km, imported and evaluated.
    with time_machine.travel(datetime.combine(tomorrow, time(12, 0), tzinfo=UTC), tick=True):
        start = datetime.combine(tomorrow, time(7, 0), tzinfo=UTC)
        r = upload(env, [("long.gpx", gpx_run(start, 16.8))])
        assert r.status_code == 200, r.text
        flags = env.client.get(
            f"{API}/athletes/{env.athlete_id}/flags",
            params={"status": "all", "from": str(tomorrow)},
            headers=env.coach,
        ).json()
        assert flags["count"] == 0, flags
        runs = env.client.get(
            f"{API}/athletes/{env.athlete_id}/activities",
            params={"from": str(tomorrow)},
            headers=env.coach,
        ).json()["data"]
        assert [round(a["distance_m"] / 1000, 1) for a in runs] == [16.8]


def test_a_planned_week_that_breaks_a_rehab_cap_is_reported_per_session(env: Env) -> None:
    today = _today()
    _log(env, history_csv(today - timedelta(days=30), weeks=4, longest_km=12.0))
    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/plans",
        json={
            "start_date": str(today - timedelta(days=2)),
            "weekly_km": 18.1,
            "longest_run_km": 6.0,
            "weekly_climb_m": 0,
        },
        headers=env.coach,
    )
    assert r.status_code == 201, r.text
    d = [today + timedelta(days=k) for k in (1, 3, 4)]
    body = _check(
        env,
        {"date": str(d[0]), "distance_km": 5, "type": "easy"},
        {"date": str(d[1]), "distance_km": 8, "type": "long"},
        {"date": str(d[2]), "distance_km": 5, "type": "hills"},
    )
    easy, long_, hills = body["sessions"]
    assert (easy["verdict"], easy["findings"]) == ("ok", [])
    breach = [f for f in long_["findings"] if f["rule"] == "plan_breach"]
    assert [(f["dimension"], f["value"], f["baseline"]) for f in breach] == [("distance", 8.0, 6.0)]
    assert long_["verdict"] == "alert"  # 33 % over a cap: over the 30 % alert step
    assert long_["suggestion"]["distance_km"] == 6.0
    assert "over the plan's 6.0 km longest run" in long_["sentence"]
    climb = [f for f in hills["findings"] if f["rule"] == "plan_breach"]
    assert [f["dimension"] for f in climb] == ["hills"]
    assert hills["climb_m"] == 125.0  # the hills type: 25 m a km
    # Flat on a no-hills plan: 10 m a km, 50 m on 5 km.
    assert hills["suggestion"] == {
        "how": "climb",
        "distance_km": 5.0,
        "fast_km": 0.0,
        "climb_m": 50.0,
    }


def test_entry_edit_delete_and_the_stored_check(env: Env) -> None:
    a, today = env.athlete_id, _today()
    _log(env, history_csv(today - timedelta(days=2)))
    week = [
        {"date": str(today + timedelta(days=1)), "distance_km": 8, "type": "easy"},
        {"date": str(today + timedelta(days=2)), "distance_km": 10, "type": "intervals"},
        {"date": str(today + timedelta(days=4)), "distance_km": 24, "type": "long"},
    ]
    r = env.client.post(f"{API}/athletes/{a}/planned", json={"sessions": week}, headers=env.coach)
    assert r.status_code == 201, r.text
    made = r.json()["data"]
    assert [(x["distance_km"], x["fast_km"], x["type"]) for x in made] == [
        (8.0, 0.0, "easy"),
        (10.0, 4.0, "intervals"),  # 40 % of an interval session is fast
        (24.0, 0.0, "long"),
    ]
    one = env.client.post(
        f"{API}/athletes/{a}/planned",
        json={"date": str(today + timedelta(days=6)), "distance_km": 6},
        headers=env.athlete_user,
    )
    assert one.status_code == 201, one.text
    listed = env.client.get(
        f"{API}/athletes/{a}/planned",
        params={"from": str(today + timedelta(days=2))},
        headers=env.coach,
    ).json()
    assert [x["distance_km"] for x in listed["data"]] == [10.0, 24.0, 6.0]
    assert listed["count"] == 3

    long_id = made[2]["id"]
    stored = env.client.get(f"{API}/athletes/{a}/planned/check", headers=env.coach).json()
    by_id = {s["id"]: s for s in stored["sessions"]}
    assert by_id[long_id]["verdict"] == "caution"
    assert {w["dimension"] for w in stored["windows"]} >= {"distance", "speed"}

    r = env.client.patch(
        f"{API}/athletes/{a}/planned/{long_id}", json={"distance_km": 16}, headers=env.coach
    )
    assert r.status_code == 200, r.text
    assert (r.json()["distance_km"], r.json()["version"]) == (16.0, 2)
    stored = env.client.get(f"{API}/athletes/{a}/planned/check", headers=env.coach).json()
    assert {s["id"]: s["verdict"] for s in stored["sessions"]}[long_id] == "ok"

    assert (
        env.client.delete(f"{API}/athletes/{a}/planned/{long_id}", headers=env.coach).status_code
        == 204
    )
    gone = env.client.patch(
        f"{API}/athletes/{a}/planned/{long_id}", json={"distance_km": 5}, headers=env.coach
    )
    assert gone.status_code == 404
    assert gone.headers["content-type"].startswith("application/problem+json")
    bad = env.client.post(
        f"{API}/athletes/{a}/planned",
        json={"date": str(today), "distance_km": 5, "fast_km": 6},
        headers=env.coach,
    )
    assert bad.status_code == 422


def test_the_calendar_shows_compliance_flags_and_sessions_at_risk(env: Env) -> None:
    a, today = env.athlete_id, _today()
    # Runs 8, 6 and 4 days ago (8 km each) and a 15.3 km long run 2 days ago, weekly.
    _log(env, history_csv(today - timedelta(days=2)))
    plan = [
        {"date": str(today - timedelta(days=8)), "distance_km": 4},  # 8 km: 200 %, far over
        {"date": str(today - timedelta(days=7)), "distance_km": 6},  # nothing run: missed
        {"date": str(today - timedelta(days=6)), "distance_km": 6},  # 8 km: 133 %, over
        {"date": str(today - timedelta(days=4)), "distance_km": 12},  # 8 km: 67 %, under
        {"date": str(today - timedelta(days=2)), "distance_km": 14},  # 15.3: 109 %, compliant
        {"date": str(today + timedelta(days=2)), "distance_km": 32, "type": "long"},  # at risk
        {"date": str(today + timedelta(days=3)), "distance_km": 5, "type": "easy"},
    ]
    r = env.client.post(f"{API}/athletes/{a}/planned", json={"sessions": plan}, headers=env.coach)
    assert r.status_code == 201, r.text
    first, last = today - timedelta(days=9), today + timedelta(days=3)
    cal = env.client.get(
        f"{API}/athletes/{a}/calendar",
        params={"from": str(first), "to": str(last)},
        headers=env.coach,
    )
    assert cal.status_code == 200, cal.text
    body = cal.json()
    assert (body["from"], body["to"]) == (str(first), str(last))
    days = {d["date"]: d for d in body["days"]}
    assert len(days) == 13

    def day(k: int) -> Any:
        return days[str(today + timedelta(days=k))]

    assert [day(k)["compliance"] for k in (-8, -7, -6, -4, -2)] == [
        "far_over",
        "missed",
        "over",
        "under",
        "compliant",
    ]
    assert day(-9)["compliance"] == "unplanned"  # the long run before: run, not planned
    assert day(-5)["compliance"] is None and day(1)["compliance"] is None  # rest, no plan
    assert day(-2)["percent_of_plan"] == pytest.approx(109.2857, abs=1e-3)
    assert day(-2)["actual"] == {"runs": 1, "distance_km": 15.3, "fast_km": 0.0, "climb_m": 0.0}
    risky = day(2)
    assert (risky["compliance"], risky["at_risk"]) == ("planned", True)
    assert "32.0 km long run: alert, 2.1× your longest run" in risky["risk"]
    assert day(3)["at_risk"] is False
    assert all(not d["at_risk"] for d in body["days"] if d["date"] < str(today))
    bad = env.client.get(
        f"{API}/athletes/{a}/calendar",
        params={"from": "2026-05-02", "to": "2026-05-01"},
        headers=env.coach,
    )
    assert bad.status_code == 422


def test_a_day_already_past_is_kept_and_the_answer_says_it_is_not_checked(env: Env) -> None:
    """As ``plan add`` notes on stderr: the pre-flight check judges days to come only."""
    a, today = env.athlete_id, _today()
    url = f"{API}/athletes/{a}/planned"
    ahead = env.client.post(
        url, json={"date": str(today + timedelta(days=1)), "distance_km": 6}, headers=env.coach
    )
    assert ahead.status_code == 201, ahead.text
    assert ahead.json()["note"] is None
    past = today - timedelta(days=3)
    one = env.client.post(url, json={"date": str(past), "distance_km": 6}, headers=env.coach)
    assert one.status_code == 201, one.text
    assert one.json()["count"] == 1  # kept, for the calendar
    assert one.json()["note"] == (
        f"{past} is in the past (today is {today} for the athlete): kept for the calendar, "
        "not checked"
    )
    week = [
        {"date": str(today - timedelta(days=2)), "distance_km": 5},
        {"date": str(today - timedelta(days=1)), "distance_km": 5},
        {"date": str(today + timedelta(days=2)), "distance_km": 5},
    ]
    r = env.client.post(url, json={"sessions": week}, headers=env.coach)
    assert r.status_code == 201, r.text
    assert r.json()["note"] == (
        f"2 sessions (from {today - timedelta(days=2)}) are in the past (today is {today} for "
        "the athlete): kept for the calendar, not checked"
    )


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"date": "2026-02-30", "distance_km": 5},
            "body.session.date: Input should be a valid date or datetime, day value is outside "
            "expected range",
        ),
        (
            {"date": "2026-12-01", "distance_km": 5, "fast_km": 6},
            "body.session: Value error, fast_km cannot be more than distance_km",
        ),
        (
            {"sessions": [{"date": "2026-12-01", "distance_km": -5}]},
            "body.batch.sessions.0.distance_km: Input should be greater than 0",
        ),
    ],
)
def test_a_bad_session_is_told_in_its_own_form_only(
    env: Env, body: dict[str, object], detail: str
) -> None:
    # Trial 10 F17: a bad single session was told as both forms, with the validators' names
    # ("function-after[_fast_within(), PlannedIn]", "PlannedBatch.sessions: Field required").
    r = env.client.post(f"{API}/athletes/{env.athlete_id}/planned", json=body, headers=env.coach)
    assert r.status_code == 422
    assert r.json()["detail"] == detail


def test_a_session_moved_into_the_past_is_kept_and_the_answer_says_it_is_not_checked(
    env: Env,
) -> None:
    """PATCH says what POST says of a day already past (``past_note`` beside the session:
    the session's own ``note`` is the coach's text)."""
    a, today = env.athlete_id, _today()
    url = f"{API}/athletes/{a}/planned"
    made = env.client.post(
        url,
        json={"date": str(today + timedelta(days=1)), "distance_km": 6, "note": "easy"},
        headers=env.coach,
    )
    pid = made.json()["data"][0]["id"]
    ahead = env.client.patch(f"{url}/{pid}", json={"distance_km": 7}, headers=env.coach)
    assert ahead.status_code == 200, ahead.text
    assert (ahead.json()["past_note"], ahead.json()["note"]) == (None, "easy")
    past = today - timedelta(days=2)
    moved = env.client.patch(f"{url}/{pid}", json={"date": str(past)}, headers=env.coach)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["date"], moved.json()["note"]) == (str(past), "easy")
    assert moved.json()["past_note"] == (
        f"{past} is in the past (today is {today} for the athlete): kept for the calendar, "
        "not checked"
    )
