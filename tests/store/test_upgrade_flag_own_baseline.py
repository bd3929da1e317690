"""Revision 0015 (``flags.own_baseline``): a 0013 store upgrades through 0014 (ids never
reused) with its flags kept and the column null (read as before until the athlete is evaluated
again); downgraded to 0014, the column goes and the flags stay."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import command

from loadwatch.store.db import _alembic_config, make_engine, migrate

# The tables as revision 0013 has them, not as the models grow.
_athletes = sa.table(
    "athletes",
    *(sa.column(c) for c in ("id", "name", "name_key", "timezone")),
    sa.column("thresholds", sa.JSON()),
)
_flags = sa.table(
    "flags",
    *(
        sa.column(c)
        for c in (
            "id", "athlete_id", "date", "rule", "dimension", "severity", "value", "baseline",
            "ratio", "threshold", "message", "status", "created_at", "updated_at",
        )
    ),
)  # fmt: skip

NOW = datetime(2026, 12, 7, 19, tzinfo=UTC)


def test_0015_adds_a_null_own_baseline_to_the_stored_flags(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0013")
        with engine.begin() as conn:
            conn.execute(
                sa.insert(_athletes).values(
                    id=1, name="a", name_key="a", timezone="UTC", thresholds={}
                )
            )
            conn.execute(
                sa.insert(_flags).values(
                    id=3, athlete_id=1, date=date(2019, 1, 1), rule="session_spike",
                    dimension="distance", severity="alert", value=7.3, baseline=3.0, ratio=2.43,
                    threshold=2.0, message="m", status="open", created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
        migrate(engine, "0015")
        with engine.begin() as conn:
            row = conn.execute(sa.text("SELECT id, ratio, own_baseline FROM flags")).one()
            assert tuple(row) == (3, 2.43, None)
            conn.execute(sa.text("UPDATE flags SET own_baseline = 0.0 WHERE id = 3"))
            assert conn.execute(sa.text("SELECT own_baseline FROM flags")).scalar_one() == 0.0
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0014")
        with engine.connect() as conn:
            cols = {c["name"] for c in sa.inspect(conn).get_columns("flags")}
            assert "own_baseline" not in cols and "ratio" in cols
            assert conn.execute(sa.text("SELECT count(*) FROM flags")).scalar_one() == 1
    finally:
        engine.dispose()
