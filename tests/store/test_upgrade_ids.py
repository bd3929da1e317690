"""Revision 0014 (ids never reused, trial 9 F26): a 0013 store upgrades with every row and id
kept (and what points at them: the rebuild runs with foreign keys off, else dropping the old
table would null or delete the rows that refer to it), and from then on deleting the newest
activity or planned session does not hand its id to the next one.  On PostgreSQL (sequences
never go back) the same holds without a rebuild."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from loadwatch.store.db import make_engine, migrate

# The tables as revision 0013 has them, not as the models grow.
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
            "n_samples",
        )
    ),
    sa.column("totals_source", sa.JSON()),
)  # fmt: skip
_planned = sa.table(
    "planned_sessions",
    *(sa.column(c) for c in ("id", "athlete_id", "date", "distance_km", "fast_km", "climb_m")),
    sa.column("version"),
)
_basis = sa.table(
    "hr_basis_changes",
    *(
        sa.column(c)
        for c in ("id", "athlete_id", "recorded_on", "rest_bpm", "max_bpm", "max_source",
                  "activity_id")
    ),
)  # fmt: skip

START = datetime(2026, 7, 21, 7, tzinfo=UTC)


def _run(aid: int, day: int) -> dict[str, object]:
    return dict(
        id=aid, athlete_id=1, source="file", format="fit", source_sha256=f"{aid:064d}",
        session_index=0, sport="running", start_time=START.replace(day=day),
        distance_m=8000.0, moving_time_s=2700.0, elapsed_time_s=2700.0, stopped_time_s=0.0,
        n_samples=2700, totals_source={},
    )  # fmt: skip


def _plan(pid: int, day: int) -> dict[str, object]:
    return dict(
        id=pid, athlete_id=1, date=date(2026, 8, day), distance_km=8.0, fast_km=0.0,
        climb_m=0.0, version=1,
    )  # fmt: skip


def test_0014_keeps_rows_and_ids_and_never_reuses_one(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0013")
        with engine.begin() as conn:
            conn.execute(
                sa.insert(_athletes).values(
                    id=1, name="a", name_key="a", timezone="UTC", thresholds={}
                )
            )
            conn.execute(sa.insert(_activities), [_run(1, 21), _run(2, 22), _run(3, 23)])
            conn.execute(sa.insert(_planned), [_plan(1, 1), _plan(2, 2)])
            conn.execute(
                sa.insert(_basis).values(
                    id=1, athlete_id=1, recorded_on=date(2026, 7, 24), rest_bpm=60.0,
                    max_bpm=180.0, max_source="estimated", activity_id=3,
                )
            )  # fmt: skip
            if conn.dialect.name == "postgresql":  # as the store's own inserts leave them
                for table, top in (("activities", 3), ("planned_sessions", 2)):
                    conn.execute(
                        sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {top})")
                    )
        migrate(engine, "0014")
        with engine.begin() as conn:
            got = conn.execute(sa.text("SELECT id, source_sha256 FROM activities ORDER BY id"))
            assert [(i, int(sha)) for i, sha in got] == [(1, 1), (2, 2), (3, 3)]
            plans = conn.execute(sa.text("SELECT id FROM planned_sessions ORDER BY id"))
            assert plans.scalars().all() == [1, 2]
            # Still pointing at run 3: the rebuild did not null it (ON DELETE SET NULL).
            assert conn.execute(sa.text("SELECT activity_id FROM hr_basis_changes")).all() == [(3,)]
            if conn.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        with engine.begin() as conn:
            # The newest of each deleted, then a new one added without an id: never the old id.
            conn.execute(sa.delete(_activities).where(_activities.c.id == 3))
            conn.execute(sa.delete(_planned).where(_planned.c.id == 2))
            new_run = {k: v for k, v in _run(0, 25).items() if k != "id"}
            conn.execute(sa.insert(_activities).values(new_run))
            new_plan = {k: v for k, v in _plan(0, 3).items() if k != "id"}
            conn.execute(sa.insert(_planned).values(new_plan))
            # Run 3 was deleted with foreign keys on: its basis row let go of it.
            assert conn.execute(sa.text("SELECT activity_id FROM hr_basis_changes")).all() == [
                (None,)
            ]
        with engine.connect() as conn:
            ids = conn.execute(sa.text("SELECT id FROM activities ORDER BY id")).scalars().all()
            plans = conn.execute(sa.text("SELECT id FROM planned_sessions ORDER BY id"))
            assert ids[:2] == [1, 2] and ids[2] > 3
            assert plans.scalars().all()[-1] > 2
    finally:
        engine.dispose()


def test_0014_refuses_to_run_with_foreign_keys_on(tmp_path: Path) -> None:
    """Alembic called directly on SQLite (foreign keys on, and no way to turn them off inside
    its transaction) would cascade-delete as it rebuilds: 0014 refuses, nothing changed."""
    from alembic import command

    from loadwatch.store.db import _alembic_config, current_revision

    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    try:
        migrate(engine, "0013")
        with pytest.raises(RuntimeError, match="foreign keys off"), engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "0014")
        with engine.connect() as conn:
            assert current_revision(conn) == "0013"
    finally:
        engine.dispose()
