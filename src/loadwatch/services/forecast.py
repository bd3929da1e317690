"""The nightly roll's next days, computed in one batch and served from the store (issue #19).

An unchanged athlete's next days are rest days, fully determined by the stored view: the roll
of each of them (``services/roll.py``) stores a view and a triage row that nothing but the day
moves.  So the roll that computes one computes those of the next nights with it, as many as
the athlete has gone without an activity (``MIN_HORIZON_DAYS`` to ``HORIZON_DAYS``):
``roll.Ahead`` computes the rest days' rows once, the headroom of every night in one panel
(``headroom.headroom_days``), then each night's summary and triage row; and stores what each
would write, ready-serialised (``store/forecasts.py``).  A roll inside
that horizon writes its day's (``serve``): one read, shared with the roll's state, and three
writes, instead of the roll's computation.

A forecast is served only while what it read holds:

- the view is still the chain of its batch: every other write of the view (an evaluation,
  the roll that recomputes) nulls the view's ``forecast``, and a change the triage row reads
  without an evaluation (an acknowledgement, a rename: ``triage.refresh``) too;
- ``key``: the athlete's settings (name, zone, thresholds, fast speed, heart rates...), the
  view's version and the last upload (a repeat upload touches it without an evaluation) are
  those the batch read;
- nothing the roll leaves to the full path or judges besides: no change pending, no plan,
  no symptom, no plan-rule flag, no planned session from the day on, no activity that may
  be dated after the view's day (the roll's state, read in the same query);
- the batch stops before a live episode leaves the current window (``episodes.aging``: the
  night ``keep`` must regroup) and before the roll would fold the day-row tail in.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from loadwatch.clock import day_ends_at, local_today
from loadwatch.rules import episodes as lifecycle
from loadwatch.rules.headroom import Headroom
from loadwatch.schemas.status import VIEW_VERSION
from loadwatch.services import episodes, triage
from loadwatch.services.roll import Ahead, Rolled, rolled_ahead
from loadwatch.services.stored_view import TAIL_DAYS, tail_blobs
from loadwatch.store import athletes as athlete_rows
from loadwatch.store import episodes as episode_rows
from loadwatch.store import flags as flag_rows
from loadwatch.store import forecasts as forecast_rows
from loadwatch.store import triage as triage_rows
from loadwatch.store.db import Session
from loadwatch.store.forecasts import Forecast
from loadwatch.store.models import Athlete, Episode
from loadwatch.store.roll_state import RollState

# The nights a batch forecasts: as many as the athlete has gone without an activity (one
# unchanged that long is likely to stay so as long; a forecast no night serves is work
# lost), at least two weeks, at most four (the day-row tail folds by then anyway).  A
# forecast night costs about a tenth of a roll (the rest days' rows and their headroom are
# computed for the batch at once), a served night a fifth of one: a batch of two weeks costs
# what one of a week did when each night's headroom was judged alone.
HORIZON_DAYS = 28
MIN_HORIZON_DAYS = 14


def key(athlete: Athlete, last_upload: datetime | None) -> str:
    """What a forecast read of the athlete besides the view: any change to it and the
    forecast is not served."""
    return json.dumps(
        [
            VIEW_VERSION,
            athlete.name,
            athlete.timezone,
            athlete.thresholds,
            athlete.fast_speed_mps,
            athlete.fast_speed_since,
            athlete.resting_hr,
            athlete.max_hr,
            athlete.sex,
            athlete.weekly_summary,
            last_upload,
        ],
        sort_keys=True,
        default=str,
    )


@dataclass(frozen=True)
class Served:
    day: date
    zone: str
    due_kept: bool  # ``due_at`` written in this transaction


def serve(session: Session, state: RollState, today: date | None, since: date) -> Served | None:
    """Store the forecast for ``today`` (None: the athlete's local today) as the roll from
    the view for ``since`` would: the view, the due instant, the triage row (in the order the
    roll locks them).  None: none stands (module docstring), roll."""
    fc = state.forecast
    if fc is None or state.pending:
        return None
    athlete = state.athlete
    tz = athlete.timezone
    day = today or local_today(tz)
    if fc.day != day or since >= day or state.as_of != since:
        return None
    if state.plans or state.plan_flags or state.late_starts:
        return None
    if state.symptoms(day) or state.planned(day) or fc.key != key(athlete, state.last_upload):
        return None
    forecast_rows.put_view(session, athlete.id, fc)
    due = day_ends_at(tz, day) if day >= local_today(tz) else None
    kept = athlete_rows.set_due_if(session, athlete.id, due, tz, day)
    if not forecast_rows.put_triage(session, athlete.id, fc):  # (a roll always left one)
        whole = forecast_rows.get(session, athlete.id, fc)
        assert whole is not None  # (the view's update found it)
        triage_rows.put(
            session,
            athlete.id,
            as_of=day,
            concern=whole.concern,
            sort_key=whole.sort_key,
            body=whole.body,
        )
    return Served(day, tz, kept)


def roll(session: Session, state: RollState, today: date | None, since: date) -> Rolled | None:
    """``roll.quick_roll``, and, when the next days can be forecast, their forecasts stored
    and the rolled view made the chain of them."""
    athlete = state.athlete
    day = today or local_today(athlete.timezone)
    batch = (
        state.first_symptom is None
        and not state.plan_flags
        and not state.planned(day + timedelta(days=1))
    )
    last = day + timedelta(days=HORIZON_DAYS) if batch else None
    ahead = rolled_ahead(session, state, today, since, last)
    if ahead is None:
        return None
    nights = _vouched(session, ahead) if batch else []
    # The roll's own night and the forecast ones judged in one panel.
    rooms = ahead.rooms(ahead.days, nights[-1][0]) if nights else {}
    rolled = ahead.on(session, ahead.days, rooms.get(ahead.days))
    if rolled is None or not nights:
        return rolled
    ahead_rows = _forecasts(session, ahead, nights, rooms)
    if not ahead_rows:
        return rolled
    forecast_rows.replace(session, athlete.id, ahead_rows)
    return replace(rolled, view=replace(rolled.view, forecast=ahead_rows[0].basis))


def _vouched(session: Session, ahead: Ahead) -> list[tuple[int, list[Episode]]]:
    """The nights after the roll's own (by their number after ``since``) the batch can
    vouch for as far as the episodes and the day rows' tail go, each with its live
    episodes (module docstring)."""
    state, since = ahead.state, ahead.since
    athlete = state.athlete
    if len(ahead.new_dates) <= ahead.days:
        return []
    # Time moves an episode only out of the current window, later days first: when none
    # leaves it by the horizon's last day, none does before (one read for every night).
    found = episodes.live_after(session, athlete, since, state.live_episodes)
    live_then = episodes.aged(found, since, ahead.last)
    # The roll's own night must keep the episodes as they are (else ``keep`` regroups them).
    own = ahead.new_dates[ahead.days - 1]
    live_own = live_then
    if live_own is None:
        live_own = episodes.aged(found, since, own)
        if live_own is None:
            return []
    stored_tail = ahead.tail_rows.height - ahead.added.height
    rested = ahead.summary.last_activity_date
    idle = (own - rested).days if rested is not None else HORIZON_DAYS
    horizon = min(len(ahead.new_dates), ahead.days + max(MIN_HORIZON_DAYS, idle))
    out = []
    for j in range(ahead.days + 1, horizon + 1):
        live: list[Episode] | None = live_then
        if live is None:
            # The episodes ``aging`` read for the roll's own night, the same rows whatever the
            # day (one read, not one a night): the night is ``aging``'s while each is current.
            day = ahead.new_dates[j - 1]
            live = live_own if all(lifecycle.is_current(e.last, day) for e in live_own) else None
        if live is None or stored_tail + j > TAIL_DAYS:
            break
        out.append((j, live))
    return out


def _forecasts(
    session: Session,
    ahead: Ahead,
    nights: list[tuple[int, list[Episode]]],
    rooms: dict[int, list[Headroom]],
) -> list[Forecast]:
    """What the rolls of the ``nights`` (``_vouched``) store, up to the first the batch
    cannot vouch for (module docstring)."""
    state, since = ahead.state, ahead.since
    athlete = state.athlete
    basis = secrets.randbelow(2**31)
    fingerprint = key(athlete, state.last_upload)
    open_flags = flag_rows.open_of(session, [athlete.id]) if state.open_flags else []
    # Every night's live episodes are rows ``aging`` read (``_vouched``): their acknowledged
    # flags counted once for the batch, as each night's triage row would count them.
    ids = list(dict.fromkeys(e.id for _, live in nights for e in live))
    acknowledged = episode_rows.acknowledged_counts(session, ids) if state.acknowledged else {}
    out = []
    for j, live in nights:
        r = ahead.on(session, j, rooms.get(j))
        blobs = tail_blobs(r.view) if r is not None else None
        if r is None or blobs is None or r.planned or r.plan_flags:
            break
        unchanged = triage.Unchanged(since, live, state.last_upload, open_flags, acknowledged)
        summary = r.view.summary
        concern, sort_key, body = triage.stored_row(
            session, athlete, summary, r.inp.config, unchanged
        )
        out.append(
            Forecast(
                day=r.inp.today,
                basis=basis,
                key=fingerprint,
                summary=summary.model_dump(mode="json"),
                days_tail=blobs[0],
                weeks=blobs[1],
                fast_window=r.view.fast_window,
                concern=concern,
                sort_key=sort_key,
                body=body,
            )
        )
    return out
