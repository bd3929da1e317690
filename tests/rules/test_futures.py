"""Headroom's candidate futures judged all at once (rules/futures.py) hold every cell
``arrays.wide`` gives judging each candidate's whole panel: ok, level, final (the spike's
hand-over during a return), own baseline, baseline and value, to the bit, on the days from
the history's last on, for every amount rule and dimension; on generated histories with
runs, rest days and breaks long enough for returns, and configs with short breaks, rules
off, dimensions left out, no alert line and other windows."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from loadwatch.analytics.schema import DIMENSIONS
from loadwatch.rules import arrays, futures, headroom_arrays
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.judging import AMOUNT_RULES

_COLS = [c for pair in DIMENSIONS.values() for c in pair]

CONFIGS = [
    RuleConfig(),
    RuleConfig.from_overrides(
        {
            "return_after_break": {"break_days": 7, "caution": 0.3, "return_days": 10},
            "weekly_ramp": {"caution": 1.3, "quiet_days": 3},
            "session_spike": {"window_days": 10},
        }
    ),
    RuleConfig.from_overrides(
        {
            "return_after_break": {"enabled": False},
            "weekly_ramp": {"dimensions": ["distance", "hills"], "acute_days": 5},
            "session_spike": {"alert": None, "dimensions": ["speed", "uphill"]},
        }
    ),
    RuleConfig.from_overrides(
        {
            "return_after_break": {"break_days": 8, "dimensions": ["distance"], "alert": None},
            "weekly_ramp": {"enabled": False},
            "session_spike": {"window_days": 7, "dimension_caution": {"speed": 1.05}},
        }
    ),
    RuleConfig.from_overrides(
        {"session_spike": {"enabled": False}, "return_after_break": {"pre_break_days": 10}}
    ),
]

# A day: rest, a run (km, and shares of it fast, climbing, uphill), or a stretch of rest.
_day = st.one_of(
    st.just((0.0, 0.0, 0.0)),
    st.tuples(
        st.sampled_from([0.0, 3.0, 5.0, 8.0, 10.2, 14.0, 21.1, 30.0]),
        st.floats(0, 1),
        st.floats(0, 1),
    ),
    st.tuples(st.integers(5, 25).map(float), st.just(-1.0), st.just(0.0)),
)


def _history(plan: list[tuple[float, float, float]]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    runs: list[float] = []
    rows: list[tuple[float, ...]] = []
    for km, a, b in plan:
        if a < 0:  # km days of rest
            runs += [0.0] * int(km)
            rows += [(0.0,) * 8] * int(km)
        elif km == 0 and a == 0 and b == 0:
            runs.append(0.0)
            rows.append((0.0,) * 8)
        else:
            fast, climb, up = round(km * a * 0.4, 3), round(km * b * 37, 1), round(km * b / 3, 3)
            runs.append(float(1 + (a > 0.8)))
            # two runs on a day: the single-run columns are the larger (here: a share)
            rows.append((km, km * 0.6 if a > 0.8 else km, fast, fast, climb, climb, up, up))
    cols = [c for pair in DIMENSIONS.values() for c in pair]
    data = np.array(rows, dtype=np.float64).reshape(-1, 8)
    return np.array(runs), {c: data[:, i].copy() for i, c in enumerate(cols)}


def _futures(horizon: int) -> np.ndarray:
    f = np.zeros((horizon + 2, max(horizon, 7)))
    for k in range(horizon):
        f[1 + k, k] = 1
    f[-1, :7] = 1
    return f


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_day, min_size=1, max_size=120) | st.lists(_day, min_size=30, max_size=90),
    st.integers(0, len(CONFIGS) - 1),
    st.integers(0, 400),
    st.integers(1, 16),
    st.booleans(),
    st.integers(0, 130),
)
def test_every_cell_is_wides(
    plan: list[tuple[float, float, float]], which: int, lo: int, horizon: int, odd: bool, back: int
) -> None:
    """From the history's last day on (what headroom reads), or from ``back`` days before it
    (the history's own runs: spikes, and spikes handed over during a return)."""
    runs_h, loads_h = _history(plan)
    config = CONFIGS[which]
    future = _futures(horizon)
    if odd:  # any runs at all, not only headroom's candidates
        future = np.random.default_rng(len(plan) + lo).integers(0, 2, future.shape).astype(float)
    n, k, h = runs_h.size, future.shape[0], future.shape[1]
    first = max(0, n - 1 - back)
    got = {c.rule: c for c in futures.judge(lo, runs_h, loads_h, future, config, first)}
    runs = np.concatenate([np.broadcast_to(runs_h, (k, n)), future], axis=1)
    loads = {c: np.concatenate([np.broadcast_to(v, (k, n)), np.zeros((k, h))], axis=1)
             for c, v in loads_h.items()}  # fmt: skip
    day = np.broadcast_to(np.arange(lo, lo + n + h, dtype=np.float64), runs.shape)
    want = arrays.wide(day, runs, loads, config, amounts_only=True)
    assert sorted(got) == sorted({ch.rule for ch in want})
    seen = set()
    for ch in want:
        i = futures.DIMS.index(ch.dim)
        c = got[ch.rule]
        seen.add((ch.rule, i))
        for name, mine, theirs in [
            ("ok", c.ok[i].astype(np.float64), ch.ok),
            ("level", c.level[i], ch.level),
            ("final", c.final[i], ch.final),
            ("own", c.own[i], ch.fields["own_baseline"]),
            ("baseline", c.baseline[i], ch.fields["baseline"]),
            ("value", c.value[i], ch.fields["value"]),
        ]:
            assert_array_equal(mine, theirs[:, first:], err_msg=f"{ch.rule} {ch.dim} {name}")
    # A dimension a rule does not judge is never judged.
    for rule, c in got.items():
        for i in range(len(futures.DIMS)):
            if (rule, i) not in seen:
                assert not c.ok[i].any()


# --- verdicts: the candidates judged at once == each judged by ``arrays.wide`` ---------------
def _wide_verdicts(
    history: pl.DataFrame, config: RuleConfig, today: date, horizon: int
) -> headroom_arrays.Verdicts:
    """Headroom's verdicts as they were computed before ``rules.futures``: a panel of the
    history, tomorrow's run of nothing and the next 7 days running, and a panel of a run after
    k rest days, each judged by ``arrays.wide`` (every later room: ``over`` None)."""
    lo, base = headroom_arrays._base(history, config, today)
    n = base.height

    def panel(k: int, width: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        runs = np.zeros((k, n + width))
        runs[:, :n] = base["runs"].to_numpy()
        loads = {}
        for c in _COLS:
            a = np.zeros((k, n + width))
            a[:, :n] = base[c].to_numpy()
            loads[c] = a
        day = np.broadcast_to(np.arange(lo, lo + n + width, dtype=np.float64), runs.shape)
        return day, runs, loads

    def min_room(checks: list[arrays.Check], cells: list[tuple[int, int]]) -> object:
        best: tuple[float, str] | None = None
        for r, c in cells:
            for ch in checks:
                if ch.ok[r, c] > 0 and not (ch.final[r, c] == 0 and ch.level[r, c] > 0):
                    room = float(
                        ch.caution() * ch.fields["baseline"][r, c] - ch.fields["value"][r, c]
                    )
                    if best is None or room < best[0]:
                        best = (room, ch.rule)
        return best

    def amount(
        checks: list[arrays.Check], dim: str, rules: tuple[str, ...] = AMOUNT_RULES
    ) -> list[arrays.Check]:
        return sorted(
            (ch for ch in checks if ch.dim == dim and ch.rule in rules), key=lambda c: c.rule
        )

    day, runs, loads = panel(3, 7)
    runs[1, n] = 1
    runs[2, n : n + 7] = 1
    checks = arrays.wide(day, runs, loads, config, amounts_only=True)
    v = headroom_arrays.Verdicts()
    for dim in DIMENSIONS:
        best = min_room(amount(checks, dim), [(1, n)])
        if best is not None:
            v.run_rooms[(0, dim)] = best  # type: ignore[assignment]
        wk = min_room(
            amount(checks, dim, ("weekly_ramp", "return_after_break")),
            [(2, n + i) for i in range(7)],
        )
        if wk is not None:
            v.week_rooms[dim] = wk[0]  # type: ignore[index]
        alerts = [
            float(line * ch.fields["baseline"][1, n] - ch.fields["value"][1, n])
            for ch in amount(checks, dim)
            if (line := ch.alert()) is not None
            and ch.ok[1, n] > 0
            and not (ch.final[1, n] == 0 and ch.level[1, n] > 0)
        ]
        if alerts:
            v.alert_run[dim] = headroom_arrays.floor_unit(min(alerts), dim)
        for ch in amount(checks, dim):
            own = ch.fields["own_baseline"][1, n]
            judged = ch.ok[1, n] > 0 and not (ch.final[1, n] == 0 and ch.level[1, n] > 0)
            if ch.rule == "session_spike" and judged and not np.isnan(own):
                v.longest[dim] = float(own)
            if ch.rule == "weekly_ramp":
                f = ch.fields
                v.ramp_now[dim] = (
                    headroom_arrays._none(f["own_baseline"][0, n - 1]),
                    float(f["baseline"][0, n - 1]),
                    headroom_arrays._none(f["ratio"][0, n - 1]),
                    ch.caution(),
                )
    sizes = {
        d: headroom_arrays.floor_unit(r, d) for (k, d), (r, _) in v.run_rooms.items() if k == 0
    }
    v.next_run = headroom_arrays._verify(base, lo, config, sizes)
    if horizon > 1:
        day, runs, loads = panel(horizon - 1, horizon)
        for k in range(1, horizon):
            runs[k - 1, n + k] = 1
        later = arrays.wide(day, runs, loads, config, amounts_only=True)
        for dim in DIMENSIONS:
            for k in range(1, horizon):
                best = min_room(amount(later, dim), [(k - 1, n + k)])
                if best is not None:
                    v.run_rooms[(k, dim)] = best  # type: ignore[assignment]
    return v


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_day, min_size=1, max_size=120) | st.lists(_day, min_size=30, max_size=90),
    st.integers(0, len(CONFIGS) - 1),
    st.integers(1, 16),
)
def test_verdicts_are_wides(
    plan: list[tuple[float, float, float]], which: int, horizon: int
) -> None:
    """Every room of every candidate (its rule too), the week's room, tomorrow's checked
    limit (worked out or judged again), the alert line, the spike's baseline and today's
    ramp: exactly what judging each candidate by ``arrays.wide`` gives."""
    runs_h, loads_h = _history(plan)
    start = date(2025, 1, 6)
    history = pl.DataFrame(
        {"date": [start + timedelta(days=i) for i in range(runs_h.size)], "runs": runs_h, **loads_h}
    )
    config = CONFIGS[which]
    today: date = history["date"][-1]
    got = headroom_arrays.verdicts(history, config, today, horizon)
    want = _wide_verdicts(history, config, today, horizon)
    assert got.run_rooms == want.run_rooms
    assert got.week_rooms == want.week_rooms
    assert got.next_run == want.next_run
    assert got.alert_run == want.alert_run
    assert got.longest == want.longest
    assert got.ramp_now.keys() == want.ramp_now.keys()
    for d, r in want.ramp_now.items():
        assert [x if x is None or not np.isnan(x) else "nan" for x in got.ramp_now[d]] == [
            x if x is None or not np.isnan(x) else "nan" for x in r
        ]
