"""sample_data/ is exactly what scripts/make_sample_data.py writes, and it says what it should.

The plan checks re-implement the DESIGN rules on the planned numbers (independently of
loadwatch.rules) so the demo story holds: Steady Sam never trips a rule, Spiky Sara's final week
trips session_spike and weekly_ramp in distance, speed and hills.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import gpxpy
import numpy as np
import pytest

from support.cached import cached
from support.demo_world import DemoWorld
from support.sample_reference import (
    RENDER_KEY,
    SAMPLE,
    fit_bytes,
    fit_sessions,
    fitparse_key,
    from_json,
    kept,
    msd,
    rendered_digests,
    to_json,
    what_fitparse_read,
)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# Rendering all ~180 files is a minute or more of fit_tool encoding: the byte-for-byte check
# is split into slices that xdist runs side by side.  Together the cases below check what one
# ``generate`` into a temp dir and a comparison would: every file's bytes (the slices), the set
# of names and the README (from the committed sizes, which the slices prove are the script's),
# and that ``generate`` writes exactly what ``render`` and ``readme`` give.
SLICES = 6
SLICE_CASES = [(a.slug, k) for a in msd.ATHLETES for k in range(SLICES)]


# The rendered digests come from the kept table (support/sample_reference.py) while its key is the
# script's, encoders' and Python's; otherwise they are computed and kept in pytest's cache
# (support/cached.py).  Either way the committed bytes are compared with them.
KEPT = kept()


def _rendered(slug: str, k: int, sessions: list[Any], config: pytest.Config) -> dict[str, str]:
    table = KEPT["rendered"]
    names = [f"{slug}/{s.filename}" for s in sessions]
    if KEPT["render_key"] == RENDER_KEY and all(n in table for n in names):
        return {s.filename: table[n] for s, n in zip(sessions, names, strict=True)}
    [a] = [a for a in msd.ATHLETES if a.slug == slug]
    key = f"{RENDER_KEY[:32]}-{slug}-{k}"
    return cached(config, "sample-data", key, lambda: rendered_digests(a, sessions))


@pytest.mark.parametrize(("slug", "k"), SLICE_CASES)
def test_committed_sample_data_is_the_scripts_output(
    slug: str, k: int, request: pytest.FixtureRequest
) -> None:
    [a] = [a for a in msd.ATHLETES if a.slug == slug]
    sessions = msd.plan(a)[k::SLICES]
    assert sessions
    rendered = _rendered(slug, k, sessions, request.config)
    assert sorted(rendered) == sorted(s.filename for s in sessions)
    differing = [
        s.filename
        for s in sessions
        if rendered[s.filename]
        != hashlib.sha256((SAMPLE / slug / s.filename).read_bytes()).hexdigest()
    ]
    assert differing == []


def test_committed_sample_data_has_the_scripts_names_and_readme() -> None:
    committed = _files(SAMPLE)
    names = {
        a.slug: [s.filename for s in msd.plan(a)] + list(msd.extra_files(a)) for a in msd.ATHLETES
    }
    planned = {f"{slug}/{n}" for slug, ns in names.items() for n in ns}
    assert sorted(committed) == sorted([*planned, "README.md"])
    for a in msd.ATHLETES:
        for name, data in msd.extra_files(a).items():
            assert committed[f"{a.slug}/{name}"] == data
    sizes = {
        slug: (len(ns), sum(len(committed[f"{slug}/{n}"]) for n in ns))
        for slug, ns in names.items()
    }
    assert committed["README.md"].decode("utf-8") == msd.readme(sizes)
    assert sum(len(b) for b in committed.values()) < 6_000_000


def test_generate_writes_what_render_and_readme_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The encoders are checked above; here a cheap stand-in of a distinct size per file.
    def fake(a: Any, s: Any) -> bytes:
        return f"{a.slug}/{s.filename}".encode() * (1 + int(s.day.day))

    monkeypatch.setattr(msd, "render", fake)
    written = msd.generate(tmp_path)
    fresh = _files(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(fresh)
    sizes: dict[str, tuple[int, int]] = {}
    for a in msd.ATHLETES:
        for s in msd.plan(a):
            assert fresh.pop(f"{a.slug}/{s.filename}") == fake(a, s)
        extras = msd.extra_files(a)
        for name, data in extras.items():
            assert fresh.pop(f"{a.slug}/{name}") == data
        sizes[a.slug] = (
            len(msd.plan(a)) + len(extras),
            sum(len(fake(a, s)) for s in msd.plan(a)) + sum(len(d) for d in extras.values()),
        )
    assert fresh == {"README.md": msd.readme(sizes).encode("utf-8")}


FIT_SESSIONS = fit_sessions()
GPX_SESSIONS = [(a, s) for a in msd.ATHLETES for s in msd.plan(a) if s.fmt == "gpx"]


def test_formats_and_sports_are_mixed() -> None:
    fmts = {s.fmt for _, s in FIT_SESSIONS + GPX_SESSIONS}
    assert fmts == {"fit", "fit.gz", "gpx"}
    sports = {(a.slug, s.sport) for a in msd.ATHLETES for s in msd.plan(a)}
    assert {("steady-sam", "cycling"), ("spiky-sara", "walking"), ("spiky-sara", "cycling")} <= (
        sports
    )
    assert date(2026, 7, 20) == msd.START and msd.START.weekday() == 0
    assert max(s.day for _, s in FIT_SESSIONS) == date(2026, 11, 15)


@pytest.mark.parametrize(
    ("a", "s"), FIT_SESSIONS, ids=[f"{a.slug}/{s.filename}" for a, s in FIT_SESSIONS]
)
def test_every_fit_decodes_with_fitparse_and_says_what_was_planned(
    a: Any, s: Any, request: pytest.FixtureRequest
) -> None:
    sports = {"running": "running", "cycling": "cycling", "walking": "walking"}
    data = fit_bytes(SAMPLE / a.slug / s.filename)
    where = f"{a.slug}/{s.filename}"
    # fitparse's reading of the file (14 CPU-s over the 210 files) from the kept table while
    # its key (the bytes, fitparse's version, the reading code) matches, else computed and kept
    # in pytest's cache.
    key = fitparse_key(data)
    entry = KEPT["fitparse"].get(where)
    if entry is not None and entry["key"] == key:
        msgs = from_json(entry["read"])
    else:
        msgs = cached(request.config, "sample-fitparse", key, lambda: what_fitparse_read(data))
    [file_id] = msgs["file_id"]
    assert file_id["type"] == "activity", where
    [session] = msgs["session"]
    assert session["total_distance"] == pytest.approx(s.distance_m, abs=0.01), where
    assert session["total_ascent"] == round(s.climb_m), where
    assert session["sport"] == sports[s.sport], where
    assert session["total_timer_time"] == session["total_elapsed_time"], where
    assert session["num_laps"] == msgs["laps"], where
    records = msgs["record"]
    duration = float(session["total_timer_time"])  # type: ignore[arg-type]
    assert records["n"] == int(np.ceil(duration / s.interval_s)) + 1, where
    assert records["last_distance"] == pytest.approx(s.distance_m, abs=0.01), where
    assert records["every_heart_rate"], where
    assert records["every_position"], where
    # activity.local_timestamp carries the athlete's offset on that day (DST included).
    [activity] = msgs["activity"]
    start = msd.start_utc(a, s)
    offset = start.astimezone(ZoneInfo(a.tz)).utcoffset()
    assert offset is not None and offset.total_seconds() == _offset_s(a, s)
    local = activity["local_timestamp"]
    utc = activity["timestamp"]
    assert isinstance(local, datetime) and isinstance(utc, datetime)
    assert local - utc == offset, where
    assert session["start_time"] == start.replace(tzinfo=None), where


# Rendered and read on every run, and checked against the kept table: one file of each
# athlete in each format, and every twentieth FIT file (a few CPU-s in all).
LIVE = sorted(
    {
        next((a, s) for s in msd.plan(a) if s.fmt == fmt)
        for a in msd.ATHLETES
        for fmt in {s.fmt for s in msd.plan(a)}
    }
    | set(fit_sessions()[::20]),
    key=lambda pair: (pair[0].slug, pair[1].filename),
)


@pytest.mark.parametrize(("a", "s"), LIVE, ids=[f"{a.slug}/{s.filename}" for a, s in LIVE])
def test_the_kept_table_is_what_the_script_and_fitparse_say(a: Any, s: Any) -> None:
    where = f"{a.slug}/{s.filename}"
    live = hashlib.sha256(msd.render(a, s)).hexdigest()
    assert live == hashlib.sha256((SAMPLE / where).read_bytes()).hexdigest(), where
    if KEPT["render_key"] == RENDER_KEY:  # a stale table is only slower: it is not read
        assert KEPT["rendered"][where] == live, "run `python -m support.sample_reference` in tests/"
    if s.fmt == "gpx":
        return
    data = fit_bytes(SAMPLE / where)
    entry = KEPT["fitparse"].get(where)
    if entry is not None and entry["key"] == fitparse_key(data):
        read = json.loads(json.dumps(to_json(what_fitparse_read(data))))
        assert entry["read"] == read, "run `python -m support.sample_reference` in tests/"


def test_local_offsets_follow_daylight_saving() -> None:
    sam, sara = msd.SAM, msd.SARA
    summer = msd.Session(date(2026, 8, 2), "long", "running", 1000.0, 0.0, 0.0)
    winter = msd.Session(date(2026, 11, 15), "long", "running", 1000.0, 0.0, 0.0)
    assert msd.start_utc(sara, summer).hour == msd.Session.start.hour - 2  # CEST
    assert msd.start_utc(sara, winter).hour == msd.Session.start.hour - 1  # CET
    assert msd.start_utc(sam, summer).hour == msd.Session.start.hour + 6  # MDT
    assert msd.start_utc(sam, winter).hour == msd.Session.start.hour + 7  # MST


def test_gpx_files_parse_with_timestamps_heart_rate_and_sport() -> None:
    for a, s in GPX_SESSIONS:
        gpx = gpxpy.parse((SAMPLE / a.slug / s.filename).read_text())
        [track] = gpx.tracks
        assert track.type == {"running": "running", "walking": "walking"}[s.sport]
        points = track.segments[0].points
        first, second = points[0].time, points[1].time
        assert first is not None and second is not None
        assert first == msd.start_utc(a, s)
        assert second - first == timedelta(seconds=s.interval_s)
        assert "gpxtpx:hr" in (SAMPLE / a.slug / s.filename).read_text()[:2000]
        # ~3 m of GPS error inflates the measured length only slightly.
        assert track.length_2d() == pytest.approx(s.distance_m, rel=0.03)


def _offset_s(a: object, s: object) -> int:
    start = msd.start_utc(a, s)
    offset = start.astimezone(ZoneInfo(a.tz)).utcoffset()  # type: ignore[attr-defined]
    assert offset is not None
    return int(offset.total_seconds())


def test_loadwatch_decodes_the_planned_distance_sport_and_time_zone() -> None:
    pytest.importorskip("loadwatch.ingest.formats.fit", reason="FIT decoder not written yet")
    from loadwatch.ingest.formats.registry import decode

    # Every non-running file, the final fortnight, and an even spread of the rest.
    picked = [
        (a, s)
        for i, (a, s) in enumerate(FIT_SESSIONS)
        if s.sport != "running" or s.day > msd.END - timedelta(days=14) or i % 10 == 0
    ]
    assert len(picked) >= 30
    sports = {"running": "running", "cycling": "cycling", "walking": "walking"}
    for a, s in picked:
        path = SAMPLE / a.slug / s.filename
        [track] = decode(fit_bytes(path), path.name.removesuffix(".gz"))
        where = f"{a.slug}/{s.filename}"
        assert track.totals.distance_m == pytest.approx(s.distance_m, rel=0.005), where
        last = track.samples["distance"].drop_nulls()[-1]
        assert last == pytest.approx(s.distance_m, rel=0.005), where
        assert track.sport == sports[s.sport], where
        assert track.utc_offset_s == _offset_s(a, s), where
        assert track.start_time == msd.start_utc(a, s).astimezone(UTC), where


# --- the story the data tells, checked against the DESIGN rules --------------------------------

DIMENSIONS = {
    "distance": lambda s: s.distance_m / 1000,
    "fast": lambda s: s.fast_m / 1000,
    "climb": lambda s: s.climb_m,
}


def _ratios(athlete: object, dim: str) -> tuple[dict[date, float], dict[date, float]]:
    """Per day: the largest session_spike ratio and the weekly_ramp ratio (planned runs only)."""
    runs = [s for s in msd.plan(athlete) if s.sport == "running"]
    days = [msd.START + timedelta(days=i) for i in range(7 * msd.WEEKS)]
    daily = np.zeros(len(days))
    for s in runs:
        daily[(s.day - msd.START).days] += DIMENSIONS[dim](s)
    spike: dict[date, float] = {}
    for s in runs:
        i = (s.day - msd.START).days
        prev = [DIMENSIONS[dim](r) for r in runs if 0 < (s.day - r.day).days <= 30]
        if prev and max(prev) > 0:
            spike[s.day] = max(spike.get(s.day, 0.0), DIMENSIONS[dim](s) / max(prev))
    ramp: dict[date, float] = {}
    for i in range(35, len(days)):
        base = daily[i - 34 : i - 6].sum() / 4
        if base > 0:
            ramp[days[i]] = float(daily[i - 6 : i + 1].sum() / base)
    return spike, ramp


def _monotony(athlete: object) -> float:
    runs = [s for s in msd.plan(athlete) if s.sport == "running"]
    daily = np.zeros(7 * msd.WEEKS)
    for s in runs:
        daily[(s.day - msd.START).days] += s.distance_m
    windows = [daily[i - 6 : i + 1] for i in range(6, len(daily))]
    return max(float(w.mean() / w.std()) for w in windows)


@pytest.mark.parametrize("dim", list(DIMENSIONS))
def test_steady_sam_never_trips_a_rule(dim: str) -> None:
    spike, ramp = _ratios(msd.SAM, dim)
    # The first run of each dimension has no 30-day history, so it is not a spike.
    assert max(v for d, v in spike.items() if d >= msd.START + timedelta(days=7)) <= 1.10
    assert max(ramp.values()) < 1.3


def test_monotony_stays_low() -> None:
    assert _monotony(msd.SAM) < 2.0
    assert _monotony(msd.SARA) < 2.0


@pytest.mark.parametrize("dim", list(DIMENSIONS))
def test_spiky_sara_trips_spike_and_ramp_only_in_her_final_week(dim: str) -> None:
    spike, ramp = _ratios(msd.SARA, dim)
    final = msd.END - timedelta(days=6)
    before = msd.START + timedelta(days=7)
    assert max(v for d, v in spike.items() if before <= d < final) <= 1.10
    assert max(v for d, v in ramp.items() if d < final) < 1.3
    assert max(v for d, v in spike.items() if d >= final) > 1.3
    assert ramp[msd.END] > 1.3


def test_sara_final_week_numbers() -> None:
    weeks = msd.weekly_table(msd.SARA)
    last, prev = weeks[-1], weeks[-2]
    assert float(last["km"]) / float(prev["km"]) == pytest.approx(1.4, rel=0.005)
    assert float(last["long_km"]) / float(prev["long_km"]) == pytest.approx(1.4, rel=0.005)
    assert float(last["fast_km"]) / float(prev["fast_km"]) == pytest.approx(3.0, rel=0.005)
    assert 3.0 <= float(last["climb_m"]) / float(prev["climb_m"]) <= 4.0


def test_the_story_holds_through_loadwatchs_own_pipeline(demo_template: DemoWorld) -> None:
    """Import both folders and evaluate: Sam gets no flag at all; Sara gets flags only in her
    final week, from session_spike (every dimension) and weekly_ramp (all but distance).

    Read from the demo store (``loadwatch demo``'s ``run_demo``: each folder through
    ``import_paths``, each athlete through ``evaluate_athlete`` as of the history's last day),
    which the dashboard tests share; nothing here writes to it."""
    import sqlalchemy as sa

    from loadwatch.store.models import Flag

    assert demo_template.today == msd.END
    ids = {"steady-sam": demo_template.sam, "spiky-sara": demo_template.sara}
    flags: dict[str, list[tuple[date, str, str]]] = {}
    store = demo_template.store()
    try:
        for a in (msd.SAM, msd.SARA):  # Rosa's story needs her plan: see test_cli_load's demo
            assert demo_template.imports[a.name] == (len(msd.plan(a)), 0)
            with store.sessions() as session:
                rows = session.scalars(sa.select(Flag).where(Flag.athlete_id == ids[a.slug]))
                flags[a.slug] = sorted((f.date, f.rule, f.dimension) for f in rows)
    finally:
        store.close()

    assert flags["steady-sam"] == []
    sara = flags["spiky-sara"]
    assert min(d for d, _, _ in sara) >= msd.END - timedelta(days=6)
    # Her 40 % distance week is under the contested ramp's line (twice the usual week), so
    # distance speaks through the long run's spike only; the other dimensions through both.
    assert {(rule, dim) for _, rule, dim in sara} == {
        (rule, dim)
        for rule in ("session_spike", "weekly_ramp")
        for dim in ("distance", "speed", "hills", "uphill")
    } - {("weekly_ramp", "distance")}


def test_returning_rosa_keeps_to_her_plan_but_for_one_hilly_run() -> None:
    """Rosa's planned return against the caps the plan should have (hand-computed from
    rehab.json and her pain log: +10 % after the settled weeks 1 and 2, held after the
    irritated Thursday of week 3, and from the flare's next day a 6.0 km longest run)."""
    start = date(2026, 10, 12)
    runs = [s for s in msd.plan(msd.ROSA) if s.sport == "running" and s.day >= start]
    weeks = [[s for s in runs if (s.day - start).days // 7 == w] for w in range(5)]
    assert [round(sum(s.distance_m for s in w) / 1000, 1) for w in weeks] == [
        14.9, 16.4, 18.0, 20.5, 14.9
    ]  # fmt: skip
    week_caps, run_caps = [15.0, 16.5, 18.1, 18.1, 18.1], [6.0, 6.6, 7.2, 7.2, 6.0]
    over = [
        s.day
        for w, ss in enumerate(weeks)
        for s in ss
        if s.distance_m / 1000 > run_caps[w] or s.climb_m > 10 * s.distance_m / 1000
    ]
    assert over == [date(2026, 11, 7)]
    assert [
        i for i, w in enumerate(weeks) if sum(s.distance_m for s in w) / 1000 > week_caps[i]
    ] == [3]
    rehab = json.loads((SAMPLE / "returning-rosa" / "rehab.json").read_text())
    assert rehab == msd.rosa_rehab()
    assert rehab["plan"]["start_date"] == start.isoformat()
    morning = {e["date"]: e.get("pain_next_morning") for e in rehab["symptoms"]}
    assert morning["2026-11-07"] == 6 and morning["2026-09-27"] == 6
    # Nothing at all between the injury and the plan but two rides: no complete rest.
    gap = [s for s in msd.plan(msd.ROSA) if date(2026, 9, 28) <= s.day < start]
    assert [(s.day, s.sport) for s in gap] == [
        (date(2026, 10, 1), "cycling"),
        (date(2026, 10, 7), "cycling"),
    ]
