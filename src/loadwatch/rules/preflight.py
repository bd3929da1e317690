"""The pre-flight check (docs/planning.md): planned runs judged before they are run by the
very functions that judge them once run.  Pure.

The planned runs are added to the real daily frame as if run (``rules.planned.with_runs``), and
the frame goes through ``rules.engine.evaluate`` with the return-to-run plan's quiet days and
its own records (``rules.plan.judge``), exactly as ``services.evaluation`` does after an
import.  A planned run's verdict is the flags dated on its day; a run is judged with every
planned run before it in place, as planned.

The largest version that trips nothing is searched on a grid (0.1 km, 10 m) by bisection,
each candidate through the same simulation:

* only fast running tripped: the fast km of the run, its distance kept;
* only climbing (hills, uphill) tripped: its climb, its distance kept;
* otherwise: the whole run scaled down, fast km and climb in proportion to the distance.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import polars as pl

from loadwatch.analytics.schema import UNITS
from loadwatch.rounding import half_up
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.engine import FlagRecord, evaluate, judgements
from loadwatch.rules.episodes import CURRENT_DAYS
from loadwatch.rules.evidence import evidence
from loadwatch.rules.flare_limit import (
    FLARE_STEP_BACK_RULE,
    FlareLimit,
    flare_limit,
    over_step_back_week_words,
    over_step_back_words,
)
from loadwatch.rules.judging import AMOUNT_RULES
from loadwatch.rules.messages import above, amount, baseline_phrase, day_name, more
from loadwatch.rules.plan import PlanSpec, judge
from loadwatch.rules.plan_breach import (
    BREACH_ALERT,
    WeekLoad,
    plan_days,
    standing_weeks,
    week_loads,
)
from loadwatch.rules.plan_caps import Caps, caps_timeline
from loadwatch.rules.planned import PlannedRun, uphill_km, uphill_per_metre, with_runs
from loadwatch.rules.response import Response
from loadwatch.rules.spike_limit import (
    SPIKE_RULE,
    STEP_BACK_RULE,
    SpikeCap,
    carries_spike,
    over_cap_words,
    spike_caps,
)
from loadwatch.vocabulary import ALERT, CAUTION, NO_LOAD, Severity

# Flags about the day rather than the run: a pain entry, days without running.
NOT_ABOUT_THE_RUN = ("pain_response", "rest_too_long")
# The check's own findings: the step backs status offers, advice and no flag of the engine.
STEP_BACKS = (STEP_BACK_RULE, FLARE_STEP_BACK_RULE)
# What a pain flare's step back holds a planned run to: its own figures.  Its uphill km is
# only an estimate from its climb (``rules.planned.uphill_km``), held through the climb.
_FLARE_DIMENSIONS = ("distance", "speed", "hills")
KM_STEP = 0.1
CLIMB_STEP = 10.0
_SPEED = {"speed"}
_CLIMB = {"hills", "uphill"}


@dataclass(frozen=True)
class History:
    """What evaluation reads for one athlete, as of ``today``."""

    daily: pl.DataFrame
    config: RuleConfig
    plans: Sequence[PlanSpec]
    responses: Sequence[Response]
    today: date


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    dimension: str
    severity: Severity
    value: float
    baseline: float
    ratio: float
    threshold: float
    grade: str
    message: str
    own_baseline: float | None = None  # before a floor raised it
    kept: float | None = None  # a post-break baseline: the share of capacity counted
    days_off: int | None = None  # and the break's days
    # A ramp over its line with no flag of its own (``Standing``): the day of the episode's
    # flag, and what the run adds to the 7 days.
    flagged: date | None = None
    added: float | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    run: PlannedRun
    how: str  # distance | fast | climb | fast_climb | none


@dataclass(frozen=True)
class SessionCheck:
    run: PlannedRun
    findings: list[Finding]
    suggestion: Suggestion | None  # None: nothing tripped
    sentence: str

    @property
    def severity(self) -> Severity | None:
        if not self.findings:
            return None
        return ALERT if any(f.severity == ALERT for f in self.findings) else CAUTION


@dataclass(frozen=True, slots=True)
class Window:
    """A dimension's 7-day load over the planned days: its peak against the usual week."""

    dimension: str
    unit: str
    peak: float
    peak_date: date
    usual_week: float | None
    ratio: float | None
    level: int  # 0 none, 1 caution, 2 alert: the worst said of the window (``rule``)
    caution: float
    alert: float | None
    own_week: float | None = None  # the usual week before a floor raised it
    # What sets ``level``: weekly_ramp (were it judging), or a flag of this dimension on a day
    # of the peak's 7 days that says worse (a spike, a return): a window holding an alert is
    # no "ok" window.
    rule: str | None = None
    # What ``usual_week`` and ``ratio`` are of: the ramp's usual week, or, when the return sets
    # the verdict, the week before the break the return's sentence names (one baseline per
    # dimension across the sentence and the table).
    basis: str = "usual week"
    # What the peak's days are and how much of the peak is planned (trial 10 F2b: a row whose
    # 7 days are last week's, run, read as a verdict on the plan): "Wed 11 Nov–Tue 17 Nov:
    # 1,745 m run, none of it planned".
    planned: float = 0.0
    span: str = ""


