"""One sentence per flag, with its numbers, for a runner (not a sports scientist).

Day names come from the flag's local date and are English whatever the server's locale.
Ratios under 2 read as a percentage ("38 % longer"), from 2 on as a multiple ("3.0×").
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


def more(ratio: float, word: str = "more than") -> str:
    """'38 % longer than' / '3.0×'."""
    if ratio >= 2.0:
        return f"{ratio:.1f}×"
    return f"{(ratio - 1.0) * 100:.0f} % {word}"


def _baseline(row: Row, unit: str) -> str:
    """The baseline in brackets' content; says so when the floor stood in for it."""
    own, base = row["own_baseline"], row["baseline"]
    if own is not None and own < base:
        return f"{amount(own, unit)}; we compare with at least {amount(base, unit)}"
    return amount(base, unit)


def _session_spike(row: Row) -> str:
    dim, day, r = row["dimension"], day_name(row["date"]), row["ratio"]
    unit = UNITS[dim]
    value, base, n = amount(row["value"], unit), _baseline(row, unit), row["window_days"]
    if dim == "distance":
        return (
            f"{day}'s {value} run is {more(r, 'longer than')} your longest run "
            f"of the last {n} days ({base})."
        )
    if dim == "speed":
        return (
            f"{day}'s run had {value} of fast running, {more(r)} your most in one run "
            f"over the last {n} days ({base})."
        )
    return (
        f"{day}'s run climbed {value}, {more(r)} your biggest climb of the last {n} days ({base})."
    )


def _weekly_ramp(row: Row) -> str:
    dim, day, r = row["dimension"], day_name(row["date"]), row["ratio"]
    unit = UNITS[dim]
    value, base, n = amount(row["value"], unit), _baseline(row, unit), row["window_days"]
    span = f"in the {n} days to {day}"
    period = "week" if n == 7 else f"{n} days"
    if dim == "hills":
        own = row["own_baseline"]
        if own is not None and own < row["baseline"]:
            floor = amount(row["baseline"], unit)
            usual = f"{amount(own, unit)} per {period} (we compare with at least {floor}: {r:.1f}×)"
        else:
            usual = f"{amount(row['baseline'], unit)} per {period} ({r:.1f}×)"
        return f"Climbing {span}: {value} vs your usual {usual}."
    what = "Distance" if dim == "distance" else "Fast running"
    return f"{what} {span}: {value}, {more(r)} your usual {period} ({base})."


def _return_after_break(row: Row) -> str:
    dim = row["dimension"]
    unit = UNITS[dim]
    what = {"distance": "of running", "speed": "of fast running", "hills": "of climbing"}[dim]
    back = row["days_back"]
    days = "day" if back == 1 else f"{back} days"
    return (
        f"Back after {row['days_off']} days without running: {amount(row['value'], unit)} {what} "
        f"in your first {days} back, {row['ratio'] * 100:.0f} % of your usual week before the "
        f"break ({_baseline(row, unit)}). Build back up over a few weeks."
    )


def _monotony(row: Row) -> str:
    dim = row["dimension"]
    unit = UNITS[dim]
    what = {"distance": "running", "speed": "fast running", "hills": "climbing"}[dim]
    return (
        f"Your {what} in the {row['window_days']} days to {day_name(row['date'])} was very "
        f"even from day to day (monotony {row['ratio']:.1f}, above {row['threshold']:.1f}; "
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
