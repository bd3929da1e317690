"""Who the sweep selects (``job_work.due_athletes``): exactly the athletes whose local day
rolled since their last evaluation, read from the indexed ``due_at`` column, through the clock
seam, on SQLite and PostgreSQL; across a midnight a DST change skips (Santiago, Havana); a
zone change or an evaluation that did not set ``due_at`` is due at once and then settles."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import time_machine

from loadwatch.clock import as_utc, pin_today
from loadwatch.config import Settings
from loadwatch.services import job_work
from loadwatch.services.evaluation import evaluate_athlete
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store
from loadwatch.store.models import Athlete
from support import full_scan

ZONES = {
    "utc": "UTC",
    "paris": "Europe/Paris",
    "santiago": "America/Santiago",  # 2026-09-06 00:00 is skipped: 23:59:59 -04, then 01:00 -03
    "havana": "America/Havana",
    "kiritimati": "Pacific/Kiritimati",  # UTC+14
    "pago": "Pacific/Pago_Pago",  # UTC-11
}
# Saturday 5 September 2026, noon UTC: every zone above is on the 5th except Kiritimati (6th).
T0 = datetime(2026, 9, 5, 12, 0, tzinfo=UTC)


@contextmanager
def at(when: datetime) -> Iterator[None]:
    with time_machine.travel(when, tick=False):
        yield


def _athletes(store: Store) -> dict[str, int]:
    with store.transaction() as s:
        return {n: athlete_store.get_or_create_athlete(s, n, tz).id for n, tz in ZONES.items()}


def _named(store: Store, ids: dict[str, int]) -> set[str]:
    by_id = {v: k for k, v in ids.items()}
    return {by_id[a] for a in job_work.due_athletes(store) if a in by_id}


def _stale(store: Store, ids: dict[str, int]) -> set[str]:
    """The old full-scan answer (every athlete's zone against its view's day), to agree with."""
    by_id = {v: k for k, v in ids.items()}
    with store.sessions() as s:
        return {by_id[a] for a in full_scan.stale(s) if a in by_id}


def test_the_sweep_selects_exactly_the_athletes_whose_local_day_rolled(store: Store) -> None:
    settings = Settings()
    with at(T0):
        ids = _athletes(store)
        assert _named(store, ids) == set(ZONES)  # never evaluated: all due
        for aid in ids.values():
            job_work.evaluate_athlete(store, settings, aid)
        assert _named(store, ids) == set()
    with store.sessions() as s:
        due = {n: as_utc(athlete_store.get_athlete(s, a).due_at) for n, a in ids.items()}  # type: ignore[arg-type]
    # Each zone's midnight after its view's day, by hand.
    assert due == {
        "utc": datetime(2026, 9, 6, 0, 0, tzinfo=UTC),
        "paris": datetime(2026, 9, 5, 22, 0, tzinfo=UTC),  # CEST, +2
        "santiago": datetime(2026, 9, 6, 4, 0, tzinfo=UTC),  # the skipped midnight: 01:00 -03
        "havana": datetime(2026, 9, 6, 4, 0, tzinfo=UTC),  # CDT, -4
        "kiritimati": datetime(2026, 9, 6, 10, 0, tzinfo=UTC),  # its 6th ends at 10:00 UTC
        "pago": datetime(2026, 9, 6, 11, 0, tzinfo=UTC),  # -11
    }
    steps = [
        (datetime(2026, 9, 5, 21, 59, 59, tzinfo=UTC), set()),
        (datetime(2026, 9, 5, 22, 0, tzinfo=UTC), {"paris"}),
        (datetime(2026, 9, 6, 0, 0, tzinfo=UTC), {"paris", "utc"}),
        (datetime(2026, 9, 6, 3, 59, 59, tzinfo=UTC), {"paris", "utc"}),
        (datetime(2026, 9, 6, 4, 0, tzinfo=UTC), {"paris", "utc", "santiago", "havana"}),
        (
            datetime(2026, 9, 6, 10, 0, tzinfo=UTC),
            {"paris", "utc", "santiago", "havana", "kiritimati"},
        ),
        (datetime(2026, 9, 6, 11, 0, tzinfo=UTC), set(ZONES)),
    ]
    for when, expected in steps:
        with at(when):
            assert _named(store, ids) == expected, when
            assert _stale(store, ids) == expected, when  # the full scan agrees
    # Rolled forward at 04:30 UTC: those four are current again until their next midnight.
    with at(datetime(2026, 9, 6, 4, 30, tzinfo=UTC)):
        for name in ("paris", "utc", "santiago", "havana"):
            job_work.evaluate_athlete(store, settings, ids[name])
        assert _named(store, ids) == set()
    with at(datetime(2026, 9, 6, 21, 59, 59, tzinfo=UTC)):
        # Not rolled at 04:30: still due (Kiritimati's 7th began at 10:00 UTC, Pago's 6th at 11:00).
        assert _named(store, ids) == {"kiritimati", "pago"}
    with at(datetime(2026, 9, 6, 22, 0, tzinfo=UTC)):
        assert _named(store, ids) == {"kiritimati", "pago", "paris"}


def test_a_zone_change_and_an_evaluation_elsewhere_are_due_then_settle(store: Store) -> None:
    settings = Settings()
    with at(T0):
        ids = _athletes(store)
        for aid in ids.values():
            job_work.evaluate_athlete(store, settings, aid)
        assert _named(store, ids) == set()
        with store.transaction() as s:
            athlete = s.get(Athlete, ids["utc"])
            assert athlete is not None
            athlete.timezone = "Asia/Tokyo"  # its 5th ends at 15:00 UTC, not midnight
        assert _named(store, ids) == {"utc"}
        # Any evaluation sets due_at in the transaction that stores its view: the CLI's
        # ``evaluate`` for a past day leaves a view that is not today's, due at once ...
        evaluate_athlete(store, ids["paris"], today=date(2026, 9, 1))
        assert _named(store, ids) == {"utc", "paris"}
        # ... and for today, a view current until Paris's midnight.
        evaluate_athlete(store, ids["paris"], today=date(2026, 9, 5))
        assert _named(store, ids) == {"utc"}
        # A view stored without its instant (before revision 0009): the sweep's job finds it
        # current (Tokyo is on the 5th too, 21:00) and only sets the instant.
        with store.transaction() as s:
            athlete_store.set_due(s, ids["paris"], None)
        assert job_work.evaluate_athlete(store, settings, ids["paris"]) is None
        assert job_work.evaluate_athlete(store, settings, ids["utc"]) is None
        assert _named(store, ids) == set()
    with at(datetime(2026, 9, 5, 15, 0, tzinfo=UTC)):
        assert _named(store, ids) == {"utc"}  # Tokyo's midnight


def test_a_replay_under_a_pinned_day_is_due_again_once_unpinned(store: Store) -> None:
    """A process pinned to a day (a replay of old data) stores views that never go stale for
    it; a process without a pin finds those athletes due and rolls them to the real today."""
    settings = Settings()
    with at(T0):
        ids = _athletes(store)
        pin_today(date(2026, 8, 1))
        try:
            job_work.evaluate_athlete(store, settings, ids["paris"])
            assert ids["paris"] not in job_work.due_athletes(store)
        finally:
            pin_today(None)
        assert ids["paris"] in job_work.due_athletes(store)
        job_work.evaluate_athlete(store, settings, ids["paris"])
        assert ids["paris"] not in job_work.due_athletes(store)


def test_a_day_that_gains_an_hour_rolls_at_its_real_end(store: Store) -> None:
    """Clocks going back: Santiago at its midnight (23:00 comes twice on 4 April 2026, the 5th
    begins at 04:00 UTC), Paris at 03:00 (25 October 2026 lasts 25 hours)."""
    settings = Settings()
    cases = [
        (
            "America/Santiago",
            datetime(2026, 4, 4, 12, 0, tzinfo=UTC),
            [
                (datetime(2026, 4, 5, 2, 59, 59, tzinfo=UTC), False),  # the first 22:59:59 (-03)
                (datetime(2026, 4, 5, 3, 59, 59, tzinfo=UTC), False),  # the second 23:59:59 (-04)
                (datetime(2026, 4, 5, 4, 0, tzinfo=UTC), True),
            ],
        ),
        (
            "Europe/Paris",
            datetime(2026, 10, 24, 22, 30, tzinfo=UTC),  # 00:30 CEST on the 25th
            [
                (datetime(2026, 10, 25, 21, 59, 59, tzinfo=UTC), False),  # 24 hours in: 22:59:59
                (datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC), False),  # 23:59:59 CET
                (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), True),
            ],
        ),
    ]
    for tz, evaluated, steps in cases:
        with at(evaluated):
            with store.transaction() as s:
                ids = {tz: athlete_store.get_or_create_athlete(s, tz, tz).id}
            job_work.evaluate_athlete(store, settings, ids[tz])
            assert _named(store, ids) == set()
        for when, rolled in steps:
            with at(when):
                assert _named(store, ids) == ({tz} if rolled else set()), when
                assert _stale(store, ids) == _named(store, ids), when


def test_a_lease_hides_the_still_due_and_spares_an_athlete_evaluated_meanwhile(
    store: Store,
) -> None:
    settings = Settings()
    with at(T0):
        ids = _athletes(store)
        job_work.evaluate_athlete(store, settings, ids["paris"])  # due 22:00 UTC tonight
        everyone = sorted(ids.values())
        assert job_work.lease_due(store, everyone) == len(ZONES) - 1  # Paris is not due
        assert _named(store, ids) == set()
        with store.sessions() as s:
            paris = as_utc(athlete_store.get_athlete(s, ids["paris"]).due_at)  # type: ignore[arg-type]
        assert paris == datetime(2026, 9, 5, 22, 0, tzinfo=UTC)
    with at(T0 + job_work.SWEEP_LEASE - timedelta(seconds=1)):
        assert _named(store, ids) == set()
    with at(T0 + job_work.SWEEP_LEASE):
        assert _named(store, ids) == set(ZONES) - {"paris"}
