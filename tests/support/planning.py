"""Histories and plans for the planning tests (docs/planning.md)."""

from __future__ import annotations

from datetime import date, timedelta

# The longest run of the last 30 days: its 10 % caution line (16.83 km) lies off the 0.1 km
# grid the check suggests on, so "up to 16.8 km" is under it with room for a GPX's metres.
LONGEST_KM = 15.3


def history_csv(last: date, weeks: int = 6, longest_km: float = LONGEST_KM) -> bytes:
    """``weeks`` of 8 km on the fourth, sixth and second day before each long run of
    ``longest_km``, the last long run on ``last``, at 5:30/km (a CSV training log)."""
    lines = ["date,distance_km,duration_min,sport"]
    for w in range(weeks):
        long_day = last - timedelta(weeks=w)
        for back, km in ((6, 8.0), (4, 8.0), (2, 8.0), (0, longest_km)):
            d = long_day - timedelta(days=back)
            lines.append(f"{d},{km},{km * 5.5:.1f},running")
    return ("\n".join([lines[0], *sorted(lines[1:])]) + "\n").encode()
