"""The response to load: each symptom entry tied to the running before it and classified.

Pure.  An entry of day D is linked to the running of D, or, when D had none, of D - 1 (pain
warms up during a run and comes back later or the next morning: docs/rehab.md).  Its *worst*
pain is the highest of during / after / the next morning that was given.  Classes
(Silbernagel's pain-monitoring model as the issue and DESIGN.md state it):

* ``flare``: worst pain >= 6/10, or pain rising over three entries (each entry's worst above
  the one before, ending at 3/10 or more: rises inside the 0-2 "safe" band are noise);
* ``irritated``: worst pain 4-5/10, or the next morning worse than the morning before (the
  latest earlier next-morning value within 7 days; without one, worse than that day's own
  during/after pain: it did not settle overnight);
* ``settled``: the rest (<= 3/10 and the next morning no worse).

Effort (docs/rehab.md, "A hard session before the pain"): when the running the entry is linked
to includes a session rated RPE >= ``HARD_RPE`` (7, "very hard" on Foster's CR-10), the reason
says so ("after a hard session, RPE 8").  The class is left to the pain values: effort
explains a response, it never makes one (sRPE's evidence is contested, rules/evidence.py).

The **tolerated load** per dimension is the most in one run, and in the 7 days ending on that
run's day (all 7 after it), that was followed by a settled entry since the latest flare (a flare
resets it); the
**provoking load** the least that was followed by irritation or a flare, over the whole log
(the most cautious reading of "what preceded it").
"""

from __future__ import annotations

import itertools
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import polars as pl

from loadwatch.analytics.schema import DIMENSIONS, UNITS

State = Literal["settled", "irritated", "flare"]
SETTLED_MAX = 3
IRRITATED_MIN = 4
FLARE_MIN = 6
RISING_ENTRIES = 3
RISING_MIN = 3  # a rise that ends below this stays in the 0-2 band
MORNING_LOOKBACK_DAYS = 7
WEEK_DAYS = 7
HARD_RPE = 7.0  # CR-10 "very hard"
TREND_DAYS = 28  # the pain trend reads the entries of the last four weeks


@dataclass(frozen=True, slots=True)
class Symptom:
    """One day's entry as the rules read it (pain 0-10, None = not given)."""

    date: date
    pain_during: int | None = None
    pain_after: int | None = None
    pain_next_morning: int | None = None
    aggravators: tuple[str, ...] = ()
    sitting_hours: float | None = None

    def worst(self) -> tuple[int, str] | None:
        """(worst pain, when) or None when no value was given; the later time wins a tie."""
        given = [
            (v, w)
            for v, w in (
                (self.pain_during, "during"),
                (self.pain_after, "after"),
                (self.pain_next_morning, "the morning after"),
            )
            if v is not None
        ]
        if not given:
            return None
        top = max(v for v, _ in given)
        return top, [w for v, w in given if v == top][-1]


@dataclass(frozen=True, slots=True)
class RunLoad:
    """The running an entry is linked to: the day's largest single run per dimension, the 7
    days ending on that day per dimension, and the day's pace."""

    day: date
    run: dict[str, float]
    week: dict[str, float]
    pace_s_per_km: float | None


@dataclass(frozen=True, slots=True)
class Response:
    symptom: Symptom
    worst: int
    when: str  # during | after | the morning after
    state: State
    reason: str  # why this class, in words
    reference: int | None  # the pain it was judged against (morning before, rising start)
    threshold: int  # the pain level (or the reference + 1) that made it this class; 0 settled
    load: RunLoad | None  # None: no running that day or the day before
    rising: tuple[int, ...] = ()  # the three rising values, for a rising flare
    hard_rpe: float | None = None  # the linked day's hardest session RPE when >= HARD_RPE

    @property
    def date(self) -> date:
        return self.symptom.date


def linked_run_day(entry_day: date, run_days: Container[date]) -> date | None:
    """The running day a pain entry answers to: its own day's running, else the day before's
    (pain logged the day after a run, with no run that day); None when neither day had a run.
    The activity page lists a pain flag under the runs of this day (``activity_detail``)."""
    for day in (entry_day, entry_day - timedelta(days=1)):
        if day in run_days:
            return day
    return None