@dataclass(frozen=True)
class Preflight:
    sessions: list[SessionCheck]
    windows: list[Window] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Standing:
    """A line a planned day is over without a flag of its own: a weekly ramp within its quiet
    days, a return over a line it has flagged, a plan week over a cap already told.  The flag
    that said it (``flagged``) still stands, so the engine raises nothing new (one flag per
    episode, per line, per plan week), but the day is over the line all the same (trial 10
    F2, trial 12 F1/F2: "raises nothing" beside a table or status that says otherwise)."""

    flag: FlagRecord  # the ramp's judgement of the planned day, as a flag would say it
    flagged: date  # the day of the flag that opened (or last escalated) the episode


def _loud(config: RuleConfig) -> RuleConfig:
    """``config`` with the ramp's quiet days off: every day over its line is a flag."""
    ramp = config.weekly_ramp
    if not ramp.enabled or not ramp.quiet_days:
        return config
    return config.model_copy(update={"weekly_ramp": ramp.model_copy(update={"quiet_days": 0})})


def _split_ramp(
    flags: Sequence[FlagRecord], quiet_days: int
) -> tuple[list[FlagRecord], list[Standing]]:
    """Loud flags -> the flags evaluation raises (a ramp only above every level of its
    previous ``quiet_days`` days, as ``rules.engine`` emits it) and the ramp days it keeps
    quiet, each with the flag of its episode."""
    level = {ALERT: 2, CAUTION: 1}
    ramp: dict[str, list[FlagRecord]] = {}
    out: list[FlagRecord] = []
    standing: list[Standing] = []
    for f in flags:
        if f.rule != "weekly_ramp" or not quiet_days:
            out.append(f)
            continue
        before = [g for g in ramp.get(f.dimension, []) if 0 < (f.date - g.date).days <= quiet_days]
        ramp.setdefault(f.dimension, []).append(f)
        if all(level[f.severity] > level[g.severity] for g in before):
            out.append(f)
            continue
        raised = [g for g in out if g.rule == "weekly_ramp" and g.dimension == f.dimension]
        standing.append(Standing(f, raised[-1].date if raised else before[0].date))
    return out, standing


def _standing_returns(
    daily: pl.DataFrame, config: RuleConfig, raised: Sequence[FlagRecord], since: date
) -> list[Standing]:
    """The days from ``since`` a return is over a line it has already flagged: the engine
    flags the first day each severity is crossed, and stays quiet on the days after while
    the return is over that line all the same (trial 12 F1: "raises nothing" beside status's
    "rest tomorrow").  Each with the return's flag that stands."""
    said = [f for f in raised if f.rule == "return_after_break"]
    if not said or max(f.date for f in said) < since - timedelta(
        days=config.return_after_break.return_days
    ):
        return []  # no return flag that could stand on a planned day: nothing to judge
    told = {(f.date, f.dimension) for f in said}
    # The return's level reads no other rule (the hand-over gates the spike, not the return):
    # judged alone, a fraction of the cost inside the suggestions' search.
    alone = config.model_copy(
        update={
            name: getattr(config, name).model_copy(update={"enabled": False})
            for name in ("session_spike", "weekly_ramp", "monotony")
        }
    )
    j = judgements(daily, alone, since=since).filter(
        (pl.col("rule") == "return_after_break") & pl.col("judged") & (pl.col("level") > 0)
    )
    out = []
    for row in j.iter_rows(named=True):
        day, dim = row["date"], row["dimension"]
        if (day, dim) in told:
            continue
        back = day - timedelta(days=config.return_after_break.return_days)
        before = [f for f in said if f.dimension == dim and back <= f.date < day]
        if not before:
            continue
        sev = ALERT if row["level"] >= 2 else CAUTION
        flag = FlagRecord(
            date=day,
            dimension=dim,
            rule="return_after_break",
            severity=sev,
            value=float(row["value"]),
            baseline=float(row["baseline"]),
            ratio=float(row["ratio"]),
            threshold=float(row["alert"] if sev == ALERT else row["caution"]),
            message="",
            own_baseline=row["own_baseline"],
        )
        out.append(Standing(flag, before[-1].date))
    return out


