"""A store as loadwatch 0.1.0 wrote it: the tables of schema revision 0001 (the 0.1.0 baseline),
spelled out here as that revision created them, and rows for them.

Written against 0001's tables, never the models: the models follow the newest revision, and an
upgrade test must hold the old shape still while the code moves on.  ``BASELINE_ROWS`` are
what a 0.1.0 user had: two athletes, a coach, files, runs, flags in an episode, symptoms and a
rehab plan.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

BASELINE = "0001"  # loadwatch 0.1.0's schema revision: frozen, never rewritten

T0 = datetime(2026, 11, 2, 6, 30, 5, tzinfo=UTC)


def _t(name: str, *columns: sa.ColumnClause[Any]) -> sa.TableClause:
    return sa.table(name, *columns)


def _c(name: str, kind: Any) -> sa.ColumnClause[Any]:
    return sa.column(name, kind)


JSON, DATE, TIME, INT, FLOAT, TEXT = (
    sa.JSON(),
    sa.Date(),
    sa.DateTime(timezone=True),
    sa.Integer(),
    sa.Float(),
    sa.Text(),
)

TABLES: dict[str, sa.TableClause] = {
    "athletes": _t(
        "athletes",
        *(_c(n, TEXT) for n in ("name", "name_key", "timezone")),
        _c("id", INT),
        _c("fast_speed_mps", FLOAT),
        _c("fast_speed_since", DATE),
        _c("thresholds", JSON),
        _c("created_at", TIME),
    ),
    "users": _t(
        "users",
        *(_c(n, TEXT) for n in ("name", "role", "token_hash")),
        _c("id", INT),
        _c("athlete_id", INT),
        _c("created_at", TIME),
    ),
    "coach_athletes": _t("coach_athletes", _c("coach_id", INT), _c("athlete_id", INT)),
    "files": _t(
        "files",
        *(_c(n, TEXT) for n in ("sha256", "name", "format", "status", "reason")),
        *(_c(n, INT) for n in ("id", "athlete_id", "size")),
        _c("warnings", JSON),
        _c("created_at", TIME),
        _c("updated_at", TIME),
    ),
    "activities": _t(
        "activities",
        *(_c(n, INT) for n in ("id", "athlete_id", "file_id", "utc_offset_s", "n_samples")),
        _c("session_index", INT),
        *(_c(n, TEXT) for n in ("source", "format", "sport", "sport_relabel", "name", "device")),
        *(_c(n, TEXT) for n in ("source_sha256", "stream_path")),
        _c("start_time", TIME),
        *(
            _c(n, FLOAT)
            for n in (
                "elapsed_time_s",
                "moving_time_s",
                "stopped_time_s",
                "distance_m",
                "elevation_gain_m",
                "elevation_loss_m",
                "avg_pace_s_per_km",
                "gap_distance_m",
                "uphill_distance_m",
                "downhill_distance_m",
                "fast_distance_m",
                "max_speed_mps",
                "best_1km_s",
                "avg_hr",
                "max_hr",
            )
        ),
        *(_c(n, JSON) for n in ("totals_source", "speed_hist_m", "gap_speed_hist_m")),
        _c("created_at", TIME),
    ),
    "episodes": _t(
        "episodes",
        _c("id", INT),
        _c("athlete_id", INT),
        _c("first", DATE),
        _c("last", DATE),
        *(_c(n, TEXT) for n in ("severity", "status", "headline")),
        *(_c(n, JSON) for n in ("rules", "dimensions", "reasons")),
        _c("created_at", TIME),
        _c("updated_at", TIME),
    ),
    "flags": _t(
        "flags",
        *(_c(n, INT) for n in ("id", "athlete_id", "episode_id", "acked_by")),
        _c("date", DATE),
        *(_c(n, TEXT) for n in ("rule", "dimension", "severity", "message", "status")),
        *(_c(n, FLOAT) for n in ("value", "baseline", "ratio", "threshold")),
        _c("acked_at", TIME),
        _c("created_at", TIME),
        _c("updated_at", TIME),
    ),
    "symptoms": _t(
        "symptoms",
        *(_c(n, INT) for n in ("id", "athlete_id", "pain_during", "pain_after")),
        _c("pain_next_morning", INT),
        _c("date", DATE),
        *(_c(n, TEXT) for n in ("location", "note", "source")),
        _c("aggravators", JSON),
        _c("sitting_hours", FLOAT),
        _c("created_at", TIME),
        _c("updated_at", TIME),
    ),
    "plans": _t(
        "plans",
        *(_c(n, INT) for n in ("id", "athlete_id", "phase", "created_by")),
        _c("condition", TEXT),
        _c("start_date", DATE),
        _c("end_date", DATE),
        *(
            _c(n, FLOAT)
            for n in (
                "weekly_km",
                "longest_run_km",
                "weekly_fast_km",
                "weekly_climb_m",
                "pace_floor_s_per_km",
                "progression_pct",
            )
        ),
        _c("created_at", TIME),
    ),
}


def _activity(i: int, athlete: int, file_id: int | None, km: float, day: int) -> dict[str, Any]:
    moving = km * 330.0 + i
    return {
        "id": i,
        "athlete_id": athlete,
        "file_id": file_id,
        "source": "file" if file_id else "csv",
        "format": "fit" if file_id else "csv",
        "sport": "running",
        "sport_relabel": "trail_running" if i == 3 else None,
        "name": f"Run {i}",
        "start_time": datetime(2026, 11, day, 6, 30, tzinfo=UTC),
        "utc_offset_s": 3600,
        "elapsed_time_s": moving + 61.5,
        "moving_time_s": moving,
        "stopped_time_s": 61.5,
        "distance_m": km * 1000.0,
        "elevation_gain_m": 12.25 * i,
        "elevation_loss_m": 11.75 * i,
        "avg_pace_s_per_km": moving / km,
        "gap_distance_m": km * 1000.0 + 7.5,
        "uphill_distance_m": 400.0 + i,
        "downhill_distance_m": 380.0 + i,
        "fast_distance_m": 1250.5 * i,
        "max_speed_mps": 4.875,
        "best_1km_s": 271.0 + i,
        "avg_hr": 148.5 if file_id else None,
        "max_hr": 171.0 if file_id else None,
        "n_samples": 3300 + i if file_id else 0,
        "device": "Garmin Forerunner 255" if file_id else None,
        "source_sha256": f"{i:064x}",
        "session_index": 0,
        "totals_source": {"distance_m": "device", "moving_time_s": "computed"},
        "speed_hist_m": [0.0, 120.5, 800.25, 2000.0] if file_id else None,
        "gap_speed_hist_m": [0.0, 100.0, 850.0] if file_id else None,
        "stream_path": f"{i:02x}/{i:064x}-0.parquet" if file_id else None,
        "created_at": T0,
    }


BASELINE_ROWS: dict[str, list[dict[str, Any]]] = {
    "athletes": [
        {
            "id": 1,
            "name": "Ana Ávila",
            "name_key": "ana ávila",
            "timezone": "Europe/Madrid",
            "fast_speed_mps": 3.9,
            "fast_speed_since": date(2026, 10, 5),
            "thresholds": {"session_spike": {"caution": 1.2, "alert": 1.5}},
            "created_at": T0,
        },
        {
            "id": 2,
            "name": "Ben",
            "name_key": "ben",
            "timezone": "UTC",
            "fast_speed_mps": None,
            "fast_speed_since": None,
            "thresholds": {},
            "created_at": T0,
        },
    ],
    "users": [
        {
            "id": 1,
            "name": "coach-carla",
            "role": "coach",
            "token_hash": "c" * 64,
            "athlete_id": None,
            "created_at": T0,
        },
        {
            "id": 2,
            "name": "ana",
            "role": "athlete",
            "token_hash": "a" * 64,
            "athlete_id": 1,
            "created_at": T0,
        },
    ],
    "coach_athletes": [{"coach_id": 1, "athlete_id": 1}, {"coach_id": 1, "athlete_id": 2}],
    "files": [
        {
            "id": 1,
            "athlete_id": 1,
            "sha256": f"{1:064x}",
            "name": "2026-11-03-run.fit",
            "size": 48213,
            "format": "fit",
            "status": "imported",
            "reason": None,
            "warnings": ["1 record out of order"],
            "created_at": T0,
            "updated_at": T0,
        },
        {
            "id": 2,
            "athlete_id": 1,
            "sha256": f"{2:064x}",
            "name": "broken.fit",
            "size": 512,
            "format": "fit",
            "status": "failed",
            "reason": "truncated: the file ends inside a record",
            "warnings": None,
            "created_at": T0,
            "updated_at": T0,
        },
    ],
    "activities": [
        _activity(1, 1, 1, 10.0, 3),
        _activity(2, 1, None, 6.5, 5),
        _activity(3, 1, None, 21.1, 8),
        _activity(4, 2, None, 5.0, 4),
    ],
    "episodes": [
        {
            "id": 1,
            "athlete_id": 1,
            "first": date(2026, 11, 8),
            "last": date(2026, 11, 9),
            "severity": "alert",
            "status": "open",
            "headline": "Sunday's 21.1 km run is 60 % longer than your longest run",
            "rules": ["session_spike", "weekly_ramp"],
            "dimensions": ["distance"],
            "reasons": ["Sunday's 21.1 km run is 60 % longer than your longest run"],
            "created_at": T0,
            "updated_at": T0,
        }
    ],
    "flags": [
        {
            "id": 1,
            "athlete_id": 1,
            "date": date(2026, 11, 8),
            "rule": "session_spike",
            "dimension": "distance",
            "severity": "alert",
            "value": 21.1,
            "baseline": 13.1875,
            "ratio": 1.6,
            "threshold": 1.5,
            "message": "Sunday's 21.1 km run is 60 % longer than your longest run",
            "status": "acknowledged",
            "episode_id": 1,
            "acked_by": 1,
            "acked_at": datetime(2026, 11, 9, 7, 0, 1, tzinfo=UTC),
            "created_at": T0,
            "updated_at": T0,
        },
        {
            "id": 2,
            "athlete_id": 1,
            "date": date(2026, 11, 9),
            "rule": "weekly_ramp",
            "dimension": "distance",
            "severity": "caution",
            "value": 1.34,
            "baseline": 1.0,
            "ratio": 1.34,
            "threshold": 1.3,
            "message": "This week's 37.6 km is 34 % more than your usual week",
            "status": "open",
            "episode_id": 1,
            "acked_by": None,
            "acked_at": None,
            "created_at": T0,
            "updated_at": T0,
        },
    ],
    "symptoms": [
        {
            "id": 1,
            "athlete_id": 1,
            "date": date(2026, 11, 9),
            "pain_during": 2,
            "pain_after": 3,
            "pain_next_morning": 4,
            "location": "achilles",
            "aggravators": ["hills", "stairs"],
            "sitting_hours": 7.5,
            "note": "stiff after the long run",
            "source": "manual",
            "created_at": T0,
            "updated_at": T0,
        },
        {
            "id": 2,
            "athlete_id": 1,
            "date": date(2026, 11, 10),
            "pain_during": None,
            "pain_after": None,
            "pain_next_morning": 1,
            "location": "achilles",
            "aggravators": [],
            "sitting_hours": None,
            "note": None,
            "source": "api",
            "created_at": T0,
            "updated_at": T0,
        },
    ],
    "plans": [
        {
            "id": 1,
            "athlete_id": 1,
            "condition": "achilles tendinopathy",
            "phase": 2,
            "start_date": date(2026, 11, 10),
            "end_date": None,
            "weekly_km": 25.0,
            "longest_run_km": 8.0,
            "weekly_fast_km": 2.5,
            "weekly_climb_m": 150.0,
            "pace_floor_s_per_km": 330.0,
            "progression_pct": 10.0,
            "created_by": 1,
            "created_at": T0,
        }
    ],
}


def write_baseline(conn: Connection) -> None:
    """``BASELINE_ROWS`` into a database at revision ``BASELINE``, parents first."""
    for name, rows in BASELINE_ROWS.items():
        conn.execute(sa.insert(TABLES[name]), [dict(r) for r in rows])


def baseline_store(url: str) -> None:
    """A database as loadwatch 0.1.0 left it: migrated to the baseline, rows written by it."""
    from loadwatch.store import dump
    from loadwatch.store.db import current_revision, make_engine, migrate

    engine = make_engine(url)
    try:
        migrate(engine, to=BASELINE)
        with engine.begin() as conn:
            assert current_revision(conn) == BASELINE
            write_baseline(conn)
            # The ids above were given, not drawn: move PostgreSQL's sequences on as 0.1.0's
            # own inserts would have.
            dump.reset_sequences(conn, dump.tables(conn))
    finally:
        engine.dispose()
