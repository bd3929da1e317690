"""The job seam (services/jobs.py): a burst of changes is evaluated once, the background thread
runs what is due and goes idle, a failing job leaves its work pending, and inline and in-process
queues leave the same flags and views."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loadwatch.clock import local_today
from loadwatch.config import Settings
from loadwatch.services import job_work
from loadwatch.services.jobs import InlineJobs, InProcessJobs, JobQueue, make_queue
from loadwatch.services.pending import evaluating, is_evaluating
from loadwatch.store.db import Store
from support.many_athletes import change, picture, seed


def _settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", **kw)  # type: ignore[arg-type]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Store, Settings, list[int]]]:
    settings = _settings(tmp_path)
    store = Store(settings.db_url, settings.data_dir)
    with store.transaction() as s:
        ids = seed(s, 3, local_today("UTC"))
    yield store, settings, ids
    store.close()


def test_a_burst_of_forty_changes_is_evaluated_once(
    world: tuple[Store, Settings, list[int]],
) -> None:
    store, settings, (a, b, c) = world
    queue = InProcessJobs(store, settings, settle_s=0, autostart=False)
    today = local_today("UTC")
    for k in range(40):
        with store.transaction() as s:
            change(s, a, today, k)
        queue.evaluate([a])
    with store.transaction() as s:
        change(s, b, today, 0)
    queue.evaluate([b])
    with store.sessions() as s:
        assert evaluating(s, [a, b, c]) == {a, b}
    assert queue.run_due(force=True) == [a, b]
    assert queue.runs == [a, b]  # once each, whatever the burst
    with store.sessions() as s:
        assert evaluating(s, [a, b, c]) == set()
    assert queue.run_due(force=True) == []


def test_a_change_waits_to_settle_before_it_is_evaluated(
    world: tuple[Store, Settings, list[int]],
) -> None:
    store, settings, (a, _b, _c) = world
    queue = InProcessJobs(store, settings, settle_s=3600, autostart=False)
    with store.transaction() as s:
        change(s, a, local_today("UTC"), 0)
    queue.evaluate([a])
    assert queue.run_due() == []  # not due for an hour: more uploads may come
    assert queue.pending_count() == 1
    with store.sessions() as s:
        assert is_evaluating(s, a)


def test_the_background_thread_runs_the_work_and_goes_idle(
    world: tuple[Store, Settings, list[int]],
) -> None:
    store, settings, (a, b, _c) = world
    queue = InProcessJobs(store, settings, settle_s=0)
    try:
        today = local_today("UTC")
        for aid in (a, b):
            with store.transaction() as s:
                change(s, aid, today, 1)
        queue.evaluate([a, b])
        assert queue.wait_idle(timeout=120)
        assert sorted(queue.runs) == [a, b]
        with store.sessions() as s:
            assert evaluating(s, [a, b]) == set()
    finally:
        queue.close()


def test_a_failing_evaluation_leaves_the_work_pending(
    world: tuple[Store, Settings, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings, (a, _b, _c) = world

    def broken(*_args: object, **_kw: object) -> None:
        raise RuntimeError("the evaluation broke")

    monkeypatch.setattr(job_work, "evaluate_athlete", broken)
    with store.transaction() as s:
        change(s, a, local_today("UTC"), 0)
    InlineJobs(store, settings).evaluate([a])  # logged, not raised into the upload
    with store.sessions() as s:
        assert is_evaluating(s, a)
    assert a in job_work.due_athletes(store)  # the sweep finds it again


def test_a_new_day_rolls_a_view_forward_without_pending_work(
    world: tuple[Store, Settings, list[int]],
) -> None:
    store, settings, (a, _b, _c) = world
    # Never evaluated: no view for today, nothing pending - due all the same.
    assert a in job_work.due_athletes(store)
    result = job_work.evaluate_athlete(store, settings, a)
    assert result is not None and result.evaluated_from is not None
    assert (local_today("UTC") - result.evaluated_from).days == job_work.ROLL_DAYS
    assert a not in job_work.due_athletes(store)
    assert job_work.evaluate_athlete(store, settings, a) is None  # current: nothing to do


def _evaluate_with(queue: JobQueue, store: Store, ids: list[int]) -> None:
    today = local_today("UTC")
    for k in range(3):
        for aid in ids:
            with store.transaction() as s:
                change(s, aid, today, k)
            queue.evaluate([aid])
    if isinstance(queue, InProcessJobs):
        assert queue.wait_idle(timeout=300)


def test_inline_and_in_process_queues_leave_the_same_flags_and_views(tmp_path: Path) -> None:
    pictures = []
    for kind in ("inline", "inprocess"):
        settings = _settings(tmp_path / kind, jobs=kind, job_settle_s=0)
        store = Store(settings.db_url, settings.data_dir)
        queue = make_queue(store, settings)
        assert isinstance(queue, InlineJobs if kind == "inline" else InProcessJobs)
        try:
            with store.transaction() as s:
                ids = seed(s, 6, local_today("UTC"))
            _evaluate_with(queue, store, ids)
            pictures.append(picture(store))
        finally:
            queue.close()
            store.close()
    inline, in_process = pictures
    assert inline == in_process
    # Not vacuous: views stored, flags raised, nothing left pending.
    assert all(p["summary"] is not None and not p["pending"] for p in inline.values())
    assert sum(len(p["flags"]) for p in inline.values()) > 0
