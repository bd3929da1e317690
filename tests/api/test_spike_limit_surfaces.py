"""The day after a flagged spike every surface offers no more than what the spike was judged
against, not 1.1 x the spike (``rules.spike_limit`` through the stored summary; docs/rules.md
"Headroom: a promise"): status (API), the triage card's next run and the check-in page."""

from __future__ import annotations

from datetime import date, timedelta

from loadwatch.clock import local_today
from loadwatch.rules.messages import day_name
from support.api_env import API, Env


def _log(env: Env) -> date:
    """Five weeks of 10 km every other day, then 20 km yesterday (all flat: 40 m a run):
    yesterday's run is twice the longest of its 30 days, a spike.  Returns yesterday."""
    yesterday = local_today("UTC") - timedelta(days=1)
    rows = ["date,sport,distance_km,duration,elevation_gain_m"]
    for back in range(2, 36, 2):
        rows.append(f"{yesterday - timedelta(days=back)},Run,10.0,0:55:00,40")
    rows.append(f"{yesterday},Run,20.0,1:50:00,40")
    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/logs",
        files=[("files", ("log.csv", ("\n".join(rows) + "\n").encode(), "text/csv"))],
        headers=env.coach,
    )
    assert r.status_code == 200, r.text
    return yesterday


def test_after_a_spike_status_triage_and_checkin_offer_the_pre_spike_longest(env: Env) -> None:
    day = _log(env)
    flags = env.client.get(f"{API}/athletes/{env.athlete_id}/flags", headers=env.coach).json()[
        "data"
    ]
    spikes = [
        (f["date"], f["dimension"], f["baseline"]) for f in flags if f["rule"] == "session_spike"
    ]
    assert spikes == [(day.isoformat(), "distance", 10.0)]

    dims = {
        d["dimension"]: d
        for d in env.client.get(
            f"{API}/athletes/{env.athlete_id}/status", headers=env.coach
        ).json()["dimensions"]
    }
    dist = dims["distance"]
    # The rules alone offer 1.1 x the spike itself, 22.0 km; the spike was judged against
    # 10.0 km, and that is the next run's limit.  The 7 days: the ramp's 2 x 35 km less the
    # 40 km the 7 days ending tomorrow hold, 30 km, as before.
    assert (dist["headroom_run"], dist["headroom_week"]) == (10.0, 30.0)
    # No alert line beside it: 2 x the spike (40 km) would read as leave to run 40.
    assert dist["headroom_run_alert"] is None
    name, until = day_name(day), day + timedelta(days=13)
    assert dist["headroom_note"] == (
        "Distance: 40.0 km in the last 7 days (usual week 35.0 km); next run up to 10.0 km "
        f"until {day_name(until)} {until}: {name}'s 20.0 km was a spike over 10.0 km, not yet "
        "a baseline; up to 30.0 km more over the next 7 days."
    )
    # Climbing was no spike (40 m a run): its limit stays the rules' own.
    assert dims["hills"]["headroom_run_alert"] is not None

    board = env.client.get(f"{API}/dashboard", headers=env.coach).json()["data"]
    (row,) = [x for x in board if x["athlete_id"] == env.athlete_id]
    assert row["headroom_run"]["distance"] == 10.0

    view = env.client.get(
        f"{API}/athletes/{env.athlete_id}/checkin", headers=env.athlete_user
    ).json()
    limits = {x["dimension"]: x["next_run"] for x in view["limits"]}
    assert limits["distance"] == 10.0
