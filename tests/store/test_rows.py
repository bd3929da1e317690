"""The row readers the CLI's data commands use (``athlete_rows``, ``flag_rows``,
``episode_rows``, over the Core tables of ``store/tables.py``): the same rows, in the same
order, as the mapped readers; and, run through a session, they see what the unit of work
changed but did not flush, as the ORM's own queries do (the session autoflushes before Core
statements too)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Connection

from loadwatch.errors import NotFound
from loadwatch.store import athlete_rows, episode_rows, flag_rows, pending
from loadwatch.store import athletes as athlete_store
from loadwatch.store import episodes as episode_store
from loadwatch.store import flags as flag_store
from loadwatch.store.db import Store, orm_session
from loadwatch.store.models import Episode, Flag
from loadwatch.vocabulary import ACKNOWLEDGED, OPEN


def _flag(athlete_id: int, day: date, rule: str, dimension: str, **kw: object) -> Flag:
    fields: dict[str, object] = {
        "athlete_id": athlete_id,
        "date": day,
        "rule": rule,
        "dimension": dimension,
        "severity": "caution",
        "value": 30.0,
        "baseline": 20.0,
        "ratio": 1.5,
        "threshold": 1.3,
        "message": f"{rule} {dimension}",
        **kw,
    }
    return Flag(**fields)


@pytest.fixture
def seeded(store: Store) -> int:
    with store.transaction() as s:
        athlete_store.get_or_create_athlete(s, "Bea", "Europe/Paris")
        sara = athlete_store.get_or_create_athlete(s, "Sara", "Europe/Vienna")
        sara.fast_speed_mps = 4.2
        s.flush()
        ep = episode_store.add(
            s,
            Episode(
                athlete_id=sara.id,
                first=date(2026, 11, 1),
                last=date(2026, 11, 3),
                severity="caution",
                status="open",
                headline="h",
                rules=["weekly_ramp"],
                dimensions=["distance"],
                reasons=["r"],
            ),
        )
        for day, rule, dim, status in [
            (date(2026, 11, 3), "weekly_ramp", "distance", OPEN),
            (date(2026, 11, 3), "session_spike", "distance", OPEN),
            (date(2026, 11, 3), "weekly_ramp", "climb", ACKNOWLEDGED),
            (date(2026, 11, 1), "weekly_ramp", "distance", OPEN),
        ]:
            flag_store.add(s, _flag(sara.id, day, rule, dim, status=status, episode_id=ep.id))
        return sara.id


def test_the_rows_are_the_mapped_readers_rows(store: Store, seeded: int) -> None:
    with store.sessions() as s:
        row = athlete_rows.named(s, "  sara ")
        assert (row.id, row.name, row.timezone, row.fast_speed_mps) == (
            seeded,
            "Sara",
            "Europe/Vienna",
            4.2,
        )
        assert athlete_rows.get(s, seeded) == row
        assert [a.name for a in athlete_rows.every(s)] == ["Bea", "Sara"]
        for statuses in [(OPEN,), None]:
            mapped = flag_store.of_athlete(s, seeded, statuses=statuses)
            rows = flag_rows.of_athlete(s, seeded, statuses=statuses)
            assert [f.id for f in rows] == [f.id for f in mapped]
            assert [(f.date, f.rule, f.dimension, f.status) for f in rows] == [
                (f.date, f.rule, f.dimension, f.status) for f in mapped
            ]
        assert len(flag_rows.of_athlete(s, seeded)) == 3
        (ep,) = episode_rows.of_athlete(s, seeded)
        (mapped_ep,) = episode_store.of_athlete(s, seeded)
        assert (ep.id, ep.first, ep.rules) == (mapped_ep.id, date(2026, 11, 1), ["weekly_ramp"])
        assert [f.id for f in flag_rows.of_episodes(s, [ep.id])] == [
            f.id for f in episode_store.flags_of(s, [ep.id])
        ]


def test_a_missing_name_suggests_the_closest(store: Store, seeded: int) -> None:
    with store.sessions() as s, pytest.raises(NotFound, match="did you mean 'Sara'"):
        athlete_rows.named(s, "Sarah")
    with store.sessions() as s, pytest.raises(NotFound, match="no athlete with id 999"):
        athlete_rows.get(s, 999)


def test_the_rows_see_unflushed_changes_as_the_orm_does(store: Store, seeded: int) -> None:
    with store.transaction() as s:
        sara = athlete_store.get_athlete(s, seeded)
        sara.name = "Sara K"  # unflushed: the session flushes before the Core read
        assert athlete_rows.named(s, "sara k").id == seeded
        f = flag_store.of_athlete(s, seeded)[0]
        f.status = ACKNOWLEDGED
        assert f.id not in {r.id for r in flag_rows.of_athlete(s, seeded)}
        pending.request_evaluation(s, seeded, date(2026, 11, 2))
        assert pending.waiting(s, [seeded]) == {seeded}
        with s.no_autoflush:
            sara.name = "Sara L"  # autoflush off: not flushed, as the ORM would not
            with pytest.raises(NotFound):
                athlete_rows.named(s, "sara l")


def test_a_plain_connection_reads_the_same_rows_and_lends_an_orm_session(
    store: Store, seeded: int
) -> None:
    # The data commands read on Store.reading() (no ORM loaded); a read that needs mapped
    # objects (a summary computed live) gets its session over that same connection.
    with store.sessions() as s:
        athlete = athlete_rows.get(s, seeded)
        flag_ids = [f.id for f in flag_rows.of_athlete(s, seeded, statuses=None)]
    with store.reading() as conn:
        assert isinstance(conn, Connection)
        assert athlete_rows.named(conn, " SARA ") == athlete
        assert [a.name for a in athlete_rows.every(conn)] == ["Bea", "Sara"]
        assert [f.id for f in flag_rows.of_athlete(conn, seeded, statuses=None)] == flag_ids
        assert len(flag_ids) == 4
        (ep,) = episode_rows.of_athlete(conn, seeded)
        assert (ep.first, ep.last) == (date(2026, 11, 1), date(2026, 11, 3))
        assert pending.waiting(conn, [seeded]) == set()
        orm = orm_session(conn)
        mapped = athlete_store.get_athlete(orm, seeded)
        assert (mapped.name, mapped.fast_speed_mps) == ("Sara", 4.2)
    with store.sessions() as s:
        assert orm_session(s) is s
