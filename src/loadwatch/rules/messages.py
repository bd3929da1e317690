"""One sentence per flag, with its numbers, for a runner (not a sports scientist).

Day names come from the flag's local date and are English whatever the server's locale.
Ratios under 2 read as a percentage ("38 % longer"), from 2 on as a multiple ("3.0×").  A
number never reads as if it sat at the threshold when it is above it: where rounding would
show the threshold itself ("10 %" for 1.103 against 1.10), more decimals are shown ("10.3 %").
Where a floor stood in for a small baseline, the sentence says so ("1.1 km, judged against at
least 10.0 km"), and after a break it says how the pre-break capacity was counted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from loadwatch.analytics.schema import UNITS

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Row = Mapping[str, Any]


def day_name(d: date) -> str:
    return _DAYS[d.weekday()]


def amount(value: float, unit: str) -> str:
    return f"{value:,.0f} m" if unit == "m" else f"{value:,.1f} km"


def pace(speed_mps: float) -> str:
    """m/s → 'm:ss/km'."""
    s = round(1000.0 / speed_mps)
    return f"{s // 60}:{s % 60:02d}/km"


def fast_running(value: str, row: Row) -> str:
    """'7.1 km quicker than 4:56/km' (the day's fast threshold), else '7.1 km of fast
    running': fast km always says what fast meant that day."""
    thr = row.get("fast_threshold_mps")
    return f"{value} quicker than {pace(thr)}" if thr else f"{value} of fast running"


def above(value: float, threshold: float | None, decimals: int = 0, scale: float = 1.0) -> str:
    """``value × scale`` with ``decimals``, or as many more (up to 3) as it takes not to read
    as the threshold (or below it) when the value is above it."""
    for d in range(decimals, decimals + 4):
        text = f"{value * scale:.{d}f}"
        if threshold is None or value <= threshold or float(text) > threshold * scale + 1e-12:
            return text
    return f"{value * scale:.{decimals + 3}f}"


def more(ratio: float, word: str = "more than", threshold: float | None = None) -> str:
    """'38 % longer than' / '3.0×'; '10.3 %' rather than '10 %' above a 1.10 threshold."""
    if ratio >= 2.0:
        return f"{above(ratio, threshold, 1)}×"
    pct = above(ratio - 1.0, None if threshold is None else threshold - 1.0, 0, 100.0)
    return f"{pct} % {word}"


def baseline_phrase(own: float | None, baseline: float, unit: str) -> str:
    """'16.0 km', or '1.1 km, judged against at least 10.0 km' when the floor stood in."""
    if own is not None and own < baseline:
        return f"{amount(own, unit)}, judged against at least {amount(baseline, unit)}"
    return amount(baseline, unit)


def _baseline(row: Row, unit: str) -> str:
    """The baseline in brackets' content; says so when the floor stood in for it."""
    return baseline_phrase(row["own_baseline"], row["baseline"], unit)


def _after_break(row: Row) -> str:
    """', counting your runs before the 29-day break at 91 %' when the baseline is post-break."""
    kept = row.get("kept")
    if kept is None:
        return ""
    return f", counting your running before your {row['days_off']}-day break at {kept * 100:.0f} %"


def _session_spike(row: Row) -> str:
    dim, day, r, t = row["dimension"], day_name(row["date"]), row["ratio"], row["threshold"]
    unit = UNITS[dim]
    value, base, n = amount(row["value"], unit), _baseline(row, unit), row["window_days"]
    window = f"the last {n} days{_after_break(row)}"
    if dim == "distance":
        return (
            f"{day}'s {value} run is {more(r, 'longer than', t)} your longest run "
            f"of {window} ({base})."
        )
    if dim == "speed":
        return (
            f"{day}'s run had {fast_running(value, row)}, {more(r, threshold=t)} your most in one "
            f"run over {window} ({base})."
        )
    if dim == "uphill":
        return (
            f"{day}'s run had {value} of uphill running, {more(r, threshold=t)} your most in "
            f"one run over {window} ({base})."
        )
    return (
        f"{day}'s run climbed {value}, {more(r, threshold=t)} your biggest climb of {window} "
        f"({base})."
    )


def _weekly_ramp(row: Row) -> str:
    dim, day, r, t = row["dimension"], day_name(row["date"]), row["ratio"], row["threshold"]
    unit = UNITS[dim]
    value, base, n = amount(row["value"], unit), _baseline(row, unit), row["window_days"]
    span = f"in the {n} days to {day}"
    period = "week" if n == 7 else f"{n} days"
    note = ""
    if row.get("kept") is not None:
        note = f"; the break left out{_after_break(row)}"
    if dim == "hills":
        return (
            f"Climbing {span}: {value} vs your usual {base} per {period}{note} ({above(r, t, 1)}×)."
        )
    what = {"distance": "Distance", "speed": "Fast running", "uphill": "Uphill running"}[dim]
    if dim == "speed":
        value = fast_running(value, row).removesuffix(" of fast running")
    return f"{what} {span}: {value}, {more(r, threshold=t)} your usual {period} ({base}{note})."


def _return_after_break(row: Row) -> str:
    dim = row["dimension"]
    unit = UNITS[dim]
    what = {
        "distance": "of running",
        "speed": "of fast running",
        "hills": "of climbing",
        "uphill": "of uphill running",
    }[dim]
    back = row["days_back"]
    days = "day" if back == 1 else f"{back} days"
    done = f"{amount(row['value'], unit)} {what}"
    if dim == "speed":
        done = fast_running(amount(row["value"], unit), row)
    return (
        f"Back after {row['days_off']} days without running: {done} "
        f"in your first {days} back, {above(row['ratio'], row['threshold'], 0, 100.0)} % of your "
        "usual week before the "
        f"break ({_baseline(row, unit)}). Build back up over a few weeks."
    )


def _monotony(row: Row) -> str:
    dim = row["dimension"]
    unit = UNITS[dim]
    what = {
        "distance": "running",
        "speed": "fast running",
        "hills": "climbing",
        "uphill": "uphill running",
    }[dim]
    mono = above(row["ratio"], row["threshold"], 1)
    return (
        f"Your {what} in the {row['window_days']} days to {day_name(row['date'])} was very "
        f"even from day to day (monotony {mono}, above {row['threshold']:.1f}; "
        f"{amount(row['week_load'], unit)}, strain {row['strain']:,.0f}): "
        "mix easy and hard days and keep a rest day."
    )


_RENDER: dict[str, Callable[[Row], str]] = {
    "session_spike": _session_spike,
    "weekly_ramp": _weekly_ramp,
    "return_after_break": _return_after_break,
    "monotony": _monotony,
}


def render(row: Row) -> str:
    return _RENDER[row["rule"]](row)
