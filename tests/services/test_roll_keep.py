"""The roll of an unchanged athlete keeps episodes and the triage row from what it knows:
no regrouping of every flag while no episode ages out of the current window, the last
activity taken from the stored row.  What it stores is what the full computation stores."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import polars as pl
import pytest
import time_machine
from polars.testing import assert_frame_equal

from loadwatch import auth
from loadwatch.clock import as_utc
from loadwatch.rules.episodes import CURRENT_DAYS
from loadwatch.schemas.planned import PlannedIn
from loadwatch.schemas.rehab import SymptomIn
from loadwatch.services import episodes, evaluation, forecast, triage
from loadwatch.services.csv_import import import_log
from loadwatch.services.evaluation import (
    EvaluationResult,
    drain_pending,
    evaluate_athlete,
    keep_due,
)
from loadwatch.services.inputs import evaluation_inputs
from loadwatch.services.planned import add_sessions
from loadwatch.services.rehab import add_symptom
from loadwatch.services.stored_summary import stored_summaries
from loadwatch.services.stored_view import TAIL_DAYS, decode
from loadwatch.services.views import compute, rows_of
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store import episodes as episode_rows
from loadwatch.store import flags as flag_rows
from loadwatch.store import planned as planned_store
from loadwatch.store import views as view_rows
from loadwatch.store.db import Store
from loadwatch.store.models import Activity, AthleteTriage, AthleteView
from support.activity_builder import speed_hist

MONDAY = date(2026, 9, 7)
SPIKE = MONDAY + timedelta(weeks=5, days=6)  # the sixth Sunday


def _log() -> bytes:
    """Five weeks of 8, 8, 8 km and a 16 km Sunday, then 10, 10, 10 and a 33 km Sunday: an
    alert on SPIKE, an episode announced."""
    lines = ["date,distance_km,duration_min,climbing_m"]
    for w in range(6):
        kms = (10.0, 10.0, 10.0, 33.0) if w == 5 else (8.0, 8.0, 8.0, 16.0)
        for d, km in zip((1, 3, 5, 6), kms, strict=True):
            lines.append(f"{MONDAY + timedelta(weeks=w, days=d)},{km},{km * 5.5},40")
    return ("\n".join(lines) + "\n").encode()


def _body(store: Store, aid: int) -> tuple[date, bytes]:
    with store.sessions() as s:
        row = s.get(AthleteTriage, aid)
        assert row is not None and row.body is not None
        return row.as_of, bytes(row.body)


def test_nights_keep_episodes_and_triage_as_the_full_computation(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.transaction() as s:
        coach, _ = auth.create_user(s, "coach", "coach")
        athlete = athlete_store.get_or_create_athlete(s, "Ana", "Europe/Paris")
        auth.link_coach(s, coach, athlete)
        aid = athlete.id
    import_log(store, aid, _log(), "log.csv")
    assert drain_pending(store, athlete_id=aid, today=SPIKE) == [aid]
    with store.sessions() as s:
        (ep,) = episode_rows.of_athlete(s, aid)
        assert (ep.status, ep.severity, ep.last) == ("open", "alert", SPIKE)
        last_activity_id = json.loads(_body(store, aid)[1])["last_activity_id"]
    regrouped: list[date] = []
    keep = episodes.keep
    monkeypatch.setattr(
        episodes, "keep", lambda s, a, f, today: regrouped.append(today) or keep(s, a, f, today)
    )
    resolves = SPIKE + timedelta(days=CURRENT_DAYS)  # the first day SPIKE is not current
    for night in range(1, CURRENT_DAYS + 2):
        day = SPIKE + timedelta(days=night)
        result = evaluate_athlete(store, aid, today=day, unchanged_since=day - timedelta(days=1))
        assert result.rolled and not result.engine_judged
        as_of, rolled = _body(store, aid)
        assert as_of == day
        assert json.loads(rolled)["last_activity_id"] == last_activity_id
        with store.transaction() as s:
            triage.refresh(s, [aid])  # the row computed from every query, same day
        assert _body(store, aid) == (day, rolled)
        # Regrouped only the night the episode leaves the current window.
        assert regrouped == ([resolves] if day >= resolves else [])
        assert result.episode_events == ({"resolved": 1} if day == resolves else {})
        with store.sessions() as s:
            (ep,) = episode_rows.of_athlete(s, aid)
        assert ep.status == ("resolved" if day >= resolves else "open")
        assert [e["status"] for e in json.loads(rolled)["episodes"]] == (
            [] if day >= resolves else ["open"]
        )


def _tail_rows(store: Store, aid: int) -> int:
    with store.sessions() as s:
        found = view_rows.frames(s, aid, ["days_tail"])
        assert found is not None
        tail = found[2]["days_tail"]
        return decode(tail).height if tail else 0


def test_nights_append_to_the_tail_then_fold_it_in(store: Store) -> None:
    """Each night appends its day to the stored tail, not to the years of rows before it;
    past ``TAIL_DAYS`` the rows are written whole again.  Read back, they are the rows a live
    computation of that day gives (numbers to 1e-9: services/roll.py)."""
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana", "Europe/Paris").id
    import_log(store, aid, _log(), "log.csv")
    assert drain_pending(store, athlete_id=aid, today=SPIKE) == [aid]
    assert _tail_rows(store, aid) == 0
    for night in range(1, TAIL_DAYS + 2):
        day = SPIKE + timedelta(days=night)
        assert evaluate_athlete(store, aid, today=day, unchanged_since=day - timedelta(days=1))
        assert _tail_rows(store, aid) == (night if night <= TAIL_DAYS else 0)
    with store.sessions() as s:
        athlete = athlete_store.get_athlete(s, aid)
        stored, _ = rows_of(s, athlete, day, day)
        live = compute(evaluation_inputs(s, aid, day)).days
    first = MONDAY + timedelta(days=1)  # the first run
    assert stored["date"].to_list() == [
        first + timedelta(days=i) for i in range((day - first).days + 1)
    ]
    assert_frame_equal(stored, live, rel_tol=1e-9, check_exact=False)


def test_keep_due_reads_the_stored_view_when_the_evaluation_is_not_it(store: Store) -> None:
    """``keep_due`` given the evaluation just committed sets its day's end in one guarded
    statement; when another evaluation stored another day meanwhile (or the zone moved), it
    sets the end of the stored view's day, as when given nothing."""
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana", "Europe/Paris").id
    import_log(store, aid, _log(), "log.csv")
    with time_machine.travel(datetime(2026, 10, 18, 12, 0, tzinfo=UTC), tick=False):
        drain_pending(store, athlete_id=aid, today=SPIKE)
        # Midnight in Paris (still CEST, +2) ends the spike Sunday.
        end = datetime(2026, 10, 18, 22, 0, tzinfo=UTC)
        for told in (
            EvaluationResult(aid, today=SPIKE, zone="Europe/Paris"),  # what was stored
            EvaluationResult(aid, today=SPIKE + timedelta(days=1), zone="Europe/Paris"),
            EvaluationResult(aid, today=SPIKE, zone="UTC"),
            None,
        ):
            with store.transaction() as s:
                athlete_store.get_athlete(s, aid).due_at = None
            keep_due(store, aid, told)
            with store.sessions() as s:
                assert as_utc(athlete_store.get_athlete(s, aid).due_at) == end  # type: ignore[arg-type]