def _simulate(h: History, runs: Sequence[PlannedRun]) -> tuple[list[FlagRecord], list[Standing]]:
    """``simulate``'s flags, and the planned days a standing ramp keeps quiet."""
    if not runs:
        return [], []
    daily = with_runs(h.daily, runs)
    last: date = daily["date"].max()  # type: ignore[assignment]
    since = min(r.date for r in runs)
    quiet_days = h.config.weekly_ramp.quiet_days if h.config.weekly_ramp.enabled else 0
    # The rules look back only, so the days before the first planned one judge as recorded:
    # one evaluation gives the spikes a planned run follows, the ramp flags whose quiet days
    # reach the planned days, and the planned runs' own flags.
    spikes_from = since - timedelta(days=CURRENT_DAYS - 1)
    # A planned day's emission reads the ramp's levels of the quiet days before it; those
    # days' own (the episode's flag named in the words) the quiet days before them.
    ramp_from = since - timedelta(days=2 * quiet_days)
    plan = judge(h.plans, daily, h.responses, max(last, h.today))
    # The ramp judged loud (no quiet days) and its emission redone here: one evaluation tells
    # both what evaluation would raise and where the ramp is over its line unsaid.
    # The plan's quiet days drop flags once emitted (``rules.engine.evaluate``): dropped here
    # after the emission is redone, as there.
    ret = h.config.return_after_break
    # A return's flag stands for its ``return_days``: read back that far for it.
    ret_from = since - timedelta(days=ret.return_days if ret.enabled else 0)
    loud = evaluate(daily, _loud(h.config), since=min(spikes_from, ramp_from, ret_from))
    raised, standing = _split_ramp(loud, quiet_days)
    standing += _standing_returns(daily, h.config, raised, since)
    hushed = set(plan.quiet.select("date", "dimension").iter_rows())

    def heard(f: FlagRecord) -> bool:
        return f.rule not in AMOUNT_RULES or (f.date, f.dimension) not in hushed

    raised = [f for f in raised if heard(f)]
    standing = [s for s in standing if heard(s.flag)]
    # A plan week's total is told once per plan week (``rules.plan_breach``): the planned
    # days after it that keep the week over its cap stand the same way (trial 12 F2).
    until = max(last, h.today)
    standing += [
        Standing(f, told)
        for p in h.plans
        for f, told in standing_weeks(plan_days(p, daily, h.responses, until))
    ]
    fired = [
        *(f for f in raised if f.date >= since or (carries_spike(f) and f.date >= spikes_from)),
        *(p for p in plan.records if p.date >= since),
    ]
    return (
        [f for f in fired if f.rule not in NOT_ABOUT_THE_RUN],
        [s for s in standing if s.flag.date >= since],
    )


def simulate(h: History, runs: Sequence[PlannedRun]) -> list[FlagRecord]:
    """Every flag evaluation would raise from the first planned day on, were ``runs`` run,
    and the spikes of the ``CURRENT_DAYS`` before it (a spike still current caps the planned
    runs after it, as status says: ``rules.spike_limit``)."""
    return _simulate(h, runs)[0]


def _amounts(h: History, runs: Sequence[PlannedRun], run: PlannedRun) -> dict[str, float]:
    """``run``'s amount per dimension, as ``with_runs`` counts it."""
    rate = uphill_per_metre(h.daily, min(r.date for r in runs))
    return {
        "distance": run.distance_km,
        "speed": run.fast_km,
        "hills": run.climb_m,
        "uphill": uphill_km(run.distance_km, run.climb_m, rate),
    }


def _over_caps(
    h: History, runs: Sequence[PlannedRun], flags: Sequence[FlagRecord], run: PlannedRun
) -> list[Finding]:
    """``run`` above the cap of a spike current on its day (recorded or planned before it):
    the limit status offers while it holds, a caution."""
    caps: dict[str, SpikeCap] = spike_caps([f for f in flags if f.date < run.date], run.date)
    if not caps:
        return []
    have = _amounts(h, runs, run)
    out = []
    for dim, c in caps.items():
        value = have.get(dim, 0.0)
        if value <= c.cap or c.cap <= 0:
            continue
        out.append(
            Finding(
                STEP_BACK_RULE,
                dim,
                CAUTION,
                value,
                c.cap,
                value / c.cap,
                1.0,
                evidence(SPIKE_RULE, dim, c.value / c.cap).grade,
                over_cap_words(c),
            )
        )
    return out


def _over_flare(
    h: History,
    runs: Sequence[PlannedRun],
    run: PlannedRun,
    flags: Sequence[FlagRecord] = (),
) -> list[Finding]:
    """``run`` above the step back of a pain flare current on its day (``rules.flare_limit``:
    the limit status offers, in its words), a caution; or, within the run's limit, the
    planned runs of its 7 days (up to it, as planned) above the step back's 7 days.  Its
    words name the limit in force: a lower spike cap current on the day (``flags``, as
    ``_over_caps`` reads them) rather than the flare's own figure (trial 12 F3)."""
    limit = flare_limit(h.responses, run.date)
    if limit is None:
        return []
    have = _amounts(h, runs, run)
    week = None if limit.rest else _flare_week(h, runs, run, limit)
    spikes = spike_caps([f for f in flags if f.date < run.date], run.date)
    out = []
    for dim in _FLARE_DIMENSIONS:
        value, cap = have[dim], limit.run[dim]
        if limit.rest and dim != "distance":
            continue  # rest: the run itself is the finding, once
        words = over_step_back_words(limit, dim, spikes.get(dim))
        if value <= cap and week is not None:
            # The run fits; its 7 days may not ("up to 22.0 km more over the next 7 days").
            total, first = week[0][dim], week[1]
            value, cap = total, limit.week[dim]
            words = over_step_back_week_words(limit, dim, total, first, run.date)
        if value <= cap + 1e-9:
            continue
        ratio = value / cap if cap > 0 else math.inf
        out.append(
            Finding(
                FLARE_STEP_BACK_RULE,
                dim,
                CAUTION,
                value,
                cap,
                ratio,
                1.0,
                evidence("pain_response", dim, ratio).grade,
                words,
            )
        )
    return out


