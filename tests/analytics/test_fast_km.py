"""Issue 16, "speed means running fast", end to end: 1 Hz GPX runs with GPS wander, jitter and
altitude noise (``noisy_runs``) imported by the real import path, evaluated by the evaluation
service; fast km read where the coach reads it (daily frame, flags).

* a hilly week at unchanged easy pace: 0 speed flags (the old grade-adjusted fast km counted
  the climbs as fast running);
* three flat easy runs at 5:30/km: 0.0 fast km, and no plan_breach on a plan without fast
  running;
* 6 × 800 m at 10 % quicker than the athlete's own threshold: 4.8 km fast (± 5 %).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import support.noisy_runs as nr
from loadwatch import auth
from loadwatch.analytics.daily import daily_frame
from loadwatch.analytics.fast import pace
from loadwatch.api.app import create_app
from loadwatch.cli import app as cli_app
from loadwatch.config import Settings
from loadwatch.ingest.summary.activity import SPEED_BIN_MPS
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.engine import evaluate
from loadwatch.rules.headroom import headroom
from loadwatch.rules.plan import PlanSpec, judge
from loadwatch.schemas.rehab import PlanIn
from loadwatch.services.evaluation import drain_pending
from loadwatch.services.flag_list import list_flags
from loadwatch.services.importing import import_paths
from loadwatch.services.inputs import EvaluationInputs, evaluation_inputs
from loadwatch.services.rehab import start_plan
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store
from support.activity_builder import days, frame
from support.databases import at_head
from support.reading import read

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FIRST_MONDAY = date(2026, 8, 3)
RUN_DAYS = (1, 3, 5)  # Tuesday, Thursday, Saturday


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Store, Settings]]:
    settings = Settings(data_dir=tmp_path / "data")
    store = Store(at_head(settings.db_url), settings.data_dir)
    yield store, settings
    store.close()


def athlete(store: Store, name: str) -> int:
    with store.transaction() as s:
        return athlete_store.get_or_create_athlete(s, name, "UTC").id


def run_import(
    env: tuple[Store, Settings],
    aid: int,
    runs: list[tuple[date, np.ndarray]],
    folder: Path,
    alt: Callable[[np.ndarray], np.ndarray] = nr.flat,
) -> None:
    store, settings = env
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (day, speeds) in enumerate(runs):
        p = folder / f"{day.isoformat()}.gpx"
        start = datetime.combine(day, time(7, 0), tzinfo=UTC)
        p.write_bytes(nr.gpx(speeds, start, alt_of_distance=alt, seed=day.toordinal() + i))
        paths.append(p)
    rep = import_paths(store, settings, aid, paths)
    assert rep.counts()["imported"] == len(runs), [o.reason for o in rep.outcomes]


def easy_weeks(n: int, km: float = 6.0) -> list[tuple[date, np.ndarray]]:
    return [
        (FIRST_MONDAY + timedelta(weeks=w, days=d), nr.steady(km))
        for w in range(n)
        for d in RUN_DAYS
    ]


def inputs(store: Store, aid: int, today: date) -> EvaluationInputs:
    return read(store, evaluation_inputs, aid, today)


def fast_km_on(inp: EvaluationInputs, day: date) -> float:
    return float(inp.daily.filter(pl.col("date") == day)["fast_km"].item())


def test_a_hilly_week_at_easy_pace_gives_no_speed_flag(
    env: tuple[Store, Settings], tmp_path: Path
) -> None:
    store, _ = env
    aid = athlete(store, "Hill week")
    run_import(env, aid, easy_weeks(4), tmp_path / "base")
    hill_week = FIRST_MONDAY + timedelta(weeks=4)
    hills = [(hill_week + timedelta(days=d), nr.steady(6.0)) for d in RUN_DAYS]
    # 60 m up and down every 1.5 km: 240 m per 6 km run, grades up to ±12 %.
    run_import(env, aid, hills, tmp_path / "hills", alt=nr.rolling_hills(60.0, 1500.0))
    sunday = hill_week + timedelta(days=6)
    drain_pending(store, today=sunday)

    flags = read(store, list_flags, aid, statuses=None)
    assert [f for f in flags if f.dimension == "speed"] == []
    inp = inputs(store, aid, sunday)
    week = inp.daily.filter(pl.col("week_start") == hill_week)
    assert week["fast_km"].sum() == 0.0
    assert week["uphill_km"].sum() > 5.0  # the climbing is the hills dimensions' business
    # The scenario is the one that fooled grade-adjusted fast km: on the stored
    # grade-adjusted histograms, each hilly run has over a kilometre "quicker" than the
    # threshold of its day.
    thr = inp.fast.speed_mps
    hilly = inp.activities.filter(pl.col("start_time").dt.date() >= hill_week)
    over = [sum(h[int(thr / SPEED_BIN_MPS) + 1 :]) for h in hilly["gap_speed_hist_m"].to_list()]
    assert len(over) == 3 and min(over) > 1000.0


def test_three_flat_easy_runs_are_not_fast_and_keep_a_no_fast_plan(
    env: tuple[Store, Settings], tmp_path: Path
) -> None:
    store, _ = env
    aid = athlete(store, "Easy return")
    with store.transaction() as s:
        a = athlete_store.get_athlete(s, aid)
        start_plan(
            s, a, PlanIn(start_date=FIRST_MONDAY, weekly_km=20, longest_run_km=8, weekly_fast_km=0)
        )
    run_import(env, aid, easy_weeks(1), tmp_path / "easy")
    sunday = FIRST_MONDAY + timedelta(days=6)
    drain_pending(store, today=sunday)

    inp = inputs(store, aid, sunday)
    assert inp.fast.source == "default"  # three runs: too few to derive the athlete's own
    assert inp.daily["fast_km"].to_list() == [0.0] * inp.daily.height
    assert inp.daily["runs"].sum() == 3
    flags = read(store, list_flags, aid, statuses=None)
    assert [f for f in flags if f.rule == "plan_breach"] == []
    # Each run's sample-level speed does cross the threshold now and then: the noise is real.
    blips = [
        sum(h[int(inp.fast.speed_mps / SPEED_BIN_MPS) + 1 :])
        for h in inp.activities["speed_hist_m"].to_list()
    ]
    assert max(blips) > 0.0


def test_six_by_800_at_ten_percent_over_the_threshold_is_4_8_fast_km(
    env: tuple[Store, Settings], tmp_path: Path, data_dir: Path
) -> None:
    store, _ = env
    aid = athlete(store, "Track Tuesday")
    run_import(env, aid, easy_weeks(3), tmp_path / "base")
    session_day = FIRST_MONDAY + timedelta(weeks=3, days=1)
    thr = inputs(store, aid, session_day).fast
    assert thr.source == "derived"
    # The athlete's own flat running: 5:30/km as the watch measures it, fast 15 % quicker.
    assert 1.15 * nr.EASY_MPS <= thr.speed_mps <= 1.15 * 1.03 * nr.EASY_MPS, pace(thr.speed_mps)
    reps = nr.intervals(6, 800.0, 1.10 * thr.speed_mps, jog_s=90.0, jog_mps=2.2, warm_km=2.0)
    run_import(env, aid, [(session_day, reps)], tmp_path / "reps")
    drain_pending(store, today=session_day)

    inp = inputs(store, aid, session_day)
    assert inp.fast.speed_mps == thr.speed_mps  # the session does not move its own threshold
    got = fast_km_on(inp, session_day)
    print(f"threshold {pace(thr.speed_mps)}, 6 x 800 m: {got:.3f} fast km")
    assert got == pytest.approx(4.8, rel=0.05)
    # The easy weeks before it: none.
    assert inp.daily.filter(pl.col("date") < session_day)["fast_km"].sum() == 0.0

    # One number everywhere: the week, the activity list (API and CLI) and the flags' words.
    week = inp.daily.filter(pl.col("week_start") == session_day - timedelta(days=1))
    assert week["fast_km"].sum() == pytest.approx(got)
    store, settings = env
    with store.transaction() as s:
        _, token = auth.create_user(s, "admin", "admin")
    with TestClient(create_app(store, settings=settings)) as client:
        r = client.get(
            f"/api/v1/athletes/{aid}/activities",
            params={"limit": 500},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert r.status_code == 200, r.text
    api = {a["start_time"][:10]: a["fast_distance_m"] for a in r.json()["data"]}
    assert api.pop(session_day.isoformat()) / 1000.0 == pytest.approx(got)
    assert set(api.values()) == {0.0} and len(api) == 9
    out = CliRunner().invoke(cli_app, ["activities", "--athlete", "Track Tuesday", "--json"])
    assert out.exit_code == 0, out.output
    cli = {a["start_local"][:10]: a["fast_distance_m"] for a in json.loads(out.output)["data"]}
    assert cli[session_day.isoformat()] / 1000.0 == pytest.approx(got)


def test_speed_sentences_name_the_pace_of_the_day() -> None:
    # test_rules' tripled fast running (3 fast km a week, then 9), judged at 4.0 m/s: the
    # sentences say what fast meant, 4:10/km.
    mon = date(2026, 1, 5)
    week = [0.0, 8.0, 6.0, 8.0, 0.0, 6.0, 16.0]
    fast = [0.0, 2.0, 0.0, 1.0, 0.0, 0.0, 0.0]
    rows = days(mon, week, fast_km=fast, repeat=6)
    rows += days(mon + timedelta(weeks=6), week, fast_km=[3 * x for x in fast])
    d = daily_frame(frame(rows), tz="UTC", fast_speed_mps=4.0)
    spike, ramp = (f for f in evaluate(d, RuleConfig()) if f.dimension == "speed")
    assert spike.message == (
        "Tuesday's run had 6.0 km quicker than 4:10/km, 3.0× your most in one run "
        "over the last 30 days (2.0 km)."
    )
    assert ramp.message == (
        "Fast km in the 7 days to Tuesday: 7.0 km quicker than 4:10/km, 2.3× your usual "
        "week (3.0 km)."
    )
    room = {
        h.dimension: h for h in headroom(d, RuleConfig(), today=mon + timedelta(weeks=6, days=1))
    }
    assert room["speed"].message.startswith(
        "Fast km (quicker than 4:10/km): 7.0 km in the last 7 days"
    ), room["speed"].message


def test_plan_breach_on_fast_km_names_the_pace() -> None:
    # 1.0 fast km (at 4.0 m/s) on a plan without fast running (allowance 0.2 km).
    d0 = date(2026, 10, 5)
    daily = daily_frame(frame(days(d0, [5.0], fast_km=[1.0])), tz="UTC", fast_speed_mps=4.0)
    plan = PlanSpec(start=d0, weekly_km=15.0, longest_run_km=6.0, weekly_fast_km=0.0)
    [rec] = judge([plan], daily, [], d0).records
    assert (rec.rule, rec.dimension, rec.value) == ("plan_breach", "speed", 1.0)
    assert rec.message.startswith(
        "Monday's run had 1.0 km quicker than 4:10/km on a plan without fast running; "
        "this plan week has 1.0 km quicker than 4:10/km, on a plan without fast running"
    ), rec.message
