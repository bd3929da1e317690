"""Generate loadwatch's sample data: 17 weeks of training for three demo athletes.

    .venv/bin/python scripts/make_sample_data.py            # rewrites sample_data/
    .venv/bin/python scripts/make_sample_data.py --out DIR  # anywhere else

"Steady Sam" (Boulder, America/Denver) builds about 5 % a week with a cut-back week every
fourth week and never trips a rule; "Spiky Sara" (Innsbruck, Europe/Vienna) trains the same way
for 16 weeks, then in the final week runs 40 % more, with a long run 1.4x her longest, three
and a half times the climbing and three times the fast kilometres.

Everything is derived from fixed seeds, so the output is byte-for-byte reproducible
(tests/test_sample_data.py regenerates it and compares).  FIT files are written with the
maintained ``fit_tool`` encoder; GPX is plain XML.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from fit_tool.data_message import DataMessage
from fit_tool.endian import Endian
from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.activity_message import ActivityMessage
from fit_tool.profile.messages.common_fields import TimestampField
from fit_tool.profile.messages.event_message import EventMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.lap_message import LapMessage
from fit_tool.profile.messages.record_message import (
    RecordCadenceField,
    RecordDistanceField,
    RecordEnhancedAltitudeField,
    RecordEnhancedSpeedField,
    RecordHeartRateField,
    RecordMessage,
    RecordPositionLatField,
    RecordPositionLongField,
)
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import (
    Activity,
    Event,
    EventType,
    FileType,
    LapTrigger,
    Manufacturer,
    SessionTrigger,
    Sport,
    SubSport,
)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "sample_data"
END = date(2026, 11, 15)  # a Sunday: the last day of the history
WEEKS = 17
START = END - timedelta(days=7 * WEEKS - 1)  # Monday 2026-07-20
FIT_EPOCH_S = 631065600  # 1989-12-31T00:00:00Z in Unix seconds
EARTH_M_PER_DEG = 111_320.0


# --- the athletes and their plans ---------------------------------------------------------------


@dataclass(frozen=True)
class Athlete:
    name: str
    slug: str
    tz: str
    home: tuple[float, float, float]  # lat, lon, altitude (m)
    seed: int
    serial: int
    week0_km: float  # weekly distance at level 0
    long0_km: float  # long run at level 0
    fast0_km: float  # fast kilometres in the interval session at level 0
    hill0_m: float  # climbing of the hill session at level 0
    long_climb0_m: float
    easy_mps: float
    long_mps: float
    rep_mps: float
    tempo_mps: float
    cutback_weeks: frozenset[int]
    spike_week: int | None = None


SAM = Athlete(
    name="Steady Sam",
    slug="steady-sam",
    tz="America/Denver",
    home=(40.01500, -105.27050, 1655.0),
    seed=1001,
    serial=3_900_000_101,
    week0_km=38.0,
    long0_km=12.0,
    fast0_km=3.0,
    hill0_m=150.0,
    long_climb0_m=60.0,
    easy_mps=1000 / 340,  # 5:40 /km
    long_mps=1000 / 352,  # 5:52 /km
    rep_mps=1000 / 245,  # 4:05 /km
    tempo_mps=1000 / 265,  # 4:25 /km
    cutback_weeks=frozenset({3, 7, 11, 15}),
)

SARA = Athlete(
    name="Spiky Sara",
    slug="spiky-sara",
    tz="Europe/Vienna",
    home=(47.26920, 11.40410, 575.0),
    seed=2002,
    serial=3_900_000_202,
    week0_km=36.0,
    long0_km=13.0,
    fast0_km=3.0,
    hill0_m=220.0,
    long_climb0_m=90.0,
    easy_mps=1000 / 330,  # 5:30 /km
    long_mps=1000 / 342,
    rep_mps=1000 / 238,  # 3:58 /km
    tempo_mps=1000 / 258,
    cutback_weeks=frozenset({3, 7, 11}),
    spike_week=16,
)

ROSA = Athlete(
    name="Returning Rosa",
    slug="returning-rosa",
    tz="Europe/London",
    home=(55.94400, -3.16100, 60.0),
    seed=3003,
    serial=3_900_000_303,
    week0_km=40.0,
    long0_km=15.0,
    fast0_km=3.0,
    hill0_m=260.0,
    long_climb0_m=160.0,
    easy_mps=1000 / 345,  # 5:45 /km
    long_mps=1000 / 355,
    rep_mps=1000 / 250,
    tempo_mps=1000 / 270,
    cutback_weeks=frozenset({2}),
)

ATHLETES = (SAM, SARA, ROSA)

# Rosa: five weeks of hilly training from Monday 2026-08-24, a flare of proximal hamstring
# tendinopathy after Sunday's long hilly run (2026-09-27), two weeks of cycling only, then a
# return-to-run plan from Monday 2026-10-12: 15 km a week, longest run 6 km, no hills, 6:15/km
# or slower.  Rehab runs (km); the 9.0 km on 2026-11-07 is the hilly one that breaks the plan.
ROSA_FROM = date(2026, 8, 24)
ROSA_PLAN = {
    "start_date": "2026-10-12",
    "weekly_km": 15.0,
    "longest_run_km": 6.0,
    "weekly_climb_m": 0.0,
    "pace_floor": "6:15",
    "phase": 1,
    "condition": "proximal hamstring tendinopathy",
}
# Her coach's plan for the week after the history (docs/planning.md): the demo stores it, and
# `loadwatch plan check` shows a hill session and a long run the return-to-run plan forbids.
ROSA_PLANNED = (
    {"date": "2026-11-17", "distance_km": 5.0, "type": "easy"},
    {"date": "2026-11-19", "distance_km": 5.0, "type": "hills"},
    {"date": "2026-11-21", "distance_km": 4.0, "type": "easy"},
    {"date": "2026-11-22", "distance_km": 7.5, "type": "long"},
)
ROSA_RIDES = (date(2026, 10, 1), date(2026, 10, 7))
ROSA_RUNS = {
    date(2026, 10, 13): 4.0,
    date(2026, 10, 15): 5.0,
    date(2026, 10, 17): 5.9,
    date(2026, 10, 20): 5.0,
    date(2026, 10, 22): 5.0,
    date(2026, 10, 25): 6.4,
    date(2026, 10, 27): 5.5,
    date(2026, 10, 29): 5.5,
    date(2026, 10, 31): 7.0,
    date(2026, 11, 3): 5.5,
    date(2026, 11, 5): 6.0,
    date(2026, 11, 7): 9.0,
    date(2026, 11, 10): 4.0,
    date(2026, 11, 12): 5.0,
    date(2026, 11, 15): 5.9,
}
ROSA_HILLY = {date(2026, 11, 7): 150.0}
# (day, during, after, next morning, aggravators, sitting hours, note)
ROSA_SYMPTOMS: tuple[
    tuple[str, int | None, int | None, int | None, tuple[str, ...], float | None, str | None], ...
] = (
    ("2026-09-22", None, 2, 2, (), None, None),
    ("2026-09-24", None, 3, 3, ("hills",), None, "hill repeats: a pull high in the hamstring"),
    ("2026-09-27", 3, 5, 6, ("hills", "sitting"), 9.0, "long hilly run, then a long drive"),
    ("2026-10-13", None, 1, 1, (), None, "first run back, slow and flat"),
    ("2026-10-15", None, 2, 1, (), None, None),
    ("2026-10-17", None, 2, 1, (), None, None),
    ("2026-10-20", None, 2, 1, (), None, None),
    ("2026-10-22", None, 1, 1, (), None, None),
    ("2026-10-25", None, 2, 1, (), None, None),
    ("2026-10-27", None, 2, 1, (), None, None),
    ("2026-10-29", None, 4, 2, ("sitting",), 8.0, "a day at the desk after the run"),
    ("2026-10-31", None, 2, 1, (), None, None),
    ("2026-11-03", None, 2, 1, (), None, None),
    ("2026-11-05", None, 2, 1, (), None, None),
    ("2026-11-07", None, 3, 6, ("hills",), None, "joined friends on the hill loop"),
    ("2026-11-10", None, 3, 2, (), None, None),
    ("2026-11-12", None, 2, 1, (), None, None),
    ("2026-11-15", None, 2, None, (), None, None),
)


@dataclass(frozen=True)
class Session:
    """One planned activity: what the files must say (distance exactly, climbing by design)."""

    day: date
    kind: str  # easy | long | intervals | tempo | hills | ride | walk
    sport: str  # running | cycling | walking
    distance_m: float
    climb_m: float
    fast_m: float  # planned distance at interval/tempo pace
    reps: int = 0
    fmt: str = "fit"  # fit | fit.gz | gpx
    interval_s: int = 5  # recording interval
    start: time = time(6, 45)

    @property
    def filename(self) -> str:
        return f"{self.day.isoformat()}-{self.kind}.{self.fmt}"


def level(a: Athlete, week: int) -> int:
    """Progression steps so far: every normal week is one step, a cut-back week none."""
    return sum(1 for w in range(1, week + 1) if w not in a.cutback_weeks)


def plan(a: Athlete) -> list[Session]:
    if a is ROSA:
        return _rosa()
    sessions: list[Session] = []
    for week in range(WEEKS):
        monday = START + timedelta(days=7 * week)
        if week == a.spike_week:
            sessions += _spike_week(a, monday, level(a, week - 1))
        else:
            sessions += _normal_week(a, monday, week)
    # Whole tens of metres, as a runner would plan them.
    return [replace(s, distance_m=float(round(s.distance_m, -1))) for s in sessions]


def _normal_week(a: Athlete, monday: date, week: int) -> list[Session]:
    k = level(a, week)
    cut = week in a.cutback_weeks
    weekly = a.week0_km * 1.05**k * (0.8 if cut else 1.0)
    long_km = a.long0_km + 0.75 * k - (3.0 if cut else 0.0)
    fast_km = a.fast0_km + 0.25 * k - (0.5 if cut else 0.0)
    reps = max(3, round(fast_km))
    interval_km = 2.0 + fast_km + 0.4 * (reps - 1) + 1.5
    hill_km = (7.0 + 0.25 * k) * (0.85 if cut else 1.0)
    hill_m = (a.hill0_m + 10.0 * k) * (0.8 if cut else 1.0)
    long_m = (a.long_climb0_m + 4.0 * k) * (0.8 if cut else 1.0)
    easy_km = weekly - long_km - interval_km - hill_km
    wed_share = 0.54 if week % 2 else 0.47
    late = week >= WEEKS - 4
    days = [
        Session(
            monday + timedelta(days=1),
            "intervals",
            "running",
            interval_km * 1000,
            25.0,
            fast_km * 1000,
            reps=reps,
            interval_s=1 if late else 5,
            start=time(6, 30),
        ),
        Session(
            monday + timedelta(days=2),
            "easy",
            "running",
            easy_km * wed_share * 1000,
            30.0 + 2 * (week % 3),
            0.0,
            fmt="fit.gz" if (a is SAM and week == 10) else "fit",
        ),
        Session(
            monday + timedelta(days=3),
            "hills",
            "running",
            hill_km * 1000,
            hill_m,
            0.0,
            interval_s=3,
            start=time(17, 30),
        ),
        Session(
            monday + timedelta(days=5),
            "easy",
            "running",
            easy_km * (1 - wed_share) * 1000,
            20.0 + 3 * (week % 4),
            0.0,
            fmt="gpx" if week % 4 == 1 else "fit",
            start=time(8, 10),
        ),
        Session(
            monday + timedelta(days=6),
            "long",
            "running",
            long_km * 1000,
            long_m,
            0.0,
            start=time(7, 40),
        ),
    ]
    # Cross-training that must stay out of the running load.
    if a is SAM and week % 4 == 2:
        days.append(
            Session(
                monday + timedelta(days=4),
                "ride",
                "cycling",
                42_000.0,
                380.0,
                0.0,
                start=time(16, 0),
            )
        )
    if a is SARA and week % 8 == 1:
        days.append(
            Session(
                monday + timedelta(days=0),
                "walk",
                "walking",
                5_500.0,
                60.0,
                0.0,
                fmt="gpx",
                interval_s=10,
                start=time(18, 0),
            )
        )
    if a is SARA and week == 6:
        days.append(
            Session(
                monday + timedelta(days=4),
                "ride",
                "cycling",
                35_000.0,
                250.0,
                0.0,
                start=time(16, 0),
            )
        )
    return sorted(days, key=lambda s: s.day)


def _rosa() -> list[Session]:
    """Rosa's training, injury, cross-training and return (see ``ROSA_RUNS``); recorded every
    10 s to keep the sample data small."""
    sessions: list[Session] = []
    for week in range(5):
        sessions += _normal_week(ROSA, ROSA_FROM + timedelta(days=7 * week), week)
    for day in ROSA_RIDES:
        sessions.append(Session(day, "ride", "cycling", 30_000.0, 120.0, 0.0, start=time(17, 0)))
    for day, km in ROSA_RUNS.items():
        hilly = day in ROSA_HILLY
        sessions.append(
            Session(
                day,
                "hilly" if hilly else "rehab",
                "running",
                km * 1000,
                ROSA_HILLY.get(day, round(2.5 * km)),
                0.0,
                start=time(7, 30),
            )
        )
    sessions = [replace(s, interval_s=10, fmt="fit") for s in sessions]
    return sorted(
        (replace(s, distance_m=float(round(s.distance_m, -1))) for s in sessions),
        key=lambda s: s.day,
    )


def rosa_rehab() -> dict[str, object]:
    """``returning-rosa/rehab.json``: the plan and the pain log the demo enters."""
    symptoms = []
    for day, during, after, morning, aggravators, sitting, note in ROSA_SYMPTOMS:
        entry: dict[str, object] = {"date": day}
        for key, value in (
            ("pain_during", during),
            ("pain_after", after),
            ("pain_next_morning", morning),
            ("sitting_hours", sitting),
            ("note", note),
        ):
            if value is not None:
                entry[key] = value
        if aggravators:
            entry["aggravators"] = list(aggravators)
        symptoms.append(entry)
    return {"plan": ROSA_PLAN, "symptoms": symptoms}


def _spike_week(a: Athlete, monday: date, k: int) -> list[Session]:
    """The week Sara does too much: +40 % distance, 1.4x long run, 3.5x climbing, 3x fast km."""
    prev_week = a.week0_km * 1.05**k
    prev_long = a.long0_km + 0.75 * k
    prev_fast = a.fast0_km + 0.25 * k
    prev_hill = a.hill0_m + 10.0 * k
    prev_long_m = a.long_climb0_m + 4.0 * k
    fast_each = 1.5 * prev_fast  # two fast sessions: 3x the week's fast km
    reps = round(fast_each)
    interval_km = 2.0 + fast_each + 0.4 * (reps - 1) + 1.5
    tempo_km = 2.0 + fast_each + 1.5
    long_km = 1.4 * prev_long
    mountain_km = 13.0
    monday_km = 9.0
    wed_km = 1.4 * prev_week - (monday_km + interval_km + mountain_km + tempo_km + long_km)
    return [
        Session(
            monday + timedelta(days=0),
            "easy",
            "running",
            monday_km * 1000,
            45.0,
            0.0,
            start=time(7, 0),
        ),
        Session(
            monday + timedelta(days=1),
            "intervals",
            "running",
            interval_km * 1000,
            25.0,
            fast_each * 1000,
            reps=reps,
            interval_s=1,
            start=time(6, 30),
        ),
        Session(monday + timedelta(days=2), "easy", "running", wed_km * 1000, 60.0, 0.0),
        Session(
            monday + timedelta(days=3),
            "hills",
            "running",
            mountain_km * 1000,
            3.5 * prev_hill,
            0.0,
            interval_s=3,
            start=time(9, 0),
        ),
        Session(
            monday + timedelta(days=5),
            "tempo",
            "running",
            tempo_km * 1000,
            40.0,
            fast_each * 1000,
            start=time(8, 0),
        ),
        Session(
            monday + timedelta(days=6),
            "long",
            "running",
            long_km * 1000,
            3.3 * prev_long_m,
            0.0,
            start=time(7, 30),
        ),
    ]


# --- simulation: route, terrain, pacing, physiology ---------------------------------------------


@dataclass
class Stream:
    """One simulated recording, sampled every ``interval_s`` seconds."""

    t: np.ndarray  # seconds from start (float, integral values)
    dist: np.ndarray  # metres, device distance
    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray  # barometric-like altitude
    speed: np.ndarray
    hr: np.ndarray
    cad: np.ndarray
    designed_alt: np.ndarray  # the terrain without sensor noise (what laps report)
    ascent_m: float
    descent_m: float
    lap_starts: list[int] = field(default_factory=list)  # sample indices where laps start


_KIND_INDEX = {
    "easy": 1,
    "long": 2,
    "intervals": 3,
    "tempo": 4,
    "hills": 5,
    "ride": 6,
    "walk": 7,
    "rehab": 8,
    "hilly": 9,
}


def _rng(a: Athlete, s: Session) -> np.random.Generator:
    return np.random.default_rng([a.seed, s.day.toordinal(), _KIND_INDEX[s.kind]])


def _ar1(rng: np.random.Generator, n: int, sigma: float, phi: float) -> np.ndarray:
    """Correlated noise with stationary standard deviation ``sigma``."""
    e = rng.normal(0.0, sigma * math.sqrt(1 - phi * phi), n)
    out = np.empty(n)
    acc = rng.normal(0.0, sigma)
    for i in range(n):  # generator only: a few thousand samples per file
        acc = phi * acc + e[i]
        out[i] = acc
    return out


def _route_xy(a: Athlete, s: Session, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A closed loop through home, parameterised by u in [0, 1], unit scale (shape only)."""
    shape = np.random.default_rng([a.seed, _KIND_INDEX[s.kind]])  # same route family each week
    p1, p2, heading = shape.uniform(0, 2 * math.pi, 3)
    theta = 2 * math.pi * u
    r = 1.0 + 0.18 * np.sin(2 * theta + p1) + 0.08 * np.sin(3 * theta + p2)
    x = r * np.cos(theta) - (1.0 + 0.18 * math.sin(p1) + 0.08 * math.sin(p2))
    y = r * np.sin(theta)
    c, sn = math.cos(heading), math.sin(heading)
    return x * c - y * sn, x * sn + y * c


