"""An evaluation that judges the rules hands their spike flags to the summary's spike cap
(``summary_from(spikes=)``): the spikes are not judged a second time, and the cap is the one
the full computation (``views.compute``, which judges them) gives, whether the spike was just
judged (the change's own day) or stands as stored (a day before the change)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from loadwatch.rules.episodes import CURRENT_DAYS
from loadwatch.rules.spike_limit import SpikeCap
from loadwatch.services import step_back, view_summary
from loadwatch.services.csv_import import import_log
from loadwatch.services.evaluation import EvaluationResult, drain_pending, evaluate_athlete
from loadwatch.services.inputs import EvaluationInputs, evaluation_inputs
from loadwatch.services.stored_summary import stored_summaries
from loadwatch.services.views import compute
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store

MONDAY = date(2026, 9, 7)
SPIKE = MONDAY + timedelta(weeks=5, days=6)  # the sixth Sunday


def _log(days: list[tuple[date, float]]) -> bytes:
    lines = ["date,distance_km,duration_min,climbing_m"]
    lines += [f"{d},{km},{km * 5.5},40" for d, km in days]
    return ("\n".join(lines) + "\n").encode()


def _history() -> list[tuple[date, float]]:
    """Five weeks of 8, 8, 8 km and a 16 km Sunday, then 10, 10, 10 km: the Sunday after
    them (SPIKE) is not in it."""
    out = []
    for w in range(6):
        days = (1, 3, 5) if w == 5 else (1, 3, 5, 6)
        kms = (10.0, 10.0, 10.0) if w == 5 else (8.0, 8.0, 8.0, 16.0)
        out += [(MONDAY + timedelta(weeks=w, days=d), km) for d, km in zip(days, kms, strict=True)]
    return out


def _distance_run(store: Store, aid: int, day: date) -> float | None:
    """The stored summary's next distance run, after asserting every dimension equals the
    full computation's (which judges the spikes itself)."""
    with store.sessions() as s:
        stored = stored_summaries(s, [athlete_store.get_athlete(s, aid)], day)[aid]
        full = compute(evaluation_inputs(s, aid, day)).summary
    assert stored.as_of == full.as_of == day
    assert [d.model_dump() for d in stored.dimensions] == [d.model_dump() for d in full.dimensions]
    (run,) = [d.headroom_run for d in stored.dimensions if d.dimension == "distance"]
    return run


def test_the_spike_cap_reads_the_flags_the_evaluation_judged(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    judged_again: list[date] = []
    judge = step_back.current_spikes

    def counting(inp: EvaluationInputs, quiet: pl.DataFrame | None) -> dict[str, SpikeCap]:
        judged_again.append(inp.today)
        return judge(inp, quiet)

    monkeypatch.setattr(view_summary, "current_spikes", counting)
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana", "Europe/Paris").id
    import_log(store, aid, _log(_history()), "log.csv")
    assert drain_pending(store, athlete_id=aid, today=SPIKE - timedelta(days=1)) == [aid]
    assert judged_again == []

    # The spike uploaded on its day: judged by this evaluation, from the change (the tail).
    done: list[EvaluationResult] = []
    import_log(store, aid, _log([(SPIKE, 33.0)]), "spike.csv")
    drain_pending(store, athlete_id=aid, today=SPIKE, on_result=done.append)
    assert judged_again == []
    assert [(r.tail, r.evaluated_from) for r in done] == [(True, SPIKE)]
    # Sunday's 33 km was judged against the 16 km Sundays: the next run is held at 16.0 km
    # (the rules alone would offer more than 33).
    assert _distance_run(store, aid, SPIKE) == 16.0
    judged_again.clear()

    # A night rolled, then a small run two days after the spike: the spike is before the
    # change, so it stands as stored, and still caps the next run.
    evaluate_athlete(store, aid, today=SPIKE + timedelta(days=1), unchanged_since=SPIKE)
    done.clear()
    after = SPIKE + timedelta(days=2)
    import_log(store, aid, _log([(after, 5.0)]), "easy.csv")
    drain_pending(store, athlete_id=aid, today=after, on_result=done.append)
    assert judged_again == []
    assert [(r.tail, r.evaluated_from) for r in done] == [(True, after)]
    assert _distance_run(store, aid, after) == 16.0
    judged_again.clear()

    # The full evaluation of the whole history hands its own flags too; and once the spike
    # is no longer current nothing caps the run.
    for day, capped in (
        (SPIKE + timedelta(days=3), True),
        (SPIKE + timedelta(days=CURRENT_DAYS), False),
    ):
        result = evaluate_athlete(store, aid, today=day)
        assert not result.tail and not result.rolled and result.engine_judged
        assert judged_again == []
        assert (_distance_run(store, aid, day) == 16.0) == capped
        judged_again.clear()
