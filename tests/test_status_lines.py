"""status_lines: an episode's acknowledged flags are counted as answered, not dropped (trial
item 12: "7 reasons" still after an acknowledgement read as if it had not been taken)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from loadwatch.schemas.flags import EpisodeOut, FlagOut
from loadwatch.status_lines import _acked

AT = datetime(2026, 11, 15, 8, tzinfo=UTC)


def _flag(i: int, status: str) -> FlagOut:
    return FlagOut(
        id=i, athlete="Sara", athlete_id=1, date=date(2026, 11, 10 + i), dimension="hills",
        rule="session_spike", severity="caution", value=1.0, baseline=1.0, ratio=1.2,
        threshold=1.1, message="m", status=status, acked_by=None, acked_at=None, created_at=AT,
    )  # fmt: skip


def _episode(status: str, flag_statuses: list[str]) -> EpisodeOut:
    flags = [_flag(i, s) for i, s in enumerate(flag_statuses)]
    return EpisodeOut(
        id=1, athlete_id=1, athlete="Sara", first=flags[0].date, last=flags[-1].date,
        severity="caution", status=status, headline="h", rules=["session_spike"],
        dimensions=["hills"], reasons=["m"] * len(flags), flags=flags, created_at=AT,
        updated_at=AT,
    )  # fmt: skip


def test_an_open_episode_counts_its_answered_flags() -> None:
    assert _acked(_episode("open", ["open", "acknowledged", "acknowledged"])) == (
        " (2 acknowledged)"
    )
    assert _acked(_episode("open", ["open", "open"])) == ""
    # All answered: the episode's own status says it ("(acknowledged)"), once.
    assert _acked(_episode("acknowledged", ["acknowledged", "acknowledged"])) == ""


def test_a_plans_caps_read_in_the_vocabularys_words() -> None:
    from rich.console import Console

    from loadwatch.schemas.rehab_status import CapsOut, RehabStatus
    from loadwatch.status_lines import rehab_lines

    def said(fast: float, climb: float) -> str:
        caps = CapsOut(
            plan_week=2, week_start=date(2026, 9, 14), since=date(2026, 9, 14), weekly_km=20.0,
            longest_run_km=8.0, weekly_fast_km=fast, weekly_climb_m=climb, pace_floor=None,
            reason="raised 10 % after a settled week",
        )  # fmt: skip
        rehab = RehabStatus.model_construct(
            plan=None, caps=caps, timeline=[], rooms=[], latest_response=None,
            recent_responses=[], pain_trend=[], pain_trend_word="",
        )  # fmt: skip
        console = Console(width=200, record=True)
        console.print(rehab_lines(rehab))
        return console.export_text()

    # "fast km" and "no climbing" (vocabulary.DIMENSION_LABEL, NO_LOAD), as the dashboard and
    # the plan check say them; not "5 km fast" and "no hills".
    assert (
        " Week 2 (from 2026-09-14): 20.0 km a week, longest run 8.0 km, 5.0 fast km, "
        "no climbing — raised 10 % after a settled week"
    ) in said(5.0, 0.0)
    assert "no fast running, 120 m climbing" in said(0.0, 120.0)
