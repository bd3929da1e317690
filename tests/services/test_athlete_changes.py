"""Issue #22 item 1: one "change an athlete" path.  The API's PATCH and the CLI's
``athlete set`` both go through ``services.athletes``: the same change on the same history
stores the same fields and asks for the same re-evaluation day, both can clear the fast
threshold, and both refuse the same bad threshold with the same words."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from loadwatch import auth
from loadwatch.api.app import create_app
from loadwatch.cli import app
from loadwatch.clock import pin_today
from loadwatch.config import get_settings
from loadwatch.services.athletes import reevaluation_day
from loadwatch.services.changes import Change
from loadwatch.store import athletes as athlete_store
from loadwatch.store import pending
from loadwatch.store.db import Store, open_store
from loadwatch.store.models import Activity, PendingEvaluation
from support.paths import REPO

API = "/api/v1"
# Starts 2026-07-21 04:30 UTC, recorded in Vienna (UTC+2): 21:30 on 20 July in Los Angeles.
SAMPLE_FIT = REPO / "sample_data" / "spiky-sara" / "2026-07-21-intervals.fit"
runner = CliRunner()


@dataclass
class Twins:
    """Two athletes with the same history: one changed through the API, one through the CLI."""

    store: Store
    client: TestClient
    headers: dict[str, str]
    api_id: int
    cli_id: int
    touched: list[dict[int, date]]

    def state(self, athlete_id: int) -> tuple[str, float | None, date | None, date | None]:
        with self.store.sessions() as s:
            a = athlete_store.get_athlete(s, athlete_id)
            return a.timezone, a.fast_speed_mps, a.fast_speed_since, pending.pending_from(s, a.id)

    def drained(self) -> None:
        with self.store.transaction() as s:
            s.query(PendingEvaluation).delete()  # as if the scheduler had evaluated


@pytest.fixture
def twins(data_dir: Path) -> Iterator[Twins]:
    if not SAMPLE_FIT.exists():
        pytest.skip(f"sample data not generated ({SAMPLE_FIT})")
    for name in ("Api Ann", "Cli Cai"):
        done = runner.invoke(app, ["import", str(SAMPLE_FIT), "--athlete", name])
        assert done.exit_code == 0, done.output
    settings = get_settings()
    store = open_store(settings)
    touched: list[dict[int, date]] = []

    def hook(change: Change) -> None:
        touched.append(dict(change.touched))

    with store.transaction() as s:
        _, token = auth.create_user(s, "admin", "admin")
        ids = [athlete_store.get_athlete_by_name(s, n).id for n in ("Api Ann", "Cli Cai")]
    pin_today(date(2026, 8, 3))
    try:
        with TestClient(create_app(store, settings=settings, on_import=hook)) as client:
            t = Twins(store, client, {"Authorization": f"Bearer {token}"}, *ids, touched)
            t.drained()
            yield t
    finally:
        pin_today(None)
        store.close()


def _patch(t: Twins, body: Mapping[str, object]) -> dict[str, object]:
    r = t.client.patch(f"{API}/athletes/{t.api_id}", json=body, headers=t.headers)
    assert r.status_code == 200, r.text
    out: dict[str, object] = r.json()
    return out


def _set(*args: str) -> str:
    done = runner.invoke(app, ["athlete", "set", "Cli Cai", *args])
    assert done.exit_code == 0, done.output
    return done.stdout


def test_a_new_zone_stores_the_same_and_reevaluates_from_the_same_day(twins: Twins) -> None:
    assert twins.state(twins.api_id) == twins.state(twins.cli_id)
    assert twins.state(twins.api_id)[0] == "Europe/Vienna"  # read from the file
    _patch(twins, {"timezone": "America/Los_Angeles"})
    out = _set("--timezone", "America/Los_Angeles")
    assert "flags will be re-evaluated from 2026-07-20" in out
    # The earlier of the two zones' days: 20 July in Los Angeles, not the UTC date minus one.
    want = ("America/Los_Angeles", None, None, date(2026, 7, 20))
    assert twins.state(twins.api_id) == twins.state(twins.cli_id) == want
    assert twins.touched == [{twins.api_id: date(2026, 7, 20)}]  # the API's hook was told


def test_a_fast_threshold_is_set_and_cleared_alike(twins: Twins) -> None:
    body = _patch(twins, {"fast_threshold": "4:00"})
    assert body["fast_pace"] == "4:00"
    out = _set("--fast-pace", "4:00")
    assert "fast means faster than 4:00 per km (4.17 m/s)" in out
    # From the pinned local today on; the whole history is re-judged from the first run's day.
    want = ("Europe/Vienna", pytest.approx(1000 / 240), date(2026, 8, 3), date(2026, 7, 21))
    assert twins.state(twins.api_id) == want
    assert twins.state(twins.cli_id) == want
    twins.drained()
    assert _patch(twins, {"fast_threshold": None})["fast_speed_mps"] is None
    out = _set("--derived-fast-pace")
    assert "fast pace derived from the athlete's own running" in out
    assert "flags will be re-evaluated from 2026-07-21" in out
    want = ("Europe/Vienna", None, None, date(2026, 7, 21))
    assert twins.state(twins.api_id) == twins.state(twins.cli_id) == want


def test_the_same_threshold_check_refuses_the_same_pace(twins: Twins) -> None:
    # 1:30 min/km is 11.1 m/s: over the 10 m/s a runner reaches.
    words = "fast threshold 11.11 m/s is outside 1..10 m/s"
    r = twins.client.patch(
        f"{API}/athletes/{twins.api_id}", json={"fast_threshold": "1:30"}, headers=twins.headers
    )
    assert r.status_code == 422 and words in r.text, r.text
    done = runner.invoke(app, ["athlete", "set", "Cli Cai", "--fast-pace", "1:30"])
    assert done.exit_code == 1 and words in done.stderr, done.output
    assert twins.state(twins.api_id) == twins.state(twins.cli_id)
    assert twins.state(twins.api_id)[1:] == (None, None, None)  # nothing changed, nothing asked


def test_an_unchanged_value_asks_for_nothing(twins: Twins) -> None:
    _patch(twins, {"timezone": "Europe/Vienna"})
    out = _set("--timezone", "Europe/Vienna")
    assert "no change" in out and "re-evaluated" not in out
    assert twins.state(twins.api_id)[3] is None and twins.state(twins.cli_id)[3] is None
    assert twins.touched == []


@pytest.mark.parametrize(
    ("start", "offset_s", "zones", "day"),
    [
        # The device's offset (Vienna, UTC+2) and the new zone (Los Angeles, UTC-7).
        (datetime(2026, 7, 21, 4, 30, tzinfo=UTC), 7200, ["Europe/Vienna"], date(2026, 7, 21)),
        (
            datetime(2026, 7, 21, 4, 30, tzinfo=UTC),
            7200,
            ["Europe/Vienna", "America/Los_Angeles"],
            date(2026, 7, 20),
        ),
        # No device offset: the zone's day; 23:30 UTC is the next morning in Tokyo.
        (datetime(2026, 7, 20, 23, 30, tzinfo=UTC), None, ["Asia/Tokyo"], date(2026, 7, 21)),
        (datetime(2026, 7, 20, 23, 30, tzinfo=UTC), None, ["UTC", "Asia/Tokyo"], date(2026, 7, 20)),
        # An offset west of the zone puts the run on the day before the zone's.
        (datetime(2026, 7, 21, 2, 0, tzinfo=UTC), -4 * 3600, ["Europe/Paris"], date(2026, 7, 20)),
    ],
)
def test_reevaluation_day(
    start: datetime, offset_s: int | None, zones: list[str], day: date
) -> None:
    first = Activity(start_time=start, utc_offset_s=offset_s)
    assert reevaluation_day(first, zones) == day
    assert reevaluation_day(None, zones) is None


def test_the_weekly_summary_is_turned_on_and_off_alike_without_reevaluating(
    twins: Twins,
) -> None:
    assert _patch(twins, {"weekly_summary": True})["weekly_summary"] is True
    out = _set("--weekly-summary")
    assert "Cli Cai: weekly summary on" in out and "re-evaluated" not in out
    with twins.store.sessions() as s:
        on = [athlete_store.get_athlete(s, i).weekly_summary for i in (twins.api_id, twins.cli_id)]
    assert on == [True, True]
    assert twins.state(twins.api_id)[3] is None  # what is sent, not what is judged
    assert "weekly summary off" in _set("--no-weekly-summary")
    assert "Cli Cai: no change" in _set("--no-weekly-summary")
