"""The view evaluation stores (services/views.py computes it): writing it, and reading back
what a reader asks for - the summaries, or one period's rows - without the rest.

The day and week rows are Arrow IPC stream blobs in the view's row; a reader selects only the
blobs its period needs, and the summary's fitness only, not the whole summary.  The day rows are
``days`` then ``days_tail``: the nightly roll appends its rest days to the short tail instead of
writing years of rows again, and folds the tail into ``days`` once it is ``TAIL_DAYS`` long.
The summaries alone are read by ``services/stored_summary.py``, which needs no polars."""

from __future__ import annotations

import io
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import polars as pl
from pydantic import ValidationError

from loadwatch.analytics.effort import EFFORT_DAY_SCHEMA, weekly_effort
from loadwatch.analytics.schema import DAILY_SCHEMA
from loadwatch.analytics.weekly import weekly_frame
from loadwatch.schemas.fitness import FitnessOut
from loadwatch.schemas.status import VIEW_VERSION, Period, Summary
from loadwatch.services.effort import join_effort
from loadwatch.store import views as view_rows
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete


@dataclass(frozen=True)
class View:
    summary: Summary
    days: pl.DataFrame  # the daily frame joined with the load metrics and the sRPE columns
    weeks: pl.DataFrame
    # The last rows of ``days``, when only those differ from the stored view's ``days`` blob
    # (the roll: ``services/roll.py``): written alone, as the tail.
    tail: pl.DataFrame | None = None
    # The fast threshold's window of the day after the view's, carried by the roll
    # (``analytics.fast.Window``); None: none (every other path).
    fast_window: bytes | None = None
    # The rows before this one did not change (a change from a day, ``services/incremental.py``)
    # and the rows from it are few: written as the tail, the rows before as the day rows.
    split: int | None = None
    # The batch of forecasts this view is the chain of (the roll that computed them:
    # ``services/forecast.py``); None: none (every other path).
    forecast: int | None = None


TAIL_DAYS = 32  # a month of nightly rolls, then the tail is folded in


# Arrow IPC *stream* format: polars reads it several times faster than the file format
# (0.06 against 0.21 ms for three years of weeks, what a weekly series decodes; 0.3 against
# 0.9 ms for the days).  The day rows, written by every evaluation, in lz4 (0.7 ms to write
# three years against 1.9 for zstd, 11 % larger); the week rows too, rewritten by every
# nightly roll (0.06 ms to write three years against 0.27 for zstd).
# (benchmarks/service.py; docs/scale.md.)
_FILE_MAGIC = b"ARROW1"


def _ipc(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_ipc_stream(buf, compression="lz4")
    return buf.getvalue()


def decode(data: bytes) -> pl.DataFrame:
    """Decode a stored frame: the stream format, or the file format views were stored in
    before (read until the athlete is evaluated again)."""
    if data[: len(_FILE_MAGIC)] == _FILE_MAGIC:
        return pl.read_ipc(io.BytesIO(data))
    return pl.read_ipc_stream(io.BytesIO(data))


def day_rows(blobs: dict[str, bytes]) -> pl.DataFrame:
    """The stored day rows: ``days`` then the tail (``view_rows.frames`` of both)."""
    days = decode(blobs["days"])
    tail = blobs.get("days_tail")
    return pl.concat([days, decode(tail)]) if tail else days


def keep(session: Session, athlete_id: int, view: View) -> None:
    """Store the view (evaluation calls this in the flags' transaction)."""
    summary = view.summary.model_dump(mode="json")
    tail = view.tail
    if tail is not None and tail.height <= TAIL_DAYS:
        written = view_rows.put_tail(
            session,
            athlete_id,
            as_of=view.summary.as_of,
            summary=summary,
            days_tail=_ipc(tail),
            weeks=_ipc(view.weeks),
            fast_window=view.fast_window,
            forecast=view.forecast,
        )
        if written:
            return
    if view.split is not None and 0 < view.days.height - view.split <= TAIL_DAYS:
        view_rows.put(
            session,
            athlete_id,
            as_of=view.summary.as_of,
            summary=summary,
            days=_ipc(view.days.head(view.split)),
            weeks=_ipc(view.weeks),
            days_tail=_ipc(view.days.slice(view.split)),
        )
        return
    view_rows.put(
        session,
        athlete_id,
        as_of=view.summary.as_of,
        summary=summary,
        days=_ipc(view.days),
        weeks=_ipc(view.weeks),
        fast_window=view.fast_window,
    )


def tail_blobs(view: View) -> tuple[bytes, bytes] | None:
    """The day-row tail and week rows ``keep`` writes of a roll's view, as it writes them;
    None: ``keep`` would write the day rows whole (the tail is full: folded in)."""
    tail = view.tail
    if tail is None or tail.height > TAIL_DAYS:
        return None
    return _ipc(tail), _ipc(view.weeks)


def stored_rows(
    session: Session, athlete: Athlete, day: date, now: date, periods: Collection[Period]
) -> tuple[dict[Period, pl.DataFrame], FitnessOut | None] | None:
    """The rows of ``periods`` up to ``day`` cut from the stored view, and the fitness it was
    computed with; None when the view is not current for ``now`` or is older than this
    loadwatch's (the caller computes it live, and has checked that nothing is pending).

    A day's row reads only the days before it, so the cut is the row computed to ``day``; the
    week holding ``day`` is summed again over its days up to ``day``."""
    cut = day < now
    names = {"days" if p == "day" or cut else "weeks" for p in periods}
    if cut and "week" in periods:
        names.add("weeks")  # only for its columns when no day is left
    if "days" in names:
        names.add("days_tail")
    found = view_rows.frames(session, athlete.id, sorted(names))
    if found is None:
        return None
    as_of, summary, blobs = found
    if as_of != now or summary.get("version") != VIEW_VERSION:
        return None
    try:
        fit = summary.get("fitness")
        fitness = FitnessOut.model_validate(fit) if fit is not None else None
    except ValidationError:
        return None
    out: dict[Period, pl.DataFrame] = {}
    if not cut:
        for p in periods:
            out[p] = day_rows(blobs) if p == "day" else decode(blobs["weeks"])
        return out, fitness
    days = day_rows(blobs).filter(pl.col("date") <= day)
    if "day" in periods:
        out["day"] = days
    if "week" in periods:
        out["week"] = _weeks(days, blobs["weeks"])
    return out, fitness


def _weeks(days: pl.DataFrame, stored_weeks: bytes) -> pl.DataFrame:
    """The week rows of these (cut) day rows, with the sRPE columns when the days carry them
    (a view stored before they were in it does not)."""
    if days.is_empty():
        return decode(stored_weeks).clear()
    weeks = weekly_frame(days.select(list(DAILY_SCHEMA)))
    if "srpe" not in days.columns:
        return weeks
    return join_effort(weeks, weekly_effort(days.select(list(EFFORT_DAY_SCHEMA))), "week")
