"""Trial 12 F3: on a flare's day the rules' "a usual ... fits again on <day>" promised a run
the flare's step back forbids until its 14th day; the flare's line replaces it
(``services.step_back.follow_flare``), by hand."""

from __future__ import annotations

from datetime import date

from loadwatch.rules.flare_limit import FlareLimit
from loadwatch.rules.headroom import Headroom
from loadwatch.schemas.status import DimensionStatus
from loadwatch.services.step_back import follow_flare

SUN = date(2026, 11, 15)  # the flare; its step back stands to Saturday 2026-11-28
HEAD = "Fast km: 18.0 km in the last 7 days (usual week 5.6 km), over the 7-day limit of 11.3 km"


def _flare(fast: float, climb: float) -> FlareLimit:
    # A quarter below Sunday's run: 30.8 km with no fast km and 455 m climbing.
    run = {"distance": 23.1, "speed": fast, "hills": climb, "uphill": 5.1}
    own = {"distance": 30.8, "speed": 0.0, "hills": 455.0, "uphill": 6.8}
    return FlareLimit(SUN, run, dict(run), False, SUN, "30.8 km hilly", own)


def _rules(dim: str, note: str, usual: float, clears: date) -> tuple[DimensionStatus, Headroom]:
    unit = "m" if dim == "hills" else "km"
    room = Headroom(dim, unit, 18.0, 5.6, 11.3, 0.0, None, 0.0, "weekly_ramp", usual, clears, note)
    d = DimensionStatus(
        dimension=dim,
        unit=unit,
        last_7d=18.0,
        chronic_week=5.6,
        ratio_7_28=3.19,
        acute_ewma=None,
        chronic_ewma=None,
        ewma_ratio=None,
        monotony=None,
        strain=None,
        headroom_week=0.0,
        week_limit=11.3,
        headroom_run=0.0,
        headroom_note=note,
    )
    return d, room


def test_no_fast_running_until_the_step_back_ends_not_a_usual_run_on_tuesday() -> None:
    note = (
        f"{HEAD}; no fast running tomorrow; a usual 1.7 km of fast running fits again on "
        "Tuesday; from today fast is quicker than 4:56/km."
    )
    d, room = _rules("speed", note, 1.7, date(2026, 11, 17))
    (out,) = follow_flare([d], _flare(0.0, 341.0), {"speed": room})
    assert out.headroom_note == (
        f"{HEAD}; no fast running until Saturday 2026-11-28 (step back after the pain flare "
        "on Sunday 2026-11-15: Sunday's run had none); from today fast is quicker than 4:56/km."
    )
    assert (out.headroom_run, out.headroom_week) == (0.0, 0.0)


def test_a_usual_climb_within_the_step_back_keeps_its_day_and_gains_the_ceiling() -> None:
    head = (
        "Climbing: 1,815 m in the last 7 days (usual week 537 m), over the 7-day limit of 1,074 m"
    )
    note = f"{head}; no climbing tomorrow; a usual 164 m climb fits again on Thursday."
    d, room = _rules("hills", note, 164.0, date(2026, 11, 19))
    # 0.75 x 455 = 341.25 -> 341 m: Thursday's usual 164 m fits under it.
    (out,) = follow_flare([d], _flare(0.0, 341.0), {"hills": room})
    assert out.headroom_note == (
        f"{head}; no climbing tomorrow; a usual 164 m climb fits again on Thursday; a climb up "
        "to 341 m until Saturday 2026-11-28 (step back after the pain flare on Sunday "
        "2026-11-15: a quarter below Sunday's 455 m)."
    )
    # A usual climb above the step back (400 m > 341 m): the flare's line replaces it.
    d, room = _rules("hills", note.replace("164 m", "400 m"), 400.0, date(2026, 11, 19))
    (out,) = follow_flare([d], _flare(0.0, 341.0), {"hills": room})
    assert out.headroom_note == (
        f"{head}; no climbing tomorrow; a climb up to 341 m until Saturday 2026-11-28 (step "
        "back after the pain flare on Sunday 2026-11-15: a quarter below Sunday's 455 m)."
    )
