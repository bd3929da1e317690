"""Views computed once, at evaluation: status, series and the triage read the stored rows,
which equal what a live computation gives; an import not yet evaluated is shown live."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from loadwatch import auth
from loadwatch.schemas.status import REPORT_WEEKS, Summary, WeekRow
from loadwatch.services import status, views
from loadwatch.services.csv_import import import_log
from loadwatch.services.dashboard import dashboard
from loadwatch.services.evaluation import drain_pending
from loadwatch.services.inputs import evaluation_inputs
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store
from loadwatch.store.models import AthleteView, CoachAthlete
from support.databases import at_head

MONDAY = date(2026, 9, 7)
SPIKE = MONDAY + timedelta(weeks=5, days=6)  # the sixth Sunday


def log(extra: str = "") -> bytes:
    """Five weeks of 8, 8, 8 and 16 km, then 10, 10, 10 and 22 km, every run climbing 40 m."""
    lines = ["date,distance_km,duration_min,climbing_m"]
    for w in range(6):
        kms = (10.0, 10.0, 10.0, 22.0) if w == 5 else (8.0, 8.0, 8.0, 16.0)
        for d, km in zip((1, 3, 5, 6), kms, strict=True):
            lines.append(f"{MONDAY + timedelta(weeks=w, days=d)},{km},{km * 5.5},40")
    return ("\n".join(lines) + "\n" + extra).encode()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(at_head(f"sqlite:///{tmp_path / 'db.sqlite'}"), tmp_path)
    yield s
    s.close()


@pytest.fixture
def ana(store: Store) -> int:
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana", "Europe/Paris").id
    import_log(store, aid, log(), "log.csv")
    assert drain_pending(store, today=SPIKE) == [aid]
    return aid


def _live(store: Store, aid: int, day: date) -> views.View:
    with store.sessions() as s:
        return views.compute(evaluation_inputs(s, aid, day))


def test_the_stored_view_is_the_live_one(store: Store, ana: int) -> None:
    live = _live(store, ana, SPIKE)
    with store.sessions() as s:
        row = s.get(AthleteView, ana)
        assert row is not None and row.as_of == SPIKE
        stored = Summary.model_validate(row.summary)
    assert stored == live.summary
    # The numbers by hand: 22 + 10 x 3 = 52 km in the last 7 days; the week before was 40 km.
    (dist,) = [d for d in stored.dimensions if d.dimension == "distance"]
    assert dist.last_7d == pytest.approx(52.0)
    assert stored.last_run_date == SPIKE
    assert [w.distance_km for w in stored.weekly_distance][-2:] == [40.0, 52.0]


def test_series_cut_from_the_stored_rows_equal_the_rows_computed_to_that_day(
    store: Store, ana: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    wednesday = SPIKE - timedelta(days=4)
    expected = {d: _live(store, ana, d) for d in (SPIKE, wednesday)}
    # Reading must not compute anything: the rows are stored.
    monkeypatch.setattr(views, "compute", _refuse)
    with store.sessions() as s:
        for day, live in expected.items():
            got_days = views.series(s, ana, "day", end=day, today=SPIKE)
            got_weeks = views.series(s, ana, "week", end=day, today=SPIKE)
            # Session RPE columns are joined on at read time (services/effort.py), not stored.
            got_days, got_weeks = (
                got_days.select(live.days.columns),
                got_weeks.select(live.weeks.columns),
            )
            assert_frame_equal(got_days, live.days.with_columns(_rounded(live.days)))
            assert_frame_equal(got_weeks, live.weeks.with_columns(_rounded(live.weeks)))
    # Up to Wednesday the spike week holds 10 + 10 km (Tuesday, Thursday is after).
    assert expected[wednesday].weeks["distance_km"].to_list()[-1] == pytest.approx(10.0)


def _rounded(frame: pl.DataFrame) -> list[pl.Expr]:
    return [pl.col(c).round(4) for c, t in frame.schema.items() if t.is_float()]


def _refuse(*_a: object, **_k: object) -> views.View:
    raise AssertionError("a view was computed at read time")


def test_status_and_the_triage_read_rows_once_evaluated(
    store: Store, ana: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.transaction() as s:
        coach, _ = auth.create_user(s, "coach", "coach")
        s.add(CoachAthlete(coach_id=coach.id, athlete_id=ana))
    monkeypatch.setattr(views, "compute", _refuse)
    with store.sessions() as s:
        st = status.athlete_status(s, ana, today=SPIKE)
        coach_user = auth.get_user_by_name(s, "coach")
        (row,) = dashboard(s, coach_user, today=SPIKE).data
    assert st.today == SPIKE and st.last_activity_date == SPIKE
    # 22 km vs the 16 km longest (1.375): a caution since severity follows the evidence.
    assert row.severity == "caution" and row.last_run_date == SPIKE
    assert row.weekly_distance[-1].distance_km == pytest.approx(52.0)
    assert row.episodes and row.episodes[0].severity == "caution"


def test_an_import_not_yet_evaluated_is_shown_live(store: Store, ana: int) -> None:
    # A 12 km Monday after the spike Sunday, imported but not evaluated.
    monday = SPIKE + timedelta(days=1)
    more = f"date,distance_km,duration_min,climbing_m\n{monday},12.0,66.0,40\n"
    import_log(store, ana, more.encode(), "more.csv")
    with store.sessions() as s:
        st = status.athlete_status(s, ana, today=monday)
        days = views.series(s, ana, "day", end=monday, today=monday)
    (dist,) = [d for d in st.dimensions if d.dimension == "distance"]
    assert st.last_activity_date == monday
    assert dist.last_7d == pytest.approx(52.0 + 12.0)  # Tuesday to Monday
    assert days.filter(pl.col("date") == monday)["distance_km"].item() == pytest.approx(12.0)


def test_the_report_reads_its_weeks_from_the_stored_summary(
    store: Store, ana: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "compute", _refuse)
    with store.sessions() as s:
        frame = views.series(s, ana, "week", None, SPIKE, today=SPIKE)
    monkeypatch.setattr(views, "series", _refuse)
    with store.sessions() as s:
        st, rows = status.status_and_weeks(s, ana, weeks=REPORT_WEEKS, today=SPIKE)
    assert st.today == SPIKE
    # Five weeks of 40 km (longest 16) and the 52 km one (longest 22); four runs of 40 m a week.
    assert [
        (w.week_start, w.runs, w.distance_km, w.elevation_gain_m, w.longest_run_km) for w in rows
    ] == [
        (MONDAY + timedelta(weeks=w), 4, 52.0 if w == 5 else 40.0, 160.0, 22.0 if w == 5 else 16.0)
        for w in range(6)
    ]
    # Column for column the rows the weekly series gives.
    assert [w.model_dump() for w in rows] == frame.select(list(WeekRow.model_fields)).to_dicts()
    # A longer report than the summary keeps reads the series (refused here).
    with store.sessions() as s, pytest.raises(AssertionError, match="computed at read time"):
        status.status_and_weeks(s, ana, weeks=REPORT_WEEKS + 1, today=SPIKE)