def _flare_week(
    h: History, runs: Sequence[PlannedRun], run: PlannedRun, limit: FlareLimit
) -> tuple[dict[str, float], date]:
    """The planned runs of the 7 days ending on ``run``'s day, up to ``run`` as planned (not
    a run planned after it on its day), from the flare's day on: their amounts per dimension
    and the first day among them.  Only planned runs count: status's 7 days are the next 7,
    "more" than what was already run."""
    upto = next(i for i, r in enumerate(runs) if r is run)
    start = max(run.date - timedelta(days=6), limit.flare)
    mine = [r for r in runs[: upto + 1] if start <= r.date <= run.date]
    total = dict.fromkeys(_FLARE_DIMENSIONS, 0.0)
    for r in mine:
        for dim, v in _amounts(h, runs, r).items():
            if dim in total:
                total[dim] += v
    return total, min(r.date for r in mine)


def _finding(
    f: FlagRecord, message: str, flagged: date | None = None, added: float | None = None
) -> Finding:
    """A flag as the check reports it, graded by its evidence."""
    return Finding(
        f.rule,
        f.dimension,
        f.severity,
        f.value,
        f.baseline,
        f.ratio,
        f.threshold,
        evidence(f.rule, f.dimension, f.ratio, f.severity, f.own_baseline).grade,
        message,
        f.own_baseline,
        f.kept,
        f.days_off,
        flagged=flagged,
        added=added,
    )


def _findings(
    flags: Sequence[FlagRecord], day: date, extra: Sequence[Finding] = ()
) -> list[Finding]:
    out = [_finding(f, f.message) for f in flags if f.date == day]
    out.extend(extra)
    # A rule's flag before the step-back cap of the same severity: the flag is the graded one.
    return sorted(
        out,
        key=lambda f: (
            f.severity != ALERT,
            f.rule in STEP_BACKS,
            -f.ratio if math.isfinite(f.ratio) else 0,
        ),
    )


def _standing(
    h: History, runs: Sequence[PlannedRun], standing: Sequence[Standing], run: PlannedRun
) -> list[Finding]:
    """``run`` adding to a 7-day load already over the ramp's line with its flag standing:
    said, though no new flag is raised.  Only in what the run adds (an easy run under a
    standing fast-running ramp adds none of it)."""
    have = _amounts(h, runs, run)
    out = []
    for s in standing:
        f = s.flag
        if f.date != run.date or have.get(f.dimension, 0.0) <= 0:
            continue
        out.append(_finding(f, "", flagged=s.flagged, added=have[f.dimension]))
    out = [replace(x, message=_upper(_what(x, h.config))) for x in out]
    return out


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _run_findings(
    h: History,
    runs: Sequence[PlannedRun],
    flags: Sequence[FlagRecord],
    run: PlannedRun,
    standing: Sequence[Standing] = (),
) -> list[Finding]:
    return _findings(
        flags,
        run.date,
        [
            *_standing(h, runs, standing, run),
            *_over_caps(h, runs, flags, run),
            *_over_flare(h, runs, run, flags),
        ],
    )


def _trips(h: History, before: Sequence[PlannedRun], run: PlannedRun) -> bool:
    runs = [*before, run]
    flags, standing = _simulate(h, runs)
    return bool(_run_findings(h, runs, flags, run, standing))


def _largest(ok: Callable[[int], bool], top: int, guess: int | None) -> int:
    """The largest ``k`` in ``[0, top]`` with ``ok(k)``; ``ok(0)`` is taken as true and
    ``ok(top + 1)`` is known false.  ``guess`` (where the ratios say the line lies) is tried
    first: right, it costs two simulations instead of a bisection."""
    lo, hi = 0, top + 1
    if guess is not None and 0 < guess <= top:
        if ok(guess):
            lo = guess
            if guess + 1 <= top and not ok(guess + 1):
                return guess
            lo = guess + 1 if guess + 1 <= top else guess
        else:
            hi = guess
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo


def _over_before(f: Finding) -> bool:
    """A standing finding whose line the load was over before the run added to it."""
    if f.flagged is None or f.added is None:
        return False
    return f.value - f.added > f.baseline * f.threshold + 1e-9


def _caution(config: RuleConfig, f: Finding) -> float:
    rule = getattr(config, f.rule, None)
    return float(rule.caution_for(f.dimension)) if rule is not None else 1.0


def _top(value: float, step: float) -> int:
    """The largest grid point strictly below ``value``."""
    return max(math.ceil(value / step - 1e-9) - 1, 0)


