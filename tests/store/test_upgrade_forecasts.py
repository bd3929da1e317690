"""Revision 0016 (``athlete_forecasts``, ``athlete_views.forecast``): a 0015 store upgrades
with its views kept and the chain of no forecast (null: the next roll computes a batch); the
forecasts go with their athlete; downgraded to 0015, both go and the views stay."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import command

from loadwatch.store.db import _alembic_config, make_engine, migrate

# The tables as revision 0015 has them, not as the models grow.
_athletes = sa.table(
    "athletes",
    *(sa.column(c) for c in ("id", "name", "name_key", "timezone")),
    sa.column("thresholds", sa.JSON()),
)
_views = sa.table(
    "athlete_views",
    *(sa.column(c) for c in ("athlete_id", "as_of", "weeks")),
    sa.column("summary", sa.JSON()),
)


def test_0016_adds_forecasts_and_a_null_forecast_to_the_stored_views(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0015")
        with engine.begin() as conn:
            conn.execute(
                sa.insert(_athletes).values(
                    id=1, name="a", name_key="a", timezone="UTC", thresholds={}
                )
            )
            conn.execute(
                sa.insert(_views).values(
                    athlete_id=1, as_of=date(2026, 12, 7), weeks=b"w", summary={"v": 1}
                )
            )
        migrate(engine, "0016")
        with engine.begin() as conn:
            row = conn.execute(sa.text("SELECT as_of, weeks, forecast FROM athlete_views")).one()
            assert (str(row[0]), bytes(row[1]), row[2]) == ("2026-12-07", b"w", None)
            conn.execute(
                sa.text(
                    "INSERT INTO athlete_forecasts (athlete_id, day, basis, key, summary, "
                    "days_tail, weeks, concern, sort_key, body) VALUES (1, '2026-12-08', 7, "
                    "'k', '{}', :b, :b, 'quiet', :b, :b)"
                ),
                {"b": b"x"},
            )
            conn.execute(sa.text("UPDATE athlete_views SET forecast = 7"))
            got = conn.execute(
                sa.text(
                    "SELECT f.day FROM athlete_views v JOIN athlete_forecasts f "
                    "ON f.athlete_id = v.athlete_id AND f.basis = v.forecast"
                )
            ).scalar_one()
            assert str(got) == "2026-12-08"
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0015")
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert "athlete_forecasts" not in inspector.get_table_names()
            cols = {c["name"] for c in inspector.get_columns("athlete_views")}
            assert "forecast" not in cols and "weeks" in cols
            assert conn.execute(sa.text("SELECT count(*) FROM athlete_views")).scalar_one() == 1
    finally:
        engine.dispose()
