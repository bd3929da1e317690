"""Revision 0013 (``hr_basis_changes``): a 0012 store upgrades with the table empty (the first
evaluation records each athlete's basis, tests/services/test_hr_basis.py), a row names its run
until the run is deleted, and deleting the athlete deletes their rows; downgraded, the table
goes and nothing else changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from loadwatch.store import hr_basis as basis_store
from loadwatch.store.db import _alembic_config, make_engine, migrate
from loadwatch.store.models import HrBasisChange

# The tables as revision 0012 has them, not as the models grow.
_athletes = sa.table(
    "athletes",
    *(sa.column(c) for c in ("id", "name", "name_key", "timezone")),
    sa.column("thresholds", sa.JSON()),
)
_activities = sa.table(
    "activities",
    *(
        sa.column(c)
        for c in (
            "id", "athlete_id", "source", "format", "source_sha256", "session_index", "sport",
            "start_time", "distance_m", "moving_time_s", "elapsed_time_s", "stopped_time_s",
            "n_samples", "hr_peak_bpm",
        )
    ),
    sa.column("totals_source", sa.JSON()),
)  # fmt: skip


RUN_START = datetime(2026, 7, 21, 7, tzinfo=UTC)


def test_0013_adds_an_empty_table_that_follows_its_athlete(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0012")
        with engine.begin() as conn:
            conn.execute(
                sa.insert(_athletes).values(
                    id=1, name="a", name_key="a", timezone="UTC", thresholds={}
                )
            )
            conn.execute(
                sa.insert(_activities).values(
                    id=7, athlete_id=1, source="file", format="fit", source_sha256="0" * 64,
                    session_index=0, sport="running", start_time=RUN_START,
                    distance_m=8000.0, moving_time_s=2700.0, elapsed_time_s=2700.0,
                    stopped_time_s=0.0, n_samples=2700, hr_peak_bpm=169.0, totals_source={},
                )
            )  # fmt: skip
        migrate(engine, "0013")
        with engine.begin() as conn, Session(conn) as s:
            assert basis_store.latest(s, 1) is None
            peak = basis_store.peak_run(s, 1)
            assert peak is not None and peak[0] == 7
            for prev, top in ((None, 154.0), (154.0, 169.0)):
                basis_store.add(
                    s,
                    HrBasisChange(
                        athlete_id=1, recorded_on=date(2026, 7, 29), rest_bpm=60.0,
                        max_bpm=top, max_source="estimated", prev_max_bpm=prev,
                        activity_id=7, run_day=date(2026, 7, 21), run_name=None,
                    ),
                )  # fmt: skip
            last = basis_store.latest(s, 1)
            assert last is not None and (last.prev_max_bpm, last.max_bpm) == (154.0, 169.0)
            s.commit()
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.execute(sa.delete(_activities).where(_activities.c.id == 7))
            kept = conn.execute(sa.text("SELECT activity_id, run_day FROM hr_basis_changes"))
            assert [(a, str(d)) for a, d in kept] == [(None, "2026-07-21")] * 2
            conn.execute(sa.delete(_athletes).where(_athletes.c.id == 1))
            count = conn.execute(sa.text("SELECT count(*) FROM hr_basis_changes")).scalar_one()
            assert count == 0
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0012")
        with engine.connect() as conn:
            assert "hr_basis_changes" not in sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()
