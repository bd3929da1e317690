"""Revision 0017 (``activities.derivation``): a 0015 store with activities upgrades with every
row "older" (null), which status counts for the runs from files (a training-log row has nothing
to re-derive) and says, and ``loadwatch reprocess`` re-derives (tests/services/test_reprocess.py);
downgraded, the column and its index go and the rows stay."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from loadwatch.services.status import athlete_status
from loadwatch.store import activity_counts
from loadwatch.store.db import Store, _alembic_config, make_engine, migrate

# The tables as revision 0015 has them, not as the models grow.
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


def _run(i: int, source: str, day: int) -> dict[str, object]:
    return dict(
        id=i, athlete_id=1, source=source, format="fit" if source == "file" else "csv",
        source_sha256=f"{i:064d}", session_index=0, sport="running",
        start_time=datetime(2026, 11, day, 7, tzinfo=UTC), distance_m=8000.0,
        moving_time_s=2700.0, elapsed_time_s=2700.0, stopped_time_s=0.0, n_samples=2700,
        totals_source={},
    )  # fmt: skip


def test_0017_reads_every_stored_row_as_older_and_status_says_so(
    db_url: str, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0015")
        with engine.begin() as conn:
            conn.execute(
                sa.insert(_athletes).values(
                    id=1, name="Olde", name_key="olde", timezone="UTC", thresholds={}
                )
            )
            conn.execute(
                sa.insert(_activities), [_run(1, "file", 2), _run(2, "file", 4), _run(3, "csv", 6)]
            )
        migrate(engine, "0017")
        with engine.connect() as conn:
            got = conn.execute(sa.text("SELECT id, derivation FROM activities ORDER BY id")).all()
            assert [tuple(r) for r in got] == [(1, None), (2, None), (3, None)]
            assert activity_counts.stale_counts(conn) == {1: 2}  # the log row is no derivation
    finally:
        engine.dispose()
    store = Store(db_url, tmp_path / "data")  # at head: nothing more to migrate
    try:
        with store.sessions() as s:
            note = athlete_status(s, 1).reprocess_note
        assert note == (
            "2 activities were derived by an older version of loadwatch; run "
            '"loadwatch reprocess --all" to re-derive them from their kept files'
        )
    finally:
        store.close()
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0015")
        with engine.connect() as conn:
            cols = {c["name"] for c in sa.inspect(conn).get_columns("activities")}
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("activities")}
            assert "derivation" not in cols
            assert "ix_activities_athlete_id_source_derivation" not in indexes
            n = conn.execute(sa.text("SELECT count(*) FROM activities")).scalar_one()
            assert n == 3
    finally:
        engine.dispose()
