"""One activity's page through the API: its numbers with their provenance, its series, its
fast and uphill stretches and the flags it contributed to.

The interval session is built here as a GPX file whose every number is known by hand: a run
due north from 45° N, one point a second,

    warm-up   300 s at 3.0 m/s, flat        900 m   (0 .. 900 m)
    rep       120 s at 5.0 m/s, flat        600 m   (900 .. 1500 m)
    jog       180 s at 3.0 m/s, flat        540 m   (1500 .. 2040 m)
    climb     240 s at 2.5 m/s, +6 %        600 m   (2040 .. 2640 m), 36 m up
    cool-down 300 s at 3.0 m/s, flat        900 m   (2640 .. 3540 m)

for an athlete whose coach set fast = 4:30 /km (3.70 m/s).  Only the rep is fast: the climb's
grade-adjusted speed is 2.5 × C(0.06)/C(0) = 3.42 m/s (Minetti), under the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import gpxpy.gpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from loadwatch import auth
from loadwatch.api.app import create_app
from loadwatch.clock import utcnow
from loadwatch.config import Settings
from loadwatch.services.csv_import import import_log
from loadwatch.store.db import Store, open_store
from loadwatch.store.models import Flag
from support.databases import from_template
from support.demo_world import DemoWorld, copy_of
from support.paths import fit_totals

API = "/api/v1"
M_PER_DEG_LAT_45 = 111_132.0
# (seconds, speed m/s, grade)
SESSION = ((300, 3.0, 0.0), (120, 5.0, 0.0), (180, 3.0, 0.0), (240, 2.5, 0.06), (300, 3.0, 0.0))
SAMPLES = sum(s for s, _, _ in SESSION) + 1  # 1,141 points
DISTANCE_M = sum(s * v for s, v, _ in SESSION)  # 3,540 m
REP = (300.0, 420.0, 900.0, 1500.0)  # start s, end s, start m, end m
CLIMB = (2040.0, 2640.0)


def interval_gpx(start: datetime) -> bytes:
    doc = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack(name="intervals")
    track.type = "running"  # type: ignore[assignment]  # gpxpy annotates it as None
    doc.tracks.append(track)
    seg = gpxpy.gpx.GPXTrackSegment()
    track.segments.append(seg)
    north, ele, t = 0.0, 100.0, 0
    seg.points.append(gpxpy.gpx.GPXTrackPoint(45.0, 7.0, elevation=ele, time=start))
    for seconds, speed, grade in SESSION:
        for _ in range(seconds):
            north += speed
            ele += speed * grade
            t += 1
            seg.points.append(
                gpxpy.gpx.GPXTrackPoint(
                    45.0 + north / M_PER_DEG_LAT_45,
                    7.0,
                    elevation=round(ele, 3),
                    time=start + timedelta(seconds=t),
                )
            )
    return doc.to_xml().encode()


@dataclass
class Env:
    client: TestClient
    store: Store
    coach: dict[str, str]
    athlete_id: int


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def env(db_url: str, tmp_path: Path, migrated_sqlite: Path) -> Iterator[Env]:
    url = db_url
    from_template(url, migrated_sqlite)
    settings = Settings(data_dir=tmp_path / "data", database_url=url)
    store = Store(url, settings.data_dir)
    with store.transaction() as s:
        _, coach = auth.create_user(s, "coach", "coach")
    with TestClient(create_app(store, settings=settings)) as client:
        r = client.post(
            f"{API}/athletes",
            json={"name": "Ida", "timezone": "UTC", "fast_threshold": "4:30"},
            headers=_bearer(coach),
        )
        assert r.status_code == 201, r.text
        yield Env(client, store, _bearer(coach), r.json()["id"])
    store.close()


def _upload(env: Env, name: str, data: bytes) -> int:
    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/activities",
        files=[("files", (name, data, "application/octet-stream"))],
        headers=env.coach,
    )
    (outcome,) = r.json()["files"]
    assert outcome["status"] == "imported", outcome
    (activity_id,) = outcome["activity_ids"]
    return int(activity_id)


def _detail(env: Env, activity_id: int, **params: int) -> dict[str, object]:
    r = env.client.get(f"{API}/activities/{activity_id}/detail", params=params, headers=env.coach)
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def _start() -> datetime:
    # Yesterday 07:00 UTC, through the clock seam: any day of the week will do.
    return (utcnow() - timedelta(days=1)).replace(hour=7, minute=0, second=0, microsecond=0)


def test_interval_session_has_its_rep_and_its_climb(env: Env) -> None:
    start = _start()
    aid = _upload(env, "intervals.gpx", interval_gpx(start))
    d = _detail(env, aid)
    # 45° N 7° E is in Italy: the local day and clock are Rome's, from the position.
    local = start.astimezone(ZoneInfo("Europe/Rome"))
    assert d["local_date"] == local.date().isoformat()
    assert d["local_start"] == local.strftime("%H:%M")
    numbers = {n["field"]: n for n in d["numbers"]}  # type: ignore[attr-defined]
    # No device totals in a GPX: every number is computed from the samples.
    assert {n["source"] for n in numbers.values()} == {"computed"}
    assert numbers["distance_m"]["unit"] == "km"
    assert numbers["distance_m"]["value"] == pytest.approx(DISTANCE_M / 1000, abs=0.005)
    assert numbers["elevation_gain_m"]["value"] == pytest.approx(36.0, abs=2.0)
    # Trial item 12: each figure's key names the unit its value is in; the old field (the
    # stored column's name, in metres) stays, deprecated, for clients of the released API.
    by_key = {n["key"]: (n["field"], n["unit"]) for n in d["numbers"]}  # type: ignore[attr-defined]
    assert by_key["distance_km"] == ("distance_m", "km")
    assert by_key["uphill_distance_km"] == ("uphill_distance_m", "km")
    assert by_key["gap_distance_km"] == ("gap_distance_m", "km")
    assert by_key["elevation_gain_m"] == ("elevation_gain_m", "m")
    assert by_key["max_speed_mps"] == ("max_speed_mps", "m/s")
    # A GPX has no device top speed: ours is the sustained one, and says so.
    assert numbers["max_speed_mps"]["label"] == "Top speed (sustained)"
    thr = d["fast_threshold"]
    assert thr["source"] == "coach" and thr["pace_s_per_km"] == 270.0  # type: ignore[index]

    series = d["series"]
    assert series["reason"] is None  # type: ignore[index]
    assert series["samples"] == SAMPLES  # type: ignore[index]
    assert series["points"] == 1000 and len(series["pace_s_per_km"]) == 1000  # type: ignore[index]
    assert series["distance_km"][-1] == pytest.approx(DISTANCE_M / 1000, abs=0.01)  # type: ignore[index]
    # Mid-rep the pace is 1000 / 5 = 200 s/km; mid-warm-up 1000 / 3 = 333 s/km.
    km = series["distance_km"]  # type: ignore[index]
    pace = series["pace_s_per_km"]  # type: ignore[index]
    at = {round(k, 1): p for k, p in zip(km, pace, strict=True)}
    assert at[1.2] == pytest.approx(200.0, abs=2.0)
    assert at[0.5] == pytest.approx(333.3, abs=3.0)
    assert series["elevation_m"][-1] == pytest.approx(136.0, abs=1.0)  # type: ignore[index]

    fast = [s for s in d["stretches"] if s["kind"] == "fast"]  # type: ignore[attr-defined]
    uphill = [s for s in d["stretches"] if s["kind"] == "uphill"]  # type: ignore[attr-defined]
    assert len(fast) == 1 and len(uphill) == 1, d["stretches"]
    (rep,) = fast
    # The 10 s speed window blurs each edge by up to 5 s (15 m at 3 m/s, 25 m at 5 m/s).
    assert rep["start_s"] == pytest.approx(REP[0], abs=5)
    assert rep["end_s"] == pytest.approx(REP[1], abs=5)
    assert rep["start_m"] == pytest.approx(REP[2], abs=20)
    assert rep["distance_m"] == pytest.approx(REP[3] - REP[2], abs=30)
    assert rep["pace_s_per_km"] == pytest.approx(200.0, abs=10)
    # The fast km at the threshold of its day (from the speed histogram) is the rep.
    assert numbers["fast_distance_m"]["value"] == pytest.approx(rep["distance_m"] / 1000, abs=0.03)
    # What the rep adds to them is exactly the fast km: the page's sentence sums counted_m.
    assert rep["counted_m"] / 1000 == pytest.approx(numbers["fast_distance_m"]["value"], abs=1e-3)
    (climb,) = uphill
    # Grade is taken over ±50 m: the edges move by less than that.
    assert climb["start_m"] == pytest.approx(CLIMB[0], abs=25)
    assert climb["distance_m"] == pytest.approx(CLIMB[1] - CLIMB[0], abs=30)
    assert numbers["uphill_distance_m"]["value"] == pytest.approx(
        climb["distance_m"] / 1000, abs=0.02
    )
    assert climb["counted_m"] / 1000 == pytest.approx(
        numbers["uphill_distance_m"]["value"], abs=1e-3
    )
    assert d["flags"] == []


def test_series_are_thinned_to_max_points(env: Env) -> None:
    aid = _upload(env, "intervals.gpx", interval_gpx(_start()))
    series = _detail(env, aid, max_points=100)["series"]
    assert series["samples"] == SAMPLES and series["points"] == 100  # type: ignore[index]
    assert len(series["heart_rate"]) == 100  # type: ignore[index]
    assert set(series["heart_rate"]) == {None}  # type: ignore[index]  # no heart rate recorded
    r = env.client.get(f"{API}/activities/{aid}/detail?max_points=1", headers=env.coach)
    assert r.status_code == 422


def test_missing_stream_gives_numbers_and_a_reason(env: Env) -> None:
    aid = _upload(env, "intervals.gpx", interval_gpx(_start()))
    for parquet in env.store.streams.root.rglob("*.parquet"):
        parquet.unlink()
    d = _detail(env, aid)
    assert d["series"]["points"] == 0 and d["series"]["t_s"] == []  # type: ignore[index]
    assert d["series"]["reason"] == "its stored samples could not be read: numbers only"  # type: ignore[index]
    assert str(env.store.streams.root) not in str(d)  # no server path reaches the client
    assert d["stretches"] == [] and d["stretches_note"] == "no samples: no stretches"
    numbers = {n["field"]: n["value"] for n in d["numbers"]}  # type: ignore[attr-defined]
    assert numbers["distance_m"] == pytest.approx(DISTANCE_M / 1000, abs=0.005)


def test_training_log_row_has_numbers_from_the_log(env: Env) -> None:
    day = (_start() + timedelta(hours=1)).date()  # the same UTC day, whatever the offset
    log = f"date,distance_km,duration,climbing_m\n{day.isoformat()},10.0,3000,120\n".encode()
    # Logs come in through the CLI's import (the API's CSV upload is issue 22, item 6).
    import_log(env.store, env.athlete_id, log, "log.csv")
    page = env.client.get(f"{API}/athletes/{env.athlete_id}/activities", headers=env.coach)
    (row,) = page.json()["data"]
    aid = row["id"]
    d = _detail(env, aid)
    assert d["series"]["reason"] == "a training-log entry has no samples: numbers only"  # type: ignore[index]
    numbers = {n["field"]: n for n in d["numbers"]}  # type: ignore[attr-defined]
    assert numbers["distance_m"] == {
        "key": "distance_km",
        "field": "distance_m",
        "label": "Distance",
        "value": 10.0,
        "unit": "km",
        "source": "log",
    }
    assert numbers["moving_time_s"]["value"] == 3000.0
    assert numbers["avg_pace_s_per_km"]["value"] == 300.0
    assert d["stretches"] == [] and d["stretches_note"] == "no samples: no stretches"


def test_another_athletes_activity_is_not_found(env: Env) -> None:
    aid = _upload(env, "intervals.gpx", interval_gpx(_start()))
    with env.store.transaction() as s:
        _, stranger = auth.create_user(s, "other-coach", "coach")
    r = env.client.get(f"{API}/activities/{aid}/detail", headers=_bearer(stranger))
    assert r.status_code == 404
    assert env.client.get(f"{API}/activities/999999/detail", headers=env.coach).status_code == 404


def test_real_fit_numbers_are_the_devices(env: Env, corpus: Path) -> None:
    name = "fit/gc_10kUNLP2014-Garmin15.fit"
    aid = _upload(env, "10k.fit", (corpus / name).read_bytes())
    d = _detail(env, aid)
    device_km = float(fit_totals()[name]["total_distance_m"]) / 1000
    numbers = {n["field"]: n for n in d["numbers"]}  # type: ignore[attr-defined]
    assert numbers["distance_m"]["source"] == "device"
    assert numbers["distance_m"]["value"] == pytest.approx(device_km, abs=1e-4)
    act = env.client.get(f"{API}/activities/{aid}", headers=env.coach).json()
    series = d["series"]
    assert series["samples"] == act["n_samples"]  # type: ignore[index]
    assert series["points"] == min(1000, act["n_samples"])  # type: ignore[index]
    # The steps are scaled onto the device's distance: the drawn line ends there.
    assert series["distance_km"][-1] == pytest.approx(device_km, abs=0.02)  # type: ignore[index]


# --- the flags a run raised: Spiky Sara's 30.8 km long run of Sunday 2026-11-15 -----------
SARA_LONG_RUN = date(2026, 11, 15)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_template: DemoWorld) -> DemoWorld:
    return copy_of(demo_template, tmp_path_factory.mktemp("detail") / "demo")


def test_long_run_shows_the_flags_it_raised(demo: DemoWorld) -> None:
    store = open_store(Settings(data_dir=demo.data_dir, database_url=None))
    coach = _bearer(demo.coach_token)
    try:
        with TestClient(create_app(store)) as client:
            page = client.get(
                f"{API}/athletes/{demo.sara}/activities?limit=100", headers=coach
            ).json()
            runs = [a for a in page["data"] if a["sport"] == "running"]
            long_run = max(runs, key=lambda a: a["distance_m"])
            assert long_run["distance_m"] == pytest.approx(30_800, abs=100)
            d = client.get(f"{API}/activities/{long_run['id']}/detail", headers=coach).json()
            walk = next(a for a in page["data"] if a["sport"] == "walking")
            w = client.get(f"{API}/activities/{walk['id']}/detail", headers=coach).json()
            # A flag the rules no longer raise is not one this run raised.
            caution = next(f for f in d["flags"] if f["severity"] == "caution")
            with store.transaction() as s:
                s.execute(update(Flag).where(Flag.id == caution["id"]).values(status="resolved"))
            again = client.get(f"{API}/activities/{long_run['id']}/detail", headers=coach).json()
    finally:
        store.close()
    assert d["local_date"] == SARA_LONG_RUN.isoformat()
    # Her long run is 1.4x her longest (README of sample_data): Frandsen's 30-100 % band, a
    # caution since severity follows the evidence; and the week's uphill km over twice the
    # usual week (the contested ramp: a caution at most).  Her distance ramp (1.5) is under the
    # ramp's 2.0 line, and her alert of that week is Thursday's climb (SARA_REASON), not this run.
    assert [(f["dimension"], f["rule"], f["severity"]) for f in d["flags"]] == [
        ("distance", "session_spike", "caution"),
        ("uphill", "weekly_ramp", "caution"),
    ]
    assert d["flags"][0]["message"] == (
        "Sunday's 30.8 km run is 40 % longer than your longest run of the last 30 days (22.0 km)."
    )
    assert d["flags"][0]["evidence"]["grade"] == "strong"
    assert {f["date"] for f in d["flags"]} == {SARA_LONG_RUN.isoformat()}
    assert [f["id"] for f in again["flags"]] == [d["flags"][1]["id"]]
    assert d["series"]["points"] == 1000 and d["series"]["reason"] is None
    # A walk is not running: it feeds no load, raises no flag and has no stretches.
    assert w["flags"] == [] and w["stretches"] == []
    assert w["stretches_note"] == "walking is not running: no fast or uphill stretches"


# --- trial item 10: the pain flag a run raised is among the flags it fed -------------------
def test_a_run_lists_the_pain_flags_it_raised(env: Env) -> None:
    """Pain is linked to the running of its day, else of the day before (rules/response.py):
    the pain after a run and the pain logged the next day, with no run that day, are both that
    run's; a later or an earlier run has neither."""
    today = utcnow().date()
    run_day, sore_day, next_run = (today - timedelta(days=d) for d in (4, 3, 2))
    rows = ["date,distance_km,duration"]
    rows += [f"{today - timedelta(days=back)},8,40:00" for back in range(44, 5, -2)]
    rows += [f"{run_day},10,50:00", f"{next_run},9,45:00"]
    import_log(env.store, env.athlete_id, ("\n".join(rows) + "\n").encode(), "log.csv")
    listed = env.client.get(
        f"{API}/athletes/{env.athlete_id}/activities?limit=100", headers=env.coach
    ).json()["data"]
    by_day = {a["start_time"][:10]: a["id"] for a in listed}
    checkin = f"{API}/athletes/{env.athlete_id}/checkin"
    body = {"activity_id": by_day[run_day.isoformat()], "pain_during": 3, "pain_after": 7}
    assert env.client.post(checkin, json=body, headers=env.coach).status_code == 200
    body = {"date": sore_day.isoformat(), "pain_after": 5}
    assert env.client.post(checkin, json=body, headers=env.coach).status_code == 200

    def pain_flags(day: date) -> list[tuple[str, str]]:
        d = _detail(env, by_day[day.isoformat()])
        flags = d["flags"]
        assert isinstance(flags, list)
        return [(f["date"], f["severity"]) for f in flags if f["rule"] == "pain_response"]

    # 7/10 after the run: a flare (alert, from 6); 5/10 the next day: irritated (caution, 4-5).
    assert pain_flags(run_day) == [
        (run_day.isoformat(), "alert"),
        (sore_day.isoformat(), "caution"),
    ]
    assert pain_flags(next_run) == []
    assert pain_flags(run_day - timedelta(days=2)) == []


