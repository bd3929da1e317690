"""The scheduler's jobs: an import triggers evaluation, restarts lose and repeat nothing, the
inbox never imports a file twice, and a restart keeps one copy of each job."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from loadwatch import auth
from loadwatch.clock import pin_today, utcnow
from loadwatch.config import Settings
from loadwatch.scheduler import jobs
from loadwatch.scheduler.runner import EVALUATE, INBOX, NIGHTLY, WEBHOOKS, LoadScheduler
from loadwatch.services.importing import import_paths
from loadwatch.store.athletes import get_or_create_athlete
from loadwatch.store.db import Store
from loadwatch.store.models import (
    Activity,
    Athlete,
    Delivery,
    Episode,
    Flag,
    InboxEntry,
    PendingEvaluation,
    Webhook,
)
from support.paths import REPO
from support.receiver import webhook_receiver

SAMPLE = REPO / "sample_data"


SAMPLE_END = date(2026, 11, 15)  # scripts/make_sample_data.py: END


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Store, Settings]]:
    settings = Settings(
        data_dir=tmp_path / "data",
        inbox=tmp_path / "inbox",
        inbox_min_age_s=0.0,
        webhook_base_delay_s=0.0,
        webhook_quiet_s=0.0,
        # The test receiver is plain http on loopback: allowed explicitly, as an admin would.
        webhook_allow_http=True,
        webhook_allow_hosts=("127.0.0.1",),
    )
    store = Store(settings.db_url, settings.data_dir)
    jobs.bind(store, settings)
    # The day after the sample history ends: its flags are news, not history (test_historic).
    pin_today(SAMPLE_END + timedelta(days=1))
    try:
        yield store, settings
    finally:
        pin_today(None)
        jobs.unbind()
        store.close()


def _runs(athlete: str, n: int | None = None) -> list[Path]:
    files = sorted((SAMPLE / athlete).glob("*.fit"))
    if not files:
        pytest.fail(f"no sample data in {SAMPLE / athlete}")
    return files if n is None else files[:n]


def _count(store: Store, model: type) -> int:
    with store.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_import_triggers_evaluation_and_restart_repeats_nothing(
    env: tuple[Store, Settings], tmp_path: Path
) -> None:
    store, settings = env
    with store.transaction() as s:
        sara = get_or_create_athlete(s, "Spiky Sara", "Europe/Vienna")
        sam = get_or_create_athlete(s, "Steady Sam", "Europe/Vienna")
        admin, _ = auth.create_user(s, "admin", "admin")
    with webhook_receiver() as rx:
        with store.transaction() as s:
            s.add(Webhook(owner_id=admin.id, url=rx.url, secret="k"))
        import_paths(store, settings, sara.id, _runs("spiky-sara"))
        import_paths(store, settings, sam.id, _runs("steady-sam", 20))
        assert _count(store, PendingEvaluation) == 2
        # A crash after the first athlete: only Sara's evaluation committed.
        from loadwatch.services.evaluation import drain_pending

        drain_pending(store, athlete_id=sara.id)
        sara_flags = _count(store, Flag)
        assert sara_flags > 0 and _count(store, PendingEvaluation) == 1
        # The restarted process picks up what is left, and nothing is evaluated twice.
        jobs.unbind()
        restarted = Store(settings.db_url, settings.data_dir)
        jobs.bind(restarted, settings)
        assert jobs.evaluate_pending() == [sam.id]
        assert jobs.evaluate_pending() == []
        assert _count(restarted, Flag) == sara_flags  # Sam's steady build raises nothing
        jobs.deliver_webhooks()
        jobs.deliver_webhooks()
        restarted.close()
    # One announcement per episode, not per flag: Sara's spike week is one event.
    told = [(r["body"]["event"], r["body"]["episode"]["id"]) for r in rx.accepted]
    with store.sessions() as s:
        live = s.scalars(select(Episode.id).where(Episode.status == "open")).all()
    assert len(told) == len(set(told)) == len(live) == _count(store, Delivery) == 1
    assert told == [("episode.created", live[0])]
    assert sara_flags > 1


def test_inbox_never_imports_a_file_twice(env: tuple[Store, Settings]) -> None:
    store, settings = env
    assert settings.inbox is not None
    folder = settings.inbox / "Spiky Sara" / "GARMIN" / "Activity"
    folder.mkdir(parents=True)
    for f in _runs("spiky-sara", 3):
        shutil.copy(f, folder / f.name)
    (folder / ".partial.fit").write_bytes(b"hidden files are ignored")

    # A folder names an athlete who exists: an unknown one is left alone, not made into an
    # athlete no coach is linked to; its files come in once the athlete is added.
    assert jobs.scan_inbox() == 0
    assert _count(store, Athlete) == 0 and _count(store, InboxEntry) == 0
    with store.transaction() as s:
        get_or_create_athlete(s, "spiky sara")
    assert jobs.scan_inbox() == 3
    assert _count(store, Activity) == 3 and _count(store, InboxEntry) == 3
    assert jobs.scan_inbox() == 0  # nothing new
    first = sorted(folder.glob("2*.fit"))[0]
    os.utime(first, None)  # touched, same bytes: not imported again
    assert jobs.scan_inbox() == 0
    shutil.copy(first, folder / "copy-of-first.fit")  # same bytes under a new name
    assert jobs.scan_inbox() == 1
    assert _count(store, Activity) == 3
    with store.sessions() as s:
        row = s.execute(
            select(InboxEntry).where(InboxEntry.path.like("%copy-of-first.fit"))
        ).scalar_one()
        assert row.status == "duplicate"
    # A file still being copied (too young) waits for the next scan.
    young = Settings(**{**settings.model_dump(), "inbox_min_age_s": 3600.0})
    jobs.bind(store, young)
    shutil.copy(_runs("spiky-sara")[5], folder / "new.fit")
    just_now = utcnow().timestamp()  # written now by the application's clock, pinned or not
    os.utime(folder / "new.fit", (just_now, just_now))
    assert jobs.scan_inbox() == 0
    jobs.bind(store, settings)
    assert jobs.scan_inbox() == 1 and _count(store, Activity) == 4
    # A modification time in the future (a device's or a share's skewed clock) is no age: the
    # file is imported, not kept out until that day comes.
    jobs.bind(store, young)
    skewed = folder / "skewed.fit"
    shutil.copy(_runs("spiky-sara")[6], skewed)
    tomorrow = just_now + 86_400.0
    os.utime(skewed, (tomorrow, tomorrow))
    assert jobs.scan_inbox() == 1 and _count(store, Activity) == 5
    jobs.bind(store, settings)
    # Pending evaluation was drained by the scan.
    assert _count(store, PendingEvaluation) == 0


def test_a_restart_keeps_one_copy_of_each_job(env: tuple[Store, Settings]) -> None:
    store, settings = env
    fast = Settings(**{**settings.model_dump(), "evaluate_interval_s": 3600.0})
    for _ in range(2):  # start, stop, start again: a restart
        runner = LoadScheduler(store, fast)
        runner.start()
        ids = sorted(job.id for job in runner._scheduler.get_jobs())
        runner.shutdown()
        assert ids == sorted([EVALUATE, NIGHTLY, INBOX, WEBHOOKS])