# A suggestion is judged as it is said: its numbers rounded as ``amount`` prints them (halves
# up, ``rounding.half_up``), so "up to 1.3 km fast" is the run that was found to raise nothing
# (``round`` made 1.25 km of fast running "1.2" here and 0.05 km "0.1" elsewhere).
def fast_climb_at(run: PlannedRun, pct: int) -> PlannedRun:
    """``run`` with its fast km and climb at ``pct`` %, the distance kept."""
    return replace(
        run,
        fast_km=half_up(run.fast_km * pct / 100, 1),
        climb_m=half_up(run.climb_m * pct / 100 / CLIMB_STEP) * CLIMB_STEP,
    )


def distance_at(run: PlannedRun, k: int) -> PlannedRun:
    """``run`` shortened to ``k`` tenths of a km, its fast km and climb in proportion."""
    d = half_up(k * KM_STEP, 1)
    s = run.scaled(d / run.distance_km if run.distance_km > 0 else 0.0)
    return replace(s, distance_km=d, fast_km=half_up(s.fast_km, 1), climb_m=half_up(s.climb_m))


def suggest(
    h: History, before: Sequence[PlannedRun], run: PlannedRun, found: Sequence[Finding]
) -> Suggestion:
    dims = {f.dimension for f in found}
    # The share of the run at which every finding's ratio sits on its caution line.
    shares = [
        _caution(h.config, f) / f.ratio for f in found if f.ratio > 0 and math.isfinite(f.ratio)
    ]
    share = min(shares) if shares else None

    def guess(value: float, step: float) -> int | None:
        return None if share is None else math.floor(value * share / step + 1e-9)

    if dims <= _SPEED and run.fast_km > 0:

        def fast(k: int) -> PlannedRun:
            return replace(run, fast_km=half_up(k * KM_STEP, 1))

        top = _top(run.fast_km, KM_STEP)
        k = _largest(lambda k: not _trips(h, before, fast(k)), top, guess(run.fast_km, KM_STEP))
        if k > 0 or not _trips(h, before, fast(0)):
            return Suggestion(fast(k), "fast")
    if dims <= _CLIMB and run.climb_m > 0:

        def climb(k: int) -> PlannedRun:
            return replace(run, climb_m=k * CLIMB_STEP)

        top = _top(run.climb_m, CLIMB_STEP)
        k = _largest(lambda k: not _trips(h, before, climb(k)), top, guess(run.climb_m, CLIMB_STEP))
        if k > 0 or not _trips(h, before, climb(0)):
            return Suggestion(climb(k), "climb")

    if dims <= _SPEED | _CLIMB and run.fast_km > 0 and run.climb_m > 0:
        # Both over their lines, the distance not (a standing fast-running ramp and a standing
        # climbing one): the fast km and the climb lowered together, the distance kept, as
        # status's "no fast running tomorrow; no climbing tomorrow" keeps an easy run.
        def both(k: int) -> PlannedRun:
            return fast_climb_at(run, k)

        pct = None if share is None else math.floor(share * 100 + 1e-9)
        k = _largest(lambda k: not _trips(h, before, both(k)), 99, pct)
        if k > 0 or not _trips(h, before, both(0)):
            return Suggestion(both(k), "fast_climb")

    def scaled(k: int) -> PlannedRun:
        return distance_at(run, k)

    if any(_over_before(f) for f in found if f.dimension == "distance"):
        # Already over a standing line without the run: any running that day keeps it over,
        # so the search would end at rest (trial 12: the return's "rest tomorrow").
        return Suggestion(replace(run, distance_km=0.0, fast_km=0.0, climb_m=0.0), "none")
    top = _top(run.distance_km, KM_STEP)
    k = _largest(lambda k: not _trips(h, before, scaled(k)), top, guess(run.distance_km, KM_STEP))
    if k == 0:
        return Suggestion(replace(run, distance_km=0.0, fast_km=0.0, climb_m=0.0), "none")
    return Suggestion(scaled(k), "distance")


# --- words ---------------------------------------------------------------------------------
_LONGEST = {
    "distance": "your longest run",
    "speed": "your most fast running in one run",
    "hills": "your biggest climb in one run",
    "uphill": "your most uphill running in one run",
}


def _break(f: Finding) -> str:
    """', counting your running before your 28-day break at 91 %': how a post-break baseline
    was made, in the recorded-run flags' words (``rules.messages``)."""
    if f.kept is None or f.days_off is None:
        return ""
    return f", counting your running before your {f.days_off}-day break at {f.kept * 100:.0f} %"


