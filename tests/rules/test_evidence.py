"""rules.evidence: each rule and band's grade and risk in words, and the cap that keeps a
contested or weak rule from alerting (docs/rules.md, "Severity follows the evidence")."""

from __future__ import annotations

import pytest

from loadwatch.rules.evidence import GRADES, RULES, evidence, max_level, may_alert


@pytest.mark.parametrize(
    ("ratio", "severity", "hrr"),
    [
        (1.2, "caution", "1.64"),  # 10–30 % over the 30-day longest
        (1.3, "caution", "1.64"),  # exactly 30 % is still the small band (> 10 % to 30 %)
        (1.31, "caution", "1.52"),
        (2.0, "caution", "1.52"),  # twice is not more than twice
        (2.01, "alert", "2.28"),
        # Rounded onto a band's edge for display, the severity settles the band.
        (2.0, "alert", "2.28"),
        (1.1, "caution", "1.64"),
    ],
)
def test_distance_spikes_carry_frandsens_band(ratio: float, severity: str, hrr: str) -> None:
    e = evidence("session_spike", "distance", ratio, severity)  # type: ignore[arg-type]
    assert e.grade == "strong"
    assert f"hazard rate ratio {hrr}" in e.risk and "5,205 runners (Frandsen 2025)" in e.risk


def test_the_highest_band_reads_as_the_issue_asks() -> None:
    assert evidence("session_spike", "distance", 2.3, "alert").risk == (
        "runs more than twice the longest of the last 30 days: about 2.3× the injury rate "
        "(hazard rate ratio 2.28) in 5,205 runners (Frandsen 2025)"
    )


def test_other_dimensions_are_an_extension_with_no_published_rate() -> None:
    e = evidence("session_spike", "hills", 1.5, "caution")
    assert e.grade == "moderate" and "no published rate" in e.risk
    assert e.risk.startswith("a run with 50 % more climbing than any run of the last 30 days")


def test_grades_and_the_alert_cap() -> None:
    assert {r: RULES[r].grade for r in ("weekly_ramp", "monotony", "return_after_break")} == {
        "weekly_ramp": "contested",
        "monotony": "weak",
        "return_after_break": "moderate",
    }
    assert all(rule.grade in GRADES for rule in RULES.values())
    # Only graded strong or moderate rules may alert; contested and weak ones never do.
    for name, rule in RULES.items():
        assert may_alert(name) == (rule.grade in ("strong", "moderate") and name != "rest_too_long")
    assert (max_level("weekly_ramp"), max_level("session_spike"), max_level("unknown")) == (1, 2, 1)
    assert evidence("unknown_rule", "distance", 3.0).grade == "weak"


def test_a_spike_with_nothing_before_it_cites_no_band() -> None:
    # F14: 7.3 km after 89 days off, no run in the 30 days: 2.43x the 3 km floor, an alert,
    # but no cohort band describes "twice the longest" of no run at all.
    ev = evidence("session_spike", "distance", 2.43, "alert", own_baseline=0.0)
    assert ev.grade == "moderate"
    assert ev.risk.startswith("no run in the last 30 days to compare it with")
    assert "injury rate" not in ev.risk
    hills = evidence("session_spike", "hills", 3.0, "alert", own_baseline=0.0)
    assert hills.risk.startswith("no climbing in the last 30 days")
    # A real (if floored) longest run: the band holds (7.3 > 2 x 3.0 > 2 x 2.28).
    assert evidence("session_spike", "distance", 2.43, "alert", own_baseline=2.28).grade == (
        "strong"
    )
    assert evidence("session_spike", "distance", 2.43, "alert").grade == "strong"  # unknown
