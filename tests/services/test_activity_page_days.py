"""The activity list's day range is the local days it shows (``local_date``): a run abroad
near midnight is listed on the day it shows under and counts on (its own UTC offset,
``analytics.days.local_start``), not on its day in the athlete's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from loadwatch.services.activities import activity_page, local_start_of
from loadwatch.services.athletes import create_athlete
from loadwatch.store.db import Store
from loadwatch.store.models import Activity


def _run(athlete_id: int, start: datetime, offset_s: int | None) -> Activity:
    return Activity(
        athlete_id=athlete_id, format="gpx", sport="running", start_time=start,
        utc_offset_s=offset_s, elapsed_time_s=600.0, moving_time_s=600.0, distance_m=2000.0,
        n_samples=10, source_sha256=f"{start:%Y%m%d%H%M}".ljust(64, "0"), session_index=0,
        totals_source={},
    )  # fmt: skip


def test_a_run_abroad_near_midnight_is_listed_on_the_day_it_shows_under(store: Store) -> None:
    with store.transaction() as s:
        aid = create_athlete(s, name="Ana", timezone="Europe/Madrid").id
        # New York, Monday 2026-03-09 23:30 EDT (UTC-4): Tuesday 04:30 in Madrid.
        abroad = _run(aid, datetime(2026, 3, 10, 3, 30, tzinfo=UTC), -4 * 3600)
        # At home, no offset recorded: Tuesday 00:30 in Madrid (UTC+1), Monday 23:30 in UTC.
        home = _run(aid, datetime(2026, 3, 9, 23, 30, tzinfo=UTC), None)
        s.add_all([abroad, home])
        s.flush()
        ids = {"abroad": abroad.id, "home": home.id}
    monday, tuesday = date(2026, 3, 9), date(2026, 3, 10)
    with store.sessions() as s:
        tz = "Europe/Madrid"

        def listed(first: date, last: date) -> tuple[list[int], int]:
            rows, total = activity_page(s, aid, first=first, last=last, tz=tz)
            assert all(first <= local_start_of(r, tz).local_date <= last for r in rows)
            return [r.id for r in rows], total

        # The zone's midnights in UTC put the New York run on Tuesday, where it does not show.
        assert listed(monday, monday) == ([ids["abroad"]], 1)
        assert listed(tuesday, tuesday) == ([ids["home"]], 1)
        assert listed(monday, tuesday) == ([ids["abroad"], ids["home"]], 2)
        # Paged over the filtered runs: the count is all of them, the page one.
        rows, total = activity_page(s, aid, first=monday, last=tuesday, tz=tz, limit=1, offset=1)
        assert ([r.id for r in rows], total) == ([ids["home"]], 2)
