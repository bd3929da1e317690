"""The coach's triage as bytes: each athlete's row serialised once, by evaluation, and a
dashboard request that reads one page of them in one query and concatenates them.

A row is the ``DashboardRow`` that ``services.dashboard.athlete_row`` builds, stored as JSON
beside its sort key (``concern_key`` as bytes) and its concern (``store/triage.py``).  Whatever
changes a row's numbers rewrites it: an evaluation (``keep``), an acknowledgement or a rename
(``refresh``).  At read, a row is current when nothing is pending for the athlete and it was
computed for the athlete's today.  While an evaluation is pending the stored row is served
with ``evaluating: true`` (its numbers are as of its ``today``; an athlete pending and never
evaluated is listed last with no numbers).  A row from an earlier day (a new day began and the
scheduler's roll-forward has not reached the athlete yet, or no row was stored yet) is computed
at read, as the triage did before it was stored, and sorted within its page by its fresh key:
rare in a running service, and never a stale number shown as current.  So the cost of a request
is the page it returns, whatever the number of athletes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from loadwatch.analytics.schema import DIMENSIONS, UNITS
from loadwatch.clock import local_today
from loadwatch.errors import InvalidRequest
from loadwatch.rules.config import RuleConfig, athlete_config
from loadwatch.rules.episodes import CURRENT_DAYS, severity_rank
from loadwatch.schemas.dashboard import DashboardRow, RampLimits, SeverityCounts
from loadwatch.schemas.status import Summary
from loadwatch.services.dashboard import STALE_DAYS, athlete_row
from loadwatch.services.stored_summary import kept_summaries
from loadwatch.store import activities as activity_store
from loadwatch.store import activity_counts
from loadwatch.store import athletes as athlete_store
from loadwatch.store import episodes as episode_rows
from loadwatch.store import files as file_store
from loadwatch.store import flags as flag_rows
from loadwatch.store import triage as triage_rows
from loadwatch.store import views as view_rows
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, Episode, Flag, User
from loadwatch.vocabulary import LIVE_EPISODE, QUIET, Concern

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_RATIO_SCALE = 10_000  # ratios sort to 1e-4
_WIDTH = 12


# --- writing ------------------------------------------------------------------------------
def sort_key(row: DashboardRow) -> bytes:
    """``dashboard.concern_key`` as bytes that sort the same way bytewise: fixed-width
    complements of the descending parts, then the name (UTF-8 keeps code-point order)."""
    top = 10**_WIDTH - 1
    ratio = (row.max_ratio or 0.0) if row.severity else 0.0
    scaled = min(max(round(ratio * _RATIO_SCALE), 0), top)
    head = (
        f"{9 - severity_rank(row.severity or '')}"
        f"{top - min(row.alerts, top):0{_WIDTH}d}{top - min(row.cautions, top):0{_WIDTH}d}"
        f"{top - scaled:0{_WIDTH}d}{0 if row.stale else 1}"
    )
    return head.encode() + row.name.lower().encode()


def _body(row: DashboardRow) -> bytes:
    # ``evaluating`` is decided at read; the stored object starts with the next field.
    return row.model_dump_json(exclude={"evaluating"}).encode()


@dataclass(frozen=True)
class Unchanged:
    """What the roll of an unchanged athlete knows (``services.roll``): nothing but the day
    moved since the view for ``since``, and ``live`` are the athlete's live episodes
    (``services.episodes.aging``)."""

    since: date
    live: list[Episode]
    last_upload: datetime | None  # read with the roll's state (``store.roll_state``)
    open_flags: list[Flag] | None  # [] when the roll's state found none; None: read them
    # Acknowledged flags per episode of ``live``, read once for a batch's nights
    # (``services.forecast``); None: read them.
    acknowledged: Mapping[int, int] | None = None


@dataclass(frozen=True)
class Known:
    """What an evaluation from a day already read (``services.incremental``,
    ``services.episodes.keep_from``): the last activity (the newest of the activities it read,
    which run to the last), the open flags and the live episodes as it left them."""

    last_activity: tuple[int, datetime] | None
    open_flags: list[Flag]
    live: list[Episode]
    # Read with the change's state (``store.tail_state``): when a file was last received, and
    # the acknowledged flags per live episode ({} when no flag is acknowledged; None: read).
    last_upload: datetime | None
    acknowledged: Mapping[int, int] | None


def _row(
    session: Session,
    athlete: Athlete,
    today: date,
    summary: Summary | None = None,
    config: RuleConfig | None = None,
    unchanged: Unchanged | None = None,
    known: Known | None = None,
) -> DashboardRow:
    """The athlete's row as of ``today`` (from ``summary``, else their view: stored when
    current, else computed).  ``unchanged``: the last activity is the stored row's and the
    live episodes are known; the open flags (an acknowledgement changes them without an
    evaluation) and the last upload (a repeat upload touches it without one) were read in
    the same transaction with the roll's state, the flags themselves only when there are
    some (up to four queries fewer)."""
    ids = [athlete.id]
    if known is not None:
        return athlete_row(
            session,
            athlete,
            known.open_flags,
            known.last_activity,
            known.last_upload,
            episodes=known.live,
            acknowledged=known.acknowledged,
            summary=summary,
            today=today,
            config=config,
            busy=False,
        )
    last = _stored_last_activity(session, athlete.id, unchanged) if unchanged else None
    open_flags = unchanged.open_flags if unchanged is not None else None
    return athlete_row(
        session,
        athlete,
        open_flags if open_flags is not None else flag_rows.open_of(session, ids),
        last or activity_store.last_activities(session, ids).get(athlete.id),
        unchanged.last_upload
        if unchanged is not None
        else file_store.last_uploads(session, ids).get(athlete.id),
        episodes=(
            unchanged.live
            if last is not None and unchanged is not None
            else episode_rows.of_athletes(session, ids, LIVE_EPISODE)
        ),
        summary=summary,
        today=today,
        config=config,
        busy=False,  # not stored (``_body``): decided at read
        # Only with the episodes they were read for.
        acknowledged=unchanged.acknowledged if last is not None and unchanged is not None else None,
    )


def _stored_last_activity(
    session: Session, athlete_id: int, unchanged: Unchanged
) -> tuple[int, datetime] | None:
    """The last activity of the row stored for ``unchanged.since``: every change to the
    activities writes a pending row, so it is the last activity still.  None: no such row
    (or it names none), read it."""
    stored = triage_rows.get(session, athlete_id)
    if stored is None or stored.as_of != unchanged.since or stored.body is None:
        return None
    body = json.loads(stored.body)
    aid, at = body.get("last_activity_id"), body.get("last_activity_at")
    if aid is None or at is None:
        return None
    return int(aid), datetime.fromisoformat(at)


def keep(
    session: Session,
    athlete: Athlete,
    summary: Summary,
    config: RuleConfig | None = None,
    unchanged: Unchanged | None = None,
    known: Known | None = None,
) -> None:
    """Build and store the athlete's triage row from their view as of ``summary.as_of``
    (evaluation calls this in the flags' transaction, after writing the flags and episodes;
    ``unchanged``: the roll of an unchanged athlete, ``known``: what an evaluation from a day
    read, see ``_row``)."""
    concern, key, body = stored_row(session, athlete, summary, config, unchanged, known)
    triage_rows.put(
        session, athlete.id, as_of=summary.as_of, concern=concern, sort_key=key, body=body
    )


def stored_row(
    session: Session,
    athlete: Athlete,
    summary: Summary,
    config: RuleConfig | None = None,
    unchanged: Unchanged | None = None,
    known: Known | None = None,
) -> tuple[Concern, bytes, bytes]:
    """What ``keep`` stores: the row's concern, sort key and body (the nightly roll's
    forecasts store them for the days ahead, ``services/forecast.py``)."""
    row = _row(session, athlete, summary.as_of, summary, config, unchanged, known)
    return row.severity or QUIET, sort_key(row), _body(row)


def refresh(session: Session, athlete_ids: list[int]) -> None:
    """Rewrite the rows of these athletes from their stored views, as of the same day, after a
    change that needs no evaluation (an acknowledgement, a rename).  An athlete with an
    evaluation pending is left as is: shown evaluating, and rewritten by that evaluation."""
    athletes = [athlete_store.get_athlete(session, aid) for aid in dict.fromkeys(athlete_ids)]
    # The rows the nightly roll forecast for the days ahead read what changed: none stands.
    view_rows.drop_forecasts(session, [a.id for a in athletes])
    summaries = kept_summaries(session, athletes)
    for a in athletes:
        summary = summaries.get(a.id)
        if summary is not None:
            keep(session, a, summary)


# --- reading ------------------------------------------------------------------------------
def _cursor(key: bytes, athlete_id: int) -> str:
    return f"{key.hex()}.{athlete_id}"


def _after(cursor: str | None) -> tuple[bytes, int] | None:
    if cursor is None:
        return None
    try:
        key, aid = cursor.split(".")
        return bytes.fromhex(key), int(aid)
    except ValueError as e:
        raise InvalidRequest(f"cursor {cursor!r} is not one this API gave") from e


def _placeholder(session: Session, athlete_id: int, today: date) -> bytes:
    """The row of an athlete pending and never evaluated: name, evaluating, no numbers."""
    athlete = athlete_store.get_athlete(session, athlete_id)
    ramp = athlete_config(athlete.thresholds).weekly_ramp
    row = DashboardRow(
        evaluating=True,
        athlete_id=athlete.id,
        name=athlete.name,
        severity=None,
        reason=None,
        reason_flag_id=None,
        dimensions=[],
        alerts=0,
        cautions=0,
        open_flags={d: SeverityCounts() for d in DIMENSIONS},
        older_open=0,
        ratios=dict.fromkeys(DIMENSIONS),
        max_ratio=None,
        headroom_run=dict.fromkeys(DIMENSIONS),
        units=dict(UNITS),
        ramp_limits=RampLimits(caution=ramp.caution, alert=ramp.alert),
        today=today,
        last_activity_id=None,
        last_activity_at=None,
        last_run_date=None,
        days_since_last_run=None,
        last_upload_at=None,
        days_since_last_upload=None,
        stale=False,
        weekly_distance=[],
        episodes=[],
    )
    return row.model_dump_json().encode()


_CURRENT = b'{"evaluating":false,'
_EVALUATING = b'{"evaluating":true,'


def page(
    session: Session,
    user: User,
    *,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    concern: Concern | None = None,
    today: date | None = None,
) -> bytes:
    """One page of the triage ``user`` sees, most concerning first, as the JSON of a
    ``Dashboard`` (``today`` overrides every athlete's local today: tests)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be between 1 and {MAX_LIMIT}")
    lines = triage_rows.page(session, user, limit=limit + 1, after=_after(cursor), concern=concern)
    more = len(lines) > limit
    lines = lines[:limit]
    todays: dict[str, date] = {}
    parts: list[tuple[bytes, int, bytes]] = []
    for line in lines:
        day = today or todays.get(line.timezone)
        if day is None:
            day = todays[line.timezone] = local_today(line.timezone)
        if line.pending:
            body = line.body or _placeholder(session, line.athlete_id, day)
            parts.append((line.sort_key, line.athlete_id, _EVALUATING + body[1:]))
        elif line.body is not None and line.as_of == day:
            parts.append((line.sort_key, line.athlete_id, _CURRENT + line.body[1:]))
        else:
            row = _row(session, athlete_store.get_athlete(session, line.athlete_id), day)
            parts.append((sort_key(row), line.athlete_id, _CURRENT + _body(row)[1:]))
    parts.sort(key=lambda p: (p[0], p[1]))
    nxt = _cursor(lines[-1].sort_key, lines[-1].athlete_id) if more else None
    tail = {
        "current_days": CURRENT_DAYS,
        "stale_days": STALE_DAYS,
        "limit": limit,
        "next_cursor": nxt,
        # Counted at read (an index range per athlete), not stored with the rows: `reprocess`
        # changes it without evaluating anyone.
        "older_activities": sum(
            activity_counts.stale_counts(session, [line.athlete_id for line in lines]).values()
        ),
    }
    data = b",".join(p[2] for p in parts)
    return b'{"data":[' + data + b"]," + json.dumps(tail).encode()[1:]
