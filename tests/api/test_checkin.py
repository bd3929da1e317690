"""The check-in API (docs/checkin.md): the view the phone page reads, a check-in stored as the
symptom entry the rules read plus the run's session RPE, personal links scoped to one athlete
and revoked at once, and an activity's RPE set on its own."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from loadwatch.store.models import CheckinLink
from support.api_env import API, Env, _bearer, _today_7am, gpx_run, upload

# gpx_run: 3 m/s, a point every 5 s; 8 km -> round(8000 / 15) = 533 steps of 15 m:
# 7995 m in 2665 s, 44.417 min, 5:33 /km.
RUN_KM, RUN_MIN, RUN_PACE = 7.995, 2665 / 60, "5:33"


def _run(env: Env, days_ago: int = 0) -> int:
    start = _today_7am() - timedelta(days=days_ago)
    r = upload(env, [("run.gpx", gpx_run(start, 8.0))])
    assert r.status_code in (200, 201), r.text
    (item,) = r.json()["files"]
    return int(item["activity_ids"][0])


def _link(env: Env, athlete_id: int | None = None) -> dict[str, object]:
    r = env.client.post(
        f"{API}/athletes/{athlete_id or env.athlete_id}/checkin-links",
        json={"label": "Ann's phone"},
        headers=env.coach,
    )
    assert r.status_code == 201, r.text
    out: dict[str, object] = r.json()
    return out


def test_after_a_run_the_view_shows_it_and_a_checkin_stores_the_entry_and_rpe(env: Env) -> None:
    run_id = _run(env)
    url = f"{API}/athletes/{env.athlete_id}/checkin"
    view = env.client.get(url, headers=env.athlete_user).json()
    run = view["run"]
    assert run["activity_id"] == run_id
    assert run["distance_km"] == pytest.approx(RUN_KM, abs=0.01)
    assert run["pace"] == RUN_PACE
    assert run["minutes"] == pytest.approx(RUN_MIN, abs=0.01)
    assert (view["ask_after_run"], view["ask_morning"], run["rpe"]) == (True, False, None)
    assert view["limits"] and view["limits"][0]["dimension"] == "distance"

    body = {"activity_id": run_id, "pain_during": 2, "pain_after": 3, "rpe": 6, "note": "ok"}
    r = env.client.post(url, json=body, headers=env.athlete_user)
    assert r.status_code == 200, r.text
    out = r.json()
    # sRPE = 6 x 44.417 min = 266.5 AU (Foster 2001; moving minutes).
    assert out["run"]["srpe"] == pytest.approx(266.5, abs=0.01)
    assert out["entry"]["pain_during"] == 2 and out["entry"]["pain_after"] == 3
    # The very entry the rules read, from the check-in.
    (entry,) = env.client.get(
        f"{API}/athletes/{env.athlete_id}/symptoms", headers=env.coach
    ).json()["data"]
    assert (entry["pain_during"], entry["pain_after"], entry["source"]) == (2, 3, "checkin")
    assert entry["note"] == "ok"
    again = env.client.get(url, headers=env.athlete_user).json()
    assert again["ask_after_run"] is False and again["run"]["rpe"] == 6

    # The series and status carry the session load as context.
    series = env.client.get(
        f"{API}/athletes/{env.athlete_id}/series?period=day", headers=env.coach
    ).json()
    today = series["data"][-1]
    assert today["srpe"] == pytest.approx(266.5, abs=0.01) and today["srpe_sessions"] == 1
    status = env.client.get(f"{API}/athletes/{env.athlete_id}/status", headers=env.coach).json()
    assert status["effort"]["last_7d"] == pytest.approx(266.5, abs=0.01)
    assert status["effort"]["grade"] == "contested"
    assert "never an alert" in status["effort"]["note"]


def test_the_morning_after_asks_pain_on_waking_and_completes_the_runs_entry(env: Env) -> None:
    run_id = _run(env, days_ago=1)
    url = f"{API}/athletes/{env.athlete_id}/checkin"
    r = env.client.post(
        url,
        json={"activity_id": run_id, "pain_during": 1, "pain_after": 1, "rpe": 4},
        headers=env.athlete_user,
    )
    assert r.status_code == 200, r.text
    view = env.client.get(url, headers=env.athlete_user).json()
    assert (view["ask_after_run"], view["ask_morning"]) == (False, True)
    r = env.client.post(
        url, json={"activity_id": run_id, "pain_next_morning": 4}, headers=env.athlete_user
    )
    assert r.status_code == 200, r.text
    entry = r.json()["entry"]
    assert (entry["pain_during"], entry["pain_after"], entry["pain_next_morning"]) == (1, 1, 4)
    assert entry["date"] == view["run"]["date"]
    assert env.client.get(url, headers=env.athlete_user).json()["ask_morning"] is False


def test_a_personal_link_checks_in_for_its_own_athlete_only_and_stops_when_revoked(
    env: Env,
) -> None:
    run_id = _run(env)
    link = _link(env)
    token = str(link["token"])
    assert token.startswith("lwc_") and link["path"] == (
        f"/checkin#athlete={env.athlete_id}&token={token}"
    )
    as_link = _bearer(token)
    own = f"{API}/athletes/{env.athlete_id}/checkin"
    assert env.client.get(own, headers=as_link).status_code == 200
    r = env.client.post(own, json={"activity_id": run_id, "pain_after": 2}, headers=as_link)
    assert r.status_code == 200, r.text
    other = env.client.post(
        f"{API}/athletes", json={"name": "Bea", "timezone": "UTC"}, headers=env.coach
    ).json()["id"]
    for method in ("GET", "POST"):
        r = env.client.request(
            method, f"{API}/athletes/{other}/checkin", json={"pain_after": 1}, headers=as_link
        )
        assert r.status_code == 404, r.text
        assert "Bea" not in r.text
    # It opens nothing else, even of its own athlete.
    for path in ("", "/status", "/symptoms", "/checkin-links"):
        r = env.client.get(f"{API}/athletes/{env.athlete_id}{path}", headers=as_link)
        assert r.status_code == 401, (path, r.text)
    # An athlete may not hand out links; a coach lists them without tokens.
    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/checkin-links", json={}, headers=env.athlete_user
    )
    assert r.status_code == 403
    (listed,) = env.client.get(
        f"{API}/athletes/{env.athlete_id}/checkin-links", headers=env.coach
    ).json()["data"]
    assert "token" not in listed and listed["last_used_at"] is not None and listed["active"]
    # Stored as its SHA-256 only.
    with env.store.sessions() as s:
        (row,) = s.scalars(sa.select(CheckinLink))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    r = env.client.delete(
        f"{API}/athletes/{env.athlete_id}/checkin-links/{link['id']}", headers=env.coach
    )
    assert r.status_code == 200 and r.json()["active"] is False
    assert env.client.get(own, headers=as_link).status_code == 401
    # Another athlete's link id is not this athlete's to revoke.
    bea_link = _link(env, other)
    r = env.client.delete(
        f"{API}/athletes/{env.athlete_id}/checkin-links/{bea_link['id']}", headers=env.coach
    )
    assert r.status_code == 404


def test_rpe_is_cr10_and_set_on_an_activity(env: Env) -> None:
    run_id = _run(env)
    url = f"{API}/activities/{run_id}/rpe"
    r = env.client.put(url, json={"rpe": 7.5}, headers=env.athlete_user)
    assert r.status_code == 200, r.text
    assert r.json()["srpe"] == pytest.approx(7.5 * RUN_MIN, abs=0.01)  # 333.1 AU
    for bad in (11, -1, 6.3, "hard"):
        r = env.client.put(url, json={"rpe": bad}, headers=env.athlete_user)
        assert r.status_code == 422, (bad, r.text)
    assert env.client.put(url, json={"rpe": None}, headers=env.coach).json()["srpe"] is None
    # A check-in with nothing in it, or an RPE without its run, is refused.
    checkin = f"{API}/athletes/{env.athlete_id}/checkin"
    assert env.client.post(checkin, json={}, headers=env.coach).status_code == 422
    assert env.client.post(checkin, json={"rpe": 5}, headers=env.coach).status_code == 422
