"""Revisions 0016 and 0017 both revise 0015, and 0018 merges them: every store reaches the
head whichever of the two histories made it.

- Stop 30's stores: 0017 was applied on top of 0016, and the store is stamped 0017 alone, with
  0016's table (and its rows) already there.
- A store made while 0017 revised 0015 directly: stamped 0017, with no forecasts table.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from loadwatch.store.db import head_revision, make_engine, migrate

_athletes = sa.table(
    "athletes",
    *(sa.column(c) for c in ("id", "name", "name_key", "timezone")),
    sa.column("thresholds", sa.JSON()),
)


def _versions(conn: sa.Connection) -> list[str]:
    return sorted(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def test_a_store_stamped_0017_over_0016_reaches_the_head_with_its_forecasts(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0016")
        migrate(engine, "0017")
        with engine.begin() as conn:
            assert _versions(conn) == ["0016", "0017"]  # two heads, as Alembic sees them now
            # As stop 30 left it: one row, 0017, over 0016's column and table.
            conn.execute(sa.text("DELETE FROM alembic_version"))
            conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES ('0017')"))
            conn.execute(
                sa.insert(_athletes).values(
                    id=1, name="a", name_key="a", timezone="UTC", thresholds={}
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO athlete_forecasts (athlete_id, day, basis, key, summary, "
                    "days_tail, weeks, concern, sort_key, body) VALUES (1, :d, 7, 'k', '{}', "
                    ":b, :b, 'quiet', :b, :b)"
                ),
                {"d": date(2026, 12, 8), "b": b"x"},
            )
        migrate(engine)
        with engine.connect() as conn:
            assert _versions(conn) == [head_revision()] == ["0018"]
            day = conn.execute(sa.text("SELECT day FROM athlete_forecasts")).scalar_one()
            assert str(day) == "2026-12-08"
            cols = {c["name"] for c in sa.inspect(conn).get_columns("flags")}
            assert {"spike_value", "spike_baseline"} <= cols
    finally:
        engine.dispose()


def test_a_store_stamped_0017_over_0015_gets_the_forecasts_table(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0017")
        with engine.connect() as conn:
            assert _versions(conn) == ["0017"]
            assert not sa.inspect(conn).has_table("athlete_forecasts")
        migrate(engine)
        with engine.connect() as conn:
            assert _versions(conn) == ["0018"]
            inspector = sa.inspect(conn)
            assert inspector.has_table("athlete_forecasts")
            assert "forecast" in {c["name"] for c in inspector.get_columns("athlete_views")}
            assert "derivation" in {c["name"] for c in inspector.get_columns("activities")}
    finally:
        engine.dispose()