def run_loads(daily: pl.DataFrame) -> dict[date, RunLoad]:
    """Per running day of the daily frame (``DAILY_SCHEMA``, consecutive days)."""
    if daily.is_empty():
        return {}
    frame = daily.with_columns(
        pl.col(col).rolling_sum(WEEK_DAYS, min_samples=1).alias(f"_week_{dim}")
        for dim, (col, _) in DIMENSIONS.items()
    ).filter(pl.col("runs") > 0)
    out = {}
    for row in frame.iter_rows(named=True):
        out[row["date"]] = RunLoad(
            day=row["date"],
            run={dim: float(row[single]) for dim, (_, single) in DIMENSIONS.items()},
            week={dim: float(row[f"_week_{dim}"]) for dim in DIMENSIONS},
            pace_s_per_km=row["pace_s_per_km"],
        )
    return out


def classify(
    symptoms: Sequence[Symptom],
    daily: pl.DataFrame,
    rpe_by_day: Mapping[date, float] | None = None,
) -> list[Response]:
    """Every entry with at least one pain value, oldest first, with its class and its run;
    ``rpe_by_day`` (the hardest session RPE of each local day) marks a hard session before
    the pain."""
    entries = sorted((s for s in symptoms if s.worst() is not None), key=lambda s: s.date)
    if not entries:
        return []  # no frame work for the many athletes who log no pain
    first = entries[0].date - timedelta(days=WEEK_DAYS)
    loads = run_loads(daily.filter(pl.col("date") >= first) if not daily.is_empty() else daily)
    out: list[Response] = []
    for i, s in enumerate(entries):
        worst, when = s.worst() or (0, "")
        linked = linked_run_day(s.date, loads)
        load = loads[linked] if linked is not None else None
        window = [e.worst() for e in entries[max(0, i - RISING_ENTRIES + 1) : i + 1]]
        values = tuple(w[0] for w in window if w is not None)
        rising = (
            len(values) == RISING_ENTRIES
            and all(b > a for a, b in itertools.pairwise(values))
            and values[-1] >= RISING_MIN
        )
        morning_ref = _morning_before(entries[:i], s)
        worse_morning = (
            s.pain_next_morning is not None
            and morning_ref is not None
            and s.pain_next_morning > morning_ref
        )
        state: State
        if worst >= FLARE_MIN:
            state, reason, ref, thr = "flare", f"{worst}/10 {when}", None, FLARE_MIN
        elif rising:
            arrow = " → ".join(str(v) for v in values)
            state, reason, ref, thr = (
                "flare",
                f"rising over three entries ({arrow}/10)",
                (values[0]),
                values[-2] + 1,
            )
        elif worst >= IRRITATED_MIN:
            state, reason, ref, thr = "irritated", f"{worst}/10 {when}", None, IRRITATED_MIN
        elif worse_morning and morning_ref is not None:
            state, ref, thr = "irritated", morning_ref, morning_ref + 1
            reason = f"the morning after worse than before ({s.pain_next_morning} vs {ref}/10)"
        else:
            state, reason, ref, thr = "settled", f"{worst}/10 at most", morning_ref, 0
        hard = (rpe_by_day or {}).get(load.day) if load is not None else None
        if hard is not None and hard >= HARD_RPE:
            reason += f", after a hard session (RPE {hard:g})"
        else:
            hard = None
        out.append(
            Response(
                symptom=s,
                worst=worst,
                when=when,
                state=state,
                reason=reason,
                reference=ref,
                threshold=thr,
                load=load,
                rising=values if rising and worst < FLARE_MIN else (),
                hard_rpe=hard,
            )
        )
    return out


