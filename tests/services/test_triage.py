"""The triage as stored bytes: rows written by evaluation in concern order, read a page at a
time in one query, the same rows the triage built per request; pending athletes shown as
evaluating; acknowledgements and renames rewrite the row.  On SQLite and PostgreSQL (the
``store`` fixture): the byte sort key must order the same on both."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from loadwatch import auth
from loadwatch.errors import InvalidRequest
from loadwatch.schemas.dashboard import DashboardRow
from loadwatch.services import triage
from loadwatch.services.acknowledge import acknowledge
from loadwatch.services.athletes import change_athlete
from loadwatch.services.csv_import import import_log
from loadwatch.services.dashboard import concern_key, dashboard
from loadwatch.services.evaluation import drain_pending
from loadwatch.store import athletes as athlete_store
from loadwatch.store import flags as flag_rows
from loadwatch.store.db import Store
from loadwatch.store.models import User

MONDAY = date(2026, 9, 7)
SPIKE = MONDAY + timedelta(weeks=5, days=6)  # the sixth Sunday


def log(spike_km: float) -> bytes:
    """Five weeks of 8, 8, 8 km and a 16 km Sunday, then 10, 10, 10 and ``spike_km``."""
    lines = ["date,distance_km,duration_min,climbing_m"]
    for w in range(6):
        kms = (10.0, 10.0, 10.0, spike_km) if w == 5 else (8.0, 8.0, 8.0, 16.0)
        for d, km in zip((1, 3, 5, 6), kms, strict=True):
            lines.append(f"{MONDAY + timedelta(weeks=w, days=d)},{km},{km * 5.5},40")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def team(store: Store) -> dict[str, int]:
    """Ana (33 km after a 16 km longest: an alert), Ben (22 km: a caution), Cy (quiet), all
    evaluated as of the spike Sunday; and a coach who sees them."""
    ids = {}
    with store.transaction() as s:
        coach, _ = auth.create_user(s, "coach", "coach")
        for name in ("Ana", "Ben", "Cy"):
            a = athlete_store.get_or_create_athlete(s, name, "Europe/Paris")
            auth.link_coach(s, coach, a)
            ids[name] = a.id
        ids["coach"] = coach.id
    for name, km in (("Ana", 33.0), ("Ben", 22.0), ("Cy", 16.0)):
        import_log(store, ids[name], log(km), "log.csv")
        assert drain_pending(store, athlete_id=ids[name], today=SPIKE) == [ids[name]]
    return ids


def _page(store: Store, coach_id: int, **kw: Any) -> dict[str, Any]:
    with store.sessions() as s:
        coach = s.get(User, coach_id)
        assert coach is not None
        out: dict[str, Any] = json.loads(triage.page(s, coach, today=SPIKE, **kw))
    return out


def test_stored_rows_are_the_rows_built_per_request_in_the_same_order(
    store: Store, team: dict[str, int]
) -> None:
    with store.sessions() as s:
        coach = s.get(User, team["coach"])
        assert coach is not None
        built = dashboard(s, coach, today=SPIKE).model_dump(mode="json")["data"]
    body = _page(store, team["coach"])
    assert [r["athlete_id"] for r in body["data"]] == [team["Ana"], team["Ben"], team["Cy"]]
    assert [r["severity"] for r in body["data"]] == ["alert", "caution", None]
    assert body["data"] == built  # every field, `evaluating: false` included
    assert (body["limit"], body["next_cursor"], body["current_days"]) == (100, None, 14)


def test_pages_follow_the_cursor_and_filter_by_concern(store: Store, team: dict[str, int]) -> None:
    seen, cursor = [], None
    for _ in range(4):
        body = _page(store, team["coach"], limit=1, cursor=cursor)
        seen += [r["name"] for r in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["Ana", "Ben", "Cy"]
    assert [r["name"] for r in _page(store, team["coach"], concern="caution")["data"]] == ["Ben"]
    assert [r["name"] for r in _page(store, team["coach"], concern="quiet")["data"]] == ["Cy"]
    with pytest.raises(InvalidRequest):
        _page(store, team["coach"], cursor="not-a-cursor")


def test_a_pending_athlete_is_evaluating_and_a_new_one_has_no_numbers(
    store: Store, team: dict[str, int]
) -> None:
    monday = SPIKE + timedelta(days=1)
    import_log(store, team["Cy"], f"date,distance_km\n{monday},30\n".encode(), "more.csv")
    with store.transaction() as s:
        new = athlete_store.get_or_create_athlete(s, "Dee", "Europe/Paris")
        coach = s.get(User, team["coach"])
        assert coach is not None
        auth.link_coach(s, coach, new)
    import_log(store, new.id, log(16.0), "log.csv")
    rows = {r["name"]: r for r in _page(store, team["coach"])["data"]}
    assert [n for n, r in rows.items() if r["evaluating"]] == ["Cy", "Dee"]
    # Cy's stored numbers are kept, marked as not current; Dee, never evaluated, comes last.
    assert rows["Cy"]["today"] == SPIKE.isoformat() and rows["Cy"]["last_run_date"] is not None
    assert list(rows)[-1] == "Dee" and rows["Dee"]["last_run_date"] is None
    assert rows["Dee"]["weekly_distance"] == []


def test_an_acknowledgement_and_a_rename_rewrite_the_row(
    store: Store, team: dict[str, int]
) -> None:
    with store.transaction() as s:
        flags = flag_rows.open_of(s, [team["Ana"]])
        assert acknowledge(s, flags, by=team["coach"]) == len(flags) > 0
        change_athlete(s, athlete_store.get_athlete(s, team["Ben"]), name="Benedikt")
    rows = _page(store, team["coach"])["data"]
    # Ana answered: nothing open and current any more, so quiet, after Benedikt's caution.
    assert [(r["name"], r["alerts"], r["severity"]) for r in rows] == [
        ("Benedikt", 0, "caution"),
        ("Ana", 0, None),
        ("Cy", 0, None),
    ]


def _row(name: str, severity: str | None, alerts: int, cautions: int, ratio: float | None,
         stale: bool) -> DashboardRow:  # fmt: skip
    return DashboardRow.model_validate(
        {
            "athlete_id": 1, "name": name, "severity": severity, "reason": None,
            "reason_flag_id": None, "dimensions": [], "alerts": alerts, "cautions": cautions,
            "open_flags": {}, "older_open": 0, "ratios": {}, "max_ratio": ratio,
            "headroom_run": {}, "units": {}, "ramp_limits": {"caution": 1.3, "alert": None},
            "today": SPIKE, "last_activity_id": None, "last_activity_at": None,
            "last_run_date": None, "days_since_last_run": None, "last_upload_at": None,
            "days_since_last_upload": None, "stale": stale, "weekly_distance": [],
            "episodes": [],
        }
    )  # fmt: skip


def test_the_byte_key_sorts_as_the_concern_key() -> None:
    rows = [
        _row("zoe", "alert", 1, 0, 1.2, False),
        _row("Al", "alert", 1, 0, 2.5, False),
        _row("bo", "alert", 2, 0, 1.0, True),
        _row("Cé", "caution", 0, 3, 1.1, False),
        _row("ce", "caution", 0, 3, 1.1, False),
        _row("dan", "caution", 0, 1, 9.75, False),
        _row("Eve", None, 0, 0, 5.0, False),  # a quiet ratio is no concern
        _row("abe", None, 0, 0, None, False),
        _row("Zed", None, 0, 0, None, True),  # stale first among the quiet
    ]
    by_bytes = [r.name for r in sorted(rows, key=triage.sort_key)]
    assert by_bytes == [r.name for r in sorted(rows, key=concern_key)]
    assert by_bytes == ["bo", "Al", "zoe", "ce", "Cé", "dan", "Zed", "abe", "Eve"]
