"""Revision 0010 (``ix_activities_athlete_id_id``): a 0009 store upgrades with the index and
every activity kept; downgraded, the index goes and the rows stay.  On PostgreSQL, the
question evaluation asks ("the athlete's first activity with a heart-rate histogram") reads
only that athlete's rows, whatever the planner's statistics say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command

from loadwatch.store.activity_hr import first_hr_activity
from loadwatch.store.db import _alembic_config, make_engine, migrate
from loadwatch.store.models import Activity

# The two tables as revision 0009 has them (the columns a row needs), not as the models grow.
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
            "athlete_id", "source", "format", "source_sha256", "session_index", "sport",
            "start_time", "distance_m", "moving_time_s", "elapsed_time_s", "stopped_time_s",
            "n_samples",
        )
    ),
    sa.column("totals_source", sa.JSON()),
)  # fmt: skip

NAME = "ix_activities_athlete_id_id"
ATHLETES, RUNS = 40, 50  # 2,000 activities, none with heart rate


def _seed(conn: sa.Connection) -> None:
    t0 = datetime(2026, 1, 1, 7, tzinfo=UTC)
    conn.execute(
        sa.insert(_athletes),
        [
            {"id": a, "name": f"a{a}", "name_key": f"a{a}", "timezone": "UTC", "thresholds": {}}
            for a in range(1, ATHLETES + 1)
        ],
    )
    # Interleaved by id, as athletes' uploads are: athlete 1's rows are spread over the table.
    conn.execute(
        sa.insert(_activities),
        [
            {
                "athlete_id": a,
                "source": "file",
                "format": "fit",
                "source_sha256": f"{a:04d}{r:04d}".ljust(64, "0"),
                "session_index": 0,
                "sport": "running",
                "start_time": t0 + timedelta(days=r, minutes=a),
                "distance_m": 8000.0,
                "moving_time_s": 2400.0,
                "elapsed_time_s": 2500.0,
                "stopped_time_s": 0.0,
                "n_samples": 0,
                "totals_source": {},
            }
            for r in range(RUNS)
            for a in range(1, ATHLETES + 1)
        ],
    )


def _indexes(conn: sa.Connection) -> set[str | None]:
    return {ix["name"] for ix in sa.inspect(conn).get_indexes("activities")}


def test_0010_adds_the_index_and_keeps_every_activity(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0009")
        with engine.begin() as conn:
            _seed(conn)
            assert NAME not in _indexes(conn)
        migrate(engine, "0010")
        with engine.connect() as conn:
            assert NAME in _indexes(conn)
            count = conn.execute(sa.text("SELECT count(*) FROM activities")).scalar_one()
            assert count == ATHLETES * RUNS
            if engine.dialect.name == "postgresql":
                # The rows the planner reads for the witness query of an athlete without heart
                # rate: only that athlete's (50), not the table's (2,000).
                conn.exec_driver_sql("SET enable_seqscan = off")
                q = (
                    sa.select(Activity.id)
                    .where(Activity.athlete_id == 1, Activity.hr_time_hist_s.is_not(None))
                    .order_by(Activity.id)
                    .limit(1)
                )
                sql = str(q.compile(engine, compile_kwargs={"literal_binds": True}))
                plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}").scalar_one()
                node = plan[0]["Plan"]["Plans"][0]
                assert node["Index Name"] == NAME
                assert node["Actual Rows"] + node.get("Rows Removed by Filter", 0) == RUNS
            with sa.orm.Session(conn) as session:
                assert first_hr_activity(session, 1) is None
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0009")
        with engine.connect() as conn:
            assert NAME not in _indexes(conn)
            count = conn.execute(sa.text("SELECT count(*) FROM activities")).scalar_one()
            assert count == ATHLETES * RUNS
    finally:
        engine.dispose()
