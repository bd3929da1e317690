"""Revision 0012 (``athlete_views.fast_window``): a 0011 store upgrades with every view kept
and no window carried (the next roll reads it once); the roll's window is written and read
back; downgraded, the column goes and the views stay."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from loadwatch.store import views as view_rows
from loadwatch.store.db import _alembic_config, head_revision, make_engine, migrate
from loadwatch.store.models import AthleteView

# The tables as revision 0011 has them, not as the models grow.
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
    sa.column("days_tail", sa.LargeBinary()),
    sa.column("weeks", sa.LargeBinary()),
)


def test_0012_keeps_every_view_without_a_window(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0011")
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
                        days_tail=b"tail",
                        weeks=b"weeks",
                    )
                )
        # Through 0012 to the head: the store's code below writes the columns later
        # revisions add (0016: ``forecast``).
        migrate(engine, head_revision())
        with engine.begin() as conn, Session(conn) as s:
            for aid in (1, 2):
                view = s.get(AthleteView, aid)
                assert view is not None
                assert (view.as_of, view.summary, view.days_tail, view.weeks) == (
                    date(2026, 12, 6),
                    {"version": 1},
                    b"tail",
                    b"weeks",
                )
                assert view.fast_window is None
            # The nightly roll carries athlete 2's window; a full evaluation writes none.
            assert view_rows.put_tail(
                s,
                2,
                as_of=date(2026, 12, 7),
                summary={"version": 1},
                days_tail=b"tail2",
                weeks=b"weeks",
                fast_window=b"window",
            )
            view_rows.put(
                s, 1, as_of=date(2026, 12, 7), summary={"version": 1}, days=b"d", weeks=b"w"
            )
            s.flush()
            s.expire_all()
            assert [s.get(AthleteView, aid).fast_window for aid in (1, 2)] == [None, b"window"]  # type: ignore[union-attr]
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0011")
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("athlete_views")}
            assert "fast_window" not in columns
            kept = conn.execute(sa.select(_views.c.athlete_id, _views.c.as_of)).all()
            assert sorted(kept) == [(1, date(2026, 12, 7)), (2, date(2026, 12, 7))]
    finally:
        engine.dispose()
