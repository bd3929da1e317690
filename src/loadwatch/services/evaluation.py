"""The store meets the pure analytics and rules: evaluate an athlete, keep their flags.

Flags are upserted per (athlete, rule, dimension, local day).  Re-evaluating a range
``[from_date, today]``:

- a flag that fires and is not stored is inserted ``open``;
- a stored flag that fires again gets the new numbers, message and severity but keeps its
  status, so a coach's acknowledgement survives re-evaluation;
- a stored flag that no longer fires (the data changed: an activity deleted, a threshold
  raised) becomes ``resolved`` when someone may have seen it (it was acknowledged, or its
  episode was announced): that records a conversation between coach and runner, and deleting
  it would rewrite that history.  Otherwise nobody acted on it and it is no longer true: it
  is deleted.  A resolved flag that fires again is live again.

Then the athlete's firing flags are regrouped into episodes (``services.episodes.keep``),
what must be announced is recorded, and what the views read is computed from the same inputs
and stored (``services.views``), all in the same transaction.

Rules read windows backwards (up to 30 days for the single-run spike, 35 for the weekly ramp),
so a run on day D can change flags up to D + 35: callers pass the earliest local day they
touched and the whole range up to today is re-evaluated.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import polars as pl

from loadwatch.analytics.days import local_day
from loadwatch.clock import day_ends_at, local_today
from loadwatch.errors import Conflict
from loadwatch.rules.engine import FlagRecord
from loadwatch.rules.engine import evaluate as run_rules
from loadwatch.rules.episodes import CURRENT_DAYS, HISTORIC_DAYS, classify
from loadwatch.rules.messages import with_guessed_sport, with_recordings
from loadwatch.rules.plan import PLAN_RULES
from loadwatch.rules.spike_limit import (
    RETURN_RULE,
    SPIKE_RULE,
    SpikeFlag,
    carries_spike,
    say_carried_spike,
)
from loadwatch.services import (
    episodes,
    forecast,
    hr_load,
    incremental,
    preflight,
    rehab,
    roll,
    triage,
    views,
)
from loadwatch.services.inputs import EvaluationInputs, evaluation_inputs
from loadwatch.services.step_back import split_sessions
from loadwatch.store import activities as activity_rows
from loadwatch.store import athletes as athlete_rows
from loadwatch.store import episodes as episode_rows
from loadwatch.store import flags, pending
from loadwatch.store import views as view_rows
from loadwatch.store.db import Session, Store
from loadwatch.store.models import Flag
from loadwatch.vocabulary import ACKNOWLEDGED, RESOLVED


@dataclass
class EvaluationResult:
    athlete_id: int
    new_flag_ids: list[int] = field(default_factory=list)
    updated_flag_ids: list[int] = field(default_factory=list)
    removed: int = 0
    resolved: int = 0
    episode_events: dict[str, int] = field(default_factory=dict)
    evaluated_from: date | None = None  # None: the whole history
    today: date | None = None
    plan_alerts: int = 0  # planned sessions newly at risk (plan.at_risk)
    engine_judged: bool = True  # False: only the day moved, the engine's flags stand
    rolled: bool = False  # the view rolled from the stored one (services/roll.py)
    zone: str | None = None  # the athlete's time zone as evaluated (``keep_due``)
    tail: bool = False  # the days from ``evaluated_from`` only (services/incremental.py)
    due_kept: bool = False  # ``due_at`` written in the evaluation's transaction (a roll)
    episodes_from: bool = False  # episodes regrouped from the change only (episodes.keep_from)


def _differs(stored: object, fired: object) -> bool:
    """Whether a flag's number or text changed.  Numbers within 1e-9 of each other are the
    same: the numpy rules (one athlete) and the polars engine (the batch path) may differ in
    the last bit of a ratio, which is no change a coach could see, and must not churn the row."""
    if isinstance(stored, float) and isinstance(fired, float):
        return not math.isclose(stored, fired, rel_tol=1e-9, abs_tol=1e-12)
    return stored != fired


# The flags whose sentence may cite a run of several recordings (docs/rules.md, "One run in
# several recordings"): a spike's run, a plan breach's run, the run a pain entry follows.
_CITING_RULES = frozenset({SPIKE_RULE, "plan_breach", "pain_response"})


def _say_split_runs(inp: EvaluationInputs, fired: list[FlagRecord]) -> list[FlagRecord]:
    """A flag's sentence citing a run in several recordings says so: the day rows judged
    them as one run; the activities stay apart.  The run is the day's largest session in the
    flag's dimension (its distance for the others: a pain entry cites the run by it), on the
    flag's day or, cited by its distance, one of the 6 days before (a pain entry's run)."""
    citing = {f.date for f in fired if f.rule in _CITING_RULES}
    if not citing:
        return fired
    # The sessions of the cited days of several runs only.  Over the whole history (a full
    # evaluation fires every spike) they cost ~10 % of the evaluation; an incremental
    # evaluation's flag or two reads a few runs.
    by_key = split_sessions(inp, {d - timedelta(days=k) for d in citing for k in range(7)})
    if not by_key:
        return fired
    out = []
    for f in fired:
        if f.rule in _CITING_RULES:
            message = f.message
            for back in range(7):
                day = f.date - timedelta(days=back)
                for dim in (f.dimension, "distance") if back == 0 else ("distance",):
                    seen = by_key.get((day, dim))
                    if seen is not None:
                        message = with_recordings(message, day, dim, *seen)
            f = replace(f, message=message)
        out.append(f)
    return out


# The flags about the run of their own day: a spike, a breach of the plan, a return's first run.
_RUN_OF_THE_DAY = frozenset({SPIKE_RULE, "plan_breach", "return_after_break"})


def _say_guessed_sports(
    session: Session, inp: EvaluationInputs, fired: list[FlagRecord]
) -> list[FlagRecord]:
    """A flag about a day with a run whose sport was guessed (the recording declared none:
    ``ingest.sports_choice``) says so: a ride at a runner's speed can pass for a run, and the
    coach who sees the alert is the one who can relabel it (trial 10 F19)."""
    days = {f.date for f in fired if f.rule in _RUN_OF_THE_DAY}
    if not days:
        return fired
    # A day earlier: a run's local day may be the UTC day after its start.
    since = datetime.combine(min(days) - timedelta(days=1), time(), tzinfo=UTC)
    tz = inp.athlete.timezone
    guessed = {
        local_day(start, offset, tz)
        for start, offset in activity_rows.guessed_run_starts(session, inp.athlete.id, since)
    }
    if not guessed & days:
        return fired
    return [
        replace(f, message=with_guessed_sport(f.message, f.date))
        if f.rule in _RUN_OF_THE_DAY and f.date in guessed
        else f
        for f in fired
    ]


def _evaluate_in(
    session: Session,
    athlete_id: int,
    from_date: date | None,
    today: date | None,
    historic_days: int = HISTORIC_DAYS,
    unchanged_since: date | None = None,
) -> EvaluationResult:
    # What a roll reads, with whether a change is pending, in one query (none: no view).
    state = (
        roll.read_state(session, athlete_id, unchanged_since, today) if unchanged_since else None
    )
    if unchanged_since is not None and (
        state.pending if state is not None else pending.waiting(session, [athlete_id])
    ):
        # A change was stored after the caller found none (an upload between its look and
        # this transaction): its word no longer holds, judge in full.
        unchanged_since = state = None
    # A night inside the horizon a roll forecast: its view and triage row as computed then.
    served = (
        forecast.serve(session, state, today, unchanged_since)
        if state is not None and unchanged_since is not None
        else None
    )
    if served is not None:
        result = EvaluationResult(athlete_id, evaluated_from=from_date, today=served.day)
        result.zone, result.due_kept = served.zone, served.due_kept
        result.rolled, result.engine_judged = True, False
        return result
    # The roll of an unchanged athlete: its view from the stored one (services/roll.py).  It
    # needs no heart-rate refresh: they move with a change (an import, a setting: each writes
    # a pending row) and the roll finds its fitness computed with the current ones.
    rolled = (
        forecast.roll(session, state, today, unchanged_since)
        if state is not None and unchanged_since is not None
        else None
    )
    # A change from ``from_date`` (an upload): the days from it only (services/incremental.py).
    # It reads nothing when the heart rates moved (its state query holds the witness).
    tailed = (
        incremental.from_day(session, athlete_id, today, from_date)
        if rolled is None and unchanged_since is None and from_date is not None
        else None
    )
    # The heart rates may have moved (a new hardest run raises an estimated maximum).
    if rolled is None and tailed is None:
        hr_load.refresh_athlete(session, athlete_id)
    ready = rolled or tailed
    inp = ready.inp if ready is not None else evaluation_inputs(session, athlete_id, today)
    result = EvaluationResult(athlete_id, evaluated_from=from_date, today=inp.today)
    result.zone = inp.athlete.timezone
    result.rolled, result.tail = rolled is not None, tailed is not None
    # Plans and symptoms (docs/rehab.md): their flags, and the days a plan quiets the others.
    plan = rehab.verdict(inp)
    rules_too = rolled is None and not _only_rest_since(inp, unchanged_since)
    result.engine_judged = rules_too

    def window_ok(f: FlagRecord) -> bool:
        return (from_date is None or f.date >= from_date) and f.date <= inp.today

    engine_fired = [
        f
        for f in (
            run_rules(
                inp.daily,
                inp.config,
                since=from_date,
                quiet=plan.quiet,
                # Headroom's panel judged the same days (a change on today): read, not
                # judged again.
                judged=tailed.judged if tailed is not None else None,
            )
            if rules_too
            else []
        )
        if window_ok(f)
    ]
    # Before the spike caps are read from them: a step back cites the spiked run as its flag
    # does ("(two recordings, 1 min apart)").
    engine_fired = [
        replace(f, message=say_carried_spike(f.message, f)) if f.spike_value is not None else f
        for f in _say_split_runs(inp, engine_fired)
    ]
    # The summary's spike cap reads the spike flags current today (``summary_from(spikes=)``)
    # from this judgement instead of judging the rules once more: those from ``from_date``
    # were just fired, those before it stand as stored, read in the same query.  A flare's
    # step back on a day from ``from_date`` reads those current on its day: the
    # ``CURRENT_DAYS`` - 1 before ``from_date`` too.
    hand = rolled is None and rules_too
    current = inp.today - timedelta(days=CURRENT_DAYS - 1)
    read_from = (
        min(from_date - timedelta(days=CURRENT_DAYS - 1), current)
        if hand and from_date is not None
        else from_date
    )
    stored: dict[tuple[str, str, date], Flag] = {}
    standing: list[Flag] = []
    for f in (
        flags.in_range(session, athlete_id, read_from, inp.today, None if rules_too else PLAN_RULES)
        if rolled is None or rolled.plan_flags
        else []
    ):
        if from_date is None or f.date >= from_date:
            stored[(f.rule, f.dimension, f.date)] = f
        elif carries_spike(f) and f.status != RESOLVED:
            standing.append(f)
    spikes: list[SpikeFlag] | None = (
        # In date order, as the engine gives them (a tie in the cap keeps the first spike).
        sorted([*standing, *(f for f in engine_fired if carries_spike(f))], key=lambda f: f.date)
        if hand
        else None
    )
    # Pain after a spike: the step back names the spike's cap where it is lower (trial 11
    # F5).  Without the engine (a roll, rest days only) the spike flags are the stored ones.
    plan = rehab.after_spikes(
        plan, inp, spikes if spikes is not None else _stored_spikes(session, inp, from_date)
    )
    fired = _say_guessed_sports(
        session,
        inp,
        [*engine_fired, *_say_split_runs(inp, [f for f in plan.records if window_ok(f)])],
    )
    new: list[Flag] = []
    for rec in fired:
        key = (rec.rule, rec.dimension, rec.date)
        row = stored.pop(key, None)
        numbers = {
            "severity": rec.severity,
            "value": float(rec.value),
            "baseline": float(rec.baseline),
            "ratio": float(rec.ratio),
            "threshold": float(rec.threshold),
            "message": rec.message,
        }
        if row is None:
            row = Flag(athlete_id=athlete_id, rule=rec.rule, dimension=rec.dimension, date=rec.date)
            for k, v in numbers.items():
                setattr(row, k, v)
            # First raised long after its day (a backfill of old history): kept and listed as
            # history, never announced, never "at risk" (docs/rules.md, Flags over time).
            row.status = classify(rec.date, inp.today, historic_days)
            flags.add(session, row)
            new.append(row)
        else:
            if row.status == RESOLVED:  # the data changed back: true again
                row.status = (
                    ACKNOWLEDGED if row.acked_at else classify(rec.date, inp.today, historic_days)
                )
                result.updated_flag_ids.append(row.id)
            if any(_differs(getattr(row, k), v) for k, v in numbers.items()):
                for k, v in numbers.items():
                    setattr(row, k, v)
                result.updated_flag_ids.append(row.id)
        # What the evidence reads (a spike with nothing before it cites no band), no number a
        # coach sees: kept without counting as an update (rows from before revision 0014).
        own = None if rec.own_baseline is None else float(rec.own_baseline)
        if row.own_baseline != own:
            row.own_baseline = own
        # The spike a return's flag carried (revision 0018): read by the step-back cap, set
        # like the own baseline.
        run = None if rec.spike_value is None else float(rec.spike_value)
        judged = None if rec.spike_baseline is None else float(rec.spike_baseline)
        if (row.spike_value, row.spike_baseline) != (run, judged):
            row.spike_value, row.spike_baseline = run, judged
    told: dict[int, bool] = {}
    for row in stored.values():
        if row.status == RESOLVED:
            continue
        eid = row.episode_id
        if eid is not None and eid not in told:
            told[eid] = episode_rows.announced(session, eid)
        if row.status == ACKNOWLEDGED or (eid is not None and told[eid]):
            row.status = RESOLVED
            result.resolved += 1
        else:
            flags.remove(session, row)
            result.removed += 1
    flags.flush(session)
    result.new_flag_ids = [f.id for f in new]
    result.updated_flag_ids = list(dict.fromkeys(result.updated_flag_ids))
    # Rolled with no flag changed: only time can move an episode (``episodes.aging``).
    changed = new or result.updated_flag_ids or result.removed or result.resolved
    live = (
        episodes.aging(session, inp.athlete, rolled.since, inp.today, state.live_episodes)
        if rolled is not None and state is not None and not changed
        else None
    )
    # A change from a day: only the flags from it changed, so the episodes from the one they
    # can reach are regrouped (``episodes.keep_from``), and the triage row reads what this
    # evaluation read.
    kept = (
        episodes.keep_from(session, inp.athlete, tailed.since, inp.today)
        if tailed is not None
        else None
    )
    known = None
    if kept is not None and tailed is not None:
        result.episode_events = kept.changes.events
        acked: dict[int, int] | None = None if tailed.acknowledged else {}
        known = triage.Known(
            tailed.last_activity, kept.open_flags, kept.live, tailed.last_upload, acked
        )
    elif live is None:
        firing = flags.firing(session, athlete_id)
        result.episode_events = episodes.keep(session, inp.athlete, firing, inp.today).events
    result.episodes_from = kept is not None
    view = (
        rolled.view
        if rolled is not None
        else tailed.view(spikes)
        if tailed is not None
        else views.compute(inp, spikes)
    )
    views.keep(session, athlete_id, view)
    if rolled is not None:
        # The due instant in this transaction (``keep_due`` otherwise has one of its own): a
        # roll claims no pending row, and it locks the athlete's row after the view's and
        # before the triage row's, the order an upload and a rename take them in.
        tz = inp.athlete.timezone
        result.due_kept = athlete_rows.set_due_if(
            session, athlete_id, _due_at(tz, inp.today), tz, inp.today
        )
    unchanged = (
        triage.Unchanged(
            rolled.since,
            live,
            state.last_upload,
            None if state.open_flags else [],
            None if state.acknowledged else {},
        )
        if rolled is not None and state is not None and live is not None
        else None
    )
    triage.keep(session, inp.athlete, view.summary, inp.config, unchanged, known)
    if ready is None or ready.planned:
        result.plan_alerts = preflight.keep_at_risk(session, inp)
    return result


def _stored_spikes(
    session: Session, inp: EvaluationInputs, from_date: date | None
) -> list[SpikeFlag]:
    """The stored flags that cap a run (``carries_spike``) a flare judged from ``from_date``
    can read: none without such a flare (no read)."""
    flares = [
        r.date
        for r in inp.rehab.responses
        if r.state == "flare" and (from_date is None or r.date >= from_date)
    ]
    if not flares:
        return []
    lo = min(flares) - timedelta(days=CURRENT_DAYS - 1)
    rows = flags.in_range(session, inp.athlete.id, lo, inp.today, (SPIKE_RULE, RETURN_RULE))
    return sorted(
        (f for f in rows if carries_spike(f) and f.status != RESOLVED), key=lambda f: f.date
    )


def _only_rest_since(inp: EvaluationInputs, day: date | None) -> bool:
    """Whether the engine's flags are those stored when the view for ``day`` was: nothing
    changed since (the caller's word) and no run after ``day`` up to today.  The engine
    (rules/engine.py, rules/arrays.py) fires only on running days and judges a day from that
    day and the days before it; the one look forward, a break's ``next_run``, finds no run
    after the last one either way.  So appending rest days changes no engine flag.  The plan
    rules do depend on today (``rest_too_long`` fires on a rest day, a plan's caps run to
    today), and an athlete with a plan has days quieted by it: those are judged in full."""
    if day is None or day >= inp.today or inp.rehab.plans:
        return False
    after = inp.daily.filter(pl.col("date") > day)
    return not after.is_empty() and after["runs"].sum() == 0


def evaluate_athlete(
    store: Store,
    athlete_id: int,
    *,
    from_date: date | None = None,
    today: date | None = None,
    historic_days: int = HISTORIC_DAYS,
    unchanged_since: date | None = None,
) -> EvaluationResult:
    """Re-evaluate ``[from_date, today]`` (``today`` defaults to the athlete's local date) and
    store the flags, then the athlete's due instant (``keep_due``, a short transaction of its
    own).  One transaction for the evaluation; a concurrent evaluation of the same athlete
    that wins the race to insert a flag makes this one retry once on the updated state.

    ``unchanged_since``: the caller knows that nothing the rules read changed since the view
    stored for that day (the roll-forward of a new local day with no pending work: every
    change writes a pending row, ``store/pending.py``).  Then only the plan rules are judged
    again when the days after it are rest days (``_only_rest_since``)."""
    for attempt in (1, 2):
        try:
            with store.transaction() as s:
                result = _evaluate_in(
                    s, athlete_id, from_date, today, historic_days, unchanged_since
                )
            if not result.due_kept:
                keep_due(store, athlete_id, result)
            return result
        except Conflict:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def drain_pending(
    store: Store,
    *,
    athlete_id: int | None = None,
    today: date | None = None,
    historic_days: int = HISTORIC_DAYS,
    on_result: Callable[[EvaluationResult], None] | None = None,
) -> list[int]:
    """Evaluate every pending request (or only ``athlete_id``'s) and return the athletes done.

    The request row is deleted by the transaction's first statement and the flags written by the
    same transaction: a crash rolls both back, so nothing is lost, and an import that renews
    the request meanwhile waits for the row lock and then inserts a fresh one.
    """
    with store.sessions() as s:
        ids = pending.athlete_ids(s, athlete_id)
    done: list[int] = []
    for aid in ids:
        with store.transaction() as s:
            from_date = pending.claim(s, aid)
            if from_date is None:
                continue  # another worker drained it
            result = _evaluate_in(s, aid, from_date, today, historic_days)
        keep_due(store, aid, result)
        done.append(aid)
        if on_result is not None:
            on_result(result)
    return done


def keep_due(store: Store, athlete_id: int, done: EvaluationResult | None = None) -> None:
    """Set the athlete's ``due_at`` from their stored view: the end of the view's day in their
    zone (a view for an earlier day, or none, leaves them due now).  Every evaluation calls it
    once its own transaction committed, whichever path evaluated (a job, the CLI's
    ``evaluate`` for a past day, the demo).  Its own short transaction: updating the athlete's
    row inside the evaluation's, after the pending row was claimed, took the two row locks in
    the opposite order to an upload's and deadlocked with it on PostgreSQL.  A crash in
    between leaves the previous instant; the sweep's job repairs it (``job_work``).
    ``done``: the evaluation just committed, whose zone and day are most likely still the
    stored ones: then one guarded UPDATE, read again only when they are not."""
    with store.transaction() as s:
        if done is not None and done.zone is not None and done.today is not None:
            tz, day = done.zone, done.today
            if athlete_rows.set_due_if(s, athlete_id, _due_at(tz, day), tz, day):
                return
        found = view_rows.zone_and_day(s, athlete_id)
        if found is None:
            return
        tz, view_day = found
        athlete_rows.set_due(s, athlete_id, _due_at(tz, view_day))


def _due_at(tz: str, day: date | None) -> datetime | None:
    """The end of the view's ``day`` in ``tz``; None (due now) for no view or an earlier day."""
    return day_ends_at(tz, day) if day is not None and day >= local_today(tz) else None
