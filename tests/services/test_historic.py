"""Current vs historic (#8): a flag first raised long after its day is history: kept and
listed, never announced by webhook, never counted as open.  Through the real import path, on
the bundled sample history of Spiky Sara (last day 2026-11-15, a Sunday, her spike week)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from loadwatch import auth
from loadwatch.clock import pin_today
from loadwatch.config import Settings
from loadwatch.rules.episodes import HISTORIC_DAYS
from loadwatch.services.athletes import change_athlete
from loadwatch.services.evaluation import drain_pending
from loadwatch.services.flag_list import list_flags
from loadwatch.services.importing import import_paths
from loadwatch.services.inputs import evaluation_inputs
from loadwatch.services.status import athlete_status
from loadwatch.services.webhooks import enqueue_new
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store
from loadwatch.store.models import Delivery, Webhook
from support.paths import REPO, built_once
from support.reading import read

SAMPLE = REPO / "sample_data" / "spiky-sara"
END = date(2026, 11, 15)  # scripts/make_sample_data.py: the history's last day


def _import_sara(root: Path) -> tuple[Path, int]:
    settings = Settings(data_dir=root / "data", database_url=None)
    store = Store(settings.db_url, settings.data_dir)
    try:
        with store.transaction() as s:
            aid = athlete_store.get_or_create_athlete(s, "Spiky Sara", "Europe/Vienna").id
            coach, _ = auth.create_user(s, "carla", "coach")
            auth.link_coach(s, coach, athlete_store.get_athlete(s, aid))
            s.add(
                Webhook(owner_id=coach.id, url="https://example.org/hook", secret="x", active=True)
            )
        report = import_paths(store, settings, aid, [SAMPLE])
        assert report.counts()["failed"] == 0
    finally:
        store.close()
    return settings.data_dir, aid


@pytest.fixture(scope="session")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """Sara's folder through the real import path once per run (the evaluation it asks for
    still pending); each test gets its own copy of the store."""
    return built_once(tmp_path_factory, "historic-sara", _import_sara)


@pytest.fixture
def sara(imported: tuple[Path, int], tmp_path: Path) -> Iterator[tuple[Store, int]]:
    data = tmp_path / "data"
    shutil.copytree(imported[0], data)
    store = Store(Settings(data_dir=data, database_url=None).db_url, data)
    yield store, imported[1]
    store.close()


def _statuses(store: Store, aid: int) -> list[str]:
    return sorted({f.status for f in read(store, list_flags, aid, statuses=None)})


def test_an_old_history_imported_today_is_history(sara: tuple[Store, int]) -> None:
    store, aid = sara
    today = END + timedelta(days=60)
    assert drain_pending(store, today=today) == [aid]  # the import's request, as the scheduler
    assert read(store, list_flags, aid, statuses=None)  # the spike week is found...
    assert _statuses(store, aid) == ["historic"]  # ...and kept as history
    assert read(store, list_flags, aid) == []  # nothing open
    assert read(store, athlete_status, aid, today=today).open_flags == []
    with store.transaction() as s:
        assert enqueue_new(s, quiet_s=0) == 0  # never announced


def test_the_same_spike_two_days_ago_is_news(sara: tuple[Store, int]) -> None:
    store, aid = sara
    today = END + timedelta(days=2)
    assert drain_pending(store, today=today) == [aid]
    flags = read(store, list_flags, aid, statuses=None)
    open_ = [f for f in flags if f.status == "open"]
    # Her spike week's one alert: the hill session, more than twice her biggest climb.
    assert [f.date for f in open_ if f.severity == "alert"] == [END - timedelta(days=3)]
    # Only flags dated more than HISTORIC_DAYS before today are history.
    for f in flags:
        expected = "historic" if (today - f.date).days > HISTORIC_DAYS else "open"
        assert f.status == expected, f
    # One event, one alert: the spike week's open flags are one episode, announced once.
    with store.transaction() as s:
        assert len(open_) >= 5
        assert enqueue_new(s, quiet_s=0) == 1
        (delivery,) = s.scalars(select(Delivery)).all()
    body = delivery.payload
    assert body["event"] == "episode.created"
    ep = body["episode"]
    assert ep["severity"] == "alert" and ep["status"] == "open"
    assert {f["id"] for f in ep["flags"] if f["status"] == "open"} == {f.id for f in open_}
    # Headed by its worst, most-exceeded flag, with what else fired counted behind it.
    assert any(ep["headline"].startswith(f.message) for f in open_ if f.severity == "alert")
    assert f"(+{len(ep['flags']) - 1} more: " in ep["headline"]


def test_a_coach_threshold_holds_from_the_day_it_was_set(sara: tuple[Store, int]) -> None:
    """Issue #8 item 5: the days before the coach set a threshold keep the one derived then
    (their flags and weekly table do not move); from that day on the coach's applies."""
    store, aid = sara
    with store.sessions() as s:
        before = evaluation_inputs(s, aid, END).daily
    set_on = END - timedelta(days=3)  # the Thursday of the spike week
    pin_today(set_on)
    try:
        with store.transaction() as s:
            # 2.0 m/s (8:20/km): nearly every running metre of Sara's is faster.
            assert change_athlete(s, athlete_store.get_athlete(s, aid), fast_threshold=2.0)
    finally:
        pin_today(None)
    with store.sessions() as s:
        assert athlete_store.get_athlete(s, aid).fast_speed_since == set_on
        after = evaluation_inputs(s, aid, END).daily
    cols = ["date", "distance_km", "fast_km"]
    old = before.select(cols).filter(pl.col("date") < set_on)
    assert after.select(cols).filter(pl.col("date") < set_on).equals(old)
    # From that day on: what the coach's threshold over the whole history gives.
    with store.sessions() as s:
        athlete_store.get_athlete(s, aid).fast_speed_since = None  # never committed: a read session
        everywhere = evaluation_inputs(s, aid, END).daily
    late = pl.col("date") >= set_on
    assert after.select(cols).filter(late).equals(everywhere.select(cols).filter(late))
    runs = after.filter(late & (pl.col("distance_km") > 0))["fast_km"].to_list()
    prior = before.filter(late & (pl.col("distance_km") > 0))["fast_km"].to_list()
    assert len(runs) == len(prior) >= 1
    assert all(now > then for now, then in zip(runs, prior, strict=True))
