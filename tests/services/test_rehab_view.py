"""What the athlete page shows for rehab (issue 17 item 4, docs/rehab.md "On the athlete
page"), on the demo's Returning Rosa through the real path (sample data imported and evaluated
as ``loadwatch demo`` does): the caps per calendar week the charts draw instead of the
pre-injury usual week, the pain log, the plan's timeline with why each step was taken, and a
headroom that never offers what her plan forbids."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from loadwatch.api.app import create_app
from loadwatch.clock import pin_today
from loadwatch.schemas.rehab import PlanIn
from loadwatch.services.csv_import import import_log
from loadwatch.services.inputs import evaluation_inputs
from loadwatch.services.rehab import start_plan
from loadwatch.services.status import athlete_status
from loadwatch.services.views import compute
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store
from support.demo_world import DemoWorld, copy_of

# (The demo's tests skip without sample_data/: demo_template does.)
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
API = "/api/v1"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, demo_template: DemoWorld) -> DemoWorld:
    return copy_of(demo_template, tmp_path_factory.mktemp("rehab-view") / "demo")


@pytest.fixture
def client(world: DemoWorld) -> Iterator[TestClient]:
    pin_today(world.today)  # the demo's day: her plan week 5
    store = world.store()
    try:
        with TestClient(create_app(store)) as c:
            c.headers["Authorization"] = f"Bearer {world.coach_token}"
            yield c
    finally:
        store.close()
        pin_today(None)


def test_rosas_chart_caps_follow_her_plan_week_by_week(world: DemoWorld) -> None:
    store = world.store()
    try:
        with store.sessions() as s:
            st = athlete_status(s, world.rosa, today=world.today)
    finally:
        store.close()
    assert st.rehab is not None
    # docs/rehab.md's table: 15 → 16.5 → 18.1 (raised 10 % twice), held, stepped back to a
    # 6.0 km longest run after the flare of 2026-11-07, held.  Her plan starts on a Monday,
    # so plan weeks are calendar weeks; week 4 ends under the stepped-back caps.
    got = [
        (c.week_start, c.plan_week, c.weekly_km, c.longest_run_km, c.step)
        for c in st.rehab.chart_caps
    ]
    assert got == [
        (date(2026, 10, 12), 1, 15.0, 6.0, "start"),
        (date(2026, 10, 19), 2, 16.5, 6.6, "raised"),
        (date(2026, 10, 26), 3, 18.1, 7.2, "raised"),
        (date(2026, 11, 2), 4, 18.1, 6.0, "stepped_back"),
        (date(2026, 11, 9), 5, 18.1, 6.0, "held"),
    ]
    last = st.rehab.chart_caps[-1]
    # "6:15/km or slower" against her fast threshold: no fast running; flat: 10 m per km of
    # the 18.1 km week.
    assert (last.weekly_fast_km, last.pace_floor, last.weekly_climb_m) == (0.0, "6:15", 0.0)
    assert last.climb_allowance_m == pytest.approx(181.0)
    # The timeline says why each step was taken.
    steps = [(t.plan_week, t.since, t.step) for t in st.rehab.timeline]
    assert steps == [
        (1, date(2026, 10, 12), "start"),
        (2, date(2026, 10, 19), "raised"),
        (3, date(2026, 10, 26), "raised"),
        (4, date(2026, 11, 2), "held"),
        (4, date(2026, 11, 8), "stepped_back"),
        (5, date(2026, 11, 9), "held"),
    ]
    assert st.rehab.timeline[3].reason == "held: irritation on Thursday 2026-10-29 (4/10 after)"
    assert st.rehab.timeline[4].reason.startswith(
        "stepped back after the flare on Saturday 2026-11-07 to the last load tolerated"
    )


def test_rosas_pain_log_is_every_entry_with_its_response(world: DemoWorld) -> None:
    store = world.store()
    try:
        with store.sessions() as s:
            st = athlete_status(s, world.rosa, today=world.today)
    finally:
        store.close()
    assert st.rehab is not None
    log = st.rehab.pain_log
    assert len(log) == 18 and log[0].date == date(2026, 9, 22) and log[-1].date == world.today
    flare = next(p for p in log if p.date == date(2026, 9, 27))
    assert (flare.pain_during, flare.pain_after, flare.pain_next_morning) == (3, 5, 6)
    assert (flare.worst, flare.state) == (6, "flare")
    # The issue's "2 → 6 → 3 → 2 → 2/10": the last five entries' worst.
    assert [p.worst for p in log[-5:]] == [2, 6, 3, 2, 2] == st.rehab.pain_trend
    assert st.rehab.pain_threshold == 4
    # Her tolerated load since the flare (docs/rehab.md): 5.9 km a run, 14.9 km in 7 days.
    distance = next(t for t in st.rehab.tolerance if t.dimension == "distance")
    assert (distance.tolerated_run, distance.tolerated_week) == (5.9, 14.9)


def test_rosas_headroom_never_offers_what_her_plan_forbids(
    world: DemoWorld, client: TestClient
) -> None:
    """The demo's contradiction (issue 17): "6.0 km [fast] left" under a "6:15/km or slower"
    plan.  Her plan week 5 leaves 18.1 - 14.9 = 3.2 km and ends today; flat, no fast running
    and no uphill running, on the status, the triage and the rooms alike."""
    body = client.get(f"{API}/athletes/{world.rosa}/status").json()
    dims = {d["dimension"]: d for d in body["dimensions"]}
    assert (dims["speed"]["headroom_run"], dims["speed"]["headroom_week"]) == (0.0, 0.0)
    assert dims["speed"]["headroom_note"].startswith(
        "Fast km: none on this plan; run 6:15/km or slower (fast km count from "
    )
    assert (dims["uphill"]["headroom_run"], dims["uphill"]["headroom_week"]) == (0.0, 0.0)
    # Trial item 5: she ran today, the last day of plan week 5, so her next run falls in plan
    # week 6: 6.0 km (the flare's step-back to the last load she tolerated, lower than week 6's
    # plan caps), flat (10 m per km: 60 m); what is left of week 5 is for a run today.
    assert (dims["distance"]["headroom_run"], dims["hills"]["headroom_run"]) == (6.0, 60.0)
    # Trial F6: the limit that binds is named, with the plan's own figure beside it (before:
    # "(the rules' limit is lower)", read as "the rules allow less than 6.0").
    assert dims["distance"]["headroom_note"] == (
        "Distance: 14.9 km this plan week; 3.2 km left this week; next run up to 3.2 km if "
        "today, 6.0 km from Monday (the step back after the pain flare on Saturday "
        "2026-11-07; the plan allows 6.6 km)."
    )
    # The plan check of that Monday run agrees: a 6.0 km run raises nothing.
    check = client.post(
        f"{API}/athletes/{world.rosa}/planned/check",
        json={"sessions": [{"date": "2026-11-16", "distance_km": 6.0}]},
    ).json()
    assert check["sessions"][0]["sentence"] == "Monday 6.0 km run: raises nothing."
    speed = next(r for r in body["rehab"]["rooms"] if r["dimension"] == "speed")
    assert (speed["week_cap"], speed["next_run"], speed["binding"]) == (0.0, 0.0, "plan")
    board = client.get(f"{API}/dashboard").json()["data"]
    rosa = next(r for r in board if r["athlete_id"] == world.rosa)
    assert rosa["headroom_run"]["speed"] == 0.0
    # The page's fields travel in the status.
    assert len(body["rehab"]["chart_caps"]) == 5 and len(body["rehab"]["pain_log"]) == 18


def test_the_stored_rehab_view_is_the_live_one(world: DemoWorld) -> None:
    store = world.store()
    try:
        with store.sessions() as s:
            stored = athlete_status(s, world.rosa, today=world.today).rehab
            live = compute(evaluation_inputs(s, world.rosa, world.today)).summary.rehab
    finally:
        store.close()
    assert stored is not None and stored == live


# --- by hand: a plan starting mid-week, and a pain log without a plan --------------------------
HEADER = "date,distance_km,duration,climbing_m,pain_after,pain_next_morning"
# Four weeks of 3 x 5 km before the injury, as in tests/services/test_rehab.py.
BEFORE = [
    f"{d.isoformat()},5.0,1650,0,,"
    for w in range(4)
    for d in (date(2026, 7, 20) + timedelta(days=7 * w + k) for k in (0, 2, 5))
]


def _log(rows: list[str]) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _athlete(store: Store, name: str, rows: list[str]) -> int:
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, name, "UTC").id
    import_log(store, aid, _log(rows), f"{name}.csv")
    return aid


def test_a_plan_starting_on_a_thursday_draws_each_calendar_weeks_last_caps(
    store: Store,
) -> None:
    """Plan weeks run Thursday to Wednesday.  Three settled entries in the first raise the caps
    10 % from Thursday 17 Sep (15 → 16.5 km, 6 → 6.6 km).  The calendar week of Monday 7 Sep
    holds plan days 10–13 Sep under the opening caps; the week of 14 Sep ends (Sunday 20 Sep)
    under the raised ones."""
    runs = [
        "2026-09-10,4.0,1500,0,1,1",
        "2026-09-12,5.0,1875,0,2,1",
        "2026-09-15,5.0,1875,0,1,1",
    ]
    aid = _athlete(store, "Thea", BEFORE + runs)
    with store.transaction() as s:
        a = athlete_store.get_athlete(s, aid)
        start_plan(s, a, PlanIn(start_date=date(2026, 9, 10), weekly_km=15, longest_run_km=6))
    with store.sessions() as s:
        st = athlete_status(s, aid, today=date(2026, 9, 20))
    assert st.rehab is not None
    got = [
        (c.week_start, c.plan_week, c.weekly_km, c.longest_run_km, c.step)
        for c in st.rehab.chart_caps
    ]
    assert got == [
        (date(2026, 9, 7), 1, 15.0, 6.0, "start"),
        (date(2026, 9, 14), 2, 16.5, 6.6, "raised"),
    ]
    # No climbing or fast cap, no pace floor: the charts have nothing to draw there.
    assert {
        (c.weekly_fast_km, c.weekly_climb_m, c.climb_allowance_m) for c in st.rehab.chart_caps
    } == {(None, None, None)}
    assert [(p.date, p.worst, p.state) for p in st.rehab.pain_log] == [
        (date(2026, 9, 10), 1, "settled"),
        (date(2026, 9, 12), 2, "settled"),
        (date(2026, 9, 15), 1, "settled"),
    ]


def test_a_pain_log_without_a_plan_has_a_pain_chart_and_no_caps(store: Store) -> None:
    aid = _athlete(store, "Pia", [*BEFORE, "2026-08-15,5.0,1650,0,4,2"])
    with store.sessions() as s:
        st = athlete_status(s, aid, today=date(2026, 8, 20))
    assert st.rehab is not None
    assert (st.rehab.plan, st.rehab.caps, st.rehab.chart_caps, st.rehab.timeline) == (
        None,
        None,
        [],
        [],
    )
    assert [
        (p.date, p.pain_after, p.pain_next_morning, p.worst, p.state) for p in st.rehab.pain_log
    ] == [(date(2026, 8, 15), 4, 2, 4, "irritated")]
