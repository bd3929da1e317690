"""Issue #12 item 4 in the database: athlete names are unique trimmed and case-insensitively
(``athletes.name_key``), so a duplicate that slips past the application's own lookup (another
process, a concurrent request) is refused by the database and reaches the caller as the store's
``Conflict`` with a clear message, never an ``IntegrityError``.  On SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from loadwatch.errors import Conflict
from loadwatch.services.athletes import change_athlete
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store
from loadwatch.store.models import Athlete
from support.api_env import API, Env


def test_name_key_is_trimmed_and_casefolded(store: Store) -> None:
    with store.transaction() as s:
        a = athlete_store.save_athlete(s, Athlete(name="Éva", timezone="UTC", thresholds={}))
        assert a.name_key == "éva"
        a.name = "  Éva Lund "
        s.flush()
        assert a.name_key == "éva lund"
    with store.sessions() as s:
        found = athlete_store.find_athlete_by_name(s, "ÉVA LUND")
        assert found is not None and found.name == "  Éva Lund "


@pytest.mark.parametrize("other", ["bea", "BEA ", " Bea"])
def test_database_refuses_a_case_variant_as_a_conflict(store: Store, other: str) -> None:
    with store.transaction() as s:
        athlete_store.save_athlete(s, Athlete(name="Bea", timezone="UTC", thresholds={}))
    # Straight to the insert, past find_athlete_by_name: what a racing process does.
    with store.transaction() as s:
        with pytest.raises(Conflict) as caught:
            athlete_store.save_athlete(s, Athlete(name=other, timezone="UTC", thresholds={}))
        assert str(caught.value) == (
            "an athlete named 'Bea' already exists (names are matched ignoring case)"
        )
        # The savepoint kept the transaction usable.
        athlete_store.save_athlete(s, Athlete(name="Cai", timezone="UTC", thresholds={}))
    with store.sessions() as s:
        assert [a.name for a in athlete_store.list_athletes(s)] == ["Bea", "Cai"]


def test_rename_onto_another_name_is_a_conflict(store: Store) -> None:
    with store.transaction() as s:
        athlete_store.save_athlete(s, Athlete(name="Bea", timezone="UTC", thresholds={}))
        cai = athlete_store.save_athlete(s, Athlete(name="Cai", timezone="UTC", thresholds={}))
        with pytest.raises(Conflict, match="another athlete is already called 'Bea'"):
            change_athlete(s, cai, name="BEA")


def test_uncommitted_duplicate_commits_as_a_conflict(store: Store) -> None:
    """Two units of work each create "Bea" without seeing the other's: whichever commits
    second gets a ``Conflict`` (the store's translation at commit), not a driver error."""
    first = store.writer()
    try:
        first.add(Athlete(name="Bea", timezone="UTC", thresholds={}))
        first.flush()
        errors: list[BaseException] = []

        def second() -> None:
            try:
                with store.transaction() as s:
                    athlete_store.save_athlete(
                        s, Athlete(name="bea", timezone="UTC", thresholds={})
                    )
            except BaseException as e:  # handed back to the test thread
                errors.append(e)

        # The second writer waits for the first's lock (SQLite) or row (PostgreSQL) and sees
        # its commit.
        t = threading.Thread(target=second)
        t.start()
        first.commit()
        t.join(timeout=60)
        assert not t.is_alive()
    finally:
        first.close()
    [e] = errors
    assert isinstance(e, Conflict), repr(e)
    assert str(e) == "an athlete named 'Bea' already exists (names are matched ignoring case)"


def test_get_or_create_losing_the_race_returns_the_winner(store: Store) -> None:
    with store.transaction() as s:
        winner = athlete_store.save_athlete(
            s, Athlete(name="Bea", timezone="UTC", thresholds={})
        ).id
    with store.transaction() as s:
        assert athlete_store.get_or_create_athlete(s, "  bEA ").id == winner


def test_api_create_of_a_case_variant_is_409(env: Env) -> None:
    r = env.client.post(f"{API}/athletes", json={"name": " ANN "}, headers=env.coach)
    assert r.status_code == 409
    assert r.json()["detail"] == (
        "an athlete named 'Ann' already exists (names are matched ignoring case)"
    )
