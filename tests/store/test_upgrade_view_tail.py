"""Revision 0011 (``athlete_view_days``, ``athlete_views.days_tail``): a 0010 store upgrades
with every view's day rows moved as they were (no tail); downgraded, a view holding a tail is
deleted (derived: computed again) and the others get their day rows back."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from loadwatch.services.stored_view import day_rows
from loadwatch.store import views as view_rows
from loadwatch.store.db import _alembic_config, head_revision, make_engine, migrate

# The two tables as revision 0010 has them, not as the models grow.
_athletes = sa.table(
    "athletes",
    *(sa.column(c) for c in ("id", "name", "name_key", "timezone")),
    sa.column("thresholds", sa.JSON()),
)
_views = sa.table(
    "athlete_views",
    sa.column("athlete_id", sa.Integer()),
    sa.column("as_of", sa.Date()),
    sa.column("summary", sa.JSON()),
    sa.column("days", sa.LargeBinary()),
    sa.column("weeks", sa.LargeBinary()),
)


def _ipc(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_ipc_stream(buf, compression="lz4")
    return buf.getvalue()


DAYS = pl.DataFrame(
    {
        "date": [date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 6)],
        "distance_km": [8.0, 0.0, 12.5],
    }
)
TAIL = pl.DataFrame({"date": [date(2026, 12, 7)], "distance_km": [0.0]})


def test_0011_keeps_every_view_and_downgrades_without_tails(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0010")
        with engine.begin() as conn:
            for aid in (1, 2):
                conn.execute(
                    sa.insert(_athletes).values(
                        id=aid, name=f"a{aid}", name_key=f"a{aid}", timezone="UTC", thresholds={}
                    )
                )
                conn.execute(
                    sa.insert(_views).values(
                        athlete_id=aid,
                        as_of=date(2026, 12, 6),
                        summary={"version": 1},
                        days=_ipc(DAYS),
                        weeks=b"weeks",
                    )
                )
        # Through 0011 to the head: the store's code below writes the columns later
        # revisions add (0016: ``forecast``).
        migrate(engine, head_revision())
        with engine.connect() as conn, Session(conn) as s:
            for aid in (1, 2):
                found = view_rows.frames(s, aid, ["days", "days_tail", "weeks"])
                assert found is not None
                as_of, summary, blobs = found
                assert (as_of, summary, blobs["days_tail"], blobs["weeks"]) == (
                    date(2026, 12, 6),
                    {"version": 1},
                    b"",
                    b"weeks",
                )
                assert day_rows(blobs).to_dicts() == DAYS.to_dicts()
        with engine.begin() as conn, Session(conn) as s:
            # The nightly roll writes athlete 2's tail.
            assert view_rows.put_tail(
                s,
                2,
                as_of=date(2026, 12, 7),
                summary={"version": 1},
                days_tail=_ipc(TAIL),
                weeks=b"weeks",
            )
            s.flush()
            found = view_rows.frames(s, 2, ["days", "days_tail"])
            assert found is not None
            assert day_rows(found[2]).to_dicts() == pl.concat([DAYS, TAIL]).to_dicts()
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0010")
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("athlete_views")}
            assert "days_tail" not in columns
            kept = conn.execute(sa.select(_views.c.athlete_id, _views.c.days)).all()
            assert [(aid, bytes(days)) for aid, days in kept] == [(1, _ipc(DAYS))]
            assert conn.execute(sa.text("SELECT count(*) FROM athletes")).scalar_one() == 2
    finally:
        engine.dispose()
