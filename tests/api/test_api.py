"""The coach API end to end, on SQLite and PostgreSQL: real files in, flags and series out.

Activities are GPX files generated here (a straight run due north at a constant speed, so the
distance is known by hand: metres per degree of latitude at 45° N is 111 132 m) and, when the
corpus is present, a real Garmin FIT file checked against the device's own total.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from loadwatch import auth
from loadwatch.analytics.fast import parse_fast_threshold
from loadwatch.api.app import create_app
from loadwatch.config import Settings
from loadwatch.schemas.athletes import format_pace
from loadwatch.store.db import Store
from support.api_env import (
    API,
    MAX_FILE,
    MAX_FILES,
    MAX_UPLOAD,
    Env,
    _bearer,
    _today_7am,
    gpx_run,
    upload,
)
from support.paths import fit_totals

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# --- pure helpers -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "mps"),
    [
        ("4:30", 1000 / 270),
        ("4:30/km", 1000 / 270),
        ("5:00 min/km", 1000 / 300),
        (3.5, 3.5),
        ("3.5", 3.5),
    ],
)
def test_fast_threshold_parses_pace_and_speed(given: object, mps: float) -> None:
    assert parse_fast_threshold(given) == pytest.approx(mps)


@pytest.mark.parametrize("bad", ["fast", "0:00", "4:75", 0.5, 42.0, True, "nan"])
def test_fast_threshold_rejects_nonsense(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_fast_threshold(bad)


def test_format_pace_round_trips() -> None:
    assert format_pace(1000 / 270) == "4:30"
    assert format_pace(None) is None


# --- the flow -----------------------------------------------------------------------------
def test_health_needs_no_token(env: Env) -> None:
    r = env.client.get(f"{API}/health")
    assert r.status_code == 200
    assert r.json()["database"] == "ok"


def test_upload_batch_with_a_corrupt_file_stores_the_others(env: Env) -> None:
    start = _today_7am() - timedelta(days=3)
    good = [(f"run{i}.gpx", gpx_run(start + timedelta(days=i), 5.0)) for i in range(2)]
    corrupt = ("broken.fit", b"\x0e\x10\x00\x00garbage-not-a-fit-file" + bytes(64))
    r = upload(env, [good[0], corrupt, good[1]])
    assert r.status_code == 200, r.text
    body = r.json()
    assert [f["file"] for f in body["files"]] == ["run0.gpx", "broken.fit", "run1.gpx"]
    assert [f["status"] for f in body["files"]] == ["imported", "failed", "imported"]
    bad = body["files"][1]
    assert bad["activity_ids"] == [] and bad["reason"]
    assert "Traceback" not in r.text
    assert body["totals"] == {
        "files": 3,
        "imported": 2,
        "duplicate": 0,
        "not_activity": 0,
        "failed": 1,
        "activities": 2,
        "manual_imported": 0,
        "manual_duplicate": 0,
        "manual_failed": 0,
        "skipped": 0,
    }
    assert (body["manual"], body["skipped"], body["recovered"]) == ([], [], [])
    page = env.client.get(f"{API}/athletes/{env.athlete_id}/activities", headers=env.coach).json()
    assert page["count"] == 2
    # Newest first; 5 km by construction (the decoder's geodesic vs our flat-earth degree).
    assert page["data"][0]["start_time"] == (start + timedelta(days=1)).isoformat().replace(
        "+00:00", "Z"
    )
    for a in page["data"]:
        assert a["sport"] == "running"
        assert a["distance_m"] == pytest.approx(5000, rel=0.005)
        assert a["moving_time_s"] == pytest.approx(5000 / 3.0, rel=0.01)


def test_a_training_log_sent_as_activities_is_pointed_to_the_logs_endpoint(env: Env) -> None:
    log = b"date,distance_km,fast_km,climb_m,type,note\n2026-12-08,12,0,100,easy,\n"
    r = upload(env, [("week.csv", log)])
    assert r.status_code == 200, r.text
    (f,) = r.json()["files"]
    assert f["status"] == "failed"
    assert f["reason"] == (
        "not a FIT, GPX or TCX file (suffix '.csv', content not recognised); a training log "
        f"(CSV) goes to POST {API}/athletes/{env.athlete_id}/logs"
    )


def test_duplicate_upload_stores_nothing_new(env: Env) -> None:
    data = gpx_run(_today_7am() - timedelta(days=2), 4.0)
    first = upload(env, [("a.gpx", data)]).json()
    assert first["totals"]["imported"] == 1
    again = upload(env, [("a-again.gpx", data)]).json()
    assert again["files"][0]["status"] == "duplicate"
    assert again["files"][0]["activity_ids"] == []
    assert again["totals"]["activities"] == 0
    page = env.client.get(f"{API}/athletes/{env.athlete_id}/activities", headers=env.coach).json()
    assert page["count"] == 1


def test_archives_are_expanded_and_file_download_is_byte_identical(env: Env) -> None:
    start = _today_7am() - timedelta(days=5)
    plain = gpx_run(start, 3.0)
    zipped_run = gpx_run(start + timedelta(days=1), 3.0)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("export/activities/2.gpx", zipped_run)
        zf.writestr("export/README.txt", "not an activity")
    r = upload(env, [("plain.gpx.gz", gzip.compress(plain)), ("export.zip", buf.getvalue())])
    body = r.json()
    assert r.status_code == 200, r.text
    assert [f["status"] for f in body["files"]] == ["imported", "imported"]
    assert body["files"][1]["file"].startswith("export.zip/")
    for f, original, name in zip(
        body["files"], [plain, zipped_run], ["plain.gpx", "2.gpx"], strict=True
    ):
        (activity_id,) = f["activity_ids"]
        got = env.client.get(f"{API}/activities/{activity_id}/file", headers=env.athlete_user)
        assert got.status_code == 200
        assert got.content == original
        assert f'filename="{name}"' in got.headers["content-disposition"]


def test_oversize_file_is_413(env: Env) -> None:
    big = b"<gpx>" + b" " * (MAX_FILE + 1)
    r = upload(env, [("big.gpx", big)])
    assert r.status_code == 413
    assert "max_file_bytes" in r.json()["detail"]


def test_oversize_request_is_413_from_content_length(env: Env) -> None:
    parts = [(f"p{i}.gpx", b"x" * (MAX_FILE - 1000)) for i in range(5)]
    r = upload(env, parts)
    assert r.status_code == 413
    assert "max_upload_bytes" in r.json()["detail"]


def test_oversize_request_without_content_length_is_counted(env: Env) -> None:
    boundary = "lwtestboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.gpx"\r\n'
        "Content-Type: application/gpx+xml\r\n\r\n"
    ).encode()

    def body() -> Iterator[bytes]:  # chunked: no Content-Length to refuse early
        yield head
        for _ in range(MAX_UPLOAD // 65536 + 2):
            yield b"y" * 65536

    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/activities",
        content=body(),
        headers={**env.coach, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert r.status_code == 413
    assert "content-length" not in {k.lower() for k in r.request.headers}


def test_too_many_files_is_422(env: Env) -> None:
    r = upload(env, [(f"f{i}.gpx", b"<gpx/>") for i in range(MAX_FILES + 1)])
    assert r.status_code == 422
    assert "max_files_per_upload" in r.json()["detail"]
    page = env.client.get(f"{API}/athletes/{env.athlete_id}/activities", headers=env.coach).json()
    assert page["count"] == 0


def test_upload_needs_multipart_files(env: Env) -> None:
    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/activities", json={"x": 1}, headers=env.coach
    )
    assert r.status_code == 422
    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/activities",
        data={"note": "no file"},
        files=[("other", ("a.gpx", b"<gpx/>", "text/xml"))],
        headers=env.coach,
    )
    assert r.status_code == 422
    assert "files" in r.json()["detail"]


def _history(env: Env) -> int:
    """Five weeks of 5 km every third day, then a 10 km run yesterday: a session spike of 2.0
    against the 5 km longest run of the previous 30 days.  Returns yesterday's date ordinal."""
    today = _today_7am()
    files = [(f"run{i}.gpx", gpx_run(today - timedelta(days=40 - 3 * i), 5.0)) for i in range(13)]
    files.append(("long.gpx", gpx_run(today - timedelta(days=1), 10.0)))
    r = upload(env, files)
    assert r.status_code == 200, r.text
    assert r.json()["totals"]["imported"] == 14
    return (today - timedelta(days=1)).date().toordinal()


