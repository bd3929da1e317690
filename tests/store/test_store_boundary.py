"""The store boundary: only ``store/`` speaks SQL, the edges (``api/``, ``cli/``,
``scheduler/``) reach it only through ``services/``, a unit of work holds one connection, and
database errors reach callers as loadwatch errors.

The one-connection test runs the API over a pool of exactly one connection that gives up
after a second: any route (or anything beneath it) that opened a second session while its
request held the first would wait for itself and answer 503.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loadwatch import auth
from loadwatch.api.app import create_app
from loadwatch.clock import utcnow
from loadwatch.config import Settings
from loadwatch.errors import Conflict, StoreBusy
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import PoolLimits, Store
from loadwatch.store.models import Athlete
from support.api_env import API, gpx_run
from support.paths import REPO

SRC = REPO / "src" / "loadwatch"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_the_store_imports_sqlalchemy() -> None:
    outside = [p for p in SRC.rglob("*.py") if "store" not in p.relative_to(SRC).parts[:1]]
    assert len(outside) > 50  # the walk found the package
    offenders = {
        str(p.relative_to(SRC)): sorted(m for m in _imports(p) if m.split(".")[0] == "sqlalchemy")
        for p in outside
    }
    assert {k: v for k, v in offenders.items() if v} == {}


# What an edge may take from the store: the session and engine helpers, and the row types.
EDGE_MAY_IMPORT = frozenset({"loadwatch.store.db", "loadwatch.store.models"})
EDGES = ("api", "cli", "scheduler")


def _store_imports(path: Path) -> set[str]:
    """Every ``loadwatch.store`` module the file imports (``from loadwatch.store import x``
    names the module ``loadwatch.store.x``), at any depth (inside functions too)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("loadwatch.store"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "loadwatch.store":
                found.update(f"loadwatch.store.{a.name}" for a in node.names)
            elif node.module.startswith("loadwatch.store."):
                found.add(node.module)
    return found


def test_the_edges_reach_the_store_only_through_services() -> None:
    edge_files = [p for e in EDGES for p in (SRC / e).rglob("*.py")]
    assert len(edge_files) > 20  # the walk found them
    seen = set().union(*(_store_imports(p) for p in edge_files))
    assert {"loadwatch.store.db", "loadwatch.store.models"} <= seen  # the check can see imports
    offenders = {
        str(p.relative_to(SRC)): sorted(_store_imports(p) - EDGE_MAY_IMPORT) for p in edge_files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_edge_check_catches_a_store_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from loadwatch.store import athletes, db\n"
        "def f():\n"
        "    from loadwatch.store.pending import claim\n"
        "    import loadwatch.store.flags\n"
    )
    assert _store_imports(bad) - EDGE_MAY_IMPORT == {
        "loadwatch.store.athletes",
        "loadwatch.store.pending",
        "loadwatch.store.flags",
    }


def test_integrity_error_is_a_conflict(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'lw.db'}", tmp_path / "data")
    try:
        with store.transaction() as s:
            s.add(Athlete(name="Ann", timezone="UTC", thresholds={}))
        with pytest.raises(Conflict, match="clashes"), store.transaction() as s:
            s.add(Athlete(name="Ann", timezone="UTC", thresholds={}))
    finally:
        store.close()


def test_an_exhausted_pool_is_store_busy(tmp_path: Path) -> None:
    store = Store(
        f"sqlite:///{tmp_path / 'lw.db'}",
        tmp_path / "data",
        pool=PoolLimits(size=1, overflow=0, timeout_s=0.2),
    )
    try:
        with store.sessions() as held:
            athlete_store.athlete_ids(held)  # checks the only connection out
            with pytest.raises(StoreBusy), store.sessions() as s:
                athlete_store.athlete_ids(s)
    finally:
        store.close()


@pytest.fixture
def one_connection(db_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url)
    store = Store(db_url, settings.data_dir, pool=PoolLimits(size=1, overflow=0, timeout_s=1.0))
    with store.transaction() as s:
        _, token = auth.create_user(s, "carla", "admin")
    try:
        with TestClient(create_app(store, settings=settings)) as client:
            yield client, {"Authorization": f"Bearer {token}"}
    finally:
        store.close()


def test_every_route_works_on_one_connection(
    one_connection: tuple[TestClient, dict[str, str]],
) -> None:
    client, h = one_connection
    r = client.post(f"{API}/athletes", json={"name": "Ann", "timezone": "UTC"}, headers=h)
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    start = utcnow().replace(hour=7, minute=0, second=0, microsecond=0)
    files = [
        ("files", (f"run{i}.gpx", gpx_run(start - timedelta(days=3 * i), 5.0 + i), "x"))
        for i in range(3)
    ]
    r = client.post(f"{API}/athletes/{aid}/activities", files=files, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["totals"]["imported"] == 3
    activity_id = r.json()["files"][0]["activity_ids"][0]
    for path in (
        "/me",
        "/athletes",
        f"/athletes/{aid}",
        f"/athletes/{aid}/activities",
        f"/athletes/{aid}/series?period=day",
        f"/athletes/{aid}/series?period=week",
        f"/athletes/{aid}/status",
        f"/athletes/{aid}/flags?status=all",
        f"/activities/{activity_id}",
        f"/activities/{activity_id}/file",
        "/dashboard",
        "/webhooks",
        "/health",
    ):
        got = client.get(API + path, headers=h)
        assert got.status_code == 200, (path, got.status_code, got.text)
    r = client.patch(f"{API}/athletes/{aid}", json={"timezone": "Europe/Madrid"}, headers=h)
    assert r.status_code == 200, r.text
    r = client.delete(f"{API}/activities/{activity_id}", headers=h)
    assert r.status_code == 200, r.text
    r = client.get(f"{API}/athletes/{aid}/activities", headers=h)
    assert r.json()["count"] == 2