def _twin_state(store: Store, aid: int) -> tuple[object, ...]:
    """The flags, plan alerts and triage row of the athlete, without ids and names."""
    with store.sessions() as s:
        flags = sorted(
            (f.date, f.rule, f.dimension, f.severity, f.status, f.value, f.message)
            for f in flag_rows.in_range(s, aid, None, date.max)
        )
        alerts = len(planned_store.alert_keys(s, aid))  # keyed by the session's id
        row = s.get(AthleteTriage, aid)
        assert row is not None
        body = json.loads(row.body)
    for k in ("athlete_id", "name", "reason_flag_id", "last_activity_id", "last_upload_at"):
        body.pop(k)
    for e in body["episodes"]:
        e.pop("id")
    return flags, alerts, body


def test_nights_with_symptoms_and_planned_sessions_equal_full_evaluations(store: Store) -> None:
    """The plan rules judge symptoms without a plan (pain after the spike), pre-flight the
    sessions planned ahead: a roll judges them and stores what the full evaluation stores;
    an athlete with neither skips both (the other tests)."""
    with time_machine.travel(datetime(2026, 10, 18, 12, 0, tzinfo=UTC), tick=False):
        twins = []
        for name in ("Rolled", "Judged"):
            with store.transaction() as s:
                twins.append(athlete_store.get_or_create_athlete(s, name, "UTC").id)
            import_log(store, twins[-1], _log(), "log.csv")
            with store.transaction() as s:
                a = athlete_store.get_athlete(s, twins[-1])
                add_symptom(s, a, SymptomIn(date=SPIKE, pain_after=6, pain_next_morning=7))
                big = PlannedIn(date=SPIKE + timedelta(days=3), distance_km=80.0)
                add_sessions(s, a, [big, PlannedIn(date=SPIKE + timedelta(days=9), distance_km=8)])
            drain_pending(store, athlete_id=twins[-1], today=SPIKE)
    flags, alerts, _ = _twin_state(store, twins[0])
    assert flags and alerts, (flags, alerts)
    for night in range(1, 6):
        day = SPIKE + timedelta(days=night)
        since = day - timedelta(days=1)
        rolled = evaluate_athlete(store, twins[0], today=day, unchanged_since=since)
        judged = evaluate_athlete(store, twins[1], today=day)
        assert rolled.rolled and not judged.rolled
        assert rolled.plan_alerts == judged.plan_alerts
        assert _twin_state(store, twins[0]) == _twin_state(store, twins[1])