def _what(f: Finding, config: RuleConfig) -> str:
    unit = UNITS.get(f.dimension, "km")
    over = more(f.ratio, "over", f.threshold)
    # A floor is not history: "(0.0 km, judged against at least 1.0 km)", as the flag says.
    base = baseline_phrase(f.own_baseline, f.baseline, unit)
    if f.rule == "session_spike":
        days = config.session_spike.window_days
        if f.kept and base == amount(f.baseline, unit):
            # The longest run itself beside the share counted of it: "(30.8 km before the
            # break, 28.2 km now)"; the number judged against alone read as a run never run.
            base = f"{amount(f.baseline / f.kept, unit)} before the break, {base} now"
        return f"{over} {_LONGEST[f.dimension]} in {days} days{_break(f)} ({base})"
    if f.rule == "weekly_ramp":
        said = (
            f"its 7 days reach {amount(f.value, unit)} {of(f.dimension)}, {over} your usual "
            f"week{_break(f)} ({base})"
        )
        return said + _still(f, unit)
    if f.rule == "return_after_break":
        # A share of the week before the break, as the flag says it: "77 %", never "-23 % over".
        share = above(f.ratio, f.threshold, 0, 100.0)
        week = f"your week before the break ({amount(f.baseline, unit)})"
        if f.own_baseline is not None and f.own_baseline < f.baseline:
            # The floor stood in: the share is of the floor, never of the smaller week beside
            # it (trial 12 F7), as the flag says it (``messages._against``).
            week = (
                f"{amount(f.baseline, unit)}, the least it is judged against (your week before "
                f"the break was {amount(f.own_baseline, unit)})"
            )
        elif f.own_baseline is None:
            # Less than a week on record before the break: the floor judged (trial 11 F7).
            week = (
                f"{amount(f.baseline, unit)}, the least it is judged against (too few days on "
                "record before the break for a usual week)"
            )
        said = f"{amount(f.value, unit)} {of(f.dimension)} since your return, {share} % of {week}"
        if f.flagged is not None and f.added is not None:
            # A return flags each line once (trial 12 F1): over it all the same.
            line = "alert" if f.severity == ALERT else "caution"
            said += (
                f": still over the return's {line} line since {day_name(f.flagged)} "
                f"{f.flagged:%Y-%m-%d}'s flag; this run adds {amount(f.added, unit)} "
                f"{of(f.dimension)}"
            )
        return said
    if f.rule in STEP_BACKS:
        return f.message
    if f.rule == "monotony":
        return f"a monotonous week {of(f.dimension)} (monotony {f.ratio:.1f})"
    if f.flagged is not None and f.added is not None:
        # A plan week over its cap, told once per plan week (trial 12 F2).
        return (
            f"the plan week is already over its {amount(f.baseline, unit)} cap since "
            f"{day_name(f.flagged)} {f.flagged:%Y-%m-%d}; this run adds "
            f"{amount(f.added, unit)}"
            + ("" if f.dimension == "distance" else f" {of(f.dimension)}")
            + f" ({amount(f.value, unit)} in the plan week)"
        )
    # A plan_breach sentence already names the run and the cap ("Sunday's 7.5 km is over...");
    # after "caution, " its "This plan week ..." reads on in lower case (trial 10 F13).
    said = f.message.split(" (plan week")[0].rstrip(".") or f.rule
    return "t" + said[1:] if said.startswith("This ") else said


def of(dimension: str) -> str:
    """'of fast running': a dimension's load in the words status and the flags use
    (``vocabulary.NO_LOAD`` without its "no"), never the machine key ("of speed")."""
    if dimension == "distance":
        return "of running"
    return "of " + NO_LOAD.get(dimension, dimension).removeprefix("no ")


def _still(f: Finding, unit: str) -> str:
    """What a standing ramp adds to its sentence: over the line all the same, since when,
    and how much of it is this run (trial 10 F2: quiet days suppress a new flag, not the
    finding)."""
    if f.flagged is None or f.added is None:
        return ""
    before = f.value - f.added
    added = f"{amount(f.added, unit)} {of(f.dimension)}"
    flagged = f"{day_name(f.flagged)} {f.flagged:%Y-%m-%d}"
    if before > f.baseline * f.threshold + 1e-9:
        return (
            f": already over the 7-day limit since {flagged}'s flag, and this run adds {added} "
            "to it"
        )
    return (
        f": this run's {added} take it back over the 7-day limit, flagged on {flagged} "
        "(no new flag while that one stands)"
    )


def run_words(run: PlannedRun) -> str:
    extra = []
    if run.fast_km > 0:
        extra.append(f"{amount(run.fast_km, 'km')} fast")
    if run.climb_m > 0:
        extra.append(f"{amount(run.climb_m, 'm')} climbing")
    tail = f" ({', '.join(extra)})" if extra else ""
    return f"{amount(run.distance_km, 'km')} {run.label}{tail}"