def test_the_device_top_speed_is_not_called_sustained() -> None:
    from loadwatch.services.activity_detail import _numbers
    from loadwatch.store.models import Activity

    run = Activity(source="file", distance_m=5000.0, max_speed_mps=5.2)
    run.totals_source = {"distance_m": "device", "max_speed_mps": "device"}
    got = {n.key: (n.label, n.value, n.unit, n.source) for n in _numbers(run, None)}
    assert got["max_speed_mps"] == ("Top speed (device)", 5.2, "m/s", "device")
    assert got["distance_km"] == ("Distance", 5.0, "km", "device")


def test_moving_time_says_timer_only_when_a_device_timer_gave_it() -> None:
    """trial9 F21: a GPX (no timer) showed "Moving time (timer)"."""
    from loadwatch.services.activity_detail import _numbers
    from loadwatch.store.models import Activity

    gpx = Activity(source="file", distance_m=0.0, moving_time_s=700_000.0)
    gpx.totals_source = {"moving_time_s": "computed"}
    fit = Activity(source="file", distance_m=5000.0, moving_time_s=1500.0)
    fit.totals_source = {"moving_time_s": "device"}
    got_gpx = {n.key: (n.label, n.source) for n in _numbers(gpx, None)}
    got_fit = {n.key: (n.label, n.source) for n in _numbers(fit, None)}
    assert got_gpx["moving_time_s"] == ("Moving time", "computed")
    assert got_fit["moving_time_s"] == ("Moving time (timer)", "device")
