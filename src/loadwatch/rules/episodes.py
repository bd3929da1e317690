"""Episodes: one event, one thing a coach is told.  Pure functions over an athlete's flags.

A flag is a fact about a day; the load behind it keeps acting on the days after.  Each flag
therefore *reaches* from its date over the ``EPISODE_REACH_DAYS`` (7) days the 7-day windows
read forward (a run on Monday is in every 7-day window up to Sunday).  Flags of one athlete
whose reaches touch or overlap (``[date, date + 6]`` intervals that share a day, or follow on
the next day) are one episode, chained: a return week's flags on Thursday and Sunday, and a
spike the Wednesday after, are one episode.

An episode has its first and last flag dates, its worst severity, every rule, dimension and
reason (each flag's sentence, in date order), and keeps its flags underneath.  Its headline
is the sentence of its most telling flag (``importance``, which the dashboard's triage reason
uses too): the worst severity first, then the rule (pain_response, plan_breach,
return_after_break, session_spike, weekly_ramp, monotony, rest_too_long), then the newest day,
then how far over its threshold the flag is.

Historic classification (``classify``): a flag first raised more than ``HISTORIC_DAYS`` (14)
days after its date is history (a backfill of an old archive), not news.

Lifecycle (``episode_status``, ``reconcile``, ``transition``): evaluation regroups an athlete's
firing flags after every run and matches the groups to the stored episodes by shared flags, so
an episode keeps its identity while flags join it.  Its status is ``historic`` when every flag
is, ``resolved`` once none of its flags is current (``CURRENT_DAYS`` after its last flag: the
load passed without a new one), ``acknowledged`` when the coach answered every flag, else
``open``; an episode left with no firing flag (the data changed) is ``withdrawn``.  What a
webhook is told follows from the change: ``created`` for a new open episode, ``escalated``
when its worst severity rises, ``resolved`` and ``withdrawn`` as named.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic, Literal, Protocol, TypeVar

from loadwatch.rules.evidence import LEVEL
from loadwatch.vocabulary import (
    ACKNOWLEDGED,
    ALERT,
    HISTORIC,
    OPEN,
    RESOLVED,
    WITHDRAWN,
    EpisodeStatus,
    FlagStatus,
    Severity,
    flag_label,
)

EPISODE_REACH_DAYS = 7
HISTORIC_DAYS = 14
# The present, for every view: a flag is current when dated within the last CURRENT_DAYS
# local days of the athlete's today (the same two weeks that make a new flag news).
CURRENT_DAYS = HISTORIC_DAYS
# Which rule speaks first when several say the same thing about one event, for the episode's
# headline and the dashboard's triage reason alike (``importance``): under a plan
# (docs/rehab.md) a pain flare and a breach of the plan are what the coach acts on first; after
# a break the return owns the verdict; then the single run, the week, the evenness, and a rest
# that went on too long.
RULE_PRIORITY = (
    "pain_response",
    "plan_breach",
    "return_after_break",
    "session_spike",
    "weekly_ramp",
    "monotony",
    "rest_too_long",
)
_SEVERITY: dict[str, int] = {str(k): v for k, v in LEVEL.items()}

Status = Literal["historic", "open"]
EventKind = Literal["created", "escalated", "resolved", "withdrawn"]


class FlagLike(Protocol):
    """What an episode needs of a flag: ``rules.engine.FlagRecord`` and the stored flags
    both have it."""

    @property
    def date(self) -> date: ...
    @property
    def rule(self) -> str: ...
    @property
    def dimension(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def ratio(self) -> float: ...
    @property
    def threshold(self) -> float: ...
    @property
    def message(self) -> str: ...


F = TypeVar("F", bound=FlagLike)


@dataclass(frozen=True)
class Episode(Generic[F]):
    first: date
    last: date  # the last flag's date (the episode reaches on to last + reach - 1)
    severity: str  # caution | alert: the worst of its flags
    rules: tuple[str, ...]  # in RULE_PRIORITY order
    dimensions: tuple[str, ...]  # in first-flagged order
    reasons: tuple[str, ...]  # every flag's sentence, by date
    headline: str
    flags: tuple[F, ...]  # by date, rule, dimension

    @property
    def until(self) -> date:
        """The last day the episode's load still reaches."""
        return self.last + timedelta(days=EPISODE_REACH_DAYS - 1)


def _rank(rule: str) -> int:
    return RULE_PRIORITY.index(rule) if rule in RULE_PRIORITY else len(RULE_PRIORITY)


def importance(f: FlagLike) -> tuple[int, int, date, float]:
    """Larger = more important, the one order of flags for every surface that leads with one
    (an episode's headline, the dashboard's triage reason): the worst severity, then the rule
    (``RULE_PRIORITY``), then the newest day (what just happened is what a coach acts on),
    then how far over its threshold."""
    excess = f.ratio / f.threshold if f.threshold else 0.0
    return (_SEVERITY.get(f.severity, 0), -_rank(f.rule), f.date, excess)


def headline_flag(flags: Sequence[F]) -> F:
    """The flag whose sentence heads the episode: the most important (``importance``; the
    first of equals)."""
    if not flags:
        raise ValueError("an episode has at least one flag")
    return max(flags, key=importance)


