"""Revision 0003 (docs/planning.md): a store at 0002 with a webhook delivery of an episode event
upgrades with the row intact; planned sessions and plan alerts then keep their rows, a delivery
may carry a plan alert instead of an event, and a downgrade back to 0002 keeps the episode's
deliveries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from loadwatch.store.db import (
    MIGRATIONS,
    current_revision,
    head_revision,
    make_engine,
    migrate,
)
from support.store_0_1_0 import baseline_store

NOW = datetime(2026, 11, 15, 8, tzinfo=UTC)


def _to(url: str, revision: str, down: bool = False) -> None:
    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        if not down:  # as loadwatch upgrades: foreign keys off for table rebuilds (0014)
            migrate(engine, revision)
            return
        with engine.begin() as c:
            cfg.attributes["connection"] = c
            (command.downgrade if down else command.upgrade)(cfg, revision)
    finally:
        engine.dispose()


def _rows(url: str, sql: str, **params: Any) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.begin() as c:
            result = c.execute(sa.text(sql), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        engine.dispose()


def test_0002_store_upgrades_and_downgrades_with_its_deliveries(db_url: str) -> None:
    baseline_store(db_url)  # 0.1.0's rows: athletes 1 and 2, coach 1, episode 1
    _to(db_url, "0002")
    _rows(
        db_url,
        "INSERT INTO webhooks (id, owner_id, url, secret, active, created_at) "
        "VALUES (1, 1, 'https://hooks.example/1', 's', true, :t)",
        t=NOW,
    )
    _rows(
        db_url,
        "INSERT INTO episode_events (id, episode_id, athlete_id, kind, payload, created_at) "
        "VALUES (1, 1, 1, 'created', '{}', :t)",
        t=NOW,
    )
    _rows(
        db_url,
        "INSERT INTO deliveries (id, webhook_id, event_id, idempotency_key, payload, status, "
        "attempts, next_attempt_at) VALUES (1, 1, 1, 'k1', '{}', 'delivered', 1, :t)",
        t=NOW,
    )
    _to(db_url, "head")
    engine = make_engine(db_url)
    try:
        with engine.connect() as c:
            assert current_revision(c) == head_revision()
    finally:
        engine.dispose()
    assert _rows(db_url, "SELECT id, event_id, plan_alert_id FROM deliveries") == [(1, 1, None)]
    _rows(
        db_url,
        "INSERT INTO planned_sessions (id, athlete_id, date, distance_km, fast_km, climb_m, "
        "kind, version, created_at, updated_at) "
        "VALUES (1, 1, :d, 24.0, 0, 0, 'long', 1, :t, :t)",
        d=date(2026, 11, 22),
        t=NOW,
    )
    _rows(
        db_url,
        "INSERT INTO plan_alerts (id, athlete_id, planned_id, dedupe_key, payload, created_at) "
        "VALUES (1, 1, 1, 'p1', '{}', :t)",
        t=NOW,
    )
    _rows(
        db_url,
        "INSERT INTO deliveries (id, webhook_id, plan_alert_id, idempotency_key, payload, "
        "status, attempts, next_attempt_at) VALUES (2, 1, 1, 'k2', '{}', 'pending', 0, :t)",
        t=NOW,
    )
    assert _rows(db_url, "SELECT id, event_id, plan_alert_id FROM deliveries ORDER BY id") == [
        (1, 1, None),
        (2, None, 1),
    ]
    # Deleting the planned session takes its alert and its delivery with it.
    _rows(db_url, "DELETE FROM planned_sessions WHERE id = 1")
    if db_url.startswith("postgresql"):
        assert _rows(db_url, "SELECT id FROM deliveries ORDER BY id") == [(1,)]
    _to(db_url, "0002", down=True)
    assert _rows(db_url, "SELECT id, event_id FROM deliveries") == [(1, 1)]
    tables = set(sa.inspect(make_engine(db_url)).get_table_names())
    assert not {"planned_sessions", "plan_alerts"} & tables
