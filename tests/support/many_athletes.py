"""Many athletes at once, written through the store's repositories: each with a few weeks of
runs whose distances are drawn from a seed, so two stores seeded alike hold the same rows."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from loadwatch.services.episode_list import episodes_of
from loadwatch.services.flag_list import list_flags
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store import files as file_store
from loadwatch.store import pending
from loadwatch.store import views as view_rows
from loadwatch.store.db import Session, Store
from loadwatch.store.models import Activity

DEVICE = {
    k: "device" for k in ("distance_m", "moving_time_s", "elevation_gain_m", "elevation_loss_m")
}


def run(athlete_id: int, file_id: int, day: date, km: float, key: str) -> Activity:
    moving = km * 330.0
    return Activity(
        athlete_id=athlete_id,
        file_id=file_id,
        source="file",
        format="fit",
        sport="running",
        start_time=datetime.combine(day, time(7, 0), tzinfo=UTC),
        utc_offset_s=0,
        elapsed_time_s=moving * 1.04,
        moving_time_s=moving,
        stopped_time_s=0.0,
        distance_m=km * 1000,
        elevation_gain_m=km * 10,
        elevation_loss_m=km * 10,
        avg_pace_s_per_km=330.0,
        gap_distance_m=km * 1000 + 80 * km,
        uphill_distance_m=km * 100,
        downhill_distance_m=km * 100,
        fast_distance_m=km * 100,
        n_samples=int(moving),
        device="test",
        source_sha256=hashlib.sha256(key.encode()).hexdigest(),
        session_index=0,
        totals_source=DEVICE,
    )


def source_file(session: Session, athlete_id: int, key: str, *, name: str = "export.zip") -> int:
    """The id of a new imported FIT source file row for the athlete (``key`` makes its
    checksum): what the activities these builders write hang from."""
    return file_store.record_file(
        session,
        athlete_id=athlete_id,
        sha256=hashlib.sha256(key.encode()).hexdigest(),
        name=name,
        size=1000,
        format="fit",
        status="imported",
        reason=None,
    ).id


def seed(session: Session, n: int, today: date, *, weeks: int = 8, seed: int = 7) -> list[int]:
    """``n`` athletes with ``weeks`` weeks of runs up to ``today`` (a spike in the last week of
    every third athlete, so some flags fire); nothing is pending."""
    rng = random.Random(seed)
    ids: list[int] = []
    for i in range(n):
        aid = athlete_store.get_or_create_athlete(session, f"Runner {i:03d}").id
        src_id = source_file(session, aid, f"archive-{i}")
        rows = []
        for d in range(weeks * 7, 0, -1):
            if d % 7 in (1, 4):
                continue  # two rest days a week
            km = rng.uniform(5, 12) * (2.5 if i % 3 == 0 and d <= 7 else 1.0)
            rows.append(run(aid, src_id, today - timedelta(days=d), round(km, 2), f"{i}:{d}"))
        activity_store.add_activities(session, rows)
        ids.append(aid)
    pending.clear(session)
    return ids


def change(session: Session, athlete_id: int, today: date, k: int) -> date:
    """One change of the athlete, as an upload makes it: a run yesterday (the ``k``-th of a
    burst) and the pending row from its day.  The day changed from."""
    src_id = source_file(session, athlete_id, f"upload-{athlete_id}-{k}", name=f"run-{k}.fit")
    day = today - timedelta(days=1 + k % 20)
    activity_store.add_activities(
        session, [run(athlete_id, src_id, day, 6.0 + k % 20, f"upload-{athlete_id}-{k}")]
    )
    pending.request_evaluation(session, athlete_id, day)
    return day


def _without_ids(value: Any) -> Any:
    # Row ids and write times depend on which worker wrote first and when; the rest must agree.
    if isinstance(value, dict):
        return {
            k: _without_ids(v)
            for k, v in value.items()
            if not (k == "id" or k.endswith(("_id", "_ids", "_at")))
        }
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def picture(store: Store, names: Iterable[str] | None = None) -> dict[str, Any]:
    """Per athlete name: the stored view's summary, every flag and every episode (ids left out),
    and whether work is pending: what two evaluations of the same data must agree on."""
    out: dict[str, Any] = {}
    with store.sessions() as s:
        athletes = {a.name: a for a in (athlete_store.get_athlete(s, i) for i in all_ids(s))}
        summaries = view_rows.summaries(s, [a.id for a in athletes.values()])
        for name in sorted(names or athletes):
            a = athletes[name]
            flags = _without_ids(
                [f.model_dump(mode="json") for f in list_flags(s, a.id, statuses=None)]
            )
            eps = _without_ids([e.model_dump(mode="json") for e in episodes_of(s, a)])
            out[name] = _without_ids(
                {
                    "summary": summaries.get(a.id),
                    "flags": sorted(flags, key=lambda f: json.dumps(f, sort_keys=True)),
                    "episodes": sorted(eps, key=lambda e: json.dumps(e, sort_keys=True)),
                    "pending": bool(pending.waiting(s, [a.id])),
                }
            )
    return out


def all_ids(session: Session) -> list[int]:
    return sorted(athlete_store.athlete_zones(session))