def test_flags_status_series_dashboard_and_ack(awkward_day: str, env: Env) -> None:
    spike_day = date.fromordinal(_history(env))
    flags = env.client.get(f"{API}/athletes/{env.athlete_id}/flags", headers=env.athlete_user)
    assert flags.status_code == 200
    spikes = [
        f
        for f in flags.json()["data"]
        if f["rule"] == "session_spike" and f["dimension"] == "distance"
    ]
    assert len(spikes) == 1
    spike = spikes[0]
    assert spike["date"] == spike_day.isoformat()
    assert spike["severity"] == "alert"
    assert spike["ratio"] == pytest.approx(2.0, rel=0.01)
    assert spike["value"] == pytest.approx(10.0, rel=0.005)
    assert spike["baseline"] == pytest.approx(5.0, rel=0.005)

    # Athletes read flags; acknowledging is the coach's.
    denied = env.client.post(f"{API}/flags/{spike['id']}/ack", headers=env.athlete_user)
    assert denied.status_code == 403
    acked = env.client.post(f"{API}/flags/{spike['id']}/ack", headers=env.coach)
    assert acked.status_code == 200
    assert acked.json()["status"] == "acknowledged"
    assert acked.json()["acked_by"] is not None
    still_open = env.client.get(f"{API}/athletes/{env.athlete_id}/flags", headers=env.coach)
    assert spike["id"] not in [f["id"] for f in still_open.json()["data"]]
    every = env.client.get(
        f"{API}/athletes/{env.athlete_id}/flags", params={"status": "all"}, headers=env.coach
    )
    assert spike["id"] in [f["id"] for f in every.json()["data"]]

    # Weekly series: the spike week holds yesterday's 10 km.
    monday = spike_day - timedelta(days=spike_day.weekday())
    week = env.client.get(
        f"{API}/athletes/{env.athlete_id}/series",
        params={"period": "week", "from": monday.isoformat(), "to": spike_day.isoformat()},
        headers=env.coach,
    )
    assert week.status_code == 200
    rows = week.json()["data"]
    assert rows[-1]["week_start"] == monday.isoformat()
    runs_in_week = [
        d
        for d in ((_today_7am() - timedelta(days=40 - 3 * i)).date() for i in range(13))
        if monday <= d <= spike_day
    ]
    assert rows[-1]["distance_km"] == pytest.approx(10.0 + 5.0 * len(runs_in_week), rel=0.005)

    csv = env.client.get(
        f"{API}/athletes/{env.athlete_id}/series",
        params={"period": "day", "from": spike_day.isoformat(), "to": spike_day.isoformat()},
        headers={**env.coach, "Accept": "text/csv"},
    )
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    header, line = csv.text.strip().splitlines()
    row = dict(zip(header.split(","), line.split(","), strict=True))
    assert row["date"] == spike_day.isoformat()
    assert float(row["distance_km"]) == pytest.approx(10.0, rel=0.005)

    status = env.client.get(f"{API}/athletes/{env.athlete_id}/status", headers=env.coach)
    assert status.status_code == 200
    assert status.json()["last_activity_date"] == spike_day.isoformat()

    dash = env.client.get(f"{API}/dashboard", headers=env.coach).json()["data"]
    assert [r["athlete_id"] for r in dash] == [env.athlete_id]
    row0 = dash[0]
    weeks = row0["weekly_distance"]
    assert len(weeks) == 8
    # The dashboard's last week is the current one: on a Monday yesterday's spike lies in the
    # week before it, so the spike week is found by its Monday, not by its position.
    current_monday = spike_day + timedelta(days=1)
    current_monday -= timedelta(days=current_monday.weekday())
    assert weeks[-1]["week"] == current_monday.isoformat()
    by_week = {w["week"]: w["distance_km"] for w in weeks}
    assert by_week[monday.isoformat()] == pytest.approx(rows[-1]["distance_km"], rel=1e-9)
    total_km = sum(w["distance_km"] for w in weeks)
    assert total_km == pytest.approx(13 * 5.0 + 10.0, rel=0.005)


