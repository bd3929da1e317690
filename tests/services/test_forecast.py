"""The nightly roll's forecasts (services/forecast.py): a night served from the batch a roll
stored stores exactly what the roll of that night stores (the same view, fast window and
triage row, bit for bit), and what a full evaluation stores (numbers to 1e-9, as the roll:
services/roll.py); and no forecast is served once something it read changed."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, func, select

from loadwatch.services import forecast
from loadwatch.services.acknowledge import acknowledge, flags_to_ack
from loadwatch.services.csv_import import import_log
from loadwatch.services.episode_list import episodes_of
from loadwatch.services.evaluation import EvaluationResult, drain_pending, evaluate_athlete
from loadwatch.services.flag_list import list_flags
from loadwatch.services.roll import read_state
from loadwatch.services.stored_summary import stored_summaries
from loadwatch.services.views import rows_of
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store
from loadwatch.store.models import AthleteTriage, AthleteView
from loadwatch.store.tables import athlete_forecasts
from support.close import assert_close

MONDAY = date(2026, 9, 7)
SPIKE = MONDAY + timedelta(weeks=5, days=6)  # the sixth Sunday
_n = itertools.count()
ACKED = datetime(2026, 10, 20, 9, tzinfo=UTC)


def _log(extra: str = "") -> bytes:
    """Five weeks of 8, 8, 8 km and a 16 km Sunday, then 10, 10, 10 and a 33 km Sunday (a
    spike on SPIKE)."""
    lines = ["date,distance_km,duration_min,climbing_m"]
    for w in range(6):
        kms = (10.0, 10.0, 10.0, 33.0) if w == 5 else (8.0, 8.0, 8.0, 16.0)
        for d, km in zip((1, 3, 5, 6), kms, strict=True):
            lines.append(f"{MONDAY + timedelta(weeks=w, days=d)},{km},{km * 5.5},40")
    return ("\n".join(lines) + "\n" + extra).encode()


def _athlete(
    store: Store, thresholds: dict[str, Any] | None = None, tz: str = "Europe/Paris"
) -> int:
    with store.transaction() as s:
        a = athlete_store.get_or_create_athlete(s, f"Runner {next(_n):03d}", tz)
        a.thresholds = thresholds or {}
        return a.id


def _state(store: Store, aid: int, today: date) -> dict[str, Any]:
    """Everything an evaluation of ``today`` writes for the athlete, without ids and names."""
    with store.sessions() as s:
        athlete = athlete_store.get_athlete(s, aid)
        flags = sorted(
            (f.date, f.rule, f.dimension, f.severity, f.status, f.value, f.baseline, f.message)
            for f in list_flags(s, aid, statuses=None)
        )
        episodes = sorted(
            (e.first, e.last, e.severity, e.status, e.headline) for e in episodes_of(s, athlete)
        )
        summary = stored_summaries(s, [athlete], today)[aid].model_dump(mode="json")
        days, weeks = rows_of(s, athlete, today, today)
        view = s.get(AthleteView, aid)
        triage = s.get(AthleteTriage, aid)
        assert view is not None and triage is not None
        row = json.loads(triage.body)
        window = view.fast_window
        concern = (triage.concern, triage.sort_key[: -len(athlete.name)], triage.as_of)
    for k in ("athlete_id", "name", "reason_flag_id", "last_activity_id", "last_upload_at"):
        row.pop(k)
    for e in row["episodes"]:
        e.pop("id")
    return {
        "flags": flags,
        "episodes": episodes,
        "summary": summary,
        "days": days.to_dicts(),
        "weeks": weeks.to_dicts(),
        "triage": row,
        "concern": concern,
        "fast_window": window,
    }


class _Served:
    """Which nights were served from a forecast (``forecast.serve`` wrapped)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.days: list[date] = []
        serve = forecast.serve

        def wrapped(*a: Any, **k: Any) -> forecast.Served | None:
            out = serve(*a, **k)
            if out is not None:
                self.days.append(out.day)
            return out

        monkeypatch.setattr(forecast, "serve", wrapped)


