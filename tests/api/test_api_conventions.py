"""The API's conventions, over a real store: problem details for every error, 422 for unknown
query parameters, one pagination and day filter on every list, one timestamp format, the
spec documenting every operation, CSV training logs uploaded, every uploaded part reported."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from loadwatch import auth
from loadwatch.api.app import create_app
from loadwatch.api.routers.webhooks import get_resolver
from loadwatch.clock import pin_today
from loadwatch.config import Settings
from loadwatch.ingest.containers.sources import iter_upload
from loadwatch.services.importing import import_members
from loadwatch.store.db import Store
from support.api_env import gpx_run
from support.databases import from_template
from support.fake_dns import resolver

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

API = "/api/v1"
TODAY = date(2026, 6, 1)
PROBLEM = "application/problem+json"
PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance", "code"}
# ISO 8601, UTC, whole seconds, Z: the one format (loadwatch.clock.iso_utc).
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

# Three runs of known length on known days (GPX due north at 3 m/s: the distance is the
# track's, within 0.5 %), one a ride (relabelled below) to filter on sport.
RUNS = (
    (datetime(2026, 3, 2, 7, tzinfo=UTC), 5.0),
    (datetime(2026, 3, 9, 7, tzinfo=UTC), 8.0),
    (datetime(2026, 3, 16, 7, tzinfo=UTC), 12.0),
)


@dataclass
class Env:
    client: TestClient
    store: Store
    admin: dict[str, str]
    athlete_user: dict[str, str]
    athlete_id: int
    activity_ids: list[int]


@pytest.fixture
def env(db_url: str, tmp_path: Path, migrated_sqlite: Path) -> Iterator[Env]:
    from_template(db_url, migrated_sqlite)
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, max_file_bytes=1 << 20)
    store = Store(db_url, settings.data_dir)
    with store.transaction() as s:
        _, admin = auth.create_user(s, "root", "admin")
    app = create_app(store, settings=settings)
    app.dependency_overrides[get_resolver] = lambda: resolver()
    # Through the clock seam: the symptom and plan days below are in the past whatever the
    # real date (a plan may not start more than five years back).
    pin_today(TODAY)
    with TestClient(app) as client:
        h = {"Authorization": f"Bearer {admin}"}
        r = client.post(f"{API}/athletes", json={"name": "Ann", "timezone": "UTC"}, headers=h)
        assert r.status_code == 201, r.text
        aid = r.json()["id"]
        ids: list[int] = []
        for start, km in RUNS:
            rep = import_members(store, aid, iter_upload(gpx_run(start, km), "run.gpx", settings))
            (outcome,) = rep.outcomes
            ids += outcome.activity_ids
        with store.transaction() as s:
            _, own = auth.create_user(s, "ann", "athlete", athlete_id=aid)
        yield Env(client, store, h, {"Authorization": f"Bearer {own}"}, aid, ids)
    pin_today(None)
    store.close()


def assert_problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body.keys() >= PROBLEM_FIELDS, body
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:loadwatch:problem:{code}"
    assert isinstance(body["detail"], str) and body["detail"]
    return body


# --- errors -------------------------------------------------------------------------------
def test_unknown_query_parameter_is_a_422_problem(env: Env) -> None:
    r = env.client.get(f"{API}/athletes/{env.athlete_id}/activities?limt=1", headers=env.admin)
    body = assert_problem(r, 422, "validation-failed")
    assert body["instance"] == f"{API}/athletes/{env.athlete_id}/activities"
    assert body["errors"][0]["loc"] == ["query", "limt"]
    assert "unknown query parameter" in body["detail"]
    # The same typo on an operation that takes no query parameter at all.
    assert_problem(
        env.client.get(f"{API}/me?verbose=1", headers=env.admin), 422, "validation-failed"
    )
    # Declared parameters, aliases included, pass.
    ok = env.client.get(
        f"{API}/athletes/{env.athlete_id}/series?period=day&from=2026-03-01&to=2026-03-02",
        headers=env.admin,
    )
    assert ok.status_code == 200, ok.text


def test_every_error_is_a_problem_with_a_stable_code(env: Env) -> None:
    c, a = env.client, env.athlete_id
    body = assert_problem(c.get(f"{API}/athletes/{a}"), 401, "unauthorized")
    assert body["instance"] == f"{API}/athletes/{a}"
    r = c.get(f"{API}/athletes/{a}", headers={"Authorization": "Bearer nope"})
    assert_problem(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"
    body = assert_problem(c.get(f"{API}/athletes/999", headers=env.admin), 404, "not-found")
    assert body["detail"] == "no athlete with id 999"
    assert_problem(c.get(f"{API}/no/such/path", headers=env.admin), 404, "not-found")
    assert_problem(c.put(f"{API}/athletes", headers=env.admin), 405, "method-not-allowed")
    body = assert_problem(
        c.patch(f"{API}/athletes/{a}", json={"name": "X"}, headers=env.athlete_user),
        403,
        "forbidden",
    )
    assert body["detail"] == "an athlete may not do this"
    body = assert_problem(
        c.post(f"{API}/athletes", json={"nmae": "typo"}, headers=env.admin),
        422,
        "validation-failed",
    )
    assert "body.nmae" in body["detail"]
    assert_problem(
        c.post(f"{API}/athletes", json={"name": "Ann"}, headers=env.admin), 409, "conflict"
    )
    assert_problem(
        c.get(f"{API}/athletes/{a}/flags?from=2026-03-02&to=2026-03-01", headers=env.admin),
        422,
        "invalid-request",
    )


# --- lists --------------------------------------------------------------------------------
def _page(env: Env, path: str, **params: Any) -> dict[str, Any]:
    r = env.client.get(f"{API}{path}", params=params, headers=env.admin)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_activities_page_and_filter_by_day_and_sport(env: Env) -> None:
    a = env.athlete_id
    first, second, third = env.activity_ids
    r = env.client.patch(f"{API}/activities/{second}", json={"sport": "cycling"}, headers=env.admin)
    assert r.status_code == 200, r.text

    every = _page(env, f"/athletes/{a}/activities")
    assert (every["count"], every["limit"], every["offset"]) == (3, 50, 0)
    assert [x["id"] for x in every["data"]] == [third, second, first]  # newest first

    page = _page(env, f"/athletes/{a}/activities", limit=1, offset=1)
    assert (page["count"], [x["id"] for x in page["data"]]) == (3, [second])

    march_9_on = _page(env, f"/athletes/{a}/activities", **{"from": "2026-03-09"})
    assert (march_9_on["count"], [x["id"] for x in march_9_on["data"]]) == (2, [third, second])
    # ``to`` is inclusive: the run at 07:00 on the 9th is in a range ending on the 9th.
    until_9 = _page(env, f"/athletes/{a}/activities", to="2026-03-09")
    assert [x["id"] for x in until_9["data"]] == [second, first]

    running = _page(env, f"/athletes/{a}/activities", sport="running")
    assert [x["id"] for x in running["data"]] == [third, first]
    assert sum(x["distance_m"] for x in running["data"]) == pytest.approx(17_000, rel=0.005)
    ride = _page(env, f"/athletes/{a}/activities", sport="cycling", to="2026-03-09")
    assert (ride["count"], ride["data"][0]["id"]) == (1, second)
    assert_problem(
        env.client.get(f"{API}/athletes/{a}/activities?sport=curling", headers=env.admin),
        422,
        "validation-failed",
    )


def test_every_list_is_paged_the_same_way(env: Env) -> None:
    a = env.athlete_id
    # Two more athletes, two webhooks, two symptom days, two plans: something to page.
    for name in ("Bea", "Cid"):
        r = env.client.post(f"{API}/athletes", json={"name": name}, headers=env.admin)
        assert r.status_code == 201, r.text
    for i in (1, 2):
        r = env.client.post(
            f"{API}/webhooks", json={"url": f"https://hooks.example/{i}"}, headers=env.admin
        )
        assert r.status_code == 201, r.text
    for day, pain in (("2026-03-09", 2), ("2026-03-16", 4)):
        r = env.client.post(
            f"{API}/athletes/{a}/symptoms",
            json={"date": day, "pain_after": pain},
            headers=env.admin,
        )
        assert r.status_code == 201, r.text
    plan = {"weekly_km": 20, "longest_run_km": 8}
    for start in ("2026-03-01", "2026-03-10"):
        r = env.client.post(
            f"{API}/athletes/{a}/plans", json={**plan, "start_date": start}, headers=env.admin
        )
        assert r.status_code == 201, r.text

    lists = (
        ("/athletes", 3),
        ("/webhooks", 2),
        (f"/athletes/{a}/symptoms", 2),
        (f"/athletes/{a}/plans", 2),
        (f"/athletes/{a}/activities", 3),
    )
    for path, total in lists:
        first = _page(env, path, limit=1)
        rest = _page(env, path, limit=10, offset=1)
        assert (first["count"], first["limit"], first["offset"]) == (total, 1, 0), path
        assert (rest["count"], rest["offset"], len(rest["data"])) == (total, 1, total - 1), path
        ids = [x["id"] for x in first["data"] + rest["data"]]
        assert len(set(ids)) == total, path

    symptoms = _page(env, f"/athletes/{a}/symptoms", to="2026-03-10")
    assert [(x["date"], x["pain_after"]) for x in symptoms["data"]] == [("2026-03-09", 2)]
    # The first plan ran 1-9 March (the second one ended it): only it was in force on the 5th.
    plans = _page(env, f"/athletes/{a}/plans", **{"from": "2026-03-05", "to": "2026-03-05"})
    assert [(x["start_date"], x["end_date"]) for x in plans["data"]] == [
        ("2026-03-01", "2026-03-09")
    ]
    for path in (f"/athletes/{a}/flags", f"/athletes/{a}/episodes"):
        body = _page(env, path, status="all", limit=5, **{"from": "2026-01-01"})
        assert {"data", "count", "limit", "offset"} <= body.keys()
        assert (body["limit"], body["offset"]) == (5, 0)
        assert len(body["data"]) == min(5, body["count"])


# --- timestamps ---------------------------------------------------------------------------
def _timestamps(doc: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _timestamps(v, k)
    elif isinstance(doc, list):
        for v in doc:
            yield from _timestamps(v, key)
    elif isinstance(doc, str) and (key.endswith("_at") or key == "start_time"):
        yield key, doc


def test_one_timestamp_format(env: Env) -> None:
    a = env.athlete_id
    r = env.client.post(
        f"{API}/webhooks", json={"url": "https://hooks.example/x"}, headers=env.admin
    )
    assert r.status_code == 201
    seen: list[tuple[str, str]] = []
    for path in (
        f"/athletes/{a}",
        f"/athletes/{a}/activities",
        f"/activities/{env.activity_ids[0]}",
        "/webhooks",
        "/dashboard",
    ):
        seen += _timestamps(_page(env, path))
    assert {k for k, _ in seen} >= {"created_at", "start_time"}
    bad = [(k, v) for k, v in seen if not TIMESTAMP.match(v)]
    assert not bad, bad
    # The first run started at 07:00:00 UTC: written as such, no offset, no fraction.
    one = _page(env, f"/activities/{env.activity_ids[0]}")
    assert one["start_time"] == "2026-03-02T07:00:00Z"


# --- the spec -----------------------------------------------------------------------------
def test_every_operation_is_described_and_documents_its_errors(env: Env) -> None:
    spec = env.client.get(f"{API}/openapi.json").json()
    ops = [(m, p, op) for p, item in spec["paths"].items() for m, op in item.items()]
    assert len(ops) >= 30
    undescribed = [f"{m.upper()} {p}" for m, p, op in ops if not op.get("description")]
    assert not undescribed, undescribed
    for m, p, op in ops:
        responses = op["responses"]
        assert "422" in responses, (m, p)
        if op.get("security"):
            assert "401" in responses, (m, p)
        if "{" in p:
            assert "404" in responses, (m, p)
        for code, response in responses.items():
            if int(code) >= 400:
                media = response["content"][PROBLEM]
                assert media["schema"] == {"$ref": "#/components/schemas/Problem"}, (m, p, code)
    # Every operation shows at least one example (of its error body, at the least).
    for m, p, op in ops:
        examples = [
            media
            for response in op["responses"].values()
            for media in response.get("content", {}).values()
            if "example" in media or "examples" in media
        ]
        assert examples, (m, p)
    patch = spec["paths"][f"{API}/athletes/{{athlete_id}}"]["patch"]["responses"]
    assert patch["403"]["content"][PROBLEM]["example"]["code"] == "forbidden"


def test_redoc_is_served_offline(env: Env) -> None:
    page = env.client.get("/redoc")
    assert page.status_code == 200
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts == ["/docs/assets/redoc.standalone.js"]
    assert "http" not in page.text.replace('"http', "")  # no CDN, no absolute URL
    asset = env.client.get(scripts[0])
    assert asset.status_code == 200 and len(asset.content) > 100_000
    assert "worker-src 'self' blob:" in page.headers["content-security-policy"]


# --- uploads ------------------------------------------------------------------------------
LOG = (
    b"date,distance,duration,sport\n"
    b"2026-04-01,10,50:00,running\n"
    b"2026-04-03,6.5,35:00,running\n"
    b"2026-04-05,not a number,40:00,running\n"
)


def test_csv_training_log_upload(env: Env) -> None:
    a = env.athlete_id

    def send(name: str, data: bytes) -> dict[str, Any]:
        r = env.client.post(
            f"{API}/athletes/{a}/logs",
            files=[("files", (name, data, "text/csv"))],
            headers=env.admin,
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    first = send("log.csv", LOG)
    (f,) = first["files"]
    assert (f["file"], f["status"], f["imported"], f["duplicates"]) == ("log.csv", "imported", 2, 0)
    assert [e["line"] for e in f["errors"]] == [4]
    assert f["from_date"] == "2026-04-01"
    assert first["totals"] == {
        "files": 1,
        "imported": 2,
        "duplicates": 0,
        "bad_rows": 1,
        "failed_files": 0,
    }
    april = _page(env, f"/athletes/{a}/activities", **{"from": "2026-04-01"})
    assert sorted(x["id"] for x in april["data"]) == sorted(f["activity_ids"])
    assert sum(x["distance_m"] for x in april["data"]) == pytest.approx(16_500)
    assert {x["totals_source"].get("distance") for x in april["data"]} <= {"log", None}

    again = send("log.csv", LOG)["files"][0]
    assert (again["status"], again["imported"], again["duplicates"]) == ("duplicate", 0, 2)
    junk = send("notes.csv", b"\x00\x01\x02 this is no log")["files"][0]
    assert junk["status"] == "failed" and junk["reason"]


def test_every_uploaded_part_is_accounted_for(env: Env) -> None:
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()
    run = gpx_run(datetime(2026, 5, 4, 7, tzinfo=UTC), 3.0)
    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/activities",
        files=[
            ("files", ("empty.zip", empty.getvalue(), "application/zip")),
            ("files", ("run.gpx", run, "application/gpx+xml")),
        ],
        headers=env.admin,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    files = {f["file"]: f for f in body["files"]}
    assert files["empty.zip"]["status"] == "not_activity"
    assert "empty" in files["empty.zip"]["reason"]
    assert files["run.gpx"]["status"] == "imported"
    assert body["totals"]["files"] == 2
    day = date(2026, 5, 4).isoformat()
    listed = _page(env, f"/athletes/{env.athlete_id}/activities", **{"from": day, "to": day})
    assert listed["data"][0]["distance_m"] == pytest.approx(3000, rel=0.005)


def test_the_spec_lists_every_code_the_api_answers() -> None:
    from loadwatch.api import errors

    every = {p.code for p in vars(errors).values() if isinstance(p, errors.Problem)}
    assert set(errors.CODES) == every
    assert "validation-failed" in errors.CODES
