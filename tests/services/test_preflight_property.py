"""The pre-flight check can never disagree with evaluation (docs/planning.md): over generated
histories (and with or without a return-to-run plan), a run checked before it is run gets the
very flags evaluation gives it once the same run is imported."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loadwatch.rules.preflight import STEP_BACKS
from loadwatch.schemas.planned import PlannedIn
from loadwatch.schemas.rehab import PlanIn
from loadwatch.services.csv_import import import_log
from loadwatch.services.evaluation import evaluate_athlete
from loadwatch.services.flag_list import list_flags
from loadwatch.services.preflight import check_proposal
from loadwatch.services.rehab import start_plan
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store
from support.databases import from_template

FIRST = date(2026, 8, 3)
DAYS = 49  # seven weeks of history, then the day checked
DAY = FIRST + timedelta(days=DAYS)
NOT_ABOUT_THE_RUN = ("pain_response", "rest_too_long")

km = st.one_of(st.just(0.0), st.floats(3.0, 22.0).map(lambda x: round(x, 1)))
history = st.lists(
    st.tuples(km, st.floats(0.0, 0.4), st.sampled_from([0.0, 0.0, 40.0, 150.0])),
    min_size=DAYS,
    max_size=DAYS,
)
planned = st.tuples(
    st.floats(1.0, 40.0).map(lambda x: round(x, 1)), st.floats(0.0, 0.6).map(lambda x: round(x, 2))
)
rehab = st.one_of(
    st.none(),
    st.tuples(st.integers(3, 20), st.floats(10.0, 30.0), st.floats(4.0, 12.0)),
)


def _log(rows: list[tuple[str, float, float, float]]) -> bytes:
    lines = ["date,distance_km,duration_min,fast_km,climb_m"]
    lines += [f"{d},{k},{k * 5.5:.2f},{f:.2f},{c:.0f}" for d, k, f, c in rows]
    return ("\n".join(lines) + "\n").encode()


Verdict = set[tuple[str, str, str, float]]
# What the check said of the last run checked: its standing ramps (``flagged_on``), which no
# flag of evaluation matches by design.
standing_said: list[tuple[str, date]] = []


def _both(
    history: list[tuple[float, float, float]],
    run: tuple[float, float],
    plan: tuple[int, float, float] | None,
    template: Path,
) -> tuple[Verdict, Verdict]:
    """(the check of the run before it is run, the flags evaluation gives it once imported).
    Each example's store is a copy of the process's migrated ``template``: a migration
    through Alembic costs about 0.2 CPU-s, over half of an example; the schema is not
    what this property is about."""
    rows = [
        (str(FIRST + timedelta(days=i)), k, round(k * f, 2), c)
        for i, (k, f, c) in enumerate(history)
        if k > 0
    ]
    distance, fast_share = run
    fast = round(distance * fast_share, 1)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'db.sqlite'}"
        from_template(url, template)
        store = Store(url, Path(tmp))
        try:
            with store.transaction() as s:
                athlete = athlete_store.get_or_create_athlete(s, "Ann", "UTC")
                aid = athlete.id
                if plan is not None:
                    back, weekly, longest = plan
                    start_plan(
                        s,
                        athlete,
                        PlanIn(
                            start_date=DAY - timedelta(days=back),
                            weekly_km=round(weekly, 1),
                            longest_run_km=round(longest, 1),
                            weekly_climb_m=0,
                        ),
                    )
            if rows:
                import_log(store, aid, _log(rows), "history.csv")
            with store.sessions() as s:
                athlete = athlete_store.get_athlete(s, aid)
                entry = PlannedIn(date=DAY, distance_km=distance, fast_km=fast, climb_m=0)
                (checked,) = check_proposal(s, athlete, [entry], today=DAY).sessions
            # A current spike's step-back cap (and a flare's step back) is the check's advice,
            # as status gives it, and no flag of the engine (docs/planning.md): the flags are
            # what must agree.  So is a ramp over its line under a flag that still stands
            # (``flagged_on``): said, though evaluation raises no second flag.
            before = {
                (f.rule, f.dimension, f.severity, round(f.value, 6))
                for f in checked.findings
                if f.rule not in STEP_BACKS and f.flagged_on is None
            }
            standing_said[:] = [
                (f.dimension, f.flagged_on) for f in checked.findings if f.flagged_on
            ]

            import_log(store, aid, _log([(str(DAY), distance, fast, 0.0)]), "run.csv")
            evaluate_athlete(store, aid, today=DAY)
            with store.sessions() as s:
                after = {
                    (f.rule, f.dimension, f.severity, round(f.value, 6))
                    for f in list_flags(s, aid, statuses=None)
                    if f.date == DAY and f.rule not in NOT_ABOUT_THE_RUN
                }
        finally:
            store.close()
    return before, after


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=history, run=planned, plan=rehab)
def test_the_check_of_a_run_is_the_evaluation_of_it(
    history: list[tuple[float, float, float]],
    run: tuple[float, float],
    plan: tuple[int, float, float] | None,
    migrated_sqlite: Path,
) -> None:
    before, after = _both(history, run, plan, migrated_sqlite)
    assert before == after


def test_a_spike_and_a_plan_breach_agree_too(migrated_sqlite: Path) -> None:
    """Not only quiet days: a 30 km run after 10 km runs, and a 9 km run on a 6 km plan."""
    runs = [(10.0, 0.1, 40.0) if i % 2 else (0.0, 0.0, 0.0) for i in range(DAYS)]
    before, after = _both(runs, (30.0, 0.0), None, migrated_sqlite)
    assert ("session_spike", "distance", "alert", 30.0) in before
    assert before == after
    before, after = _both(runs, (9.0, 0.0), (10, 20.0, 6.0), migrated_sqlite)
    assert ("plan_breach", "distance", "alert", 9.0) in before
    assert before == after


def test_a_ramp_whose_flag_stands_is_said_and_evaluation_raises_no_second_flag(
    migrated_sqlite: Path,
) -> None:
    """Trial 10 F2: 8 km a day, 4.0 km of it fast on two days a week, then on five days in a
    row (days 42-46): the 7 days to day 46 hold 20.0 km fast against a usual 8.0 (2.5x), the
    ramp's flag.  Day 49's 4.0 km fast: 16.0 + 4.0 = 20.0 km against 9.0 (the 28 days before
    hold a ninth 4.0 km, day 42): 2.22x, over the line; no new flag within 14 days of day 46's.
    The check says it (flagged on day 46), and evaluation, once the run is imported, raises
    no flag for it: the two still agree on the flags."""
    runs = [
        (8.0, 0.5 if i % 7 in (1, 3) or (i >= 42 and i % 7 < 5) else 0.0, 0.0) for i in range(DAYS)
    ]
    before, after = _both(runs, (8.0, 0.5), None, migrated_sqlite)
    assert standing_said == [("speed", FIRST + timedelta(days=46))]
    assert before == after == set()