def _recorded_runs(store: Store, aid: int, first: date, last: date) -> None:
    """Runs recorded with a flat-speed histogram (one or two a day, some days off, speeds
    spread over bins), one logged run without a trace and a walk with one (neither counts
    in the fast threshold's window)."""
    with store.transaction() as s:
        day, k = first, 0
        while day <= last:
            for n in range(1 + (k % 5 == 0)):
                km = 6.0 + (k * 7 % 5) + 0.37 * n
                at = {2.6 + 0.05 * (k % 11): km * 600.0, 3.4 + 0.1 * (k % 3): km * 400.0}
                s.add(
                    Activity(
                        athlete_id=aid,
                        format="fit",
                        sport="walking" if k % 13 == 7 else "running",
                        start_time=datetime.combine(day, time(6 + 6 * n), UTC),
                        utc_offset_s=0,
                        elapsed_time_s=km * 330.0,
                        moving_time_s=km * 320.0,
                        distance_m=km * 1000.0,
                        source_sha256=f"{aid}-{k}-{n}",
                        flat_speed_hist_m=None if k % 17 == 3 else speed_hist(at),
                    )
                )
            k += 1
            day += timedelta(days=1 + (k % 4 == 0) + 3 * (k % 19 == 0))


def test_nights_carry_the_fast_thresholds_window(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A recorded runner's fast threshold rolled night after night (and three nights at
    once) from the window the roll carries: the threshold and every day row's are the bits
    a full computation gives, through the nights runs leave the window until too few are
    left (derived, then the default).  The window's runs are read once, the first night one
    leaves it; later nights read the runs leaving it, and nothing on nights none does; and
    the athlete's due instant is kept in the roll's own transaction."""
    first, last = date(2026, 5, 4), date(2026, 7, 26)
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Bea", "UTC").id
    _recorded_runs(store, aid, first, last)
    evaluate_athlete(store, aid, today=last)
    reads: list[str] = []
    frame, traces = activity_store.activity_frame, activity_store.speed_traces
    monkeypatch.setattr(
        activity_store, "activity_frame", lambda *a, **k: reads.append("all") or frame(*a, **k)
    )
    monkeypatch.setattr(
        activity_store, "speed_traces", lambda *a, **k: reads.append("leaving") or traces(*a, **k)
    )
    kept_due: list[int] = []
    monkeypatch.setattr(evaluation, "keep_due", lambda *a, **k: kept_due.append(1))
    # What the roll itself reads: no night served from a forecast (tests/services/test_forecast.py).
    monkeypatch.setattr(forecast, "HORIZON_DAYS", 0)
    sources, day, whole = set(), last, 0
    while day < last + timedelta(days=100):
        since, day = day, day + timedelta(days=3 if day == last + timedelta(days=40) else 1)
        with store.sessions() as s:
            view = s.get(AthleteView, aid)
            carried = view is not None and view.fast_window is not None
        reads.clear()
        result = evaluate_athlete(store, aid, today=day, unchanged_since=since)
        assert result.rolled and result.due_kept
        rolled_reads = list(reads)
        with store.sessions() as s:
            athlete = athlete_store.get_athlete(s, aid)
            found = view_rows.frames(s, aid, ["days", "days_tail"])
            stored, _ = rows_of(s, athlete, day, day)
            live = compute(evaluation_inputs(s, aid, day))
        assert found is not None
        summary = found[1]["fast_threshold"]
        want = live.summary.fast_threshold
        assert (summary["speed_mps"], summary["source"], summary["explanation"]) == (
            want.speed_mps,
            want.source,
            want.explanation,
        )
        assert stored["fast_threshold_mps"].to_list() == live.days["fast_threshold_mps"].to_list()
        sources.add(want.source)
        whole += rolled_reads.count("all")
        if carried:
            leaving = [since - timedelta(days=89 - i) for i in range((day - since).days)]
            ran = set(live.days.filter(pl.col("runs") > 0)["date"].to_list())
            assert rolled_reads == (["leaving"] if ran & set(leaving) else []), (day, rolled_reads)
    assert whole == 1  # the whole window, the first night a run left it
    assert sources == {"derived", "default"}
    assert kept_due == []


def test_nights_after_a_spike_cap_the_next_run_as_the_rules_judge_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A roll changes no flag, so it reads the stored spike flags for the spike cap
    (``rules.spike_limit``) instead of judging the rules again: every night the spike is
    current, and the night after, the rolled summary's limits equal those of the full
    computation, which judges them.  The flags are read only on the nights the roll's one
    read says a spike flag may be current (none once the spike is 14 days old)."""
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana", "Europe/Paris").id
    import_log(store, aid, _log(), "log.csv")
    assert drain_pending(store, athlete_id=aid, today=SPIKE) == [aid]
    read: list[date] = []
    raised_in = flag_rows.raised_in
    monkeypatch.setattr(
        flag_rows,
        "raised_in",
        lambda s, a, lo, hi, r: read.append(hi) or raised_in(s, a, lo, hi, r),
    )
    # What the roll itself reads: no night served from a forecast (tests/services/test_forecast.py).
    monkeypatch.setattr(forecast, "HORIZON_DAYS", 0)
    capped = []
    for night in range(1, CURRENT_DAYS + 2):
        day = SPIKE + timedelta(days=night)
        read.clear()
        result = evaluate_athlete(store, aid, today=day, unchanged_since=day - timedelta(days=1))
        assert result.rolled and not result.engine_judged
        # SPIKE is current through SPIKE + CURRENT_DAYS - 1.
        assert read == ([day] if night < CURRENT_DAYS else []), (night, read)
        with store.sessions() as s:
            athlete = athlete_store.get_athlete(s, aid)
            rolled = stored_summaries(s, [athlete], day)[aid]
            full = compute(evaluation_inputs(s, aid, day)).summary
        assert rolled.as_of == full.as_of == day
        assert [d.model_dump() for d in rolled.dimensions] == [
            d.model_dump() for d in full.dimensions
        ]
        capped += [d.headroom_run for d in rolled.dimensions if d.dimension == "distance"]
    # Sunday's 33 km was judged against the 16 km Sundays: the next run is held at 16.0 km
    # while the spike is current (the rules alone would offer more than 33), then it is not.
    assert capped[: CURRENT_DAYS - 1] == [16.0] * (CURRENT_DAYS - 1)
    assert capped[-2] != 16.0 and capped[-1] != 16.0
