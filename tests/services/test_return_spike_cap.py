"""A comeback run that is both a return alert and a spike (trial 10, F3): the return owns the
verdict ("one alert per event", ``rules.engine``), so no ``session_spike`` flag is stored, yet
the next run is still held at what the run was judged against as a spike, on every path that
computes status: the full evaluation, the incremental one (the change's tail), the nightly roll
and the pre-flight check.  Where the return is only a caution the spike flag itself is kept and
gives the same cap: the advice does not flip with the return's severity."""

from __future__ import annotations

from datetime import date, timedelta

from loadwatch.rules.episodes import CURRENT_DAYS
from loadwatch.services.csv_import import import_log
from loadwatch.services.evaluation import EvaluationResult, drain_pending, evaluate_athlete
from loadwatch.services.inputs import evaluation_inputs
from loadwatch.services.stored_summary import stored_summaries
from loadwatch.services.views import compute
from loadwatch.store import athletes as athlete_store
from loadwatch.store import flag_rows
from loadwatch.store.db import Store

MONDAY = date(2026, 8, 3)
# Six weeks of three runs, then 20 days without running; the return on a Sunday.
BACK = MONDAY + timedelta(weeks=6, days=20)


def _log(days: list[tuple[date, float]]) -> bytes:
    lines = ["date,distance_km,duration_min,climbing_m"]
    lines += [f"{d},{km},{km * 6.0},0" for d, km in days]
    return ("\n".join(lines) + "\n").encode()


def _history(km: float) -> list[tuple[date, float]]:
    return [(MONDAY + timedelta(weeks=w, days=d), km) for w in range(6) for d in (0, 2, 4)]


def _distance(store: Store, aid: int, day: date) -> tuple[float | None, str | None]:
    """The stored summary's next distance run and its sentence, after asserting the stored
    summary equals the full computation's."""
    with store.sessions() as s:
        stored = stored_summaries(s, [athlete_store.get_athlete(s, aid)], day)[aid]
        full = compute(evaluation_inputs(s, aid, day)).summary
    assert stored.as_of == full.as_of == day
    assert [d.model_dump() for d in stored.dimensions] == [d.model_dump() for d in full.dimensions]
    (d,) = [d for d in stored.dimensions if d.dimension == "distance"]
    return d.headroom_run, d.headroom_note


def _rules(store: Store, aid: int) -> list[tuple[str, str, str]]:
    with store.sessions() as s:
        return sorted(
            (r.rule, r.dimension, r.severity)
            for r in flag_rows.of_athlete(s, aid, statuses=None)
            if r.date == BACK
        )


def _athlete(store: Store, history_km: float) -> int:
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana", "Europe/Paris").id
    import_log(store, aid, _log(_history(history_km)), "log.csv")
    assert drain_pending(store, athlete_id=aid, today=BACK - timedelta(days=1)) == [aid]
    return aid


def test_a_return_alert_keeps_the_spikes_step_back_cap(store: Store) -> None:
    # 3 km runs, 9 km weeks: the return is judged against the 10 km floor week, the spike
    # against the 3 km floor run.  12 km back: 1.2 × the week (alert, > 0.8) and 4 × the run
    # (alert, > 2): the return's alert carries the event, no spike flag is stored.
    aid = _athlete(store, 3.0)
    done: list[EvaluationResult] = []
    import_log(store, aid, _log([(BACK, 12.0)]), "back.csv")
    drain_pending(store, athlete_id=aid, today=BACK, on_result=done.append)
    assert [(r.tail, r.evaluated_from) for r in done] == [(True, BACK)]
    assert ("return_after_break", "distance", "alert") in _rules(store, aid)
    assert ("session_spike", "distance", "alert") not in _rules(store, aid)
    # The spike the limit will cite is in a flag a coach can find: the return's (trial 12 F8).
    with store.sessions() as s:
        (ret,) = [
            r.message
            for r in flag_rows.of_athlete(s, aid, statuses=None)
            if r.date == BACK and r.rule == "return_after_break"
        ]
    assert ret.endswith(
        " Sunday's 12.0 km was also a spike over 3.0 km: no run over 3.0 km until Saturday "
        "2026-10-17."
    ), ret
    # The change's own day (the incremental evaluation, from the tail): rest, then a run up
    # to 3.0 km, in the spike's words; not "a usual run" the comeback made up.
    run, note = _distance(store, aid, BACK)
    assert run == 0.0
    assert note is not None and "Sunday's 12.0 km was a spike over 3.0 km" in note

    # Nights rolled from the stored view, then an easy run uploaded six days on: the return's
    # flag is before the change, so it stands as stored, and still caps the next run at
    # 3.0 km, not 1.1 × the 12 km comeback.
    for n in range(1, 6):
        day = BACK + timedelta(days=n)
        evaluate_athlete(store, aid, today=day, unchanged_since=day - timedelta(days=1))
    easy = BACK + timedelta(days=6)
    done.clear()
    import_log(store, aid, _log([(easy, 2.0)]), "easy.csv")
    drain_pending(store, athlete_id=aid, today=easy, on_result=done.append)
    assert [(r.tail, r.evaluated_from) for r in done] == [(True, easy)]
    run, note = _distance(store, aid, easy)
    assert run == 3.0
    assert note is not None and "next run up to 3.0 km until Saturday 2026-10-17" in note
    for n in (7, 8):
        day = BACK + timedelta(days=n)
        result = evaluate_athlete(store, aid, today=day, unchanged_since=day - timedelta(days=1))
        assert result.rolled
        assert _distance(store, aid, day)[0] == 3.0

    # The full evaluation of the whole history; and once the event is no longer current the
    # cap is gone.
    for day, capped in (
        (BACK + timedelta(days=8), True),
        (BACK + timedelta(days=CURRENT_DAYS), False),
    ):
        result = evaluate_athlete(store, aid, today=day)
        assert not result.tail and not result.rolled
        assert (_distance(store, aid, day)[0] == 3.0) == capped


def test_a_return_caution_keeps_the_spike_flag_and_the_same_cap(store: Store) -> None:
    # 6 km runs, 18 km weeks: 12 km back is 0.67 × the week (a caution) and a spike alert over
    # 6 km × the share kept after 20 days off: the spike flag is stored and caps the next run.
    aid = _athlete(store, 6.0)
    import_log(store, aid, _log([(BACK, 12.0)]), "back.csv")
    drain_pending(store, athlete_id=aid, today=BACK)
    assert ("return_after_break", "distance", "caution") in _rules(store, aid)
    assert ("session_spike", "distance", "alert") in _rules(store, aid)
    # Sunday's 12.0 km over 6 km × the share kept after 20 days off: 5.6 km.
    week = BACK + timedelta(days=7)
    evaluate_athlete(store, aid, today=week)
    run, note = _distance(store, aid, week)
    assert run == 5.6
    assert note is not None and "Sunday's 12.0 km was a spike over 5.6 km" in note
