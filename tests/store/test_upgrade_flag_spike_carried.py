"""Revision 0018 (``flags.spike_value``, ``flags.spike_baseline``): a 0017 store upgrades with
its flags kept and both columns null (no cap carried until the athlete is evaluated again,
VIEW_VERSION 9); downgraded to 0017, the columns go and the flags stay."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import command

from loadwatch.store.db import _alembic_config, make_engine, migrate

# The tables as revision 0017 has them, not as the models grow.
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
            "ratio", "threshold", "message", "status", "own_baseline", "created_at",
            "updated_at",
        )
    ),
)  # fmt: skip

NOW = datetime(2026, 12, 8, 0, tzinfo=UTC)


def test_0018_adds_the_carried_spike_to_the_stored_flags_null(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0017")
        with engine.begin() as conn:
            conn.execute(
                sa.insert(_athletes).values(
                    id=1, name="a", name_key="a", timezone="UTC", thresholds={}
                )
            )
            conn.execute(
                sa.insert(_flags).values(
                    id=4, athlete_id=1, date=date(2026, 10, 11), rule="return_after_break",
                    dimension="distance", severity="alert", value=12.0, baseline=10.0,
                    ratio=1.2, threshold=0.8, message="m", status="open", own_baseline=9.0,
                    created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
        migrate(engine, "0018")
        with engine.begin() as conn:
            q = "SELECT id, ratio, own_baseline, spike_value, spike_baseline FROM flags"
            assert tuple(conn.execute(sa.text(q)).one()) == (4, 1.2, 9.0, None, None)
            conn.execute(
                sa.text("UPDATE flags SET spike_value = 12.0, spike_baseline = 3.0 WHERE id = 4")
            )
            q = "SELECT spike_value, spike_baseline FROM flags"
            assert tuple(conn.execute(sa.text(q)).one()) == (12.0, 3.0)
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0017")
        with engine.connect() as conn:
            cols = {c["name"] for c in sa.inspect(conn).get_columns("flags")}
            assert not cols & {"spike_value", "spike_baseline"}
            assert "own_baseline" in cols
            assert conn.execute(sa.text("SELECT count(*) FROM flags")).scalar_one() == 1
    finally:
        engine.dispose()
