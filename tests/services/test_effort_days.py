"""A series' sRPE columns read only the rated activities and the athlete's first day's
(``effort_frame(rated_only=True)``): the same day rows as from every activity, including when
the first local day belongs to an activity that did not start first in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from polars.testing import assert_frame_equal

from loadwatch.services.effort import effort_days
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store
from support.many_athletes import run, source_file


def test_rated_only_gives_the_same_effort_days_as_every_activity(store: Store) -> None:
    with store.transaction() as s:
        athlete = athlete_store.get_or_create_athlete(s, "Traveller", "Europe/Paris")
        src_id = source_file(s, athlete.id, "effort")
        rows = [
            run(athlete.id, src_id, date(2026, 3, 3) + timedelta(days=d), 8.0, f"r{d}")
            for d in range(60)
        ]
        # First in UTC: 1 March 20:00 at UTC+14 (local 2 March).  Nine hours later at UTC-11:
        # local 1 March, the athlete's first local day.
        kiribati = run(athlete.id, src_id, date(2026, 3, 1), 5.0, "kiribati")
        kiribati.start_time, kiribati.utc_offset_s = datetime(2026, 3, 1, 20, tzinfo=UTC), 14 * 3600
        samoa = run(athlete.id, src_id, date(2026, 3, 2), 5.0, "samoa")
        samoa.start_time, samoa.utc_offset_s = datetime(2026, 3, 2, 5, tzinfo=UTC), -11 * 3600
        for k in (10, 11, 40):  # three rated runs, RPE 6 over 8 km x 330 s = 44 minutes
            rows[k].rpe = 6.0
        activity_store.add_activities(s, [*rows, kiribati, samoa])
    with store.sessions() as s:
        athlete = athlete_store.get_athlete(s, athlete.id)
        last = date(2026, 5, 10)
        lean = effort_days(s, athlete, last)
        full = effort_days(s, athlete, last, activity_store.effort_frame(s, athlete.id))
        assert activity_store.effort_frame(s, athlete.id, rated_only=True).height == 5
    assert_frame_equal(lean, full)
    assert lean["date"][0] == date(2026, 3, 1)  # Samoa's local day, not Kiribati's
    by_day = dict(zip(lean["date"].to_list(), lean["srpe"].to_list(), strict=True))
    assert by_day[date(2026, 3, 13)] == pytest.approx(6.0 * 8.0 * 330.0 / 60.0)  # 264 AU
    assert by_day[date(2026, 3, 12)] == 0.0  # an unrated run adds nothing
    assert lean["srpe_sessions"].sum() == 3
