"""Every number a response carries is rounded one way (``rounding.py``, 4 places):
a week's sum of fast km or an activity's fast metres never shows float noise
("17.99103000000003") beside rounded neighbours (trial 10 F8)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from loadwatch.clock import local_today
from support.api_env import API, Env


def _floats(x: Any) -> list[float]:
    if isinstance(x, float):
        return [x]
    if isinstance(x, dict):
        return [f for v in x.values() for f in _floats(v)]
    if isinstance(x, list):
        return [f for v in x for f in _floats(v)]
    return []


def test_status_and_activities_carry_rounded_numbers(env: Env) -> None:
    today = local_today("UTC")
    rows = ["date,sport,distance_km,duration,elevation_gain_m"]
    # Runs whose metres, paces and climbs sum with binary noise (0.1 + 0.2 style).
    for back, km, climb in [(1, 10.1, 10.1), (2, 10.2, 20.2), (3, 10.3, 30.3), (5, 7.7, 0.7)]:
        rows.append(f"{today - timedelta(days=back)},Run,{km},0:5{back}:07,{climb}")
    for back in range(8, 40, 2):
        rows.append(f"{today - timedelta(days=back)},Run,8.1,0:44:13,11.1")
    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/logs",
        files=[("files", ("log.csv", ("\n".join(rows) + "\n").encode(), "text/csv"))],
        headers=env.coach,
    )
    assert r.status_code == 200, r.text
    status = env.client.get(f"{API}/athletes/{env.athlete_id}/status", headers=env.coach).json()
    acts = env.client.get(f"{API}/athletes/{env.athlete_id}/activities", headers=env.coach).json()
    numbers = _floats(status["dimensions"]) + _floats(acts["data"])
    assert numbers
    noisy = [x for x in numbers if round(x, 4) != x]
    assert noisy == []
