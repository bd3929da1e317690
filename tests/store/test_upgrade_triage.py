"""Revision 0007 (the triage's stored rows): a 0.1.0 store upgrades with the table empty, the
roll-forward lists every athlete without a row, a first evaluation writes it, and backups
carry the table."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from loadwatch.clock import utcnow
from loadwatch.services.csv_import import import_log
from loadwatch.services.evaluation import evaluate_athlete
from loadwatch.store import athletes as athlete_store
from loadwatch.store import dump
from loadwatch.store.db import Store
from loadwatch.store.models import AthleteTriage
from support import full_scan
from support.store_0_1_0 import BASELINE_ROWS, baseline_store


@pytest.fixture
def upgraded(db_url: str, tmp_path: Path) -> Iterator[Store]:
    baseline_store(db_url)
    store = Store(db_url, tmp_path / "data")  # opening migrates to head
    yield store
    store.close()


def test_an_upgraded_store_has_no_triage_rows_and_the_roll_forward_fills_them(
    upgraded: Store,
) -> None:
    athletes = sorted(r["id"] for r in BASELINE_ROWS["athletes"])
    with upgraded.sessions() as s:
        assert s.scalars(sa.select(AthleteTriage)).all() == []
        # Every athlete lacks a row: the roll-forward evaluates each; the sweep's indexed
        # query (revision 0009's ``due_at``) selects them all, as the full scan does.
        assert sorted(full_scan.stale(s)) == athletes
        assert athlete_store.due(s, utcnow()) == athletes
    # A new athlete on the upgraded store (the baseline's own activities carry 0.1.0
    # histograms, which evaluating does not read yet: see the report of branch evalinc).
    with upgraded.transaction() as s:
        first = athlete_store.get_or_create_athlete(s, "New Nina", "UTC").id
    log = "date,distance_km,duration_min\n2026-03-10,8,44\n2026-03-12,9,50\n"
    import_log(upgraded, first, log.encode(), "log.csv")
    evaluate_athlete(upgraded, first, today=date(2026, 3, 20))
    with upgraded.sessions() as s:
        row = s.get(AthleteTriage, first)
        assert row is not None and row.as_of == date(2026, 3, 20)
        assert row.body.startswith(b'{"athlete_id":%d,' % first)
        assert row.concern in ("alert", "caution", "quiet")
    with upgraded.engine.connect() as conn:
        assert "athlete_triage" in {t.name for t in dump.tables(conn)}
        assert dump.count_rows(conn)["athlete_triage"] == 1
