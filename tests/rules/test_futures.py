"""Headroom's candidate futures judged all at once (rules/futures.py) hold every cell
``arrays.wide`` gives judging each candidate's whole panel: ok, level, final (the spike's
hand-over during a return), own baseline, baseline and value, to the bit, on the days from
the history's last on, for every amount rule and dimension; on generated histories with
runs, rest days and breaks long enough for returns, and configs with short breaks, rules
off, dimensions left out, no alert line and other windows."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from loadwatch.analytics.schema import DIMENSIONS
from loadwatch.rules import arrays, futures
from loadwatch.rules.config import RuleConfig

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
