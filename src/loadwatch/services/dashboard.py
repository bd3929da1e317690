"""The coach's triage: who needs attention today, and why, most concerning first.

"Current" is about now, not about history: a flag counts when it is open and dated within the
last ``CURRENT_DAYS`` local days of the athlete's today.  An athlete whose flags are all older
is quiet, whatever their history holds (a history imported from 2021 is not today's concern).

Every number comes from the athlete's view (services/views.py): computed at evaluation from the
frames the flags were judged on and stored, so the triage reads rows and rebuilds no history
(an athlete whose view is not current - an import not yet evaluated - is computed live).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from loadwatch import auth
from loadwatch.analytics.days import local_day, week_start
from loadwatch.analytics.schema import DIMENSIONS, UNITS
from loadwatch.clock import local_today
from loadwatch.rounding import out_number
from loadwatch.rules.config import RuleConfig, athlete_config
from loadwatch.rules.episodes import CURRENT_DAYS, importance, severity_rank
from loadwatch.rules.episodes import is_current as _is_current_day
from loadwatch.schemas.dashboard import (
    Dashboard,
    DashboardRow,
    EpisodeBrief,
    RampLimits,
    SeverityCounts,
    WeekDistance,
)
from loadwatch.schemas.status import Summary
from loadwatch.services.episode_list import live_now
from loadwatch.services.pending import evaluating, is_evaluating
from loadwatch.services.status import summary_of
from loadwatch.services.stored_summary import stored_summaries
from loadwatch.store import activities as activity_store
from loadwatch.store import episodes as episode_rows
from loadwatch.store import files as file_store
from loadwatch.store import flags as flag_rows
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, Episode, Flag, User
from loadwatch.vocabulary import ALERT, LIVE_EPISODE

# --- what the triage answers (the API's response models) ---------------------------------


STALE_DAYS = 7  # a week without any upload: the watch has probably stopped syncing
WEEKS = 8

DIMENSION_ORDER = {d: i for i, d in enumerate(DIMENSIONS)}


# --- pure pieces --------------------------------------------------------------------------
def flag_importance(flag: Flag) -> tuple[int, int, date, float, int]:
    """Sort key, larger = more important: ``rules.episodes.importance`` (the order that picks
    an episode's headline too, so the triage reason and the headline lead with the same flag),
    then the newest stored."""
    return (*importance(flag), flag.id)


def is_current(flag: Flag, today: date, days: int = CURRENT_DAYS) -> bool:
    return _is_current_day(flag.date, today, days)


def _days_between(later: date, earlier: date | None) -> int | None:
    return None if earlier is None else max(0, (later - earlier).days)


def concern_key(row: DashboardRow) -> tuple[int, int, int, float, int, str]:
    """Most concerning first: worst severity, alerts, cautions, highest ratio; then quiet
    athletes, those who went stale (whose watch may have stopped syncing) first, by name.  A
    quiet athlete's ratio is no concern: nothing crossed a threshold."""
    return (
        -severity_rank(row.severity or ""),
        -row.alerts,
        -row.cautions,
        -(row.max_ratio or 0.0) if row.severity else 0.0,
        0 if row.stale else 1,
        row.name.lower(),
    )


def athlete_row(
    session: Session,
    athlete: Athlete,
    open_flags: list[Flag],
    last_activity: tuple[int, datetime] | None,
    last_upload: datetime | None,
    *,
    episodes: list[Episode] | None = None,
    summary: Summary | None = None,
    today: date | None = None,
    config: RuleConfig | None = None,
    busy: bool | None = None,
    acknowledged: Mapping[int, int] | None = None,
) -> DashboardRow:
    """``acknowledged``: acknowledged flags per episode id, read for ``episodes`` when None."""
    day = today or local_today(athlete.timezone)
    live = live_now(episodes or [], day)
    if acknowledged is None:
        acknowledged = episode_rows.acknowledged_counts(session, [e.id for e in live])
    if config is None:
        config = athlete_config(athlete.thresholds)
    view = summary if summary is not None else summary_of(session, athlete, day)
    weekly = {w.week: w.distance_km for w in view.weekly_distance}
    rooms = {d.dimension: out_number(d.headroom_run) for d in view.dimensions}
    current = sorted(
        (f for f in open_flags if is_current(f, day)), key=flag_importance, reverse=True
    )
    per_dim = {d: SeverityCounts() for d in DIMENSIONS}
    for f in current:
        c = per_dim.setdefault(f.dimension, SeverityCounts())
        if f.severity == ALERT:
            c.alert += 1
        else:
            c.caution += 1
    top = current[0] if current else None
    upload_day = local_day(last_upload, None, athlete.timezone or "UTC") if last_upload else None
    days_upload = _days_between(day, upload_day)
    # One ratio, one meaning: the rules' (status ``ratio_7_28``, floors included), not the
    # load frame's unfloored 7:28 (``view.ratios``: 1.15 where the rules judge 285 m by 300).
    ratios = {d.dimension: d.ratio_7_28 for d in view.dimensions}
    known = [r for r in ratios.values() if r is not None]
    first_week = week_start(day) - timedelta(weeks=WEEKS - 1)
    ramp = config.weekly_ramp
    return DashboardRow(
        athlete_id=athlete.id,
        name=athlete.name,
        severity=top.severity if top else None,
        reason=top.message if top else None,
        reason_flag_id=top.id if top else None,
        dimensions=sorted({f.dimension for f in current}, key=lambda d: DIMENSION_ORDER.get(d, 9)),
        alerts=sum(c.alert for c in per_dim.values()),
        cautions=sum(c.caution for c in per_dim.values()),
        open_flags=per_dim,
        older_open=len(open_flags) - len(current),
        ratios={d: ratios.get(d) for d in DIMENSIONS},
        max_ratio=max(known) if known else None,
        headroom_run={d: rooms.get(d) for d in DIMENSIONS},
        units=dict(UNITS),
        ramp_limits=RampLimits(caution=ramp.caution, alert=ramp.alert),
        today=day,
        last_activity_id=last_activity[0] if last_activity else None,
        last_activity_at=last_activity[1] if last_activity else None,
        last_run_date=view.last_run_date,
        days_since_last_run=_days_between(day, view.last_run_date),
        last_upload_at=last_upload,
        days_since_last_upload=days_upload,
        stale=days_upload is None or days_upload >= STALE_DAYS,
        weekly_distance=[
            WeekDistance(week=w, distance_km=out_number(weekly.get(w) or 0.0) or 0.0)
            for w in (first_week + timedelta(weeks=i) for i in range(WEEKS))
        ],
        episodes=[
            EpisodeBrief(
                id=e.id,
                first=e.first,
                last=e.last,
                severity=e.severity,
                status=e.status,
                headline=e.headline,
                dimensions=list(e.dimensions),
                reasons=len(e.reasons),
                acknowledged=acknowledged.get(e.id, 0),
            )
            for e in live
        ],
        rehab=view.rehab_mark,
        evaluating=is_evaluating(session, athlete.id) if busy is None else busy,
    )


def dashboard(session: Session, user: User, *, today: date | None = None) -> Dashboard:
    """One row per athlete ``user`` may see, most concerning first (see ``concern_key``).
    ``today`` overrides every athlete's local today (tests; the process pin applies anyway)."""
    athletes = auth.visible_athletes(session, user)
    ids = [a.id for a in athletes]
    flags: dict[int, list[Flag]] = {}
    for f in flag_rows.open_of(session, ids):
        flags.setdefault(f.athlete_id, []).append(f)
    last_activities = activity_store.last_activities(session, ids)
    last_uploads = file_store.last_uploads(session, ids)
    summaries = stored_summaries(session, athletes, today)
    busy = evaluating(session, ids)
    live: dict[int, list[Episode]] = {}
    for e in episode_rows.of_athletes(session, ids, LIVE_EPISODE):
        live.setdefault(e.athlete_id, []).append(e)
    acked = episode_rows.acknowledged_counts(session, [e.id for es in live.values() for e in es])
    rows = [
        athlete_row(
            session,
            a,
            flags.get(a.id, []),
            last_activities.get(a.id),
            last_uploads.get(a.id),
            episodes=live.get(a.id, []),
            summary=summaries.get(a.id),
            today=today,
            busy=a.id in busy,
            acknowledged=acked,
        )
        for a in athletes
    ]
    rows.sort(key=concern_key)
    return Dashboard(data=rows, current_days=CURRENT_DAYS, stale_days=STALE_DAYS)


__all__ = ["CURRENT_DAYS", "STALE_DAYS", "dashboard", "flag_importance", "is_current"]
