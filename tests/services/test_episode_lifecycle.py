"""Episodes through the real path (a training log imported, evaluated, announced by webhook):
one event one announcement, returns without false alarms, escalation and withdrawal."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from loadwatch import auth
from loadwatch.config import Settings
from loadwatch.services import webhooks
from loadwatch.services.activities import delete_activity
from loadwatch.services.csv_import import import_log
from loadwatch.services.evaluation import drain_pending, evaluate_athlete
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store
from loadwatch.store.models import Activity, Episode, EpisodeEvent, Flag, Webhook
from support.activity_builder import WEEK_SHARES
from support.databases import at_head
from support.receiver import webhook_receiver

MON = date(2026, 1, 5)  # a Monday


def _settings(tmp_path: Path) -> Settings:
    # The receiver listens on plain http on loopback: an admin's explicit allowance.
    return Settings(
        data_dir=tmp_path,
        webhook_base_delay_s=0.0,
        webhook_quiet_s=0.0,
        webhook_allow_http=True,
        webhook_allow_hosts=("127.0.0.1",),
    )


def week_rows(monday: date, volumes_km: Sequence[float], climb_per_km: float = 10.0) -> list[str]:
    """CSV rows for consecutive weeks: each week split by WEEK_SHARES, at 5:30/km."""
    rows = []
    for w, vol in enumerate(volumes_km):
        for d, share in enumerate(WEEK_SHARES):
            km = round(vol * share, 3)
            if km > 0:
                day = monday + timedelta(days=7 * w + d)
                rows.append(f"{day},{km},{km * 5.5:.2f},{km * climb_per_km:.1f}")
    return rows


def csv(rows: Sequence[str]) -> bytes:
    return ("date,distance_km,duration_min,climbing_m\n" + "\n".join(rows) + "\n").encode()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(at_head(f"sqlite:///{tmp_path / 'db.sqlite'}"), tmp_path)
    yield s
    s.close()


def _athlete(store: Store, name: str = "Ana") -> int:
    with store.transaction() as s:
        return athlete_store.get_or_create_athlete(s, name, "UTC").id


def _events(store: Store, aid: int) -> list[tuple[str, int, str]]:
    with store.sessions() as s:
        rows = s.scalars(select(EpisodeEvent).where(EpisodeEvent.athlete_id == aid)).all()
        return [(e.kind, e.episode_id, str(e.payload["severity"])) for e in rows]


def _episodes(store: Store, aid: int) -> list[tuple[date, date, str, str]]:
    with store.sessions() as s:
        eps = s.scalars(select(Episode).where(Episode.athlete_id == aid).order_by(Episode.id))
        return [(e.first, e.last, e.severity, e.status) for e in eps]


def test_a_graded_return_after_four_weeks_off_raises_nothing(store: Store) -> None:
    # The example: 4 weeks off, then 50 / 65 / 80 / 95 % of the pre-break weeks.
    aid = _athlete(store)
    vols = [44.0] * 8 + [0.0] * 4 + [22.0, 28.6, 35.2, 41.8]
    import_log(store, aid, csv(week_rows(MON, vols)), "log.csv")
    last = MON + timedelta(weeks=len(vols), days=-1)
    assert drain_pending(store, today=last) == [aid]
    with store.sessions() as s:
        assert s.scalars(select(Flag).where(Flag.athlete_id == aid)).all() == []
    assert _episodes(store, aid) == [] and _events(store, aid) == []


def test_full_volume_after_three_weeks_off_is_one_episode(store: Store) -> None:
    aid = _athlete(store)
    vols = [44.0] * 8 + [0.0] * 3 + [44.0] * 3
    import_log(store, aid, csv(week_rows(MON, vols)), "log.csv")
    back = MON + timedelta(weeks=11)
    today = back + timedelta(days=6)  # the Sunday of the first week back
    drain_pending(store, today=today)
    with store.sessions() as s:
        flags = s.scalars(select(Flag).where(Flag.athlete_id == aid)).all()
        rules = {f.rule for f in flags}
    # Thursday's caution and Sunday's alert (distance and climbing) are one event.
    assert rules == {"return_after_break"} and len(flags) >= 2
    assert _episodes(store, aid) == [(back + timedelta(days=3), today, "alert", "open")]
    ((kind, _, severity),) = _events(store, aid)
    assert (kind, severity) == ("created", "alert")


def _spike_log(spike_km: float) -> list[str]:
    """Five 44 km weeks (long run 13.2 km), then a week whose Sunday is ``spike_km``."""
    rows = week_rows(MON, [44.0] * 5)
    week6 = MON + timedelta(weeks=5)
    for d, km in ((1, 8.8), (2, 6.6), (3, 8.8), (5, 6.6)):
        rows.append(f"{week6 + timedelta(days=d)},{km},{km * 5.5:.2f},{km * 10:.1f}")
    rows.append(f"{week6 + timedelta(days=6)},{spike_km},{spike_km * 5.5:.2f},{spike_km * 10:.1f}")
    return rows


def _delete_the_long_run(store: Store, aid: int) -> None:
    """The Sunday run over 15 km goes, as through DELETE /activities/{id}."""
    with store.transaction() as s:
        (run,) = s.scalars(
            select(Activity).where(Activity.athlete_id == aid, Activity.distance_m > 15000)
        ).all()
        delete_activity(s, run)


def _hooked(store: Store, url: str) -> None:
    with store.transaction() as s:
        admin, _ = auth.create_user(s, "admin", "admin")
        s.add(Webhook(owner_id=admin.id, url=url, secret="k"))


def test_a_caution_is_not_told_its_alert_is_and_a_withdrawal_is_told(
    store: Store, tmp_path: Path
) -> None:
    settings = _settings(tmp_path)
    aid = _athlete(store)
    sunday = MON + timedelta(weeks=5, days=6)
    with webhook_receiver() as rx, httpx.Client() as client:
        _hooked(store, rx.url)
        # 16.0 km after a 13.2 km longest: 1.21x, a caution - context, not announced.
        import_log(store, aid, csv(_spike_log(16.0)), "log.csv")
        drain_pending(store, today=sunday)
        webhooks.deliver_due(store, settings, client)
        assert rx.accepted == []
        # The same Sunday was in fact 27.0 km (a corrected log): 2.05x, an alert - the same
        # episode, told for the first time.
        _delete_the_long_run(store, aid)
        import_log(store, aid, csv([f"{sunday},27.0,148.50,270.0"]), "fix.csv")
        drain_pending(store, today=sunday)
        webhooks.deliver_due(store, settings, client)
        told = [(r["body"]["event"], r["body"]["episode"]["severity"]) for r in rx.accepted]
        assert told == [("episode.created", "alert")]
        flag = next(
            f for f in rx.accepted[0]["body"]["episode"]["flags"] if f["dimension"] == "distance"
        )
        assert flag["evidence"]["grade"] == "strong"
        assert flag["evidence"]["risk"].startswith("runs more than twice the longest")
        # The long run was someone else's: deleted, nothing fires, the coach is told.
        _delete_the_long_run(store, aid)
        evaluate_athlete(store, aid, from_date=sunday - timedelta(days=7), today=sunday)
        webhooks.deliver_due(store, settings, client)
    last = rx.accepted[-1]["body"]
    assert (last["event"], last["episode"]["status"]) == ("episode.withdrawn", "withdrawn")
    assert len(rx.accepted) == 2
    # The announced flags stay, resolved: the record of what the coach was told.
    with store.sessions() as s:
        statuses = {f.status for f in s.scalars(select(Flag).where(Flag.athlete_id == aid))}
    assert statuses == {"resolved"}


def test_changes_before_anyone_is_told_make_one_announcement(store: Store, tmp_path: Path) -> None:
    """A caution is never announced; when it becomes an alert the coach hears once, of the
    alert."""
    settings = _settings(tmp_path)
    aid = _athlete(store)
    sunday = MON + timedelta(weeks=5, days=6)
    with webhook_receiver() as rx, httpx.Client() as client:
        _hooked(store, rx.url)
        import_log(store, aid, csv(_spike_log(16.0)), "log.csv")
        drain_pending(store, today=sunday)
        _delete_the_long_run(store, aid)
        import_log(store, aid, csv([f"{sunday},27.0,148.50,270.0"]), "fix.csv")
        drain_pending(store, today=sunday)
        webhooks.deliver_due(store, settings, client)
        webhooks.deliver_due(store, settings, client)
    bodies: list[dict[str, Any]] = [r["body"] for r in rx.accepted]
    assert [(b["event"], b["episode"]["severity"]) for b in bodies] == [
        ("episode.created", "alert")
    ]
    assert any("27.0 km run" in reason for reason in bodies[0]["episode"]["reasons"])
    assert [k for k, _, _ in _events(store, aid)] == ["created"]
