"""Incremental evaluation equals full evaluation: on generated histories, a run added or
deleted on any day and evaluated from that day (the pending request an import or a deletion
leaves) gives exactly the flags, episodes, view and triage row that evaluating the final
history from scratch gives."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select

from loadwatch.analytics.load import CHRONIC_DAYS
from loadwatch.config import Settings
from loadwatch.rules import array_frames
from loadwatch.services import hr_load
from loadwatch.services.acknowledge import acknowledge, flags_to_ack
from loadwatch.services.activities import delete_activity_by_id
from loadwatch.services.csv_import import import_log
from loadwatch.services.episode_list import episodes_of
from loadwatch.services.evaluation import EvaluationResult, drain_pending, evaluate_athlete
from loadwatch.services.flag_list import list_flags
from loadwatch.services.importing import import_paths
from loadwatch.services.inputs import evaluation_inputs
from loadwatch.services.status import athlete_status
from loadwatch.services.stored_summary import stored_summaries
from loadwatch.services.stored_view import TAIL_DAYS
from loadwatch.services.views import compute, rows_of
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store import episodes as episode_store
from loadwatch.store import files as file_store
from loadwatch.store import flag_rows, pending
from loadwatch.store.db import Store
from loadwatch.store.models import (
    Activity,
    AthleteTriage,
    AthleteViewDays,
    Episode,
    EpisodeEvent,
    Flag,
)
from support.close import assert_close
from support.paths import REPO

TODAY = date(2026, 6, 30)
SPAN = 150  # days of history before TODAY
FIRST = TODAY - timedelta(days=SPAN)
_n = itertools.count()

# A history: per day offset, a run's km and climb (sparse days: breaks and returns happen).
runs = st.dictionaries(
    st.integers(0, SPAN),
    st.tuples(st.integers(3, 32), st.integers(0, 400)),
    min_size=8,
    max_size=60,
)


# Weeks of 5 km every other day up to day 110, then nothing: a break before a comeback.
EVERY_OTHER_DAY = {off: (5, 0) for off in range(0, 111, 2)}


def _km(km: int) -> float:
    """The distance logged for ``km``: a fraction of a km more, so that the metres are not
    whole and sums and divisions round (the same ``km`` in the history, ``round`` finds it)."""
    return km + 0.0137 * (km % 9 + 1)


def _csv(history: list[tuple[int, int, int]], rated: bool = False) -> bytes:
    """A log of these runs; ``rated``: each with a session RPE (sRPE columns, and fitness from
    sRPE instead of km)."""
    lines = ["date,distance_km,duration_min,climbing_m" + (",rpe" if rated else "")]
    for off, km, climb in sorted(history):
        rpe = f",{3 + km % 7}" if rated else ""
        lines.append(f"{FIRST + timedelta(days=off)},{_km(km)},{km * 5.5},{climb}{rpe}")
    return ("\n".join(lines) + "\n").encode()


def _split(off: int, km: int) -> bytes:
    """One run of about ``km`` in two recordings on day ``off`` from 06:00 at 5:30/km, the
    second starting 60 s after the first's end (before the log's noon runs, 30+ min apart)."""
    # Half a km more than a log's distance, and two halves apart: never a duplicate.
    a, b = _km(km // 2) + 0.5, _km(km - km // 2) + 1.5
    start = datetime.combine(FIRST + timedelta(days=off), time(6, 0))
    again = start + timedelta(minutes=a * 5.5 + 1)
    lines = ["date,distance_km,duration_min,climbing_m"]
    lines += [
        f"{t:%Y-%m-%dT%H:%M:%S},{k},{k * 5.5},{round(k) * 10}" for t, k in ((start, a), (again, b))
    ]
    return ("\n".join(lines) + "\n").encode()


# The defaults, and every rule on with short breaks and low lines: many flags, returns and
# hand-overs for the rules on arrays (rules/arrays.py) to judge from a day.
THRESHOLDS: list[dict[str, Any]] = [
    {},
    {
        "monotony": {"enabled": True},
        "return_after_break": {"break_days": 7, "caution": 0.3},
        "weekly_ramp": {"caution": 1.3, "quiet_days": 3},
        "session_spike": {"window_days": 10},
    },
]


def _athlete(store: Store, thresholds: dict[str, Any] | None = None) -> int:
    with store.transaction() as s:
        a = athlete_store.get_or_create_athlete(s, f"Runner {next(_n)}", "Europe/Paris")
        a.thresholds = thresholds or {}
        return a.id


def _state(store: Store, aid: int, today: date = TODAY) -> dict[str, Any]:
    """Everything evaluation writes for the athlete, without ids, names and upload times."""
    with store.sessions() as s:
        athlete = athlete_store.get_athlete(s, aid)
        flags = sorted(
            (f.date, f.rule, f.dimension, f.severity, f.status, f.value, f.baseline, f.message)
            for f in list_flags(s, aid, statuses=None)
        )
        # The spike a return's flag carried (revision 0018): the step-back cap it keeps.
        carried = sorted(
            (f.date, f.rule, f.dimension, f.spike_value, f.spike_baseline)
            for f in flag_rows.of_athlete(s, aid, statuses=None)
            if f.spike_baseline is not None
        )
        episodes = sorted(
            (e.first, e.last, e.severity, e.status, e.headline, tuple(e.dimensions))
            for e in episodes_of(s, athlete)
        )
        summary = stored_summaries(s, [athlete], today)[aid].model_dump(mode="json")
        if (summary.get("fitness") or {}).get("hr_change"):
            summary["fitness"]["hr_change"].pop("activity_id")  # each twin's own run
        days, weeks = rows_of(s, athlete, today, today)
        triage = s.get(AthleteTriage, aid)
        assert triage is not None
        row = json.loads(triage.body)
    for k in ("athlete_id", "name", "reason_flag_id", "last_activity_id", "last_upload_at"):
        row.pop(k)
    for e in row["episodes"]:
        e.pop("id")
    return {
        "flags": flags,
        "carried": carried,
        "episodes": episodes,
        "summary": summary,
        "days": days.to_dicts(),
        "weeks": weeks.to_dicts(),
        "triage": row,
        "concern": (triage.concern, triage.sort_key[: -len(athlete.name)], triage.as_of),
    }


# What the quick roll (services/roll.py) may store in other bits than the full roll: the view's
# numbers (EWMAs stepped from the stored value instead of polars' seeded ``ewm_mean``, window
# sums over the stored rows instead of polars' running sums) and what is printed from them.
# Dates, labels, flags, episodes and the triage's concern and sort key are compared exactly.
_NUMBERS = ("summary", "days", "weeks", "triage")


def _same_state(got: dict[str, Any], want: dict[str, Any]) -> None:
    for part in want:
        if part in _NUMBERS:
            assert_close(got[part], want[part], part)
        else:
            assert got[part] == want[part], part


# Every property here evaluates several times per example: no deadline, and no shrinking (a
# failure would take many minutes to shrink, and the failing history is printed whole anyway).
EVALUATIONS = settings(
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def stores(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path: Path = tmp_path_factory.mktemp("incremental")
    store = Store(f"sqlite:///{path / 'db.sqlite'}", path)
    return store


@settings(EVALUATIONS, max_examples=20)
@given(
    history=runs,
    change=st.one_of(
        # Today often: the upload of today's run (today's fast threshold is the stored one).
        st.tuples(
            st.just("add"),
            st.just(SPAN) | st.integers(0, SPAN),
            st.integers(3, 45),
            st.integers(0, 600),
        ),
        st.tuples(st.just("delete"), st.integers(0, 10_000), st.just(0), st.just(0)),
        # One run in two recordings a minute apart (one session for the single-run rules).
        st.tuples(
            st.just("split"), st.just(SPAN) | st.integers(0, SPAN), st.integers(6, 45), st.just(0)
        ),
    ),
    rules=st.sampled_from(THRESHOLDS),
)
# 5 km every other day, 40 days off, then 30 km today: a return alert that carries the day's
# spike alert (trial 10 F3), judged from the change only.
@example(history=EVERY_OTHER_DAY, change=("add", SPAN, 30, 0), rules={})
# A return whose flag carried a split run's spike (the run cited by no flag as two
# recordings): the stored and the fresh step back must word it alike.
@example(
    history={133: (5, 7), 111: (19, 347), 39: (8, 340), 92: (18, 180), 77: (32, 235)}
    | {24: (30, 299), 38: (6, 70), 36: (10, 319)},
    change=("split", 150, 30, 0),
    rules={
        "monotony": {"enabled": True},
        "return_after_break": {"break_days": 7, "caution": 0.3},
        "weekly_ramp": {"caution": 1.3, "quiet_days": 3},
        "session_spike": {"window_days": 10},
    },
)
def test_incremental_evaluation_equals_full_evaluation(
    stores: Store,
    history: dict[int, tuple[int, int]],
    change: tuple[str, int, int, int],
    rules: dict[str, Any],
) -> None:
    store = stores
    kind, at, km, climb = change
    final = [(off, k, c) for off, (k, c) in history.items()]
    inc = _athlete(store, rules)
    import_log(store, inc, _csv(final), "log.csv")
    drain_pending(store, athlete_id=inc, today=TODAY)  # the first, full evaluation
    if kind == "add":
        # A second run on a day that has one is a different activity (another distance).
        before = history.get(at)
        km = km if before is None or before[0] != km else km + 1
        final.append((at, km, climb))
        one = f"date,distance_km,duration_min,climbing_m\n{FIRST + timedelta(days=at)},{_km(km)},"
        import_log(store, inc, f"{one}{km * 5.5},{climb}\n".encode(), "one.csv")
        added: list[EvaluationResult] = []
        # The rules' own judgement (``array_frames._inputs`` feeds it the days).
        with patch.object(array_frames, "_inputs", wraps=array_frames._inputs) as own:
            drain_pending(store, athlete_id=inc, today=TODAY, on_result=added.append)
        # Evaluated from the day touched only, not from the first day; from the stored rows
        # before it (services/incremental.py) once past the EWMAs' seeds.
        assert [r.evaluated_from for r in added] == [FIRST + timedelta(days=at)]
        assert added[0].tail == (at - min(history) >= CHRONIC_DAYS)
        assert added[0].episodes_from == added[0].tail  # regrouped from the change only
        # Today's run on the tail: the rules read headroom's panel, judged once for both
        # (from an earlier day too when both look backs reach the same run before a break).
        if added[0].tail and at == SPAN:
            assert not own.called
        elif not added[0].tail:
            assert own.called
    elif kind == "delete":
        with store.sessions() as s:
            acts = activity_store.list_activities(s, inc, limit=1000)[0]
        victim = acts[at % len(acts)]
        off = (victim.start_time.date() - FIRST).days
        km_gone = round(victim.distance_m / 1000)
        final.remove(next(r for r in final if r[0] == off and r[1] == km_gone))
        with store.transaction() as s:
            day = delete_activity_by_id(s, victim.id).reevaluate_from
            pending.request_evaluation(s, inc, day)  # what the API's change hook records
        seen: list[EvaluationResult] = []
        drain_pending(store, athlete_id=inc, today=TODAY, on_result=seen.append)
        assert [r.evaluated_from for r in seen] == [day]
        # The tail needs a run left from that day on (its days are computed from them).
        left = any(FIRST + timedelta(days=r[0]) >= day for r in final)
        assert seen[0].tail == ((day - FIRST).days - min(history) >= CHRONIC_DAYS and left)
        assert seen[0].episodes_from == seen[0].tail

    if kind == "split":
        import_log(store, inc, _split(at, km), "split.csv")
        split: list[EvaluationResult] = []
        drain_pending(store, athlete_id=inc, today=TODAY, on_result=split.append)
        assert [r.evaluated_from for r in split] == [FIRST + timedelta(days=at)]
        with store.sessions() as s:
            days, _ = rows_of(s, athlete_store.get_athlete(s, inc), TODAY, TODAY)
        row = days.filter(pl.col("date") == FIRST + timedelta(days=at)).row(0, named=True)
        a, b = _km(km // 2) + 0.5, _km(km - km // 2) + 1.5  # the halves (_split)
        assert row["longest_run_km"] == pytest.approx(max(a + b, _km(history.get(at, (0, 0))[0])))

    full = _athlete(store, rules)
    import_log(store, full, _csv(final), "log.csv")
    if kind == "split":
        import_log(store, full, _split(at, km), "split.csv")
    assert drain_pending(store, athlete_id=full, today=TODAY) == [full]  # from its first day

    got, want = _state(store, inc), _state(store, full)
    for part in want:
        assert got[part] == want[part], part
    # Both evaluations handed their own spike flags to the spike cap: the summary is the one
    # that judges the spikes afresh (``step_back.current_spikes``).
    with store.sessions() as s:
        fresh = compute(evaluation_inputs(s, inc, TODAY)).summary.model_dump(mode="json")
    assert got["summary"]["dimensions"] == fresh["dimensions"]


@settings(EVALUATIONS, max_examples=15)
@given(
    history=runs,
    back=st.integers(1, 40),
    later_runs=st.booleans(),
    rules=st.sampled_from(THRESHOLDS),
)
# The carried spike's cap read from the stored return flag by the quick roll (trial 10 F3).
@example(history={**EVERY_OTHER_DAY, SPAN - 8: (30, 0)}, back=5, later_runs=False, rules={})
def test_roll_forward_of_an_unchanged_athlete_equals_the_full_roll(
    stores: Store,
    history: dict[int, tuple[int, int]],
    back: int,
    later_runs: bool,
    rules: dict[str, Any],
) -> None:
    """The scheduler's roll of a new local day when nothing changed (``unchanged_since``):
    the engine's flags are not judged again, and everything stored is what the roll that
    judges them all (the nightly pass) stores.  With runs dated after the stored view's day
    (a log imported ahead of time) the engine judges in full."""
    store = stores
    then = TODAY - timedelta(days=back)
    final = [
        (off, k, c)
        for off, (k, c) in history.items()
        if later_runs or FIRST + timedelta(days=off) <= then
    ]
    twins = [_athlete(store, rules), _athlete(store, rules)]
    for aid in twins:
        import_log(store, aid, _csv(final), "log.csv")
        drain_pending(store, athlete_id=aid, today=then)
    roll_from = TODAY - timedelta(days=35)
    quick = evaluate_athlete(
        store, twins[0], from_date=roll_from, today=TODAY, unchanged_since=then
    )
    full = evaluate_athlete(store, twins[1], from_date=roll_from, today=TODAY)
    ahead = any(FIRST + timedelta(days=off) > then for off, _, _ in final)
    assert quick.engine_judged == ahead
    assert full.engine_judged and not full.rolled
    assert not (ahead and quick.rolled)  # a run after the view's day: never rolled
    _same_state(_state(store, twins[0]), _state(store, twins[1]))


# Rolled one day at a time from a Saturday to past a Sunday-Monday and a June-July boundary,
# and, 114 days after the last run, through the end of summer time in Paris (25 October 2026)
# with the idle note showing.
ROLL_FROM = [date(2026, 6, 27), date(2026, 10, 22)]


@settings(EVALUATIONS, max_examples=12)
@given(
    history=runs,
    start=st.sampled_from(ROLL_FROM),
    nights=st.integers(2, 6),
    rules=st.sampled_from(THRESHOLDS),
    rated=st.booleans(),
    coach=st.sampled_from([None, 4.2]),
)
# A comeback two days before the first night: the return's flag carries the spike's cap.
@example(
    history={**EVERY_OTHER_DAY, SPAN - 5: (30, 0)},
    start=ROLL_FROM[0],
    nights=3,
    rules={},
    rated=False,
    coach=None,
)
def test_nights_rolled_from_the_stored_view_equal_full_rolls(
    stores: Store,
    history: dict[int, tuple[int, int]],
    start: date,
    nights: int,
    rules: dict[str, Any],
    rated: bool,
    coach: float | None,
) -> None:
    """Several nights in a row, each rolled from the view the night before stored (what the
    scheduler does: ``unchanged_since`` the stored view's day), store what a full evaluation
    of that day stores."""
    store = stores
    final = [(off, k, c) for off, (k, c) in history.items() if FIRST + timedelta(days=off) <= start]
    twins = [_athlete(store, rules), _athlete(store, rules)]
    for aid in twins:
        with store.transaction() as s:
            athlete_store.get_athlete(s, aid).fast_speed_mps = coach  # the coach's fast speed
        import_log(store, aid, _csv(final, rated), "log.csv")
        drain_pending(store, athlete_id=aid, today=start)
    idle = start > TODAY
    for night in range(1, nights + 1):
        day = start + timedelta(days=night)
        quick = evaluate_athlete(
            store,
            twins[0],
            from_date=day - timedelta(days=35),
            today=day,
            unchanged_since=day - timedelta(days=1),
        )
        full = evaluate_athlete(store, twins[1], from_date=day - timedelta(days=35), today=day)
        assert not quick.engine_judged and not full.rolled
        assert quick.rolled  # from the stored view, every night
        got, want = _state(store, twins[0], day), _state(store, twins[1], day)
        _same_state(got, want)
        assert want["summary"]["as_of"] == day.isoformat()
        assert want["summary"]["fitness"]["source"] == ("srpe" if rated else "distance")
        assert (want["summary"]["fast_threshold"]["source"] == "coach") == (coach is not None)
        if idle:  # what status says, read from the rolled view
            last = date.fromisoformat(want["summary"]["last_run_date"])
            assert got["triage"]["days_since_last_run"] == (day - last).days
            with store.sessions() as s:
                status = athlete_status(s, twins[0], today=day)
            assert status.idle_note == f"no runs for {(day - last).days} days"


def _no_ids(x: object) -> object:
    """A stored payload without what differs between twins (ids, names, times)."""
    if isinstance(x, dict):
        drop = {"id", "athlete_id", "athlete", "episode_id", "acked_at", "acked_by", "created_at"}
        return {k: _no_ids(v) for k, v in x.items() if k not in drop}
    if isinstance(x, list):
        return [_no_ids(v) for v in x]
    return x


def _episode_state(store: Store, aid: int) -> dict[str, Any]:
    """The athlete's episodes, their events in order and which episode holds each flag."""
    with store.sessions() as s:
        eps = {e.id: e for e in s.scalars(select(Episode).where(Episode.athlete_id == aid))}
        ours = sorted(eps.values(), key=lambda e: e.id)
        order = {e.id: i for i, e in enumerate(ours)}
        cols = ("first", "last", "severity", "status", "headline", "rules", "dimensions")
        events = s.scalars(
            select(EpisodeEvent).where(EpisodeEvent.athlete_id == aid).order_by(EpisodeEvent.id)
        )
        flags = s.scalars(select(Flag).where(Flag.athlete_id == aid))
        return {
            "episodes": [(*(getattr(e, c) for c in cols), tuple(e.reasons)) for e in ours],
            "events": [(order[v.episode_id], v.kind, _no_ids(v.payload)) for v in events],
            "held": sorted(
                (f.date, f.rule, f.dimension, f.status, order.get(f.episode_id or -1))
                for f in flags
            ),
        }


@settings(EVALUATIONS, max_examples=15)
@given(
    history=runs,
    first=st.integers(CHRONIC_DAYS + 2, SPAN),
    km=st.tuples(st.integers(3, 45), st.integers(3, 45)),
    climb=st.integers(0, 600),
    ack=st.booleans(),
    rules=st.sampled_from(THRESHOLDS),
)
def test_episodes_regrouped_from_the_change_equal_a_full_regrouping(
    stores: Store,
    history: dict[int, tuple[int, int]],
    first: int,
    km: tuple[int, int],
    climb: int,
    ack: bool,
    rules: dict[str, Any],
) -> None:
    """Two uploads in a row (a run on some day, then one today), the coach answering every
    open flag in between or not: the tail path regroups only the episodes the change can
    reach (``episodes.keep_from``) and stores the episodes, their events and which episode
    holds each flag exactly as regrouping every flag does (its twin, with ``keep_from``
    refusing); the second upload writes the view's tail only, and every stored row equals a
    full evaluation of the final history."""
    store = stores
    start = min(history)
    final = [(off, k, c) for off, (k, c) in history.items()]
    twins = [_athlete(store, rules), _athlete(store, rules)]
    for aid in twins:
        import_log(store, aid, _csv(final), "log.csv")
        drain_pending(store, athlete_id=aid, today=TODAY)
    days_blob: list[bytes] = []
    for n, (off, k, c) in enumerate([(first, km[0], climb), (SPAN, km[1], climb // 2)]):
        # Another run on a day that has one is another activity: another distance.
        while any(r[0] == off and r[1] == k for r in final):
            k += 1
        final.append((off, k, c))
        line = f"{FIRST + timedelta(days=off)},{_km(k)},{k * 5.5},{c}"
        for aid in twins:
            body = f"date,distance_km,duration_min,climbing_m\n{line}\n".encode()
            import_log(store, aid, body, f"more-{n}.csv")
            seen: list[EvaluationResult] = []
            if aid == twins[0]:
                drain_pending(store, athlete_id=aid, today=TODAY, on_result=seen.append)
                assert seen[0].tail == (off - start >= CHRONIC_DAYS)
                assert seen[0].episodes_from == seen[0].tail
                with store.sessions() as s:
                    row = s.get(AthleteViewDays, aid)
                    assert row is not None
                    days_blob.append(row.days)
                    # The triage row's last activity, taken from the activities the tail
                    # read, is the athlete's newest.
                    triage = s.get(AthleteTriage, aid)
                    assert triage is not None
                    newest = activity_store.last_activities(s, [aid])[aid]
                    assert json.loads(triage.body)["last_activity_id"] == newest[0]
            else:
                with patch("loadwatch.services.episodes.keep_from", return_value=None):
                    drain_pending(store, athlete_id=aid, today=TODAY, on_result=seen.append)
                assert not seen[0].episodes_from
            if ack and n == 0:
                with store.transaction() as s:
                    acknowledge(s, flags_to_ack(s, aid, all_open=True), by=None)
        assert _episode_state(store, twins[0]) == _episode_state(store, twins[1])
    if first - start >= CHRONIC_DAYS and SPAN - first < TAIL_DAYS:
        # Today's upload after one from a day of the last month: only the tail was written
        # (the first cut the day rows at its day).
        assert days_blob[1] == days_blob[0]
    if not ack:
        full = _athlete(store, rules)
        import_log(store, full, _csv(final), "log.csv")
        drain_pending(store, athlete_id=full, today=TODAY)
        got, want = _state(store, twins[0]), _state(store, full)
        for part in want:
            assert got[part] == want[part], part


SAM = REPO / "sample_data" / "steady-sam"


def test_heart_rates_that_moved_take_the_full_path(tmp_path: Path) -> None:
    """Fitness from heart rate (TRIMP): a new run is evaluated on the tail, its heart-rate
    check read with the tail's state (``hr_load.moved`` on the witness).  Then a hardest run
    raises the estimated maximum: every activity's load moves, so the change is not evaluated
    on the tail but in full, the loads refreshed; and everything stored equals a full
    evaluation of the same activities."""
    files = sorted(SAM.glob("*.fit"))[:36]
    if len(files) < 36:
        pytest.skip(f"sample data not generated ({SAM})")
    today = date.fromisoformat(files[-1].name[:10])
    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    store = Store(settings.db_url, settings.data_dir)
    twins = [_athlete(store), _athlete(store)]
    for aid in twins:
        assert import_paths(store, settings, aid, files[:-1]).counts()["failed"] == 0
        drain_pending(store, athlete_id=aid, today=today)
    seen: list[EvaluationResult] = []
    for aid in twins:
        import_paths(store, settings, aid, files[-1:])
        drain_pending(store, athlete_id=aid, today=today, on_result=seen.append)
    assert [r.tail for r in seen] == [True, True]
    with store.sessions() as s:
        fitness = stored_summaries(s, [athlete_store.get_athlete(s, twins[0])], today)
        fit = fitness[twins[0]].fitness
        assert fit is not None and fit.source == "trimp"
    for aid in twins:
        with store.transaction() as s:
            newest = s.scalars(
                select(Activity)
                .where(Activity.athlete_id == aid)
                .order_by(Activity.start_time.desc())
            ).first()
            assert newest is not None
            newest.hr_peak_bpm = 230.0
            if aid == twins[0]:
                pending.request_evaluation(s, aid, today)
    moved: list[EvaluationResult] = []
    drain_pending(store, athlete_id=twins[0], today=today, on_result=moved.append)
    assert [r.tail for r in moved] == [False]
    with store.transaction() as s:
        assert hr_load.refresh_athlete(s, twins[0]) == 0  # refreshed by that evaluation
    evaluate_athlete(store, twins[1], today=today)
    got, want = _state(store, twins[0], today), _state(store, twins[1], today)
    for part in want:
        assert got[part] == want[part], part


@pytest.mark.parametrize("ack", [False, True])
def test_a_new_run_reads_the_last_upload_and_acknowledgements_with_its_state(
    store: Store, ack: bool
) -> None:
    """The triage row of a change from a day takes the last upload and whether any flag is
    acknowledged from the change's first query (``store.tail_state``): no statement of its
    own for the upload, and the episodes' acknowledged flags counted only when a coach
    acknowledged one; the row holds the same values those statements read."""
    aid = _athlete(store)
    runs = [(off, 8, 40) for off in range(0, SPAN - 2, 2)] + [(SPAN - 2, 30, 40)]
    import_log(store, aid, _csv(runs), "log.csv")
    drain_pending(store, athlete_id=aid, today=TODAY)
    if ack:
        with store.transaction() as s:
            assert acknowledge(s, flags_to_ack(s, aid, all_open=True), by=None) > 0
    import_log(store, aid, _csv([(SPAN, 6, 10)]), "today.csv")
    seen: list[str] = []

    def note(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        seen.append(statement)

    results: list[EvaluationResult] = []
    event.listen(store.engine, "before_cursor_execute", note)
    try:
        drain_pending(store, athlete_id=aid, today=TODAY, on_result=results.append)
    finally:
        event.remove(store.engine, "before_cursor_execute", note)
    assert results[0].tail and results[0].episodes_from
    assert not any(q.startswith("SELECT files.athlete_id") for q in seen)  # last_uploads
    assert sum("flags.episode_id, count(*)" in q for q in seen) == int(ack)
    with store.sessions() as s:
        triage = s.get(AthleteTriage, aid)
        assert triage is not None
        body = json.loads(triage.body)
        upload = file_store.last_uploads(s, [aid])[aid]
        ids = [e["id"] for e in body["episodes"]]
        counts = episode_store.acknowledged_counts(s, ids)
    assert datetime.fromisoformat(body["last_upload_at"]) == upload.replace(microsecond=0)
    assert ids and [e["acknowledged"] for e in body["episodes"]] == [counts.get(i, 0) for i in ids]
    assert (sum(counts.values()) > 0) == ack