def test_dashboard_puts_the_athlete_at_risk_first(env: Env) -> None:
    _history(env)
    calm = env.client.post(f"{API}/athletes", json={"name": "Calm"}, headers=env.coach).json()
    dash = env.client.get(f"{API}/dashboard", headers=env.coach).json()["data"]
    assert [r["name"] for r in dash] == ["Ann", "Calm"]
    assert dash[0]["alerts"] >= 1
    assert dash[1]["alerts"] == 0 and dash[1]["last_activity_id"] is None
    assert dash[1]["athlete_id"] == calm["id"]


def test_delete_activity_re_evaluates_from_its_day(env: Env) -> None:
    spike_day = date.fromordinal(_history(env))
    page = env.client.get(
        f"{API}/athletes/{env.athlete_id}/activities", params={"limit": 1}, headers=env.coach
    ).json()
    newest = page["data"][0]
    assert page["count"] == 14 and newest["distance_m"] == pytest.approx(10_000, rel=0.005)
    r = env.client.delete(f"{API}/activities/{newest['id']}", headers=env.coach)
    assert r.status_code == 200
    assert r.json()["reevaluate_from"] == spike_day.isoformat()
    assert env.client.get(f"{API}/activities/{newest['id']}", headers=env.coach).status_code == 404
    flags = env.client.get(f"{API}/athletes/{env.athlete_id}/flags", headers=env.coach).json()
    assert not [f for f in flags["data"] if f["date"] == spike_day.isoformat()]
    # The file is forgotten with its only activity: uploading it again imports it again.
    again = upload(env, [("long.gpx", gpx_run(_today_7am() - timedelta(days=1), 10.0))])
    assert again.json()["files"][0]["status"] == "imported"