def headline(flags: Sequence[FlagLike]) -> str:
    """The episode's headline sentence, with how many more reasons stand behind it."""
    top = headline_flag(flags)
    more = len(flags) - 1
    if more == 0:
        return top.message
    return f"{top.message} (+{more} more: {', '.join(_others(flags, top))})"


def _others(flags: Sequence[FlagLike], top: FlagLike) -> list[str]:
    seen: list[str] = []
    for f in flags:
        if f is top:
            continue
        # Named as a person reads it (trial 10 F5), not "session spike speed".
        label = flag_label(f.rule, f.dimension)
        if label not in seen:
            seen.append(label)
    return seen


def episodes(flags: Iterable[F], *, reach_days: int = EPISODE_REACH_DAYS) -> list[Episode[F]]:
    """One athlete's flags grouped into episodes, oldest first (see the module docstring)."""
    ordered = sorted(flags, key=lambda f: (f.date, _rank(f.rule), f.dimension))
    groups: list[list[F]] = []
    reach_end: date | None = None
    for f in ordered:
        # Touching: this flag's reach starts no later than the day after the group's reach.
        if reach_end is not None and f.date <= reach_end + timedelta(days=1):
            groups[-1].append(f)
        else:
            groups.append([f])
            reach_end = None
        end = f.date + timedelta(days=reach_days - 1)
        reach_end = end if reach_end is None else max(reach_end, end)
    return [_episode(g) for g in groups]


def _episode(group: list[F]) -> Episode[F]:
    dims: list[str] = []
    for f in group:
        if f.dimension not in dims:
            dims.append(f.dimension)
    return Episode(
        first=group[0].date,
        last=group[-1].date,
        severity=max((f.severity for f in group), key=lambda s: _SEVERITY.get(s, 0)),
        rules=tuple(sorted({f.rule for f in group}, key=_rank)),
        dimensions=tuple(dims),
        reasons=tuple(f.message for f in group),
        headline=headline(group),
        flags=tuple(group),
    )


def classify(flag_date: date, first_raised_on: date, historic_days: int = HISTORIC_DAYS) -> Status:
    """``historic`` when the flag was first raised more than ``historic_days`` days after its
    date (old history imported now), else ``open``."""
    if historic_days < 0:
        raise ValueError("historic_days cannot be negative")
    return HISTORIC if (first_raised_on - flag_date).days > historic_days else OPEN


def is_current(day: date, today: date, days: int = CURRENT_DAYS) -> bool:
    """Dated within the last ``days`` local days of ``today``."""
    return today - timedelta(days=days - 1) <= day <= today


def severity_rank(severity: str) -> int:
    return _SEVERITY.get(severity, 0)


def episode_status(
    flag_statuses: Sequence[FlagStatus], last: date, today: date, days: int = CURRENT_DAYS
) -> EpisodeStatus:
    """An episode's status from its firing flags' statuses (see the module docstring)."""
    live = [s for s in flag_statuses if s != HISTORIC]
    if not live:
        return HISTORIC
    if not is_current(last, today, days) and last <= today:
        return RESOLVED
    if all(s == ACKNOWLEDGED for s in live):
        return ACKNOWLEDGED
    return OPEN


@dataclass(frozen=True)
class Stored:
    """What reconciling needs of a stored episode."""

    id: int
    flag_ids: frozenset[int]
    severity: Severity
    status: EpisodeStatus


def reconcile(
    groups: Sequence[frozenset[int]], stored: Sequence[Stored]
) -> tuple[list[int | None], list[int]]:
    """Match today's groups (by their flags' ids, oldest group first) to stored episodes.

    A group takes the oldest stored episode it shares a flag with that no earlier group took,
    so an episode keeps its id as flags join it, and when a removed flag splits one the earlier
    part keeps it.  Returns each group's stored id (None: a new episode) and the stored ids no
    group took (their flags stopped firing, or merged into another episode)."""
    taken: set[int] = set()
    matches: list[int | None] = []
    for group in groups:
        candidates = [e.id for e in stored if e.id not in taken and e.flag_ids & group]
        match = min(candidates) if candidates else None
        if match is not None:
            taken.add(match)
        matches.append(match)
    return matches, [e.id for e in stored if e.id not in taken]


def transition(before: Stored | None, status: EpisodeStatus, severity: str) -> EventKind | None:
    """What a coach is told when an episode goes from ``before`` (None: new) to ``status`` at
    ``severity``.  History is never announced; an acknowledged episode that escalates is
    news again.  Only alerts interrupt a coach (``rules.evidence``): an episode of cautions is
    context on the page and in status, never announced; when it reaches an alert it is told
    as new, and only an episode that was told can resolve or be withdrawn."""
    told = before is not None and before.status != HISTORIC and before.severity == ALERT
    if status in (HISTORIC, WITHDRAWN):
        return "withdrawn" if status == WITHDRAWN and told else None
    if before is None or not told:
        return "created" if status == OPEN and severity == ALERT else None
    if status == RESOLVED:
        return "resolved" if before.status != RESOLVED else None
    if severity_rank(severity) > severity_rank(before.severity):
        return "escalated"
    return None