def _terrain(s: Session, u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Altitude above home along the loop (unit amplitude, periodic so the loop closes)."""
    freqs: tuple[int, ...]
    weights: tuple[float, ...]
    if s.kind == "hills" and s.climb_m > 800:
        freqs, weights = (1, 3), (1.0, 0.06)  # one long mountain climb and descent
    elif s.kind == "hills":
        freqs, weights = (4, 1, 9), (1.0, 0.35, 0.08)  # hill repeats on a rising road
    elif s.kind in ("long", "ride", "hilly"):
        freqs, weights = (2, 5, 11), (1.0, 0.45, 0.15)
    else:
        freqs, weights = (3, 7, 13), (1.0, 0.5, 0.25)
    prof = np.zeros_like(u)
    for f, w in zip(freqs, weights, strict=True):
        phase = rng.uniform(0, 2 * math.pi)
        prof += w * (np.cos(phase) - np.cos(2 * math.pi * f * u + phase)) / 2
    return prof


def simulate(a: Athlete, s: Session) -> Stream:
    rng = _rng(a, s)
    n_fine = int(s.distance_m) + 1
    ds = s.distance_m / (n_fine - 1)
    sd = np.arange(n_fine) * ds  # 1 m grid along the route
    u = sd / s.distance_m

    # Terrain scaled so the smooth profile climbs exactly the planned metres.
    prof = _terrain(s, u, rng)
    rise = float(np.clip(np.diff(prof), 0, None).sum())
    alt_rel = prof * (s.climb_m / rise if rise > 0 else 0.0)
    grade = np.gradient(alt_rel, ds)

    base = {
        "easy": a.easy_mps,
        "long": a.long_mps,
        "intervals": a.easy_mps * 0.98,
        "tempo": a.easy_mps * 0.98,
        "hills": a.easy_mps * 0.97,
        "ride": 7.6,
        "walk": 1.45,
        "rehab": a.easy_mps * 0.88,  # start slower: about 6:30 /km
        "hilly": a.easy_mps * 0.88,
    }[s.kind]
    v = np.full(n_fine, base)
    fast_mask = np.zeros(n_fine, dtype=bool)
    if s.kind == "intervals":
        rep = s.fast_m / s.reps
        pos = 2000.0
        for _ in range(s.reps):
            fast_mask |= (sd >= pos) & (sd < pos + rep)
            pos += rep + 400.0
        v[fast_mask] = a.rep_mps
        recovery = (sd >= 2000.0) & (sd < pos - 400.0) & ~fast_mask
        v[recovery] = a.easy_mps * 0.86
    elif s.kind == "tempo":
        fast_mask = (sd >= 2000.0) & (sd < 2000.0 + s.fast_m)
        v[fast_mask] = a.tempo_mps
    if s.kind == "long":
        v *= 1 - 0.05 * u  # fades a little over the last hour
    # Slower uphill, a little faster on gentle downhills (Minetti-like shape, not the formula).
    if s.sport == "cycling":
        gf = np.clip(
            1 / (1 + 9 * np.clip(grade, 0, None)) + 1.8 * np.clip(-grade, 0, 0.06), 0.35, 1.5
        )
    else:
        up = 1 / (1 + 4.0 * np.clip(grade, 0, None))
        down = 1 + 1.0 * np.clip(-grade, 0, 0.08) - 2.5 * np.clip(-grade - 0.08, 0, None)
        gf = np.clip(up * down, 0.45, 1.2)
    wobble = 1 + _smooth(rng.normal(0, 0.025, n_fine), 150)
    v = v * gf * wobble
    v[fast_mask] = np.maximum(
        v[fast_mask], (a.rep_mps if s.kind == "intervals" else a.tempo_mps) * 0.97 * gf[fast_mask]
    )

    # Time along the route; the watch samples it every interval_s seconds.
    tt = np.concatenate([[0.0], np.cumsum(ds / v[:-1])])
    total = math.ceil(tt[-1])
    t = np.arange(0, total, s.interval_s, dtype=float)
    t = np.append(t, float(total))
    dist = np.interp(t, tt, sd)
    dist[-1] = s.distance_m
    speed = np.interp(t, tt, v)
    alt_true = np.interp(dist, sd, alt_rel)

    # Position: the loop scaled to the planned distance, plus slowly wandering GPS error (~3 m).
    # The curve's parameter is an angle, not arc length: re-parameterise so the track's ground
    # speed is the runner's speed.
    ux, uy = _route_xy(a, s, u)
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(ux), np.diff(uy)))])
    scale = s.distance_m / arc[-1]
    x = np.interp(dist, arc * scale, ux * scale)
    y = np.interp(dist, arc * scale, uy * scale)
    # Receiver error wanders over minutes rather than jumping per fix, so it barely adds length
    # or speed; white jitter on top is small.
    phi = 0.995**s.interval_s
    x += _ar1(rng, len(t), 3.0, phi) + rng.normal(0, 0.1, len(t))
    y += _ar1(rng, len(t), 3.0, phi) + rng.normal(0, 0.1, len(t))
    lat0, lon0, alt0 = a.home
    lat = lat0 + y / EARTH_M_PER_DEG
    lon = lon0 + x / (EARTH_M_PER_DEG * math.cos(math.radians(lat0)))
    alt = alt0 + alt_true + rng.uniform(-3, 3) + _ar1(rng, len(t), 0.25, 0.995**s.interval_s)

    hr = _heart_rate(a, s, t, speed, np.interp(dist, sd, grade), rng)
    if s.sport == "cycling":
        cad = 84 + 4 * np.tanh(np.interp(dist, sd, grade) * 20) + rng.normal(0, 1.5, len(t))
    elif s.sport == "walking":
        cad = 54 + 2 * speed + rng.normal(0, 0.8, len(t))
    else:
        cad = 70 + 5.0 * speed + rng.normal(0, 0.7, len(t))

    laps = _lap_starts(dist, 1000.0 if s.sport != "cycling" else 5000.0)
    cad = np.clip(cad, 40, 120)
    return Stream(t, dist, lat, lon, alt, speed, hr, cad, alt_true, s.climb_m, s.climb_m, laps)


def _smooth(x: np.ndarray, width: int) -> np.ndarray:
    k = np.ones(width) / width
    smoothed: np.ndarray = np.convolve(x, k, mode="same") * math.sqrt(width)
    return smoothed


def _heart_rate(
    a: Athlete,
    s: Session,
    t: np.ndarray,
    speed: np.ndarray,
    grade: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    if s.sport == "cycling":
        effort = 0.55 + 0.9 * np.clip(grade, 0, 0.1)
    elif s.sport == "walking":
        effort = 0.35 + 1.5 * np.clip(grade, 0, 0.2)
    else:
        effort = speed * (1 + 6.0 * np.clip(grade, -0.05, None)) / a.rep_mps
    target = 98 + 68 * np.clip(effort, 0.2, 1.15) + 0.05 * t / 60  # cardiac drift per minute
    hr = np.empty_like(target)
    level_ = 88.0
    k = 1 - math.exp(-s.interval_s / 25.0)
    for i, tg in enumerate(target):  # first-order lag: the heart takes ~25 s to follow
        level_ += k * (tg - level_)
        hr[i] = level_
    noisy: np.ndarray = np.clip(hr + rng.normal(0, 1.2, len(t)), 60, 196)
    return noisy


def _lap_starts(dist: np.ndarray, every: float) -> list[int]:
    marks = np.arange(every, dist[-1], every)
    idx = np.searchsorted(dist, marks)
    starts = [0, *[int(i) for i in idx if 0 < i < len(dist) - 1]]
    return sorted(set(starts))


# --- writers -----------------------------------------------------------------------------------


class _Record(RecordMessage):  # type: ignore[misc]
    """A record message carrying only the fields we write.

    fit_tool's RecordMessage builds all ~85 profile fields per instance, which makes writing
    a 17-week history take minutes; the encoded bytes are the same either way.
    """

    def __init__(self) -> None:
        DataMessage.__init__(
            self,
            name=RecordMessage.NAME,
            global_id=RecordMessage.ID,
            local_id=0,
            endian=Endian.LITTLE,
            definition_message=None,
            developer_fields=None,
            fields=[
                TimestampField(size=0, growable=True),
                RecordPositionLatField(size=0, growable=True),
                RecordPositionLongField(size=0, growable=True),
                RecordDistanceField(size=0, growable=True),
                RecordEnhancedAltitudeField(size=0, growable=True),
                RecordEnhancedSpeedField(size=0, growable=True),
                RecordHeartRateField(size=0, growable=True),
                RecordCadenceField(size=0, growable=True),
            ],
        )


_FIT_SPORT = {
    "running": (Sport.RUNNING, SubSport.GENERIC),
    "cycling": (Sport.CYCLING, SubSport.ROAD),
    "walking": (Sport.WALKING, SubSport.GENERIC),
}


def start_utc(a: Athlete, s: Session) -> datetime:
    local = datetime.combine(s.day, s.start, tzinfo=ZoneInfo(a.tz))
    return local.astimezone(UTC)


def write_fit(a: Athlete, s: Session, st: Stream) -> bytes:
    t0 = start_utc(a, s)
    t0_ms = int(t0.timestamp()) * 1000
    ts = [t0_ms + int(x) * 1000 for x in st.t]
    end_ms = ts[-1]
    duration = float(st.t[-1])
    offset = t0.astimezone(ZoneInfo(a.tz)).utcoffset()
    assert offset is not None
    offset_s = int(offset.total_seconds())
    sport, sub_sport = _FIT_SPORT[s.sport]

    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    fid = FileIdMessage()
    fid.type = FileType.ACTIVITY
    fid.manufacturer = Manufacturer.DEVELOPMENT.value
    fid.product = 1
    fid.serial_number = a.serial
    fid.time_created = t0_ms
    builder.add(fid)

    start = EventMessage()
    start.event = Event.TIMER
    start.event_type = EventType.START
    start.timestamp = t0_ms
    builder.add(start)

    records = []
    for i, tms in enumerate(ts):
        r = _Record()
        r.timestamp = tms
        r.position_lat = float(st.lat[i])
        r.position_long = float(st.lon[i])
        r.distance = float(st.dist[i])
        r.enhanced_altitude = float(st.alt[i])
        r.enhanced_speed = float(st.speed[i])
        r.heart_rate = round(float(st.hr[i]))
        r.cadence = round(float(st.cad[i]))
        records.append(r)
    builder.add_all(records)

    stop = EventMessage()
    stop.event = Event.TIMER
    stop.event_type = EventType.STOP_ALL
    stop.timestamp = end_ms
    builder.add(stop)

    bounds = [*st.lap_starts, len(ts) - 1]
    for n, (i, j) in enumerate(itertools.pairwise(bounds)):
        lap = LapMessage()
        lap.message_index = n
        lap.timestamp = ts[j]
        lap.start_time = ts[i]
        lap.event = Event.LAP
        lap.event_type = EventType.STOP
        lap.lap_trigger = LapTrigger.DISTANCE if j < len(ts) - 1 else LapTrigger.SESSION_END
        lap.sport = sport
        lap.start_position_lat = float(st.lat[i])
        lap.start_position_long = float(st.lon[i])
        lap.end_position_lat = float(st.lat[j])
        lap.end_position_long = float(st.lon[j])
        lap.total_elapsed_time = float(st.t[j] - st.t[i])
        lap.total_timer_time = float(st.t[j] - st.t[i])
        lap.total_distance = float(st.dist[j] - st.dist[i])
        lap.avg_speed = float((st.dist[j] - st.dist[i]) / max(st.t[j] - st.t[i], 1.0))
        lap.avg_heart_rate = round(float(st.hr[i : j + 1].mean()))
        lap.max_heart_rate = round(float(st.hr[i : j + 1].max()))
        rises = np.diff(st.designed_alt[i : j + 1])
        lap.total_ascent = round(float(np.clip(rises, 0, None).sum()))
        lap.total_descent = round(float(np.clip(-rises, 0, None).sum()))
        builder.add(lap)

    session = SessionMessage()
    session.message_index = 0
    session.timestamp = end_ms
    session.start_time = t0_ms
    session.event = Event.SESSION
    session.event_type = EventType.STOP
    session.trigger = SessionTrigger.ACTIVITY_END
    session.sport = sport
    session.sub_sport = sub_sport
    session.start_position_lat = float(st.lat[0])
    session.start_position_long = float(st.lon[0])
    session.total_elapsed_time = duration
    session.total_timer_time = duration
    session.total_distance = float(s.distance_m)
    session.total_ascent = round(st.ascent_m)
    session.total_descent = round(st.descent_m)
    session.avg_speed = float(s.distance_m / duration)
    session.max_speed = float(st.speed.max())
    session.avg_heart_rate = round(float(st.hr.mean()))
    session.max_heart_rate = round(float(st.hr.max()))
    session.avg_cadence = round(float(st.cad.mean()))
    session.first_lap_index = 0
    session.num_laps = len(bounds) - 1
    builder.add(session)

    activity = ActivityMessage()
    activity.timestamp = end_ms
    activity.total_timer_time = duration
    activity.num_sessions = 1
    activity.type = Activity.MANUAL
    activity.event = Event.ACTIVITY
    activity.event_type = EventType.STOP
    activity.local_timestamp = end_ms // 1000 + offset_s - FIT_EPOCH_S
    builder.add(activity)
    data: bytes = builder.build_bytes()
    return data


_GPX_TYPE = {"running": "running", "walking": "walking", "cycling": "cycling"}


def write_gpx(a: Athlete, s: Session, st: Stream) -> bytes:
    t0 = start_utc(a, s)
    title = f"{a.name}: {s.kind} {s.distance_m / 1000:.1f} km"

    def stamp(sec: float) -> str:
        return (t0 + timedelta(seconds=float(sec))).strftime("%Y-%m-%dT%H:%M:%SZ")

    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gpx version="1.1" creator="loadwatch scripts/make_sample_data.py"'
        ' xmlns="http://www.topografix.com/GPX/1/1"'
        ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">',
        f"  <metadata><name>{title}</name><time>{stamp(0)}</time></metadata>",
        f"  <trk><name>{title}</name><type>{_GPX_TYPE[s.sport]}</type><trkseg>",
    ]
    for i in range(len(st.t)):
        lines.append(
            f'<trkpt lat="{st.lat[i]:.7f}" lon="{st.lon[i]:.7f}"><ele>{st.alt[i]:.1f}</ele>'
            f"<time>{stamp(st.t[i])}</time><extensions><gpxtpx:TrackPointExtension>"
            f"<gpxtpx:hr>{round(float(st.hr[i]))}</gpxtpx:hr>"
            f"<gpxtpx:cad>{round(float(st.cad[i]))}</gpxtpx:cad>"
            "</gpxtpx:TrackPointExtension></extensions></trkpt>"
        )
    lines += ["  </trkseg></trk>", "</gpx>", ""]
    return "\n".join(lines).encode()


def render(a: Athlete, s: Session) -> bytes:
    st = simulate(a, s)
    if s.fmt == "gpx":
        return write_gpx(a, s, st)
    data = write_fit(a, s, st)
    if s.fmt == "fit.gz":
        return gzip.compress(data, compresslevel=9, mtime=0)
    return data


# --- plan summary (also the README) -------------------------------------------------------------


def weekly_table(a: Athlete) -> list[dict[str, float | str]]:
    rows: list[dict[str, float | str]] = []
    sessions = [s for s in plan(a) if s.sport == "running"]
    for week in range(WEEKS):
        monday = START + timedelta(days=7 * week)
        days = [s for s in sessions if monday <= s.day < monday + timedelta(days=7)]
        rows.append(
            {
                "week": monday.isoformat(),
                "km": sum(s.distance_m for s in days) / 1000,
                "long_km": max((s.distance_m for s in days), default=0.0) / 1000,
                "fast_km": sum(s.fast_m for s in days) / 1000,
                "climb_m": sum(s.climb_m for s in days),
                "max_climb_m": max((s.climb_m for s in days), default=0.0),
            }
        )
    return rows


def readme(files: dict[str, tuple[int, int]]) -> str:
    out = [
        "# Sample data",
        "",
        "Seventeen weeks of training (Monday 2026-07-20 to Sunday 2026-11-15) for three demo",
        "athletes, for `loadwatch demo`, the docs and the tests. Nothing here is real: it is",
        "generated, deterministically, by `scripts/make_sample_data.py` (fixed seeds, so the",
        "files are byte-for-byte reproducible; `tests/test_sample_data.py` checks that).",
        "Regenerate with:",
        "",
        "    .venv/bin/python scripts/make_sample_data.py",
        "",
        "- **Steady Sam** (`steady-sam/`, around Boulder, America/Denver) builds about 5 % a week,",
        "  with a cut-back week every fourth week, two rest days a week, one interval session,",
        "  one hill session and a long run that grows by 0.75 km a week. No rule should fire.",
        "- **Spiky Sara** (`spiky-sara/`, around Innsbruck, Europe/Vienna) trains the same way for",
        "  sixteen weeks and skips her fourth cut-back week; then in the final week",
        "  (2026-11-09 to 15) she runs 40 % more, a long run 1.4x her longest, a mountain run",
        "  with 3.5x her usual climbing and two fast sessions (3x the fast km). It should trip",
        "  `session_spike` and `weekly_ramp` in distance, speed and hills.",
        "- **Returning Rosa** (`returning-rosa/`, around Edinburgh, Europe/London) trains five",
        "  hilly weeks from 2026-08-24 until a proximal hamstring tendinopathy flares after her",
        "  long hilly run on 2026-09-27 (pain 6/10 the next morning), cycles for two weeks, then",
        "  returns on a plan from 2026-10-12 (15 km a week, longest run 6 km, no hills, 6:15/km or",
        "  slower; `rehab.json` holds the plan and her pain log). The caps rise 10 % after two",
        "  settled weeks, hold after an irritated Thursday, and a hilly 9 km run on 2026-11-07",
        "  breaks the plan (`plan_breach` in distance and hills) and flares (`pain_response`);",
        "  the caps step back to the last load she tolerated. Recorded every 10 s.",
        "  `planned.json` is her coach's plan for the next week (2026-11-16 to 22), with a hill",
        "  session and a 7.5 km long run that `loadwatch plan check` flags before they are run.",
        "",
        "Files are `<athlete>/YYYY-MM-DD-<kind>.<fmt>`: mostly FIT (file_id, timer events,",
        "records, 1 km auto-laps, session, activity with `local_timestamp`), recorded every 5 s,",
        "every 3 s on hill runs and every second for the last four weeks' intervals; some easy",
        "runs and Sara's walks are GPX (every 5 s, heart rate and cadence in Garmin",
        "TrackPointExtension); one FIT is gzipped. Sam's bike rides and Sara's walks and ride are",
        "not runs and must stay out of the running load. GPS positions carry ~3 m of slowly",
        "wandering error; altitude follows a designed terrain profile with barometric-like",
        "noise; the FIT session's `total_ascent` is the designed climbing.",
        "",
    ]
    for a in ATHLETES:
        out += [
            f"## {a.name} (planned running per week)",
            "",
            "| week from | km | longest run km | fast km | climbing m | biggest climb m |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in weekly_table(a):
            if a is ROSA and str(r["week"]) < ROSA_FROM.isoformat():
                continue
            out.append(
                f"| {r['week']} | {r['km']:.1f} | {r['long_km']:.1f} | {r['fast_km']:.1f} "
                f"| {r['climb_m']:.0f} | {r['max_climb_m']:.0f} |"
            )
        out.append("")
    out += ["## Files", "", "| folder | files | bytes |", "| --- | ---: | ---: |"]
    for slug, (count, size) in sorted(files.items()):
        out.append(f"| {slug}/ | {count} | {size} |")
    out.append("")
    return "\n".join(out)


def extra_files(a: Athlete) -> dict[str, bytes]:
    """Files beside an athlete's recordings, by name: Rosa's plan and pain log."""
    if a is ROSA:
        planned = {"sessions": list(ROSA_PLANNED)}
        return {
            "rehab.json": (json.dumps(rosa_rehab(), indent=2, sort_keys=True) + "\n").encode(),
            "planned.json": (json.dumps(planned, indent=2, sort_keys=True) + "\n").encode(),
        }
    return {}


def generate(out: Path) -> list[Path]:
    """Write every athlete's files and the README under ``out``; return the paths written."""
    written: list[Path] = []
    files: dict[str, tuple[int, int]] = {}
    for a in ATHLETES:
        folder = out / a.slug
        folder.mkdir(parents=True, exist_ok=True)
        total = 0
        sessions = plan(a)
        for s in sessions:
            data = render(a, s)
            (folder / s.filename).write_bytes(data)
            written.append(folder / s.filename)
            total += len(data)
        extras = extra_files(a)
        for name, data in extras.items():
            (folder / name).write_bytes(data)
            written.append(folder / name)
            total += len(data)
        files[a.slug] = (len(sessions) + len(extras), total)
    (out / "README.md").write_text(readme(files), encoding="utf-8")
    written.append(out / "README.md")
    return written


def iter_sessions() -> Iterator[tuple[Athlete, Session]]:
    for a in ATHLETES:
        for s in plan(a):
            yield a, s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    written = generate(args.out)
    total = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} files, {total / 1e6:.2f} MB, to {args.out}")


if __name__ == "__main__":
    main()
