"""The sRPE columns are computed at evaluation into the stored view, and a series reads only
its period's rows: the same frame the per-request join gave (``effort.with_effort``), for day
and week rows, to today and cut to an earlier day; a view stored before the columns were in
it still answers with them."""

from __future__ import annotations

import io
from datetime import date, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from loadwatch.analytics.effort import EFFORT_DAY_SCHEMA, EFFORT_WEEK_SCHEMA
from loadwatch.schemas.status import Period
from loadwatch.services.effort import with_effort
from loadwatch.services.evaluation import evaluate_athlete
from loadwatch.services.out_frames import out_frame
from loadwatch.services.stored_view import decode as _frame
from loadwatch.services.views import series_view
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store import views as view_rows
from loadwatch.store.db import Store
from support.many_athletes import run, source_file

TODAY = date(2026, 5, 10)
EFFORT = sorted({*EFFORT_DAY_SCHEMA, *EFFORT_WEEK_SCHEMA} - {"date", "week_start"})


def _athlete(store: Store) -> int:
    with store.transaction() as s:
        athlete = athlete_store.get_or_create_athlete(s, "Rated", "Europe/Paris")
        src_id = source_file(s, athlete.id, "rated")
        rows = [
            run(athlete.id, src_id, date(2026, 3, 3) + timedelta(days=d), 8.0, f"r{d}")
            for d in range(60)
        ]
        for k in (10, 11, 40):  # RPE 6 over 8 km x 330 s = 44 minutes: 264 AU each
            rows[k].rpe = 6.0
        activity_store.add_activities(s, rows)
        aid = athlete.id
    evaluate_athlete(store, aid, today=TODAY)
    return aid


def _per_request(store: Store, aid: int, period: str, end: date | None) -> pl.DataFrame:
    """What a series answered before: the view's rows, the sRPE joined on per request."""
    with store.sessions() as s:
        athlete = athlete_store.get_athlete(s, aid)
        frame, _, _ = series_view(s, athlete, period, end=end, today=TODAY)  # type: ignore[arg-type]
        bare = frame.drop([c for c in EFFORT if c in frame.columns])
        return out_frame(with_effort(s, athlete, bare, period, end or TODAY))


@pytest.mark.parametrize("period", ["day", "week"])
@pytest.mark.parametrize("end", [None, date(2026, 3, 25), date(2026, 2, 1)])
def test_stored_srpe_columns_are_the_per_request_join(
    store: Store, period: str, end: date | None
) -> None:
    aid = _athlete(store)
    with store.sessions() as s:
        stored = view_rows.frames(s, aid, ["days"])
        assert stored is not None and "srpe" in _frame(stored[2]["days"]).columns
        athlete = athlete_store.get_athlete(s, aid)
        got, _, busy = series_view(s, athlete, period, end=end, today=TODAY)  # type: ignore[arg-type]
    assert not busy
    # The same columns (the ramp's usual week rides after the sRPE in one, before in the other).
    want = _per_request(store, aid, period, end)
    assert_frame_equal(got, want.select(got.columns))
    assert set(want.columns) == set(got.columns)
    if end is None or end >= date(2026, 3, 14):
        key = "date" if period == "day" else "week_start"
        at = date(2026, 3, 13) if period == "day" else date(2026, 3, 9)  # a Friday; its Monday
        srpe = got.filter(pl.col(key) == at)["srpe"].item()
        # The day: one rated run; the week: Friday's and Saturday's.
        assert srpe == pytest.approx(264.0 if period == "day" else 528.0)
    else:
        assert got.is_empty() and "srpe" in got.columns


def _file_ipc(frame: pl.DataFrame) -> bytes:
    """A frame as views were stored before: the Arrow IPC file format, zstd."""
    buf = io.BytesIO()
    frame.write_ipc(buf, compression="zstd")
    return buf.getvalue()


def test_a_view_stored_by_the_previous_loadwatch_still_answers_the_same(store: Store) -> None:
    """A view stored before: the file format and no sRPE columns (joined per request)."""
    aid = _athlete(store)
    periods: tuple[Period, ...] = ("day", "week")
    with store.sessions() as s:
        athlete = athlete_store.get_athlete(s, aid)
        want = {p: series_view(s, athlete, p, today=TODAY)[0] for p in periods}
        cut = series_view(s, athlete, "week", end=date(2026, 4, 1), today=TODAY)[0]
    with store.transaction() as s:
        found = view_rows.frames(s, aid, ["days", "weeks"])
        assert found is not None
        as_of, summary, blobs = found
        assert blobs["days"][:6] != b"ARROW1"  # the stream format now
        days, weeks = _frame(blobs["days"]), _frame(blobs["weeks"])
        view_rows.put(
            s,
            aid,
            as_of=as_of,
            summary=summary,
            days=_file_ipc(days.drop([c for c in EFFORT if c in days.columns])),
            weeks=_file_ipc(weeks.drop([c for c in EFFORT if c in weeks.columns])),
        )
    with store.sessions() as s:
        athlete = athlete_store.get_athlete(s, aid)
        for p in periods:
            assert_frame_equal(series_view(s, athlete, p, today=TODAY)[0], want[p])
        old_cut = series_view(s, athlete, "week", end=date(2026, 4, 1), today=TODAY)[0]
        assert_frame_equal(old_cut, cut)
