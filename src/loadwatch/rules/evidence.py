"""How much weight each flag can bear: the one home of severities, evidence grades and the
risk a flag's band carries in the literature (docs/rules.md, "Severity follows the evidence").

A rule's grade says how well its link to running injury is established:

* ``strong``: a prospective cohort with a dose-response (Frandsen et al., BJSM 2025, 5,205
  runners) for the single-run distance spike;
* ``moderate``: clinical consensus, the same mechanism in another dimension, or the coach's
  own plan;
* ``contested``: studies disagree or find no dose-response (weekly ramps, ACWR);
* ``weak``: little or no evidence for running injury (monotony).

Severity follows the grade: an *alert* (pushed to the coach, painted red) only where the
published risk is highest (a run more than twice the longest of the last 30 days, and the same
spike in the other dimensions), for a straight return to full load after a break, or where the
coach's own plan caps are broken; a contested or weak rule is never more than a *caution*
(context on the page and in status), whatever the thresholds say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from loadwatch.rounding import fixed
from loadwatch.vocabulary import ALERT, CAUTION, DIMENSION_NOUN, Severity

# The engine's integer level of each severity (0: nothing).
LEVEL: Final[dict[Severity, int]] = {CAUTION: 1, ALERT: 2}


def severity_of(level: int) -> Severity:
    return ALERT if level >= LEVEL[ALERT] else CAUTION


Grade = Literal["strong", "moderate", "contested", "weak"]
GRADES: Final[tuple[Grade, ...]] = ("strong", "moderate", "contested", "weak")

FRANDSEN = "Frandsen et al., BJSM 2025"
IMPELLIZZERI = "Impellizzeri et al., Sports Med 2020"
FOSTER = "Foster, MSSE 1998"

# session_spike bands over the longest run of the last 30 days, Frandsen et al. BJSM 2025
# (5,205 runners, hazard rate ratios against runs no longer than that longest run).
SPIKE_BANDS: Final[tuple[tuple[float, float, str], ...]] = (
    (1.10, 1.64, "10–30 %"),
    (1.30, 1.52, "30–100 %"),
    (2.00, 2.28, "more than 100 %"),
)
# The alert line of a session spike: Frandsen's highest band (> 100 %).
SPIKE_ALERT: Final[float] = 2.0


class Evidence(BaseModel):
    """What a flag's finding rests on: its grade, the risk of its band in words where the
    literature gives one, and the source."""

    model_config = ConfigDict(frozen=True)

    grade: Grade = Field(description="strong | moderate | contested | weak")
    risk: str = Field(description="the risk of the flag's band in words, or why there is none")
    source: str


@dataclass(frozen=True, slots=True)
class _RuleEvidence:
    grade: Grade
    may_alert: bool  # False: never more than a caution, whatever the thresholds
    source: str
    risk: str


# What loadwatch measured itself (issue 16, an injury-labelled dataset of competitive runners
# kept outside the repository): fast-running spikes carried the most signal there.
_OWN = {
    "speed": "; in loadwatch's injury-labelled logs fast-running spikes carried the most "
    "signal (relative risk about 1.5–1.6)"
}

RULES: Final[dict[str, _RuleEvidence]] = {
    "session_spike": _RuleEvidence(
        "strong",
        True,
        f"{FRANDSEN} (5,205 runners)",
        "",  # by band, see _spike
    ),
    "weekly_ramp": _RuleEvidence(
        "contested",
        False,
        f"{IMPELLIZZERI}; {FRANDSEN}",
        "weekly ramps are contested: the acute:chronic ratio predicts injury barely better than "
        f"chance (c-statistic 0.57, {IMPELLIZZERI}) and showed no positive dose-response in "
        f"5,205 runners ({FRANDSEN}); context, not a warning",
    ),
    "return_after_break": _RuleEvidence(
        "moderate",
        True,
        "return-to-run guidance (clinical consensus); Coyle et al., J Appl Physiol 1984",
        "straight back to the usual load after two weeks or more off: clinical consensus "
        "advises a graded return; no cohort gives a rate",
    ),
    "monotony": _RuleEvidence(
        "weak",
        False,
        FOSTER,
        f"training monotony ({FOSTER}) has thin evidence for running injury; context only",
    ),
    "plan_breach": _RuleEvidence(
        "moderate",
        True,
        "the coach's own return-to-run plan",
        "over a cap of the coach's own return-to-run plan",
    ),
    "pain_response": _RuleEvidence(
        "moderate",
        True,
        "pain-monitoring model, Silbernagel et al., Am J Sports Med 2007 (docs/rehab.md)",
        "pain that flares after running: symptom-guided loading (clinical consensus)",
    ),
    # Not a flag: sRPE and its ramp are shown in series and status as context only
    # (docs/rules.md, "Session RPE"); no rule raises on them, and may_alert stays False.
    "srpe_ramp": _RuleEvidence(
        "contested",
        False,
        "Foster et al., J Strength Cond Res 2001; Impellizzeri et al., Sports Med 2020",
        "session RPE measures internal load validly (Foster 2001), but its ramp, like every "
        "acute:chronic ratio, has no established dose-response for running injury "
        f"({IMPELLIZZERI}); context, never an alert on its own",
    ),
    "rest_too_long": _RuleEvidence(
        "weak",
        False,
        "tendinopathy rehabilitation guidance (clinical consensus)",
        "complete rest is not advised during a tendon rehab; context only",
    ),
}


def _spike(
    dimension: str, ratio: float, severity: Severity | None, own: float | None = None
) -> Evidence:
    # The band the ratio falls in; the severity settles a ratio rounded onto a band's edge.
    i = sum(ratio > b[0] for b in SPIKE_BANDS) - 1
    if severity == ALERT:
        i = len(SPIKE_BANDS) - 1
    elif severity == CAUTION:
        i = min(max(i, 0), len(SPIKE_BANDS) - 2)
    band = SPIKE_BANDS[i] if i >= 0 else None
    src = RULES["session_spike"].source
    if own is not None and own <= 0.0:
        # Nothing of the dimension in the window: the floor alone judged.  Frandsen's rates are
        # of a run against the longest run of the 30 days before it; with none, no band applies
        # (trial 9, F14: "strong: runs more than twice the longest" for a first run back).
        noun = "run" if dimension == "distance" else DIMENSION_NOUN.get(dimension, dimension)
        return Evidence(
            grade="moderate",
            risk=(
                f"no {noun} in the last 30 days to compare it with: judged against the floor "
                "alone; the rates Frandsen 2025 measured compare a run with the longest of the "
                "30 days before it and do not cover a run with none before it"
            ),
            source=src,
        )
    if dimension != "distance":
        # Frandsen measured run distance; the same spike in fast running or climbing is the
        # same mechanism (one session far beyond what the tissue met in 30 days), not measured.
        noun = DIMENSION_NOUN.get(dimension, dimension)
        if band is not None and band[0] >= SPIKE_ALERT:
            lead = f"a run with more than twice the {noun} of any run of the last 30 days"
        else:
            more = fixed((ratio - 1) * 100, 0)
            lead = f"a run with {more} % more {noun} than any run of the last 30 days"
        return Evidence(
            grade="moderate",
            risk=(
                f"{lead}: the spike Frandsen 2025 measured for distance in 5,205 runners, "
                f"here in {noun}, with no published rate{_OWN.get(dimension, '')}"
            ),
            source=src,
        )
    if band is None:
        return Evidence(grade="strong", risk="within the longest run of 30 days", source=src)
    low, hrr, name = band
    lead = (
        "runs more than twice the longest"
        if low >= SPIKE_ALERT
        else f"a run {name} longer than the longest run"
    )
    return Evidence(
        grade="strong",
        risk=(
            f"{lead} of the last 30 days: about {fixed(hrr)}× the injury rate "
            f"(hazard rate ratio {fixed(hrr, 2)}) in 5,205 runners (Frandsen 2025)"
        ),
        source=src,
    )


def evidence(
    rule: str,
    dimension: str,
    ratio: float,
    severity: Severity | None = None,
    own_baseline: float | None = None,
) -> Evidence:
    """The evidence behind a flag of ``rule`` on ``dimension`` at ``ratio`` (of ``severity``):
    derived from the rule and its band here only, so the API, the CLI, webhooks and the page
    say the same.  ``own_baseline``: the rule's own baseline before a floor raised it (0: a
    spike with nothing before it in its window, which no band describes; None: not known)."""
    if rule == "session_spike":
        return _spike(dimension, ratio, severity, own_baseline)
    known = RULES.get(rule)
    if known is None:
        return Evidence(grade="weak", risk="no graded evidence", source="")
    return Evidence(grade=known.grade, risk=known.risk, source=known.source)


def may_alert(rule: str) -> bool:
    """False for contested and weak rules: their findings are cautions at most."""
    known = RULES.get(rule)
    return known is not None and known.may_alert


def max_level(rule: str) -> int:
    return LEVEL[ALERT] if may_alert(rule) else LEVEL[CAUTION]