def _morning_before(earlier: Sequence[Symptom], s: Symptom) -> int | None:
    """The latest next-morning pain of an earlier entry within the lookback, else this
    entry's own during/after pain (the morning after should have settled below it)."""
    for e in reversed(earlier):
        if (s.date - e.date).days > MORNING_LOOKBACK_DAYS:
            break
        if e.pain_next_morning is not None:
            return e.pain_next_morning
    own = [v for v in (s.pain_during, s.pain_after) if v is not None]
    return max(own) if own else None


@dataclass(frozen=True, slots=True)
class Tolerance:
    """Per dimension: the most tolerated and the least provoking load, single run and 7 days,
    with the days they come from (None: no such response yet)."""

    dimension: str
    unit: str
    tolerated_run: float | None = None
    tolerated_week: float | None = None
    tolerated_on: date | None = None  # the run day of the tolerated single run
    provoking_run: float | None = None
    provoking_week: float | None = None
    provoking_on: date | None = None
    settled: int = 0  # responses counted
    provoked: int = 0


def tolerance(responses: Sequence[Response], *, until: date | None = None) -> list[Tolerance]:
    """Tolerated and provoking load per dimension from the linked responses up to ``until``."""
    linked = [r for r in responses if r.load is not None and (until is None or r.date <= until)]
    # A flare resets what the tendon tolerates: only settled responses after the latest flare
    # count (what it took before the injury is not what it takes now).
    flares = [r.date for r in linked if r.state == "flare"]
    since = max(flares) if flares else None
    out = []
    for dim in DIMENSIONS:
        ok = [r for r in linked if r.state == "settled" and (since is None or r.date > since)]
        # ... and a week counts only when all its 7 days are after the flare.
        ok_week = [
            r
            for r in ok
            if since is None or (r.load and r.load.day - timedelta(days=WEEK_DAYS - 1) > since)
        ]
        bad = [r for r in linked if r.state != "settled"]
        t_run = max(ok, key=lambda r: (_run(r, dim), r.date), default=None)
        p_run = min(bad, key=lambda r: (_run(r, dim), r.date), default=None)
        out.append(
            Tolerance(
                dimension=dim,
                unit=UNITS[dim],
                tolerated_run=_run(t_run, dim) if t_run else None,
                tolerated_week=max((_week(r, dim) for r in ok_week), default=None),
                tolerated_on=t_run.load.day if t_run and t_run.load else None,
                provoking_run=_run(p_run, dim) if p_run else None,
                provoking_week=min((_week(r, dim) for r in bad), default=None),
                provoking_on=p_run.load.day if p_run and p_run.load else None,
                settled=len(ok),
                provoked=len(bad),
            )
        )
    return out


def _run(r: Response, dim: str) -> float:
    return r.load.run[dim] if r.load else 0.0


def _week(r: Response, dim: str) -> float:
    return r.load.week[dim] if r.load else 0.0


def last_tolerated(responses: Sequence[Response], before: date) -> Response | None:
    """The latest settled response with a run, dated before ``before``."""
    ok = [r for r in responses if r.state == "settled" and r.load is not None and r.date < before]
    return ok[-1] if ok else None


def _recent(responses: Sequence[Response], today: date | None, days: int) -> list[Response]:
    return [r for r in responses if today is None or 0 <= (today - r.date).days < days]


def pain_trend(
    responses: Sequence[Response], today: date | None = None, n: int = 5, days: int = TREND_DAYS
) -> tuple[list[int], str]:
    """The last ``n`` worst pains of the ``days`` days ending ``today`` (all, without a day)
    and a word: rising, falling, steady (or "" with < 2).  An entry of two years ago is not
    part of how the pain goes now."""
    recent = _recent(responses, today, days)
    values = [r.worst for r in recent[-n:]]
    if len(values) < 2:
        return values, ""
    half = len(values) // 2
    first, last = sum(values[:half]) / half, sum(values[-half:]) / half
    word = "rising" if last > first + 0.5 else "falling" if last < first - 0.5 else "steady"
    return values, word


def trend_entries(responses: Sequence[Response], today: date, days: int = TREND_DAYS) -> int:
    """How many entries the ``days`` days ending ``today`` hold (``pain_trend`` shows the last
    five of them)."""
    return len(_recent(responses, today, days))
