"""Issue #12: the user's relabel (``loadwatch activity set``, ``PATCH /activities/{id}``) is a
declaration that beats every guess, survives a re-import and a re-analysis, and moves the
activity into (or out of) the running load with the flags re-evaluated from its day.

The fixture is a GPX made here: a track session (9 × 90 s at 3.0 m/s, 10 × 30 s sprints at
6.5 m/s) with no <type> and a name that names no sport, which the moving-speed guess calls
cycling (95th percentile 6.5 m/s > 5.8).  Its distance by hand: 900 s × 3.0 + 300 s × 6.5
= 4,650 m, laid out with a round 111,000 m per degree, so the geodesic distance stored is
~0.4 % more (4,670 m); the load must carry exactly the stored figure.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from loadwatch.cli import app
from loadwatch.config import get_settings
from loadwatch.errors import InvalidRequest
from loadwatch.services.activities import reanalyse, relabel_activity
from loadwatch.services.evaluation import drain_pending
from loadwatch.services.importing import import_paths
from loadwatch.services.views import series as load_series
from loadwatch.store import athletes as athlete_store
from loadwatch.store import pending
from loadwatch.store.db import Store, open_store
from loadwatch.store.models import Activity, PendingEvaluation
from support.api_env import API, Env, upload
from support.sprints import sprint_gpx

runner = CliRunner()
DAY = date(2026, 11, 10)
MONDAY = date(2026, 11, 9)


def _week(cli_args: list[str]) -> dict[str, object]:
    out = runner.invoke(
        app, ["series", *cli_args, "--period", "week", "--from", "2026-11-09", "--to", "2026-11-15",
              "--json"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    [row] = json.loads(out.stdout)["data"]
    assert row["week_start"] == MONDAY.isoformat()
    return dict(row)


@pytest.fixture
def gpx_file(tmp_path: Path) -> Path:
    path = tmp_path / "sprints.gpx"
    path.write_bytes(sprint_gpx())
    return path


@pytest.mark.usefixtures("data_dir")
def test_cli_relabel_moves_the_activity_into_and_out_of_the_running_load(gpx_file: Path) -> None:
    out = runner.invoke(app, ["import", str(gpx_file), "-a", "Ana", "--timezone", "UTC"])
    assert out.exit_code == 0, out.output
    listed = json.loads(runner.invoke(app, ["activities", "-a", "Ana", "--json"]).stdout)
    [act] = listed["data"]
    assert act["sport"] == "cycling" and act["totals_source"]["sport"] == "guess"
    assert act["distance_m"] == pytest.approx(4650, rel=0.005)
    assert _week(["-a", "Ana"])["runs"] == 0  # a guessed ride is not running load

    out = runner.invoke(app, ["activity", "set", str(act["id"]), "--sport", "running"])
    assert out.exit_code == 0, out.output
    assert (
        f"activity {act['id']} (Ana): cycling → running; flags re-evaluated from 2026-11-10"
        in " ".join(out.stdout.split())
    )
    week = _week(["-a", "Ana"])
    assert week["runs"] == 1
    assert week["distance_km"] == pytest.approx(act["distance_m"] / 1000, abs=0.001)
    store = open_store(get_settings())
    try:
        with store.sessions() as s:
            row = s.get(Activity, act["id"])
            assert row is not None
            assert (row.sport, row.sport_relabel, row.totals_source["sport"]) == (
                "running", "running", "relabel"
            )  # fmt: skip
            # The evaluation the relabel requested was drained by the command.
            assert s.scalars(select(PendingEvaluation)).all() == []
    finally:
        store.close()

    # The same file again: a duplicate, and the relabel stands.
    again = runner.invoke(app, ["import", str(gpx_file), "-a", "Ana", "--json"])
    assert json.loads(again.stdout)["totals"]["duplicate"] == 1
    assert _week(["-a", "Ana"])["runs"] == 1

    # Relabelled away from running, it leaves the load.
    out = runner.invoke(app, ["activity", "set", str(act["id"]), "--sport", "walking", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert (doc["previous_sport"], doc["activity"]["sport"]) == ("running", "walking")
    assert doc["evaluated_from"] == "2026-11-10"
    week = _week(["-a", "Ana"])
    assert (week["runs"], week["distance_km"]) == (0, 0.0)


@pytest.mark.usefixtures("data_dir")
def test_cli_relabel_refuses_an_unknown_sport_or_activity(gpx_file: Path) -> None:
    runner.invoke(app, ["import", str(gpx_file), "-a", "Ana"])
    out = runner.invoke(app, ["activity", "set", "1", "--sport", "rowing"])
    assert out.exit_code == 1
    assert " ".join(out.stderr.split()) == (
        "error: unknown sport 'rowing'; one of: running, trail_running, treadmill_running, "
        "walking, hiking, cycling, swimming, transition, other"
    )
    out = runner.invoke(app, ["activity", "set", "999", "--sport", "running"])
    assert out.exit_code == 1 and "no activity with id 999" in out.stderr


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'lw.db'}", tmp_path / "data")
    yield s
    s.close()


def test_relabel_requests_evaluation_and_survives_reanalysis(
    sqlite_store: Store, gpx_file: Path, tmp_path: Path
) -> None:
    from loadwatch.config import Settings

    store = sqlite_store
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana", "Europe/Madrid").id
    import_paths(store, Settings(data_dir=tmp_path / "data"), aid, [gpx_file])
    drain_pending(store, athlete_id=aid)
    with store.transaction() as s:
        [row] = s.scalars(select(Activity)).all()
        guessed_moving = row.moving_time_s
        done = relabel_activity(store, s, row, " Running ")
        assert (done.previous_sport, row.sport, done.reevaluate_from) == ("cycling", "running", DAY)
        # Analysed again under a runner's limits; never below 3 m/s, it never stood still.
        assert row.moving_time_s == pytest.approx(guessed_moving, abs=1) == 1200
        assert "guessed" not in json.dumps(row.totals_source)
    with store.sessions() as s:
        assert pending.pending_from(s, aid) == DAY  # in the relabel's own transaction
    assert drain_pending(store, athlete_id=aid) == [aid]
    with store.transaction() as s:
        row = s.scalars(select(Activity)).one()
        reanalyse(store, s, row)  # e.g. after a decoder fix: the declaration still wins
        assert (row.sport, row.totals_source["sport"]) == ("running", "relabel")
        frame = load_series(s, aid, "week", MONDAY, DAY)
        assert frame["runs"].to_list() == [1]
        with pytest.raises(InvalidRequest, match="unknown sport 'bike'; one of: running"):
            relabel_activity(store, s, row, "bike")


# --- the API ------------------------------------------------------------------------------
def _api_week(env: Env) -> dict[str, object]:
    r = env.client.get(
        f"{API}/athletes/{env.athlete_id}/series",
        params={"period": "week", "from": "2026-11-09", "to": "2026-11-15"},
        headers=env.coach,
    )
    assert r.status_code == 200, r.text
    [row] = r.json()["data"]
    return dict(row)


def test_patch_relabels_reevaluates_and_checks_who_and_what(env: Env) -> None:
    r = upload(env, [("sprints.gpx", sprint_gpx())])
    assert r.status_code == 200, r.text
    [aid_] = r.json()["files"][0]["activity_ids"]
    assert _api_week(env)["runs"] == 0

    r = env.client.patch(f"{API}/activities/{aid_}", json={"sport": "running"}, headers=env.coach)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["previous_sport"] == "cycling" and body["reevaluate_from"] == "2026-11-10"
    assert body["activity"]["sport"] == body["activity"]["sport_relabel"] == "running"
    week = _api_week(env)
    km = body["activity"]["distance_m"] / 1000
    assert km == pytest.approx(4.650, rel=0.005)
    assert week["runs"] == 1 and week["distance_km"] == pytest.approx(km, abs=0.001)
    with env.store.sessions() as s:
        assert pending.pending_from(s, env.athlete_id) is None  # evaluated in-process

    # The athlete themself may relabel; a sport outside the vocabulary is a 422 naming them.
    r = env.client.patch(
        f"{API}/activities/{aid_}", json={"sport": "rowing"}, headers=env.athlete_user
    )
    assert r.status_code == 422
    assert "unknown sport 'rowing'; one of: running, trail_running" in r.text
    r = env.client.patch(f"{API}/activities/{aid_}", json={"sport": "cycling", "x": 1},
                         headers=env.athlete_user)  # fmt: skip
    assert r.status_code == 422
    r = env.client.patch(
        f"{API}/activities/{aid_}", json={"sport": "cycling"}, headers=env.athlete_user
    )
    assert r.status_code == 200 and r.json()["activity"]["sport"] == "cycling"
    assert _api_week(env)["runs"] == 0

    # Another athlete's user cannot tell it from a missing activity.
    from loadwatch import auth

    with env.store.transaction() as s:
        other = athlete_store.get_or_create_athlete(s, "Bob")
        _, token = auth.create_user(s, "bob", "athlete", athlete_id=other.id)
    r = env.client.patch(
        f"{API}/activities/{aid_}", json={"sport": "running"},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert r.status_code == 404 and r.json()["detail"] == f"no activity with id {aid_}"
    r = env.client.patch(f"{API}/activities/{aid_}", json={"sport": "running"})
    assert r.status_code == 401
