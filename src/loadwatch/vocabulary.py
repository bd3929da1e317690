"""The words a flag and an episode are told with: severities and statuses.

One home for each, below every floor: the store's columns, the rules that decide them, the
services that change them and the faces that show them all name them from here, so a status
is a name a type checker knows rather than a string that a typo can miss.
"""

from __future__ import annotations

from typing import Final, Literal

from loadwatch.rounding import fixed

# How loud a flag is: an alert only where the evidence says the risk is highest
# (docs/rules.md, "Severity follows the evidence"); everything else is a caution.
Severity = Literal["caution", "alert"]
CAUTION: Final[Literal["caution"]] = "caution"
ALERT: Final[Literal["alert"]] = "alert"
SEVERITIES: Final[tuple[Severity, ...]] = (CAUTION, ALERT)

# Where a flag stands: open until a coach acknowledges it, resolved when the data no longer
# raise it, historic when it was first raised long after its day (not news).
FlagStatus = Literal["open", "acknowledged", "resolved", "historic"]
OPEN: Final[Literal["open"]] = "open"
ACKNOWLEDGED: Final[Literal["acknowledged"]] = "acknowledged"
RESOLVED: Final[Literal["resolved"]] = "resolved"
HISTORIC: Final[Literal["historic"]] = "historic"
FLAG_STATUSES: Final[tuple[FlagStatus, ...]] = (OPEN, ACKNOWLEDGED, RESOLVED, HISTORIC)

# An episode's status follows its flags; withdrawn when none of them is raised any more.
EpisodeStatus = Literal["open", "acknowledged", "resolved", "historic", "withdrawn"]
WITHDRAWN: Final[Literal["withdrawn"]] = "withdrawn"
EPISODE_STATUSES: Final[tuple[EpisodeStatus, ...]] = (*FLAG_STATUSES, WITHDRAWN)
# The episodes a coach still has to see.
LIVE_EPISODE: Final[tuple[EpisodeStatus, ...]] = (OPEN, ACKNOWLEDGED)

# What the coach's triage is filtered by: an athlete's worst current flag, or nothing current.
Concern = Literal["alert", "caution", "quiet"]
QUIET: Final[Literal["quiet"]] = "quiet"
CONCERNS: Final[tuple[Concern, ...]] = (ALERT, CAUTION, QUIET)

# What each dimension is called wherever a person reads it (CLI, dashboard, check-in, report).
# The API keeps its machine keys (``"dimension": "speed"``, ``open_flags.hills``) for the
# programs that read them; every label a person reads comes from here.  "climbing" is metres
# climbed; "uphill km" is the distance run uphill.
DIMENSION_LABEL: Final[dict[str, str]] = {
    "distance": "distance",
    "speed": "fast km",
    "hills": "climbing",
    "uphill": "uphill km",
    "pain": "pain",
    "rest": "rest",
}

# The same word as a heading (a chart's title, a tile, the head of a headroom line: "Fast km:
# 7.1 km in the last 7 days"), capitalised, never another name for it ("Fast running", "Fast
# distance", "Uphill" were the same fast km and uphill km, trial 10 F5).
DIMENSION_HEADING: Final[dict[str, str]] = {
    dim: label[:1].upper() + label[1:] for dim, label in DIMENSION_LABEL.items()
}
# What a sentence calls the running a dimension measures ("7.1 km of fast running", "your
# uphill running in the 7 days"): the activity, where the label is its measure.
DIMENSION_NOUN: Final[dict[str, str]] = {
    "distance": "running",
    "speed": "fast running",
    "hills": "climbing",
    "uphill": "uphill running",
}


# What a person reads for none of a dimension in a run: a limit of zero, a run without it.
# One phrase each on every surface (CLI, report, API sentences, dashboard, check-in page, plan
# check): zero climbing is "no climbing", never "climb 0 m" nor "flat" ("flat" is a plan that
# avoids hills, which allows up to 10 m per km: docs/rehab.md).  A distance of none is rest.
NO_LOAD: Final[dict[str, str]] = {
    dim: "rest" if dim == "distance" else f"no {noun}" for dim, noun in DIMENSION_NOUN.items()
}


def dimension_label(dimension: str) -> str:
    """The word a person reads for a dimension's machine key (the key itself if unknown)."""
    return DIMENSION_LABEL.get(dimension, dimension)


def dimension_heading(dimension: str) -> str:
    """'Fast km': the dimension's word as a heading (the key, capitalised, if unknown)."""
    return DIMENSION_HEADING.get(dimension, dimension.capitalize())


# What each rule is called where a person reads it (the report's weeks, the flags table, an
# episode's "+2 more"); the API keeps ``rule``'s machine keys.
RULE_LABEL: Final[dict[str, str]] = {
    "session_spike": "spike",
    "weekly_ramp": "ramp",
    "return_after_break": "return",
    "monotony": "monotony",
    "plan_breach": "over plan",
    "pain_response": "pain",
    "rest_too_long": "rest",
}


def rule_label(rule: str) -> str:
    """The word a person reads for a rule's machine key (the key, spaced, if unknown)."""
    return RULE_LABEL.get(rule, rule.replace("_", " "))


def flag_label(rule: str, dimension: str) -> str:
    """'fast km spike', 'climbing over plan', 'pain': one flag named for a person."""
    what, kind = dimension_label(dimension), rule_label(rule)
    return kind if what == kind else f"{what} {kind}"


# Rules whose ratio is a rule's own arithmetic, not a reading for a coach: a pain flag's
# "ratio" is the worst pain over the level that made it a flare (7 / 6 = 1.17), which says
# nothing the "7/10" in its sentence does not.  No surface shows it (the API keeps the field).
# Here, not in rules.messages: the flags command reads it, and must not load polars.
_NO_RATIO: Final[frozenset[str]] = frozenset({"pain_response"})


def shown_ratio(rule: str, ratio: float) -> str | None:
    """'1.48' for a flag's table or marker, None where the rule's ratio means nothing."""
    return None if rule in _NO_RATIO else fixed(ratio, 2)


def trend_span(shown: int, entries: int | None, days: int) -> str:
    """What a trend of ``shown`` values covers: "in the last 28 days", or, when the 28 days
    hold more entries than it shows, "the last 5 of 12 entries in 28 days" (trial 10 F6: a
    4/10 irritation that held a plan week was left out of "the last 28 days")."""
    if entries is None or entries <= shown:
        return f"in the last {days} days"
    return f"the last {shown} of {entries} entries in {days} days"