def _suggestion_words(s: Suggestion) -> str:
    r = s.run
    # None of it in one phrase (vocabulary.NO_LOAD): "no climbing", never "up to 0 m".
    if s.how == "fast":
        if half_up(r.fast_km, 1) <= 0:
            return f"{NO_LOAD['speed']} in it raises nothing"
        return f"up to {amount(r.fast_km, 'km')} fast in it raises nothing"
    if s.how == "climb":
        if half_up(r.climb_m) <= 0:
            return f"{NO_LOAD['hills']} in it raises nothing"
        return f"up to {amount(r.climb_m, 'm')} of climbing raises nothing"
    if s.how == "fast_climb":
        fast = (
            f"up to {amount(r.fast_km, 'km')} fast"
            if half_up(r.fast_km, 1) > 0
            else NO_LOAD["speed"]
        )
        climb = (
            f"up to {amount(r.climb_m, 'm')} of climbing"
            if half_up(r.climb_m) > 0
            else NO_LOAD["hills"]
        )
        return f"{fast} and {climb} in it raises nothing"
    if s.how == "none":
        return "no version of it raises nothing: rest or cross-train that day"
    extra = []
    if r.fast_km > 0:
        extra.append(f"{amount(r.fast_km, 'km')} fast")
    if r.climb_m > 0:
        extra.append(f"{amount(r.climb_m, 'm')} climbing")
    tail = f" (with {', '.join(extra)})" if extra else ""
    return f"up to {amount(r.distance_km, 'km')}{tail} raises nothing"


def sentence(
    run: PlannedRun, findings: Sequence[Finding], s: Suggestion | None, config: RuleConfig
) -> str:
    head = f"{day_name(run.date)} {run_words(run)}"
    if not findings:
        return f"{head}: raises nothing."
    worst = findings[0]
    more_ = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
    tail = f"; {_suggestion_words(s)}" if s is not None else ""
    return f"{head}: {worst.severity}, {_what(worst, config)}{more_}{tail}."


# --- the check -----------------------------------------------------------------------------
def _worst(flags: Sequence[FlagRecord], dim: str, end: date) -> tuple[int, FlagRecord | None]:
    """The worst flag of ``dim`` on the 7 days ending ``end``, and the flag."""
    worst, flag = 0, None
    for f in flags:
        if f.dimension == dim and 0 <= (end - f.date).days < 7:
            level = 2 if f.severity == ALERT else 1
            if level > worst:
                worst, flag = level, f
    return worst, flag


RETURN_BASIS = "week before the break"


PLAN_BASIS = "plan week"


def _days(start: date, end: date) -> str:
    """'11–17 Nov', '28 Oct–3 Nov'."""
    if start.month == end.month:
        return f"{start.day}–{end.day} {end:%b}"
    return f"{start.day} {start:%b}–{end.day} {end:%b}"


def _span(start: date, end: date, value: float, planned: float, unit: str, what: str) -> str:
    """'11–17 Nov: 1,745 m run, none planned': the days a row judges and what of them is the
    plan."""
    days = f"{what}{_days(start, end)}"
    ran = max(value - planned, 0.0)
    if planned <= 0:
        return f"{days}: {amount(value, unit)} run, none planned"
    if ran <= 1e-9:
        return f"{days}: all planned"
    return f"{days}: {amount(ran, unit)} run + {amount(planned, unit)} planned"


def _planned(h: History, runs: Sequence[PlannedRun], dim: str, start: date, end: date) -> float:
    return sum(_amounts(h, runs, r)[dim] for r in runs if start <= r.date <= end)


def _week(c: Caps) -> str:
    return f"plan week {c.week + 1}, "


def _plan_weeks(
    h: History, daily: pl.DataFrame, runs: Sequence[PlannedRun], flags: Sequence[FlagRecord]
) -> dict[str, Window]:
    """While a return-to-run plan covers the planned days, its week caps are the baseline of
    the dimensions it caps (trial 10 F13: not the usual week from before the injury): per
    dimension, the planned day whose plan week so far is furthest over (or nearest) its cap."""
    first, last = runs[0].date, runs[-1].date
    best: dict[str, tuple[float, WeekLoad]] = {}
    for plan in h.plans:
        caps = caps_timeline(plan, h.responses, max(last, h.today))
        for w in week_loads(plan, daily, caps):
            if not first <= w.date <= last or not any(r.date == w.date for r in runs):
                continue
            ratio = w.total / w.cap if w.cap > 0 else (math.inf if w.total > 0 else 0.0)
            if w.dimension not in best or ratio > best[w.dimension][0]:
                best[w.dimension] = (ratio, w)
    out = {}
    reasons: dict[str, str] = {}
    for dim, (ratio, w) in best.items():
        start = w.caps.week_start
        level = 2 if ratio > BREACH_ALERT else 1 if ratio > 1.0 + 1e-9 else 0
        # The worst the plan said of that plan week (a run over its longest-run cap too).
        said = [
            f
            for f in flags
            if f.rule == "plan_breach"
            and f.dimension == dim
            and start <= f.date <= start + timedelta(days=6)
        ]
        week_level, why = level, ""
        for f in said:
            level = max(level, 2 if f.severity == ALERT else 1)
        if level > week_level:
            # Trial 12 F2: "ratio 0.50, alert" — the row's verdict is a run's, not the week's.
            f = next(f for f in said if (2 if f.severity == ALERT else 1) == level)
            within = "over" if week_level else "within"
            why = (
                f"; {f.severity} from {day_name(f.date)}'s run, over the plan's cap for one "
                f"run (the week is {within} its cap)"
            )
        reasons[dim] = why
        planned = _planned(h, runs, dim, start, w.date)
        out[dim] = Window(
            dim,
            UNITS[dim],
            w.total,
            w.date,
            w.cap,
            ratio if math.isfinite(ratio) else None,
            level,
            1.0,
            BREACH_ALERT,
            None,
            "plan_breach" if level else None,
            PLAN_BASIS,
            planned,
            _span(start, w.date, w.total, planned, UNITS[dim], _week(w.caps)) + why,
        )
    hills = out.get("hills")
    if hills is not None:
        # The climbing cap holds uphill running too (``rules.plan_breach.QUIETS``: the ramp is
        # quiet in uphill km on days within it): no usual week from before the injury beside
        # it, the plan week's uphill km and the climbing row's verdict.
        held = best["hills"][1].caps
        start = held.week_start
        up = daily.filter(pl.col("date").is_between(start, hills.peak_date))["uphill_km"].sum()
        planned = _planned(h, runs, "uphill", start, hills.peak_date)
        out["uphill"] = replace(
            hills,
            dimension="uphill",
            unit=UNITS["uphill"],
            peak=float(up),
            usual_week=None,
            ratio=None,
            planned=planned,
            span=_span(start, hills.peak_date, float(up), planned, UNITS["uphill"], _week(held))
            + ", under the plan's climbing cap"
            + reasons["hills"],
        )
    return out