def _roll(store: Store, aid: int, day: date, since: date) -> EvaluationResult:
    return evaluate_athlete(
        store, aid, from_date=day - timedelta(days=35), today=day, unchanged_since=since
    )


def _without_forecast(store: Store, aid: int, day: date, since: date) -> EvaluationResult:
    """The roll as it was before forecasts: no batch, so none to serve."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(forecast, "HORIZON_DAYS", 0)
        return _roll(store, aid, day, since)


def _nights(
    store: Store, twins: list[int], start: date, nights: list[date], full: bool = True
) -> Iterator[tuple[date, EvaluationResult]]:
    """Each night: the first twin rolled (forecasts on), the second rolled without them, the
    third evaluated in full; the first's state equals the second's exactly and the third's to
    1e-9 (``full``: False when a setting changed behind the rules' back, which only a full
    evaluation judges again)."""
    since = start
    for day in nights:
        got = _roll(store, twins[0], day, since)
        rolled = _without_forecast(store, twins[1], day, since)
        evaluate_athlete(store, twins[2], from_date=day - timedelta(days=35), today=day)
        assert got.rolled and rolled.rolled and not got.engine_judged
        a, b, c = (_state(store, aid, day) for aid in twins)
        assert a == b, day
        for part in c if full else ():
            if part != "fast_window":  # the full path carries no window
                assert_close(a[part], c[part], f"{day}:{part}")
        yield day, got
        since = day


def test_a_spike_expiring_and_weeks_turning_inside_the_horizon(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spike imported as history (its flag historic, its episode no live one) caps the next
    run for 14 days, and the cap lifts on a forecast night; weeks begin inside the horizon;
    one night is skipped (the scheduler down a day).  Served nights store what the roll
    stores, and the full evaluation's numbers."""
    served = _Served(monkeypatch)
    twins = [_athlete(store) for _ in range(3)]
    start = SPIKE + timedelta(days=3)
    for aid in twins:
        import_log(store, aid, _log(), "log.csv")
        drain_pending(store, athlete_id=aid, today=start, historic_days=1)
    nights = [start + timedelta(days=i) for i in range(1, 20) if i != 9]
    capped = {}
    for day, _ in _nights(store, twins, start, nights):
        summary = _state(store, twins[0], day)["summary"]
        (dist,) = [d for d in summary["dimensions"] if d["dimension"] == "distance"]
        capped[day] = dist["headroom_run"]
    # Batches computed on the first night and after each horizon (and after the skipped
    # night, whose forecast was for the day it skipped): every other night served.
    first_served = [d for d in nights if d not in served.days]
    assert len(served.days) >= len(nights) - 4, first_served
    lifted = SPIKE + timedelta(days=14)  # the first day the spike is not current
    assert lifted in served.days
    assert capped[lifted - timedelta(days=1)] == 16.0 and capped[lifted] != 16.0
    assert any(d.weekday() == 0 for d in served.days)  # a week began on a served night


