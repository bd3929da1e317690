"""Revision 0009 (``athletes.due_at``): a 0008 store upgrades with each evaluated athlete due
at the end of their stored view's day in their zone, and those without a view or without a
triage row due now; downgraded, the column and its index go."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import command

from loadwatch.clock import as_utc
from loadwatch.store.db import _alembic_config, make_engine, migrate

_athletes = sa.table(
    "athletes",
    sa.column("id", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("name_key", sa.String()),
    sa.column("timezone", sa.String()),
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
_triage = sa.table(
    "athlete_triage",
    sa.column("athlete_id", sa.Integer()),
    sa.column("as_of", sa.Date()),
    sa.column("concern", sa.String()),
    sa.column("sort_key", sa.LargeBinary()),
    sa.column("body", sa.LargeBinary()),
)

# id: (zone, view day or None, has a triage row)
ROWS = {
    1: ("Europe/Paris", date(2026, 10, 24), True),  # the 25th: CEST to CET at 03:00, not midnight
    2: ("America/Santiago", date(2026, 9, 5), True),  # the 6th's midnight is skipped
    3: ("UTC", date(2026, 12, 6), False),  # upgraded past 0007, not rolled forward yet
    4: ("Asia/Kolkata", None, False),  # never evaluated
}


def test_0009_sets_due_at_from_each_stored_view(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0008")
        with engine.begin() as conn:
            for aid, (tz, day, triaged) in ROWS.items():
                name = f"athlete {aid}"
                conn.execute(
                    sa.insert(_athletes).values(
                        id=aid, name=name, name_key=name, timezone=tz, thresholds={}
                    )
                )
                if day is not None:
                    conn.execute(
                        sa.insert(_views).values(
                            athlete_id=aid, as_of=day, summary={}, days=b"", weeks=b""
                        )
                    )
                if triaged:
                    conn.execute(
                        sa.insert(_triage).values(
                            athlete_id=aid, as_of=day, concern="quiet", sort_key=b"", body=b"{}"
                        )
                    )
        migrate(engine, "0009")
        with engine.connect() as conn:
            got = dict(conn.execute(sa.text("SELECT id, due_at FROM athletes")).all())
            indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("athletes")}
        due = {aid: as_utc(v) if isinstance(v, datetime) else v for aid, v in got.items()}
        if engine.dialect.name == "sqlite":  # SQLite hands back text for a raw query
            due = {
                aid: as_utc(datetime.fromisoformat(v)) if isinstance(v, str) else v
                for aid, v in got.items()
            }
        assert due == {
            1: datetime(2026, 10, 24, 22, 0, tzinfo=UTC),  # Paris midnight, still CEST (+2)
            2: datetime(2026, 9, 6, 4, 0, tzinfo=UTC),  # Santiago: 01:00 -03 follows 23:59:59 -04
            3: None,
            4: None,
        }
        assert "ix_athletes_due_at" in indexes
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0008")
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("athletes")}
            assert "due_at" not in columns
            assert conn.execute(sa.text("SELECT count(*) FROM athletes")).scalar_one() == 4
            assert conn.execute(sa.text("SELECT count(*) FROM athlete_views")).scalar_one() == 3
    finally:
        engine.dispose()
