"""The store's rows: athletes, files, activities, the activity frame and pending evaluations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from loadwatch.analytics.schema import ACTIVITY_FRAME_SCHEMA
from loadwatch.errors import Conflict, InvalidRequest, NotFound
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.store import activities as activity_store
from loadwatch.store import activity_counts, pending
from loadwatch.store import athletes as athlete_store
from loadwatch.store import files as file_store
from loadwatch.store.db import Store
from loadwatch.store.models import PendingEvaluation, SourceFile


def summary(start: datetime, distance_m: float, **kw: Any) -> ActivitySummary:
    fields: dict[str, Any] = {
        "format": "fit",
        "sport": "running",
        "start_time": start,
        "utc_offset_s": 7200,
        "elapsed_time_s": 3000.0,
        "moving_time_s": 2900.0,
        "distance_m": distance_m,
        "elevation_gain_m": 120.0,
        "elevation_loss_m": 118.0,
        "avg_pace_s_per_km": 2900.0 / (distance_m / 1000.0),
        "gap_distance_m": distance_m * 1.02,
        "uphill_distance_m": 1500.0,
        "downhill_distance_m": 1400.0,
        "fast_distance_m": 800.0,
        "max_speed_mps": 5.1,
        "best_1km_s": 240.0,
        "avg_hr": 150.0,
        "max_hr": 181.0,
        "n_samples": 3000,
        "device": "garmin/fr945",
        "source_sha256": "a" * 64,
        "totals_source": {"distance_m": "device"},
        "speed_hist_m": [0.0, 100.0, 250.5],
    }
    fields.update(kw)
    return ActivitySummary(**fields)


def test_get_or_create_athlete_is_idempotent_and_checks_time_zone(store: Store) -> None:
    with store.transaction() as s:
        a = athlete_store.get_or_create_athlete(s, "  Ana ", "Europe/Paris")
        a_id = a.id
    with store.transaction() as s:
        again = athlete_store.get_or_create_athlete(s, "Ana")
        assert again.id == a_id
        assert again.timezone == "Europe/Paris"
        assert athlete_store.get_or_create_athlete(s, "Ana", "Europe/Paris").id == a_id
        with pytest.raises(Conflict, match="Europe/Paris"):
            athlete_store.get_or_create_athlete(s, "Ana", "America/New_York")
        with pytest.raises(InvalidRequest, match="Mars/Olympus"):
            athlete_store.get_or_create_athlete(s, "Bo", "Mars/Olympus")
        with pytest.raises(InvalidRequest):
            athlete_store.get_or_create_athlete(s, "   ")
        assert athlete_store.get_or_create_athlete(s, "Bo").timezone == "UTC"
    with store.sessions() as s:
        assert [a.name for a in athlete_store.list_athletes(s)] == ["Ana", "Bo"]
        assert athlete_store.get_athlete_by_name(s, "Ana").id == a_id
        with pytest.raises(NotFound, match="Cy"):
            athlete_store.get_athlete_by_name(s, "Cy")
        with pytest.raises(NotFound):
            athlete_store.get_athlete(s, 9999)


def test_activities_paging_count_and_frame(store: Store) -> None:
    t0 = datetime(2024, 3, 1, 6, 30, tzinfo=UTC)
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana").id
        other = athlete_store.get_or_create_athlete(s, "Bo").id
        ids = [
            activity_store.add_activity(
                s,
                athlete_id=aid,
                summary=summary(t0 + timedelta(days=i), 5000.0 + 1000 * i, session_index=i),
                file_id=None,
                stream_path=None,
            ).id
            for i in range(3)
        ]
        activity_store.add_activity(
            s, athlete_id=other, summary=summary(t0, 1.0), file_id=None, stream_path=None
        )
    with store.sessions() as s:
        page, total = activity_store.list_activities(s, aid, limit=2, offset=0)
        assert total == 3
        assert [a.id for a in page] == [ids[2], ids[1]]  # newest first
        page2, _ = activity_store.list_activities(s, aid, limit=2, offset=2)
        assert [a.id for a in page2] == [ids[0]]
        frame = activity_store.activity_frame(s, aid)
        stats = activity_counts.activity_stats(s)
    assert dict(frame.schema) == ACTIVITY_FRAME_SCHEMA
    assert frame["activity_id"].to_list() == ids
    assert frame["distance_m"].to_list() == [5000.0, 6000.0, 7000.0]
    assert frame["start_time"][0] == t0
    assert frame["utc_offset_s"].to_list() == [7200] * 3
    assert frame["speed_hist_m"][0].to_list() == [0.0, 100.0, 250.5]
    assert frame["gap_distance_m"][1] == pytest.approx(6120.0)
    assert stats[aid].count == 3
    assert stats[aid].last_start is not None
    assert stats[other].count == 1


def test_activity_frame_empty_has_schema(store: Store) -> None:
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana").id
    with store.sessions() as s:
        frame = activity_store.activity_frame(s, aid)
    assert frame.height == 0
    assert dict(frame.schema) == ACTIVITY_FRAME_SCHEMA


def test_activity_frame_keeps_nulls_and_non_running(store: Store) -> None:
    t0 = datetime(2024, 3, 1, 6, 30, tzinfo=UTC)
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana").id
        activity_store.add_activity(
            s,
            athlete_id=aid,
            summary=summary(t0, 20000.0, sport="cycling", elevation_gain_m=None, speed_hist_m=None),
            file_id=None,
            stream_path=None,
        )
    with store.sessions() as s:
        frame = activity_store.activity_frame(s, aid)
    assert frame["sport"].to_list() == ["cycling"]
    assert frame["elevation_gain_m"].to_list() == [None]
    assert frame["speed_hist_m"].to_list() == [None]


def test_activities_starting_near(store: Store) -> None:
    t0 = datetime(2024, 3, 1, 6, 30, tzinfo=UTC)
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana").id
        near = activity_store.add_activity(
            s, athlete_id=aid, summary=summary(t0, 5000.0), file_id=None, stream_path=None
        ).id
        activity_store.add_activity(
            s,
            athlete_id=aid,
            summary=summary(t0 + timedelta(minutes=4), 5000.0, session_index=1),
            file_id=None,
            stream_path=None,
        )
    with store.sessions() as s:
        found = activity_store.activities_starting_near(
            s, aid, t0 + timedelta(seconds=90), timedelta(minutes=2)
        )
    assert [a.id for a in found] == [near]


def test_activities_near_any_start_of_a_batch(store: Store) -> None:
    """One lookup for a batch's starts: every activity within the window of any of them, by
    start; 300 starts (more ranges than one query takes) and overlapping windows merged."""
    t0 = datetime(2024, 3, 1, 6, 30, tzinfo=UTC)
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana").id
        other = athlete_store.get_or_create_athlete(s, "Bo").id
        ids = []
        for day in range(300):  # one a day at t0, and one 5 minutes later
            for i, minutes in enumerate((0, 5)):
                one = summary(
                    t0 + timedelta(days=day, minutes=minutes), 5e3, session_index=2 * day + i
                )
                ids.append(
                    activity_store.add_activity(
                        s, athlete_id=aid, summary=one, file_id=None, stream_path=None
                    ).id
                )
        activity_store.add_activity(
            s, athlete_id=other, summary=summary(t0, 5000.0), file_id=None, stream_path=None
        )
    # 90 s after each day's first: only the first is within 2 minutes; twice the same start,
    # and a start 1 minute after it (windows overlapping).
    starts = [t0 + timedelta(days=d, seconds=90) for d in range(300)]
    starts += [starts[0], t0 + timedelta(seconds=60)]
    with store.sessions() as s:
        found = activity_store.activities_near_any(s, aid, starts, timedelta(minutes=2))
        assert activity_store.activities_near_any(s, aid, [], timedelta(minutes=2)) == []
    assert [a.id for a in found] == ids[::2]


def test_record_file_inserts_then_updates_in_place(store: Store) -> None:
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana").id
        row = file_store.record_file(
            s,
            athlete_id=aid,
            sha256="b" * 64,
            name="x.fit",
            size=10,
            format="fit",
            status="failed",
            reason="file CRC mismatch",
        )
        fid = row.id
    with store.transaction() as s:
        existing = file_store.find_file(s, aid, "b" * 64)
        assert existing is not None and existing.status == "failed"
        file_store.record_file(
            s,
            athlete_id=aid,
            sha256="b" * 64,
            name="x.fit",
            size=10,
            format="fit",
            status="imported",
            reason=None,
            warnings=["recovered 3 records"],
            existing=existing,
        )
    with store.sessions() as s:
        rows = s.query(SourceFile).all()
        files, total = file_store.list_files(s, aid)
    assert [(r.id, r.status, r.reason, r.warnings) for r in rows] == [
        (fid, "imported", None, ["recovered 3 records"])
    ]
    assert total == 1 and files[0].id == fid


def test_request_evaluation_keeps_the_earliest_date(store: Store) -> None:
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana").id
        pending.request_evaluation(s, aid, date(2024, 3, 10))
    with store.transaction() as s:
        pending.request_evaluation(s, aid, date(2024, 3, 5))
    with store.transaction() as s:
        pending.request_evaluation(s, aid, date(2024, 3, 20))
    with store.sessions() as s:
        rows = s.query(PendingEvaluation).all()
        assert [(r.athlete_id, r.from_date) for r in rows] == [(aid, date(2024, 3, 5))]
        assert pending.pending_from(s, aid) == date(2024, 3, 5)


def test_frame_types_survive_a_polars_roundtrip(store: Store) -> None:
    """The frame is plain polars: analytics may filter/sort it without casting."""
    t0 = datetime(2024, 3, 1, 23, 30, tzinfo=UTC)
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana").id
        activity_store.add_activity(
            s, athlete_id=aid, summary=summary(t0, 5000.0), file_id=None, stream_path=None
        )
    with store.sessions() as s:
        frame = activity_store.activity_frame(s, aid)
    local = frame.select(
        (pl.col("start_time") + pl.duration(seconds=pl.col("utc_offset_s"))).dt.date()
    ).item()
    assert local == date(2024, 3, 2)  # 23:30 UTC at +02:00 is the next local day


def test_activity_frame_since_and_the_starts_from_a_time(store: Store) -> None:
    """The quick roll's two reads (services/roll.py): the frame of the activities from a UTC
    time on (the fast threshold's window), and the start and offset of those from a time."""
    t0 = datetime(2024, 3, 1, 22, 30, tzinfo=UTC)
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana").id
        for i in range(3):
            activity_store.add_activity(
                s,
                athlete_id=aid,
                summary=summary(t0 + timedelta(days=i), 5000.0 + 1000 * i, session_index=i),
                file_id=None,
                stream_path=None,
            )
    with store.sessions() as s:
        frame = activity_store.activity_frame(s, aid, t0 + timedelta(days=1))
        starts = activity_store.starts_from(s, aid, t0 + timedelta(days=2))
        none = activity_store.starts_from(s, aid, t0 + timedelta(days=2, seconds=1))
    assert dict(frame.schema) == ACTIVITY_FRAME_SCHEMA
    assert frame["distance_m"].to_list() == [6000.0, 7000.0]
    assert frame["start_time"].to_list() == [t0 + timedelta(days=1), t0 + timedelta(days=2)]
    assert frame["speed_hist_m"][1].to_list() == [0.0, 100.0, 250.5]
    # 22:30 UTC at +2 h is the next local day: the caller finds it from the offset.
    assert starts == [(t0 + timedelta(days=2), 7200)]
    assert none == []