def test_a_horizon_crossing_an_episode_ageing_and_a_month_of_rest(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live spike episode whose flag leaves the current window inside the horizon: the
    batch stops before that night, which is rolled (``keep`` resolves the episode) and
    stores what the roll without forecasts and the full evaluation store; from then on the
    athlete has rested two weeks, so a batch covers more than a week of nights (the tail
    fold ends it), every one served as rolled."""
    served = _Served(monkeypatch)
    twins = [_athlete(store) for _ in range(3)]
    start = SPIKE + timedelta(days=1)
    for aid in twins:
        import_log(store, aid, _log(), "log.csv")
        drain_pending(store, athlete_id=aid, today=start)
    live: dict[date, bool] = {}
    nights = [start + timedelta(days=i) for i in range(1, 31)]
    for day, _ in _nights(store, twins, start, nights):
        episodes = _state(store, twins[0], day)["episodes"]
        live[day] = any(e[3] in ("open", "acknowledged") for e in episodes)
    aged = min(d for d in nights if not live[d])
    assert live[nights[0]] and aged < nights[-1]
    assert aged not in served.days  # the night the episode resolves is rolled
    rolled = [d for d in nights if d not in served.days]
    # Served runs: after the ageing night, more than a week of nights from one batch.
    after = [d for d in nights if d > aged]
    longest = max(
        len(list(g)) for k, g in itertools.groupby(after, key=lambda d: d in served.days) if k
    )
    assert longest > forecast.MIN_HORIZON_DAYS, rolled


def test_an_acknowledgement_an_upload_or_a_setting_ends_the_forecast(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After each change the next night is rolled, not served, and stores what the roll
    without forecasts stores; the night after it is served from the new batch."""
    served = _Served(monkeypatch)
    twins = [_athlete(store) for _ in range(3)]
    start = SPIKE + timedelta(days=1)
    for aid in twins:
        import_log(store, aid, _log(), "log.csv")
        drain_pending(store, athlete_id=aid, today=start)
    day = start

    def night(full: bool = True) -> date:
        nonlocal day
        since, day = day, day + timedelta(days=1)
        list(_nights(store, twins, since, [day], full))
        return day

    night()  # the batch
    assert night() in served.days
    # An acknowledgement (no evaluation: the triage row is refreshed).
    for aid in twins:
        with store.transaction() as s:
            acknowledge(s, flags_to_ack(s, aid, all_open=True), by=None, at=ACKED)
    assert night() not in served.days
    assert night() in served.days
    # An upload (evaluated: the view is written anew).
    for aid in twins:
        import_log(store, aid, f"date,distance_km,duration_min\n{day},9.0,50\n".encode(), "u.csv")
        drain_pending(store, athlete_id=aid, today=day)
    assert night() not in served.days
    assert night() in served.days
    # A view of another version.
    monkeypatch.setattr(forecast, "VIEW_VERSION", -1)
    assert night() not in served.days
    assert night() in served.days
    # A setting changed behind the service's back (it would ask for an evaluation): a
    # threshold headroom reads.
    for aid in twins:
        with store.transaction() as s:
            athlete_store.get_athlete(s, aid).thresholds = {"weekly_ramp": {"caution": 1.2}}
    assert night(full=False) not in served.days
    assert night(full=False) in served.days


# Generated histories, as tests/services/test_incremental.py's.
TODAY = date(2026, 6, 30)
SPAN = 150
FIRST = TODAY - timedelta(days=SPAN)
runs = st.dictionaries(
    st.integers(0, SPAN),
    st.tuples(st.integers(3, 32), st.integers(0, 400)),
    min_size=8,
    max_size=60,
)
THRESHOLDS: list[dict[str, Any]] = [
    {},
    {
        "monotony": {"enabled": True},
        "return_after_break": {"break_days": 7, "caution": 0.3},
        "weekly_ramp": {"caution": 1.3, "quiet_days": 3},
        "session_spike": {"window_days": 10},
    },
]


def _csv(history: list[tuple[int, int, int]], rated: bool) -> bytes:
    lines = ["date,distance_km,duration_min,climbing_m" + (",rpe" if rated else "")]
    for off, km, climb in sorted(history):
        rpe = f",{3 + km % 7}" if rated else ""
        dist = km + 0.0137 * (km % 9 + 1)
        lines.append(f"{FIRST + timedelta(days=off)},{dist},{km * 5.5},{climb}{rpe}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def stores(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path: Path = tmp_path_factory.mktemp("forecast")
    return Store(f"sqlite:///{path / 'db.sqlite'}", path)


@settings(
    deadline=None,
    max_examples=8,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=runs,
    start=st.sampled_from([TODAY - timedelta(days=20), TODAY - timedelta(days=3), TODAY]),
    nights=st.integers(3, 10),
    rules=st.sampled_from(THRESHOLDS),
    rated=st.booleans(),
    coach=st.sampled_from([None, 4.2]),
)
# 5 km every other day to day 110, 37 days off, 30 km back three days before the start: a
# return alert carrying the day's spike, whose cap the served nights keep (trial 10 F3).
@example(
    history={**{off: (5, 0) for off in range(0, 111, 2)}, SPAN - 3 - 3: (30, 0)},
    start=TODAY - timedelta(days=3),
    nights=5,
    rules={},
    rated=False,
    coach=None,
)
def test_served_nights_equal_rolled_and_full_nights(
    stores: Store,
    history: dict[int, tuple[int, int]],
    start: date,
    nights: int,
    rules: dict[str, Any],
    rated: bool,
    coach: float | None,
) -> None:
    store = stores
    final = [(off, k, c) for off, (k, c) in history.items() if FIRST + timedelta(days=off) <= start]
    twins = [_athlete(store, rules) for _ in range(3)]
    for aid in twins:
        with store.transaction() as s:
            athlete_store.get_athlete(s, aid).fast_speed_mps = coach
        import_log(store, aid, _csv(final, rated), "log.csv")
        drain_pending(store, athlete_id=aid, today=start)
    days = [start + timedelta(days=i) for i in range(1, nights + 1)]
    for _ in _nights(store, twins, start, days):
        pass


def test_a_batch_reads_the_spike_flags_and_acknowledged_counts_once(store: Store) -> None:
    """A batch night with a live spike episode whose flag a coach acknowledged, and a current
    spike: the nights it forecasts share one read of the spike flags and one of the episodes'
    acknowledged counts (the roll's own triage row reads its own), not one of each a night;
    each night's row counts the acknowledged flag."""
    aid = _athlete(store)
    start = SPIKE + timedelta(days=1)
    import_log(store, aid, _log(), "log.csv")
    drain_pending(store, athlete_id=aid, today=start)
    with store.transaction() as s:
        assert acknowledge(s, flags_to_ack(s, aid, all_open=True), by=None, at=ACKED) == 1
    seen: list[str] = []

    def note(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        got = _roll(store, aid, start + timedelta(days=1), start)
    finally:
        event.remove(store.engine, "before_cursor_execute", note)
    with store.sessions() as s:
        nights = s.scalar(select(func.count()).select_from(athlete_forecasts))
    assert got.rolled and nights == 11  # the spike's episode leaves the window on the 13th night
    # ``flags.raised_in``'s columns.
    assert sum(q.startswith("SELECT flags.date, flags.rule, flags.dimension") for q in seen) == 1
    assert sum("flags.episode_id, count(*)" in q for q in seen) == 2
    with store.sessions() as s:
        bodies = s.scalars(select(athlete_forecasts.c.body)).all()
    assert [[e["acknowledged"] for e in json.loads(b)["episodes"]] for b in bodies] == [[1]] * 11


def test_a_served_night_reads_no_view_rows_and_copies_the_forecast(store: Store) -> None:
    """With a forecast for the day, the roll's state leaves the view's summary and row blobs
    in the database (the forecast holds what the night writes); a night whose triage row is
    gone still serves the forecast's row; a forecast not served (a setting changed) reads
    them apart and rolls as the twin that had no forecast."""
    twins = [_athlete(store) for _ in range(2)]
    start = SPIKE + timedelta(days=3)
    for aid in twins:
        import_log(store, aid, _log(), "log.csv")
        drain_pending(store, athlete_id=aid, today=start, historic_days=1)
    day = start + timedelta(days=1)
    _roll(store, twins[0], day, start)
    _without_forecast(store, twins[1], day, start)
    with store.sessions() as s:
        state = read_state(s, twins[0], day, day + timedelta(days=1))
        assert state is not None and state.forecast is not None
        assert state.summary is None and state.blobs == {}
    with store.transaction() as s:
        s.execute(delete(AthleteTriage).where(AthleteTriage.athlete_id == twins[0]))
    night = day + timedelta(days=1)
    assert not _roll(store, twins[0], night, day).engine_judged
    _without_forecast(store, twins[1], night, day)
    assert _state(store, twins[0], night) == _state(store, twins[1], night)
    with store.transaction() as s:  # a setting the forecast's key reads
        for aid in twins:
            athlete_store.get_athlete(s, aid).sex = "female"
    later = night + timedelta(days=1)
    _roll(store, twins[0], later, night)
    _without_forecast(store, twins[1], later, night)
    assert _state(store, twins[0], later) == _state(store, twins[1], later)