def _windows(
    h: History, runs: Sequence[PlannedRun], flags: Sequence[FlagRecord] = ()
) -> list[Window]:
    daily = with_runs(h.daily, runs)
    first = min(r.date for r in runs)
    j = judgements(daily, h.config, since=first).filter(
        (pl.col("rule") == "weekly_ramp") & (pl.col("date") <= max(r.date for r in runs))
    )
    ret = h.config.return_after_break
    plan_weeks = _plan_weeks(h, daily, runs, flags)
    out = []
    for dim in h.config.weekly_ramp.dimensions:
        if dim in plan_weeks:
            out.append(plan_weeks[dim])
            continue
        rows = j.filter(pl.col("dimension") == dim).sort("value", descending=True)
        if rows.is_empty():
            continue
        top = rows.row(0, named=True)
        level = int(top["level"] or 0)
        worst, flag = _worst(flags, dim, top["date"])
        if flag is not None and worst > level and flag.rule == "return_after_break":
            # The return sets the verdict: its own load, baseline and lines, as its sentence
            # says them ("63 % of your week before the break (61.8 km)"), not the ramp's usual
            # week beside them (trial F5: 68.2 km and 0.57 under a sentence of 61.8 and 0.63).
            start = flag.date - timedelta(days=ret.return_days - 1)
            planned = _planned(h, runs, dim, start, flag.date)
            out.append(
                Window(
                    dim,
                    UNITS[dim],
                    flag.value,
                    flag.date,
                    flag.baseline,
                    flag.ratio,
                    worst,
                    float(ret.caution_for(dim)),
                    ret.alert,
                    flag.own_baseline,
                    flag.rule,
                    RETURN_BASIS,
                    planned,
                    _span(start, flag.date, flag.value, planned, UNITS[dim], "since the return, "),
                )
            )
            continue
        peak, end = float(top["value"] or 0.0), top["date"]
        start = end - timedelta(days=h.config.weekly_ramp.acute_days - 1)
        planned = _planned(h, runs, dim, start, end)
        out.append(
            Window(
                dim,
                UNITS[dim],
                peak,
                end,
                top["baseline"],
                top["ratio"],
                max(level, worst),
                float(top["caution"]),
                top["alert"],
                top["own_baseline"],
                flag.rule
                if flag is not None and worst > level
                else "weekly_ramp"
                if level
                else None,
                planned=planned,
                span=_span(start, end, peak, planned, UNITS[dim], ""),
            )
        )
    return out


def check(h: History, runs: Sequence[PlannedRun], *, suggestions: bool = True) -> Preflight:
    """Each planned run (by day, then as given) with what it trips and (``suggestions``) its
    largest version that trips nothing, and the 7-day windows of the whole plan."""
    ordered = sorted(runs, key=lambda r: r.date)
    if not ordered:
        return Preflight([], [])
    flags, standing = _simulate(h, ordered)
    out = []
    for i, run in enumerate(ordered):
        found = _run_findings(h, ordered, flags, run, standing)
        sug = suggest(h, ordered[:i], run, found) if found and suggestions else None
        out.append(SessionCheck(run, found, sug, sentence(run, found, sug, h.config)))
    first = ordered[0].date
    planned_flags = [f for f in flags if f.date >= first]
    # A return standing over its line is the row's verdict as its flag would be (trial 12
    # F1: "ok" beside a session that says caution).
    planned_flags += [s.flag for s in standing if s.flag.rule == "return_after_break"]
    return Preflight(out, _windows(h, ordered, planned_flags) if suggestions else [])
