"""Authorisation matrix: every endpoint × every kind of caller → the expected status, and no
data of an athlete ever reaches a caller who may not see them.

The world: athlete A (coached by ``own_coach``, account ``own_athlete``) and athlete B
(``other_coach``, ``other_athlete``).  Every request targets A's data.  Invisible objects are
404 (never 403: that would confirm they exist); a visible object the role may not change is 403;
a missing or unknown token is 401 with ``WWW-Authenticate: Bearer``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import gpxpy.gpx
import pytest
from fastapi.testclient import TestClient

from loadwatch import auth
from loadwatch.api.app import create_app
from loadwatch.api.login_limit import FailedLogins
from loadwatch.api.routers.webhooks import get_resolver
from loadwatch.clock import utcnow
from loadwatch.config import Settings
from loadwatch.services.activities import delete_activity_by_id
from loadwatch.store.db import Store
from loadwatch.store.models import (
    Activity,
    Athlete,
    Flag,
    PlanAlert,
    PlannedSession,
    RehabPlan,
    User,
    Webhook,
)
from support.databases import pg_schema
from support.fake_dns import resolver

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

API = "/api/v1"
CALLERS = (
    "admin",
    "own_coach",
    "other_coach",
    "own_athlete",
    "other_athlete",
    "no_token",
    "bad_token",
)


@dataclass
class World:
    client: TestClient
    store: Store
    tokens: dict[str, str]
    user_ids: dict[str, int]
    a: int  # athlete A's id
    b: int
    a_name: str
    b_name: str
    spare_coach: int  # a coach no caller is, for link/unlink
    activity: int  # one of A's activities, never deleted
    n: list[int] = field(default_factory=lambda: [0])

    def headers(self, caller: str) -> dict[str, str]:
        if caller == "no_token":
            return {}
        if caller == "bad_token":
            return {"Authorization": "Bearer lw_not-a-real-token"}
        return {"Authorization": f"Bearer {self.tokens[caller]}"}

    def unique(self) -> int:
        self.n[0] += 1
        return self.n[0]


def _gpx(start: datetime, km: float = 2.0) -> bytes:
    doc = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack()
    track.type = "running"  # type: ignore[assignment]  # gpxpy annotates it as None
    doc.tracks.append(track)
    seg = gpxpy.gpx.GPXTrackSegment()
    track.segments.append(seg)
    for i in range(round(km * 1000 / 15) + 1):
        seg.points.append(
            gpxpy.gpx.GPXTrackPoint(
                45.0 + i * 15 / 111_132.0,
                7.0,
                elevation=100.0,
                time=start + timedelta(seconds=5 * i),
            )
        )
    return doc.to_xml().encode()


def _activity(world_store: Store, athlete_id: int, start: datetime) -> int:
    """An activity row with a raw blob, inserted directly: authz needs rows, not decoding."""
    data = f"<gpx><!-- {uuid.uuid4()} --></gpx>".encode()
    sha = world_store.blobs.put(data)
    with world_store.transaction() as s:
        row = Activity(
            athlete_id=athlete_id,
            format="gpx",
            sport="running",
            start_time=start,
            utc_offset_s=0,
            elapsed_time_s=600.0,
            moving_time_s=600.0,
            distance_m=2000.0,
            n_samples=10,
            source_sha256=sha,
            session_index=0,
            totals_source={},
        )
        s.add(row)
        s.flush()
        return row.id


def _flag(world_store: Store, athlete_id: int, day: date) -> int:
    with world_store.transaction() as s:
        row = Flag(
            athlete_id=athlete_id,
            date=day,
            rule="session_spike",
            dimension="distance",
            severity="alert",
            value=10.0,
            baseline=5.0,
            ratio=2.0,
            threshold=1.3,
            message="test flag",
            status="open",
        )
        s.add(row)
        s.flush()
        return row.id


def _webhook(world_store: Store, owner_id: int) -> int:
    with world_store.transaction() as s:
        hook = Webhook(owner_id=owner_id, url="https://own-coach.example/hook", secret="s")
        s.add(hook)
        s.flush()
        return hook.id


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("authz")
    # One world per backend: the matrix is hundreds of requests against the same data.  Each
    # world its own database, however often pytest builds it (a shuffled order may alternate
    # the backends).
    if request.param == "postgres":
        with pg_schema() as url:
            yield from _world(url, tmp)
    else:
        yield from _world(f"sqlite:///{tmp / 'authz.db'}", tmp)


def _world(url: str, tmp: Path) -> Iterator[World]:
    settings = Settings(data_dir=tmp / "data", database_url=url)
    store = Store(url, settings.data_dir)
    tag = uuid.uuid4().hex[:8]
    tokens: dict[str, str] = {}
    ids: dict[str, int] = {}
    with store.transaction() as s:
        a = Athlete(name=f"Anna-{tag}", timezone="UTC", thresholds={})
        b = Athlete(name=f"Boris-{tag}", timezone="UTC", thresholds={})
        s.add_all([a, b])
        s.flush()
        for name, role, athlete in (
            ("admin", "admin", None),
            ("own_coach", "coach", None),
            ("other_coach", "coach", None),
            ("spare_coach", "coach", None),
            ("own_athlete", "athlete", a.id),
            ("other_athlete", "athlete", b.id),
        ):
            user, token = auth.create_user(s, name, role, athlete_id=athlete)
            tokens[name], ids[name] = token, user.id
        auth.link_coach(s, s.get(User, ids["own_coach"]), a)
        auth.link_coach(s, s.get(User, ids["other_coach"]), b)
        a_id, b_id, a_name, b_name = a.id, b.id, a.name, b.name
    start = utcnow().replace(microsecond=0) - timedelta(days=3)
    act = _activity(store, a_id, start)
    _activity(store, b_id, start)
    _flag(store, b_id, start.date())
    with store.transaction() as s:
        # One session to come that every row's pre-flight check and calendar really judge.
        s.add(PlannedSession(athlete_id=a_id, date=date(2029, 12, 31), distance_km=8.0))
    app = create_app(store, settings=settings)
    # Hundreds of bad tokens from one test client: the login limit (test_small_defects.py)
    # would answer 429 to everything after the tenth.
    app.state.loadwatch.failed_logins = FailedLogins(max_failures=10**9)
    app.dependency_overrides[get_resolver] = lambda: (
        resolver()
    )  # webhook hosts: no real DNS in tests
    with TestClient(app) as client:
        yield World(client, store, tokens, ids, a_id, b_id, a_name, b_name, ids["spare_coach"], act)
    store.close()


# --- the matrix ---------------------------------------------------------------------------
Request = Callable[[World, str], Any]  # (world, caller) -> httpx response


def _get(path: Callable[[World], str]) -> Request:
    return lambda w, c: w.client.get(path(w), headers=w.headers(c))


def _upload(w: World, caller: str) -> Any:
    start = datetime(2024, 1, 1, 6, tzinfo=UTC) + timedelta(hours=w.unique())
    return w.client.post(
        f"{API}/athletes/{w.a}/activities",
        files=[("files", ("run.gpx", _gpx(start), "application/gpx+xml"))],
        headers=w.headers(caller),
    )


def _upload_log(w: World, caller: str) -> Any:
    day = date(2022, 1, 1) + timedelta(days=w.unique())
    log = f"date,distance,duration\n{day.isoformat()},8,45:00\n".encode()
    return w.client.post(
        f"{API}/athletes/{w.a}/logs",
        files=[("files", ("log.csv", log, "text/csv"))],
        headers=w.headers(caller),
    )


def _delete_activity(w: World, caller: str) -> Any:
    target = _activity(w.store, w.a, datetime(2023, 1, 1, tzinfo=UTC) + timedelta(w.unique()))
    return w.client.delete(f"{API}/activities/{target}", headers=w.headers(caller))


def _relabel(w: World, caller: str) -> Any:
    target = _activity(w.store, w.a, datetime(2023, 6, 1, tzinfo=UTC) + timedelta(w.unique()))
    return w.client.patch(
        f"{API}/activities/{target}", json={"sport": "walking"}, headers=w.headers(caller)
    )


def _ack(w: World, caller: str) -> Any:
    target = _flag(w.store, w.a, date(2023, 1, 1) + timedelta(w.unique()))
    return w.client.post(f"{API}/flags/{target}/ack", headers=w.headers(caller))


def _bulk_ack(w: World, caller: str) -> Any:
    targets = [_flag(w.store, w.a, date(2022, 1, 1) + timedelta(w.unique())) for _ in range(2)]
    return w.client.post(f"{API}/flags/ack", json={"ids": targets}, headers=w.headers(caller))


def _post_plan(w: World, caller: str) -> Any:
    # Each plan starts a day after the last one, so the open one simply ends.
    start = date(2025, 1, 1) + timedelta(w.unique())
    body = {"start_date": start.isoformat(), "weekly_km": 15, "longest_run_km": 6}
    return w.client.post(f"{API}/athletes/{w.a}/plans", json=body, headers=w.headers(caller))


def _open_plan(w: World) -> None:
    """A plan of athlete A in force to read or end, inserted directly: through the API it
    would queue an evaluation of every day since its start, a cost no answer here depends on."""
    with w.store.transaction() as s:
        s.add(
            RehabPlan(
                athlete_id=w.a,
                condition="unspecified",
                start_date=date(2025, 1, 1) + timedelta(w.unique()),
                weekly_km=15.0,
                longest_run_km=6.0,
                created_by=w.user_ids["admin"],
            )
        )


def _current_plan(path: str, method: str) -> Request:
    def send(w: World, caller: str) -> Any:
        _open_plan(w)
        return w.client.request(method, f"{API}/athletes/{w.a}{path}", headers=w.headers(caller))

    return send


def _delete_hook(w: World, caller: str) -> Any:
    target = _webhook(w.store, w.user_ids["own_coach"])
    return w.client.delete(f"{API}/webhooks/{target}", headers=w.headers(caller))


def _checkin_link(w: World) -> int:
    from loadwatch.services.checkin_links import create_link

    with w.store.transaction() as s:
        return create_link(s, s.get(Athlete, w.a)).id  # type: ignore[arg-type]


def _revoke_link(w: World, caller: str) -> Any:
    target = _checkin_link(w)
    return w.client.delete(
        f"{API}/athletes/{w.a}/checkin-links/{target}", headers=w.headers(caller)
    )


def _planned(w: World) -> int:
    """A stored planned run of athlete A, made by the admin (a fresh one per request), inserted
    directly: through the API it would be judged against the plan first, which no answer here
    depends on."""
    with w.store.transaction() as s:
        row = PlannedSession(
            athlete_id=w.a,
            date=date(2030, 1, 1) + timedelta(w.unique()),
            distance_km=8.0,
            created_by=w.user_ids["admin"],
        )
        s.add(row)
        s.flush()
        return row.id


def _planned_change(method: str) -> Request:
    def send(w: World, caller: str) -> Any:
        target = _planned(w)
        body = {"distance_km": 9} if method == "PATCH" else None
        return w.client.request(
            method, f"{API}/athletes/{w.a}/planned/{target}", json=body, headers=w.headers(caller)
        )

    return send


def _delete_channel(w: World, caller: str) -> Any:
    with w.store.transaction() as s:
        hook = Webhook(
            owner_id=w.user_ids["own_coach"],
            url="ntfys://own-coach-topic",
            secret="",
            kind="apprise",
        )
        s.add(hook)
        s.flush()
        target = hook.id
    return w.client.delete(f"{API}/notifications/{target}", headers=w.headers(caller))


def _coach_link(method: str) -> Request:
    return lambda w, c: w.client.request(
        method, f"{API}/athletes/{w.a}/coaches/{w.spare_coach}", headers=w.headers(c)
    )


# Expected statuses by caller, in CALLERS order.
VISIBLE = (200, 200, 404, 200, 404, 401, 401)  # read A's data
STAFF_WRITE = (200, 200, 404, 403, 404, 401, 401)  # change A: coaches and admins only
ADMIN_ONLY = (200, 403, 404, 403, 404, 401, 401)
ANY_USER = (200, 200, 200, 200, 200, 401, 401)

MATRIX: list[tuple[str, Request, tuple[int, ...]]] = [
    (
        "GET /health",
        _get(lambda w: f"{API}/health"),
        (200,) * 7,
    ),
    ("GET /me", _get(lambda w: f"{API}/me"), ANY_USER),
    ("GET /athletes", _get(lambda w: f"{API}/athletes"), ANY_USER),
    (
        "POST /athletes",
        lambda w, c: w.client.post(
            f"{API}/athletes", json={"name": f"new-{w.unique()}"}, headers=w.headers(c)
        ),
        (201, 201, 201, 403, 403, 401, 401),
    ),
    ("GET /athletes/{A}", _get(lambda w: f"{API}/athletes/{w.a}"), VISIBLE),
    (
        "GET /athletes/{missing}",
        _get(lambda w: f"{API}/athletes/999999"),
        (404, 404, 404, 404, 404, 401, 401),
    ),
    (
        "PATCH /athletes/{A}",
        lambda w, c: w.client.patch(
            f"{API}/athletes/{w.a}", json={"timezone": "UTC"}, headers=w.headers(c)
        ),
        STAFF_WRITE,
    ),
    ("POST /athletes/{A}/coaches/{id}", _coach_link("POST"), ADMIN_ONLY),
    ("DELETE /athletes/{A}/coaches/{id}", _coach_link("DELETE"), ADMIN_ONLY),
    ("POST /athletes/{A}/activities", _upload, VISIBLE),
    ("POST /athletes/{A}/logs", _upload_log, VISIBLE),
    ("GET /athletes/{A}/activities", _get(lambda w: f"{API}/athletes/{w.a}/activities"), VISIBLE),
    ("GET /activities/{a}", _get(lambda w: f"{API}/activities/{w.activity}"), VISIBLE),
    ("GET /activities/{a}/file", _get(lambda w: f"{API}/activities/{w.activity}/file"), VISIBLE),
    (
        "GET /activities/{a}/detail",
        _get(lambda w: f"{API}/activities/{w.activity}/detail"),
        VISIBLE,
    ),
    ("DELETE /activities/{a}", _delete_activity, VISIBLE),
    ("PATCH /activities/{a}", _relabel, VISIBLE),
    ("GET /athletes/{A}/series", _get(lambda w: f"{API}/athletes/{w.a}/series"), VISIBLE),
    ("GET /athletes/{A}/status", _get(lambda w: f"{API}/athletes/{w.a}/status"), VISIBLE),
    (
        "GET /athletes/{A}/flags",
        _get(lambda w: f"{API}/athletes/{w.a}/flags?status=all"),
        VISIBLE,
    ),
    (
        "GET /athletes/{A}/episodes",
        _get(lambda w: f"{API}/athletes/{w.a}/episodes?status=all"),
        VISIBLE,
    ),
    (
        "POST /athletes/{A}/symptoms",
        lambda w, c: w.client.post(
            f"{API}/athletes/{w.a}/symptoms",
            json={"date": "2024-01-02", "pain_after": 2},
            headers=w.headers(c),
        ),
        (201, 201, 404, 201, 404, 401, 401),  # the athlete logs their own pain
    ),
    ("GET /athletes/{A}/symptoms", _get(lambda w: f"{API}/athletes/{w.a}/symptoms"), VISIBLE),
    ("GET /athletes/{A}/checkin", _get(lambda w: f"{API}/athletes/{w.a}/checkin"), VISIBLE),
    (
        "POST /athletes/{A}/checkin",
        lambda w, c: w.client.post(
            f"{API}/athletes/{w.a}/checkin",
            json={"date": "2024-01-03", "pain_after": 1},
            headers=w.headers(c),
        ),
        VISIBLE,  # the athlete checks in on their own
    ),
    (
        "POST /athletes/{A}/checkin-links",
        lambda w, c: w.client.post(
            f"{API}/athletes/{w.a}/checkin-links", json={}, headers=w.headers(c)
        ),
        (201, 201, 404, 403, 404, 401, 401),  # a coach hands links out
    ),
    (
        "GET /athletes/{A}/checkin-links",
        _get(lambda w: f"{API}/athletes/{w.a}/checkin-links"),
        STAFF_WRITE,
    ),
    ("DELETE /athletes/{A}/checkin-links/{l}", _revoke_link, STAFF_WRITE),
    (
        "PUT /activities/{a}/rpe",
        lambda w, c: w.client.put(
            f"{API}/activities/{w.activity}/rpe", json={"rpe": 5}, headers=w.headers(c)
        ),
        VISIBLE,
    ),
    ("POST /athletes/{A}/plans", _post_plan, (201, 201, 404, 201, 404, 401, 401)),
    ("GET /athletes/{A}/plans", _get(lambda w: f"{API}/athletes/{w.a}/plans"), VISIBLE),
    ("GET /athletes/{A}/plans/current", _current_plan("/plans/current", "GET"), VISIBLE),
    (
        "POST /athletes/{A}/plans/current/end",
        _current_plan("/plans/current/end", "POST"),
        VISIBLE,
    ),
    (
        "POST /athletes/{A}/planned",
        lambda w, c: w.client.post(
            f"{API}/athletes/{w.a}/planned",
            json={"date": (date(2031, 1, 1) + timedelta(w.unique())).isoformat(), "distance_km": 6},
            headers=w.headers(c),
        ),
        (201, 201, 404, 201, 404, 401, 401),  # the coach or the athlete plans
    ),
    ("GET /athletes/{A}/planned", _get(lambda w: f"{API}/athletes/{w.a}/planned"), VISIBLE),
    ("PATCH /athletes/{A}/planned/{p}", _planned_change("PATCH"), VISIBLE),
    (
        "DELETE /athletes/{A}/planned/{p}",
        _planned_change("DELETE"),
        (204, 204, 404, 204, 404, 401, 401),
    ),
    (
        "POST /athletes/{A}/planned/check",
        lambda w, c: w.client.post(
            f"{API}/athletes/{w.a}/planned/check",
            json={"sessions": [{"date": "2030-06-01", "distance_km": 10}]},
            headers=w.headers(c),
        ),
        VISIBLE,
    ),
    (
        "GET /athletes/{A}/planned/check",
        _get(lambda w: f"{API}/athletes/{w.a}/planned/check"),
        VISIBLE,
    ),
    ("GET /athletes/{A}/calendar", _get(lambda w: f"{API}/athletes/{w.a}/calendar"), VISIBLE),
    ("POST /flags/{f}/ack", _ack, STAFF_WRITE),
    ("POST /flags/ack", _bulk_ack, STAFF_WRITE),
    ("GET /dashboard", _get(lambda w: f"{API}/dashboard"), ANY_USER),
    (
        "POST /webhooks",
        lambda w, c: w.client.post(
            f"{API}/webhooks", json={"url": "https://hooks.example/x"}, headers=w.headers(c)
        ),
        (201, 201, 201, 403, 403, 401, 401),  # hooks are for staff (docs/webhooks.md)
    ),
    ("GET /webhooks", _get(lambda w: f"{API}/webhooks"), ANY_USER),
    ("DELETE /webhooks/{own coach's}", _delete_hook, (404, 200, 404, 404, 404, 401, 401)),
    (
        "POST /notifications",
        lambda w, c: w.client.post(
            f"{API}/notifications", json={"url": "ntfys://a-topic"}, headers=w.headers(c)
        ),
        (201, 201, 201, 201, 201, 401, 401),  # any user: the weekly summary is theirs too
    ),
    ("GET /notifications", _get(lambda w: f"{API}/notifications"), ANY_USER),
    (
        "DELETE /notifications/{own coach's}",
        _delete_channel,
        (404, 200, 404, 404, 404, 401, 401),
    ),
]

CASES = [
    pytest.param(send, caller, expected[i], id=f"{name} as {caller}")
    for name, send, expected in MATRIX
    for i, caller in enumerate(CALLERS)
]

# Who may see athlete A / athlete B at all.
SEES_A = {"admin", "own_coach", "own_athlete"}
SEES_B = {"admin", "other_coach", "other_athlete"}


@pytest.fixture
def row(world: World) -> Iterator[World]:
    """The module's world for one row, without the planned sessions, plans and activities the
    row made (activities deleted as the API deletes them, their day queued for evaluation).

    Rows that plan or upload leave sessions to come, plans and years of history behind; every
    later check, calendar and evaluation of athlete A would simulate all of them (the matrix's
    rows grew from 20 ms to over a second each), and a row's answer would depend on the rows
    before it."""
    tables = (PlannedSession, RehabPlan, Activity)
    before = {table: _max_id(world.store, table) for table in tables}
    yield world
    with world.store.transaction() as s:
        made = s.query(PlannedSession.id).filter(PlannedSession.id > before[PlannedSession])
        s.query(PlanAlert).filter(PlanAlert.planned_id.in_(made.scalar_subquery())).delete()
        s.query(PlannedSession).filter(PlannedSession.id > before[PlannedSession]).delete()
        s.query(RehabPlan).filter(RehabPlan.id > before[RehabPlan]).delete()
        for activity in s.query(Activity).filter(Activity.id > before[Activity]).all():
            delete_activity_by_id(s, activity.id)


def _max_id(store: Store, table: type[PlannedSession | RehabPlan | Activity]) -> int:
    from sqlalchemy import func, select

    with store.sessions() as s:
        return int(s.scalar(select(func.coalesce(func.max(table.id), 0))) or 0)


@pytest.mark.parametrize(("send", "caller", "expected"), CASES)
def test_authorisation_matrix(row: World, send: Request, caller: str, expected: int) -> None:
    world = row
    r = send(world, caller)
    assert r.status_code == expected, r.text
    if expected == 401:
        assert r.headers["www-authenticate"] == "Bearer"
    # No data crosses: a caller never receives the name of an athlete they cannot see.
    if caller not in SEES_A:
        assert world.a_name not in r.text
    if caller not in SEES_B:
        assert world.b_name not in r.text
    assert "Traceback" not in r.text


def test_matrix_covers_every_route(world: World) -> None:
    spec = world.client.get(f"{API}/openapi.json").json()
    routes = {
        f"{method.upper()} {path.removeprefix(API)}"
        for path, ops in spec["paths"].items()
        for method in ops
    }
    covered = {name.split(" ")[0] + " " + name.split(" ")[1] for name, _s, _e in MATRIX}

    def shape(route: str) -> str:
        method, path = route.split(" ")
        parts = ["{}" if p.startswith("{") else p for p in path.split("/")]
        return f"{method} {'/'.join(parts)}"

    assert {shape(r) for r in routes} == {shape(r) for r in covered}


def test_visible_lists_hold_exactly_the_callers_athletes(world: World) -> None:
    seen: dict[str, set[int]] = {}
    for caller in ("admin", "own_coach", "other_coach", "own_athlete", "other_athlete"):
        r = world.client.get(f"{API}/athletes", headers=world.headers(caller))
        seen[caller] = {a["id"] for a in r.json()["data"]}
    assert {world.a, world.b} <= seen["admin"]
    assert world.a in seen["own_coach"] and world.b not in seen["own_coach"]
    assert world.b in seen["other_coach"] and world.a not in seen["other_coach"]
    assert seen["own_athlete"] == {world.a}
    assert seen["other_athlete"] == {world.b}
    me = world.client.get(f"{API}/me", headers=world.headers("own_athlete")).json()
    assert me["role"] == "athlete" and me["athlete_ids"] == [world.a]
    dash = world.client.get(f"{API}/dashboard", headers=world.headers("other_athlete")).json()
    assert [r["athlete_id"] for r in dash["data"]] == [world.b]
