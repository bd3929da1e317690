"""Revision 0005 (docs/hr-load.md): a 0.1.0 store upgrades with every athlete's heart rates
unset (estimated) and every activity's heart-rate load null, then takes the coach's values
and a recomputed load like a new store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from loadwatch.services import hr_load
from loadwatch.services.athletes import change_athlete
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store, current_revision, head_revision
from loadwatch.store.models import Activity, Athlete
from support.store_0_1_0 import BASELINE_ROWS, baseline_store


@pytest.fixture
def upgraded(db_url: str, tmp_path: Path) -> Iterator[Store]:
    baseline_store(db_url)
    store = Store(db_url, tmp_path / "data")
    yield store
    store.close()


def test_0005_adds_heart_rate_columns_empty(upgraded: Store) -> None:
    with upgraded.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        cols = {c["name"] for c in sa.inspect(conn).get_columns("activities")}
        assert {"hr_time_hist_s", "hr_load", "hr_peak_bpm"} <= cols
        cols = {c["name"] for c in sa.inspect(conn).get_columns("athletes")}
        assert {"resting_hr", "max_hr", "sex"} <= cols
    with upgraded.sessions() as s:
        athletes = s.scalars(sa.select(Athlete)).all()
        assert len(athletes) == len(BASELINE_ROWS["athletes"])
        assert all((a.resting_hr, a.max_hr, a.sex) == (None, None, None) for a in athletes)
        acts = s.scalars(sa.select(Activity)).all()
        assert acts and all(a.hr_load is None and a.hr_time_hist_s is None for a in acts)
        # Analysed before 0005: no histogram, so no estimate and no load.
        assert hr_load.hr_profile(s, athletes[0]) is None


def test_an_upgraded_athlete_takes_heart_rates(upgraded: Store) -> None:
    with upgraded.transaction() as s:
        a = athlete_store.get_athlete(s, 1)
        # An activity analysed after the upgrade: 20 min at 150 bpm.
        act = s.scalars(sa.select(Activity).where(Activity.athlete_id == 1)).first()
        assert act is not None
        hist = [0.0] * 226
        hist[150 - 25] = 1200.0
        act.hr_time_hist_s = hist
        s.flush()
        change_athlete(s, a, resting_hr=50.0, max_hr=190.0, sex="male")
        # HRr = 100/140 = 0.7143; 20 min x 0.7143 x 0.64 e^1.3714 = 20 x 0.7143 x 2.5222
        x = 100 / 140
        want = 20 * x * 0.64 * 2.718281828459045 ** (1.92 * x)
        assert act.hr_load == pytest.approx(want)
        assert want == pytest.approx(36.0318, abs=1e-3)