def test_paging(env: Env) -> None:
    start = _today_7am() - timedelta(days=10)
    upload(env, [(f"r{i}.gpx", gpx_run(start + timedelta(days=i), 2.0)) for i in range(5)])
    url = f"{API}/athletes/{env.athlete_id}/activities"
    first = env.client.get(url, params={"limit": 2}, headers=env.coach).json()
    rest = env.client.get(url, params={"limit": 10, "offset": 2}, headers=env.coach).json()
    assert first["count"] == rest["count"] == 5
    ids = [a["id"] for a in first["data"]] + [a["id"] for a in rest["data"]]
    assert len(ids) == len(set(ids)) == 5
    starts = [a["start_time"] for a in first["data"] + rest["data"]]
    assert starts == sorted(starts, reverse=True)
    assert env.client.get(url, params={"limit": 0}, headers=env.coach).status_code == 422


def test_patch_athlete_validates(env: Env) -> None:
    url = f"{API}/athletes/{env.athlete_id}"
    ok = env.client.patch(
        url,
        json={
            "timezone": "Europe/Paris",
            "fast_threshold": 4.0,
            "thresholds": {"session_spike": {"caution": 1.2}},
        },
        headers=env.coach,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["timezone"] == "Europe/Paris"
    assert ok.json()["fast_pace"] == "4:10"
    assert ok.json()["thresholds"] == {"session_spike": {"caution": 1.2}}
    invalid: list[dict[str, Any]] = [
        {"timezone": "Mars/Olympus"},
        {"fast_threshold": "quick"},
        {"thresholds": {"no_such_rule": {}}},
        {"thresholds": {"session_spike": {"caution": 2.0, "alert": 1.5}}},
        {"unknown_field": 1},
    ]
    for bad in invalid:
        r = env.client.patch(url, json=bad, headers=env.coach)
        assert r.status_code == 422, (bad, r.text)
    assert env.client.get(url, headers=env.coach).json()["timezone"] == "Europe/Paris"
    cleared = env.client.patch(url, json={"fast_threshold": None}, headers=env.coach)
    assert cleared.json()["fast_speed_mps"] is None


def test_patch_accepts_the_threshold_as_get_names_it(env: Env) -> None:
    """F11: GET answers fast_pace and fast_speed_mps; PATCH takes either back (or both, when
    they are the same pace to the second) and refuses two that disagree."""
    url = f"{API}/athletes/{env.athlete_id}"
    r = env.client.patch(url, json={"fast_pace": "4:30"}, headers=env.coach)
    assert r.status_code == 200, r.text
    assert r.json()["fast_speed_mps"] == pytest.approx(1000 / 270)
    r = env.client.patch(url, json={"fast_speed_mps": 4.0}, headers=env.coach)
    assert r.status_code == 200, r.text
    got = env.client.get(url, headers=env.coach).json()
    assert (got["fast_pace"], got["fast_speed_mps"]) == ("4:10", 4.0)
    both = {"fast_pace": got["fast_pace"], "fast_speed_mps": got["fast_speed_mps"]}
    assert env.client.patch(url, json=both, headers=env.coach).status_code == 200
    r = env.client.patch(url, json={"fast_pace": "5:00", "fast_threshold": 4.0}, headers=env.coach)
    assert r.status_code == 422, r.text
    cleared = env.client.patch(url, json={"fast_pace": None}, headers=env.coach)
    assert cleared.json()["fast_speed_mps"] is None


def test_athlete_names_are_unique(env: Env) -> None:
    r = env.client.post(f"{API}/athletes", json={"name": "Ann"}, headers=env.admin)
    assert r.status_code == 409


def test_webhooks_secret_once_and_owner_only(env: Env) -> None:
    made = env.client.post(
        f"{API}/webhooks", json={"url": "https://coach.example/hook"}, headers=env.coach
    )
    assert made.status_code == 201
    hook = made.json()
    assert len(hook["secret"]) == 64
    listed = env.client.get(f"{API}/webhooks", headers=env.coach).json()["data"]
    assert [h["url"] for h in listed] == ["https://coach.example/hook"]
    assert "secret" not in listed[0]
    assert env.client.get(f"{API}/webhooks", headers=env.admin).json()["data"] == []
    for url in ("ftp://x.example/", "javascript:alert(1)", "not a url", "https://u:p@x.example/"):
        r = env.client.post(f"{API}/webhooks", json={"url": url}, headers=env.coach)
        assert r.status_code == 422, url
    assert env.client.delete(f"{API}/webhooks/{hook['id']}", headers=env.admin).status_code == 404
    assert env.client.delete(f"{API}/webhooks/{hook['id']}", headers=env.coach).status_code == 200
    assert env.client.get(f"{API}/webhooks", headers=env.coach).json()["data"] == []


def test_on_import_hook_receives_the_report(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    store = Store(settings.db_url, settings.data_dir)
    with store.transaction() as s:
        _, token = auth.create_user(s, "admin", "admin")
    seen: list[dict[int, date]] = []
    app = create_app(store, settings=settings, on_import=lambda rep: seen.append(rep.touched))
    with TestClient(app) as client:
        aid = client.post(f"{API}/athletes", json={"name": "X"}, headers=_bearer(token)).json()[
            "id"
        ]
        start = _today_7am() - timedelta(days=4)
        client.post(
            f"{API}/athletes/{aid}/activities",
            files=[("files", ("a.gpx", gpx_run(start, 2.0), "text/xml"))],
            headers=_bearer(token),
        )
        # The hook replaced in-process evaluation: the request stays pending for the scheduler.
        from loadwatch.store import pending

        with store.sessions() as s:
            assert pending.pending_from(s, aid) == start.date()
    assert seen == [{aid: start.date()}]
    store.close()


def test_real_fit_file_distance_matches_the_device(env: Env, corpus: Path) -> None:
    name = "fit/gc_10kUNLP2014-Garmin15.fit"
    data = (corpus / name).read_bytes()
    r = upload(env, [("10k.fit", data)])
    (outcome,) = r.json()["files"]
    assert outcome["status"] == "imported"
    (activity_id,) = outcome["activity_ids"]
    act = env.client.get(f"{API}/activities/{activity_id}", headers=env.athlete_user).json()
    assert act["format"] == "fit"
    assert act["distance_m"] == pytest.approx(float(fit_totals()[name]["total_distance_m"]))
    got = env.client.get(f"{API}/activities/{activity_id}/file", headers=env.coach)
    assert got.content == data


def test_corrupt_corpus_files_never_500(env: Env, corpus: Path) -> None:
    files = [(p.name, p.read_bytes()) for p in sorted((corpus / "invalid").iterdir())]
    r = upload(env, files)
    assert r.status_code == 200
    body = r.json()
    assert body["totals"]["files"] == len(files)
    assert "Traceback" not in r.text
    by_name = {f["file"]: f for f in body["files"]}
    # Malformed XML is refused; the FIT files after it in the batch are still read.
    assert by_name["gpsbabel_trackfilter_discard_err.gpx"]["status"] == "failed"
    assert by_name["pyfitparse_nick.fit"]["status"] == "imported"
    for f in body["files"]:
        assert f["status"] in {"imported", "duplicate", "failed", "not_activity"}
        if f["status"] == "failed":
            assert f["reason"] and "\n" not in f["reason"]


def test_create_app_from_settings_opens_and_closes_its_store(data_dir: Path) -> None:
    settings = Settings()
    with TestClient(create_app(settings)) as client:
        assert client.get(f"{API}/health").status_code == 200
        assert client.get(f"{API}/me").status_code == 401
    assert (data_dir / "loadwatch.db").is_file()


def test_cli_user_commands_make_working_tokens(data_dir: Path) -> None:
    from typer.testing import CliRunner

    from loadwatch.cli import app as cli
    from loadwatch.store.models import User

    runner = CliRunner()

    def token_of(*args: str) -> str:
        result = runner.invoke(cli, ["user", "add", *args])
        assert result.exit_code == 0, result.output
        return result.output.strip().splitlines()[-1].split()[-1]

    admin = token_of("boss", "--role", "admin")
    coach = token_of("carla", "--role", "coach")
    athlete = token_of("ann", "--role", "athlete", "--athlete", "Ann", "--create")
    assert len({admin, coach, athlete}) == 3
    dup = runner.invoke(cli, ["user", "add", "carla", "--role", "coach"])
    assert dup.exit_code == 1 and "already exists" in dup.output
    bad = runner.invoke(cli, ["user", "add", "x", "--role", "athlete"])
    assert bad.exit_code == 1 and "--athlete" in bad.output
    linked = runner.invoke(cli, ["user", "link", "carla", "Ann"])
    assert linked.exit_code == 0, linked.output
    listed = runner.invoke(cli, ["user", "list", "--json"])
    assert listed.exit_code == 0
    assert admin not in listed.output
    settings = Settings()
    store = Store(settings.db_url, settings.data_dir)
    with store.sessions() as s:
        hashes = {u.name: u.token_hash for u in s.query(User)}
    store.close()
    assert hashes["boss"] == auth.hash_token(admin)  # stored hashed, never in clear
    with TestClient(create_app(settings)) as client:
        me = client.get(f"{API}/me", headers=_bearer(coach)).json()
        assert me["name"] == "carla" and me["role"] == "coach"
        ann = client.get(f"{API}/me", headers=_bearer(athlete)).json()
        assert me["athlete_ids"] == [ann["athlete_id"]]
        assert client.get(f"{API}/me", headers=_bearer(admin + "x")).status_code == 401
    # A leaked token is replaced: the old one stops working, the new one works.
    rotated = runner.invoke(cli, ["user", "token", "carla"])
    assert rotated.exit_code == 0, rotated.output
    new_coach = rotated.output.strip().splitlines()[-1].split()[-1]
    removed = runner.invoke(cli, ["user", "remove", "ann"])
    assert removed.exit_code == 0, removed.output
    assert runner.invoke(cli, ["user", "token", "nobody"]).exit_code == 1
    with TestClient(create_app(settings)) as client:
        assert client.get(f"{API}/me", headers=_bearer(coach)).status_code == 401
        assert client.get(f"{API}/me", headers=_bearer(new_coach)).json()["name"] == "carla"
        assert client.get(f"{API}/me", headers=_bearer(athlete)).status_code == 401
