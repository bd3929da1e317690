"""After a pain flare every surface offers the step back, not more than the run that flared:
status (API), the triage card's next run and the check-in page read one limit
(``rules.flare_limit`` through the stored summary; docs/rules.md "Headroom: a promise")."""

from __future__ import annotations

from datetime import date, timedelta

from loadwatch.clock import local_today
from loadwatch.rules.messages import day_name
from support.api_env import API, Env


def _log(env: Env) -> date:
    """Five weeks of 10 km every other day but 19 km 16 days before yesterday, then 20 km
    yesterday (all flat: 40 m a run); returns yesterday.  The 19 km keeps yesterday's 20 km
    from being a spike (20 / 19 = 1.05), whose own cap (rules.spike_limit) would bind first."""
    yesterday = local_today("UTC") - timedelta(days=1)
    rows = ["date,sport,distance_km,duration,elevation_gain_m"]
    for back in range(2, 36, 2):
        km = 19.0 if back == 16 else 10.0
        rows.append(f"{yesterday - timedelta(days=back)},Run,{km},0:55:00,40")
    rows.append(f"{yesterday},Run,20.0,1:50:00,40")
    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/logs",
        files=[("files", ("log.csv", ("\n".join(rows) + "\n").encode(), "text/csv"))],
        headers=env.coach,
    )
    assert r.status_code == 200, r.text
    return yesterday


def test_after_a_flare_status_triage_and_checkin_offer_the_step_back(env: Env) -> None:
    day = _log(env)
    status_url = f"{API}/athletes/{env.athlete_id}/status"
    before = {
        d["dimension"]: d
        for d in env.client.get(status_url, headers=env.coach).json()["dimensions"]
    }
    # The rules alone: 10 % over the 30-day longest (20 km) is 22.0 km (the 7 days ending
    # tomorrow hold 40 km of the 2 x 37.25 km the ramp allows: 34.5 km more; 37.25 = the
    # 13 x 10 + 19 km of the 28 days before, a week's share).
    assert before["distance"]["headroom_run"] == 22.0
    # And the alert line: the spike alerts at 2 x the 30-day longest run, 40.0 km.
    assert before["distance"]["headroom_run_alert"] == 40.0

    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/symptoms",
        json={"date": day.isoformat(), "pain_next_morning": 6},
        headers=env.athlete_user,
    )
    assert r.status_code == 201 and r.json()["response"]["state"] == "flare"

    dims = {
        d["dimension"]: d
        for d in env.client.get(status_url, headers=env.coach).json()["dimensions"]
    }
    # No tolerated load on record: a quarter below the 20 km that flared, 0.75 x 20 = 15.0 km;
    # climbing 0.75 x 40 = 30 m; it had no fast km: none.
    assert (dims["distance"]["headroom_run"], dims["hills"]["headroom_run"]) == (15.0, 30.0)
    assert dims["speed"]["headroom_run"] == 0.0
    # The step back is the only limit offered: no alert line beside it (a 40 km "before an
    # alert" after a flare on 20 km reads as leave to run it).
    assert {d: x["headroom_run_alert"] for d, x in dims.items()} == dict.fromkeys(dims)
    week = dims["distance"]["headroom_week"]
    # The 7 days to the flare: 20 + 3 x 10 = 50 km, 0.75 x 50 = 37.5 km; the ramp leaves 34.5.
    assert week == 34.5
    name = day_name(day)
    assert dims["distance"]["headroom_note"] == (
        f"Distance: step back after the pain flare on {name} {day}: next run up to 15.0 km "
        f"(a quarter below {name}'s 20.0 km); up to 34.5 km more over the next 7 days."
    )

    board = env.client.get(f"{API}/dashboard", headers=env.coach).json()["data"]
    (row,) = [x for x in board if x["athlete_id"] == env.athlete_id]
    assert (row["headroom_run"]["distance"], row["headroom_run"]["speed"]) == (15.0, 0.0)

    view = env.client.get(
        f"{API}/athletes/{env.athlete_id}/checkin", headers=env.athlete_user
    ).json()
    limits = {x["dimension"]: x["next_run"] for x in view["limits"]}
    assert limits == {"distance": 15.0, "speed": 0.0, "hills": 30.0}


def test_after_a_flare_the_plan_check_holds_the_step_back_status_offers(env: Env) -> None:
    day = _log(env)
    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/symptoms",
        json={"date": day.isoformat(), "pain_next_morning": 6},
        headers=env.athlete_user,
    )
    assert r.status_code == 201 and r.json()["response"]["state"] == "flare"
    tomorrow = day + timedelta(days=2)  # the day after today: ahead whatever was run today

    def check(km: float) -> dict[str, object]:
        r = env.client.post(
            f"{API}/athletes/{env.athlete_id}/planned/check",
            json={"sessions": [{"date": str(tomorrow), "distance_km": km}]},
            headers=env.coach,
        )
        assert r.status_code == 200, r.text
        (s,) = r.json()["sessions"]
        return dict(s)

    # 18 km is under the rules' 22.0 km (0.9 x the 20 km longest: no spike), over the 15.0 km
    # step back status offers: a caution in status's words, its suggestion the step back.
    s = check(18.0)
    assert s["verdict"] == "caution"
    (f,) = s["findings"]  # type: ignore[misc]
    assert (f["rule"], f["dimension"], f["severity"], f["value"], f["baseline"]) == (
        "flare_step_back",
        "distance",
        "caution",
        18.0,
        15.0,
    )
    name, until = day_name(day), day + timedelta(days=13)
    assert f["message"] == (
        f"over the step back after the pain flare on {name} {day}: a run up to 15.0 km until "
        f"{day_name(until)} {until} (a quarter below {name}'s 20.0 km)"
    )
    assert s["suggestion"] == {
        "how": "distance",
        "distance_km": 15.0,
        "fast_km": 0.0,
        "climb_m": 0.0,
    }
    # The step back itself raises nothing.
    assert check(15.0)["verdict"] == "ok"
