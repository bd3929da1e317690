"""Issue 21, item 5: the smaller defects, each with the behaviour a user sees."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loadwatch import clock
from loadwatch.api.login_limit import MAX_FAILURES, FailedLogins, keys_for
from loadwatch.errors import InvalidRequest
from loadwatch.ingest.containers.sources import Member
from loadwatch.services.importing import import_members
from loadwatch.store import activity_counts
from loadwatch.store import athletes as athlete_store
from loadwatch.store import files as file_store
from loadwatch.store.db import Store
from support.api_env import API, Env
from support.track_fixtures import Line, fit

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


# --- NUL in user text -------------------------------------------------------------------------
def test_nul_in_an_athlete_name_is_422(env: Env) -> None:
    r = env.client.post(f"{API}/athletes", json={"name": "Bo\x00b"}, headers=env.coach)
    assert r.status_code == 422, r.text
    assert "NUL" in r.text
    r = env.client.patch(
        f"{API}/athletes/{env.athlete_id}", json={"name": "A\x00nn"}, headers=env.coach
    )
    assert r.status_code == 422, r.text
    # Nothing was stored, and the API still answers.
    r = env.client.get(f"{API}/athletes/{env.athlete_id}", headers=env.coach)
    assert r.status_code == 200 and r.json()["name"] == "Ann"


def test_nul_in_other_json_text_is_422(env: Env) -> None:
    r = env.client.post(
        f"{API}/athletes",
        json={"name": "Cy", "timezone": "Europe/Paris\x00"},
        headers=env.coach,
    )
    assert r.status_code == 422, r.text


@pytest.mark.parametrize("name", ["Bo\x00b", "Bo\nb", "Bo\x7fb"])
def test_control_characters_in_a_name_are_refused(store: Store, name: str) -> None:
    with pytest.raises(InvalidRequest, match="control characters"), store.transaction() as s:
        athlete_store.get_or_create_athlete(s, name)


def test_a_nul_reaching_postgresql_is_a_bad_request_not_a_storage_error(store: Store) -> None:
    # Below the API's checks (a file name, a title): PostgreSQL's refusal is the caller's
    # fault; SQLite stores it.
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Dee").id
    if store.dialect != "postgresql":
        with store.transaction() as s:
            row = file_store.record_file(
                s, athlete_id=aid, sha256="0" * 64, name="a\x00b.fit", size=1, format="fit",
                status="failed", reason=None,
            )  # fmt: skip
            assert row.name == "a\x00b.fit"
        return
    with pytest.raises(InvalidRequest, match="NUL"), store.transaction() as s:
        file_store.record_file(
            s, athlete_id=aid, sha256="0" * 64, name="a\x00b.fit", size=1, format="fit",
            status="failed", reason=None,
        )  # fmt: skip


# --- activities dated in the future -----------------------------------------------------------
def test_an_activity_dated_in_2055_is_refused(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Eve").id
    flipped = fit(Line(start=datetime(2055, 3, 1, 6, 0, tzinfo=UTC)))
    ahead = fit(Line(start=datetime(2026, 12, 8, 11, 0, tzinfo=UTC)))  # 23 h ahead: a skew
    past = fit(Line(start=datetime(2026, 12, 6, 6, 0, tzinfo=UTC)))
    members = [Member("flipped.fit", flipped), Member("ahead.fit", ahead), Member("ok.fit", past)]
    bad, skewed, ok = import_members(store, aid, members, workers=1).outcomes
    assert bad.status == "failed"
    assert bad.reason == (
        "dated 2055-03-01 06:00 UTC, more than a day after this server's clock "
        "(2026-12-07 12:00 UTC): refused as a corrupt date"
    )
    assert (skewed.status, ok.status) == ("imported", "imported")
    with store.sessions() as s:
        row = file_store.find_file(s, aid, bad.sha256 or "")
        assert row is not None and row.status == "failed" and row.reason == bad.reason
        assert activity_counts.activity_stats(s)[aid].count == 2


# --- serve on a data dir it cannot write ------------------------------------------------------
def _serve(data: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    from typer.testing import CliRunner

    from loadwatch.cli import app
    from loadwatch.config import get_settings

    monkeypatch.setenv("LOADWATCH_DATA_DIR", str(data))
    monkeypatch.delenv("LOADWATCH_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["serve", "--port", "0", "--no-scheduler"])
    finally:
        get_settings.cache_clear()
    assert out.exception is None or isinstance(out.exception, SystemExit), out.exception
    return out.exit_code, out.stderr


def test_serve_on_an_uncreatable_data_dir_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code, stderr = _serve(blocker / "data", monkeypatch)
    assert code == 1
    assert stderr.strip() == (
        f"error: data directory {blocker / 'data'} is not usable: Not a directory "
        "(set LOADWATCH_DATA_DIR to a writable directory)"
    )
    assert "Traceback" not in stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory anyway")
def test_serve_on_a_read_only_data_dir_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "ro"
    data.mkdir()
    data.chmod(0o555)
    try:
        code, stderr = _serve(data, monkeypatch)
    finally:
        data.chmod(0o755)
    assert code == 1
    assert stderr.strip() == (
        f"error: data directory {data} is not usable: Permission denied "
        "(set LOADWATCH_DATA_DIR to a writable directory)"
    )


# --- import-log of a log without a run --------------------------------------------------------
@pytest.mark.usefixtures("data_dir")
@pytest.mark.parametrize(
    ("csv", "read"),
    [
        (b"date,distance_km,duration\n", 0),
        (b"date,distance_km,sport\n2026-07-01,40,cycling\n2026-07-02,3,swimming\n", 2),
    ],
)
def test_import_log_without_a_run_warns_and_exits_1(tmp_path: Path, csv: bytes, read: int) -> None:
    from typer.testing import CliRunner

    from loadwatch.cli import app

    log = tmp_path / "log.csv"
    log.write_bytes(csv)
    out = CliRunner().invoke(app, ["import-log", str(log), "--athlete", "Ana"])
    assert out.exit_code == 1, out.output
    assert out.stderr.strip() == f"warning: no running rows in log.csv ({read} other row(s) read)"
    assert "Traceback" not in out.output
    # One run is enough.
    log.write_bytes(csv + (b"2026-07-03,8,running\n" if read else b"2026-07-03,8,2700\n"))
    out = CliRunner().invoke(app, ["import-log", str(log), "--athlete", "Ana"])
    assert out.exit_code == 0, out.output
    assert out.stderr == ""


# --- failed logins ----------------------------------------------------------------------------
class _Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_failed_logins_block_a_key_for_the_rest_of_the_window() -> None:
    now = _Clock()
    limit = FailedLogins(max_failures=3, window_s=60.0, now=now)
    keys = keys_for("10.0.0.1", "lw_AAAAAAAAAxyz")
    assert keys == (("prefix", "lw_AAAAAAAAA"), ("address", "10.0.0.1"))
    for dt in (0.0, 10.0, 20.0):
        now.t = 1000.0 + dt
        assert limit.retry_after(keys) is None
        limit.failed(keys)
    # Three failures at t=0, 10, 20: blocked until the first leaves the window at t=60.
    now.t = 1020.5
    assert limit.retry_after(keys) == 40
    # Another address trying the same token prefix is blocked by the prefix...
    assert limit.retry_after(keys_for("10.0.0.2", "lw_AAAAAAAAAother")) == 40
    # ...and this address is blocked whatever token it sends.
    assert limit.retry_after(keys_for("10.0.0.1", "lw_BBBBBBBBB")) == 40
    assert limit.retry_after(keys_for("10.0.0.2", "lw_BBBBBBBBB")) is None
    now.t = 1060.0
    assert limit.retry_after(keys) is None  # one failure left the window: 2 of 3


def test_bad_tokens_get_429_with_retry_after(env: Env) -> None:
    bad = {"Authorization": "Bearer lw_not-a-token-at-all"}
    for _ in range(MAX_FAILURES):
        r = env.client.get(f"{API}/me", headers=bad)
        assert r.status_code == 401
    r = env.client.get(f"{API}/me", headers=bad)
    assert r.status_code == 429, r.text
    assert 1 <= int(r.headers["retry-after"]) <= 60
    problem = r.json()
    assert (problem["code"], problem["status"]) == ("too-many-requests", 429)
    assert problem["detail"] == f"too many failed logins: retry in {r.headers['retry-after']} s"
    # This address is blocked, even with a valid token; the others are not.
    assert env.client.get(f"{API}/me", headers=env.coach).status_code == 429
    other = TestClient(env.client.app, client=("192.0.2.7", 50000))
    assert other.get(f"{API}/me", headers=env.coach).status_code == 200
    # The same token prefix from another address is blocked too.
    assert other.get(f"{API}/me", headers=bad).status_code == 429


def test_authenticated_responses_are_not_stored(env: Env) -> None:
    r = env.client.get(f"{API}/athletes/{env.athlete_id}", headers=env.coach)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    r = env.client.get(f"{API}/me", headers={"Authorization": "Bearer lw_wrong"})
    assert r.status_code == 401 and r.headers["cache-control"] == "no-store"
    assert "cache-control" not in env.client.get("/static/app.css").headers
