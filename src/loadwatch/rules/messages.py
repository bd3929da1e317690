"""One sentence per flag, with its numbers, for a runner (not a sports scientist).

Day names come from the flag's local date and are English whatever the server's locale.
Ratios under 2 read as a percentage ("38 % longer"), from 2 on as a multiple ("3.0×").  A
number never reads as if it sat at the threshold when it is above it: where rounding would
show the threshold itself ("10 %" for 1.103 against 1.10), more decimals are shown ("10.3 %").
Where a floor stood in for a small baseline the ratio is of the floor, and the sentence says so
("2.0× 3.0 km, the least it is judged against (your longest run of the last 30 days was
1.5 km)"); with
nothing at all to compare with (a first run, or the first climbing in 30 days) it says that
instead of comparing with "0.0 km"; after a break it says how the pre-break capacity was
counted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from loadwatch.analytics.schema import UNITS
from loadwatch.rounding import fixed, half_up
from loadwatch.vocabulary import DIMENSION_HEADING, DIMENSION_NOUN, NO_LOAD

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Row = Mapping[str, Any]


def day_name(d: date) -> str:
    return _DAYS[d.weekday()]


def amount(value: float, unit: str) -> str:
    """'1,234 m', '20.3 km': halves up, as a coach rounds (``rounding.fixed``)."""
    if unit == "m":
        return f"{fixed(value, 0, grouped=True)} m"
    return f"{fixed(value, 1, grouped=True)} km"


# What a dimension over its limit allows tomorrow.  Rest is the distance's word only: the
# others limit one kind of running, and "Fast running: …; rest tomorrow" beside "next run up
# to 22.0 km" read as a rest day (trial 9 F22).
_NOTHING_TOMORROW = {dim: f"{words} tomorrow" for dim, words in NO_LOAD.items()}
_SOME_TOMORROW = {
    dim: "rest or up to {} easy tomorrow" if dim == "distance" else f"up to {{}} of {noun} tomorrow"
    for dim, noun in DIMENSION_NOUN.items()
}


def tomorrow(dimension: str, run_limit: float, unit: str) -> str:
    """What is safe tomorrow in ``dimension`` when not even half a usual run fits."""
    if run_limit <= 0:
        return _NOTHING_TOMORROW[dimension]
    return _SOME_TOMORROW[dimension].format(amount(run_limit, unit))


def pace(speed_mps: float) -> str:
    """m/s → 'm:ss/km'."""
    s = int(half_up(1000.0 / speed_mps))
    return f"{s // 60}:{s % 60:02d}/km"


_FAST = DIMENSION_NOUN["speed"]


def fast_running(value: str, row: Row) -> str:
    """'7.1 km quicker than 4:56/km' (the day's fast threshold), else '7.1 km of fast
    running': fast km always says what fast meant that day."""
    thr = row.get("fast_threshold_mps")
    return f"{value} quicker than {pace(thr)}" if thr else f"{value} of {_FAST}"


def above(value: float, threshold: float | None, decimals: int = 0, scale: float = 1.0) -> str:
    """``value × scale`` with ``decimals``, or as many more (up to 3) as it takes not to read
    as the threshold (or below it) when the value is above it."""
    for d in range(decimals, decimals + 4):
        text = fixed(value * scale, d)
        if threshold is None or value <= threshold or float(text) > threshold * scale + 1e-12:
            return text
    return fixed(value * scale, decimals + 3)


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


def _floored(row: Row) -> bool:
    own = row["own_baseline"]
    return own is not None and own < row["baseline"]


def _against(row: Row, unit: str, what: str, note: str = "") -> str:
    """What the ratio was taken of: 'your usual week (16.0 km)', or, where the floor stood in,
    '10.0 km, the least it is judged against (your usual week was 0.8 km)': the ratio is of
    the floor, never of the smaller own figure printed beside it.  ``what`` is the subject of
    its own clause: "the least your most in one run … counts as" read badly (trial 10 F12)."""
    base = amount(row["baseline"], unit)
    if _floored(row):
        own = amount(row["own_baseline"], unit)
        return f"{base}, the least it is judged against ({what} was {own}{note})"
    return f"{what} ({base}{note})"


def _nothing_before(row: Row) -> bool:
    """Nothing of the dimension in the window to compare with: the floor alone judged."""
    own = row["own_baseline"]
    return own is not None and own <= 0.0


def _after_break(row: Row) -> str:
    """', counting your runs before the 29-day break at 91 %' when the baseline is post-break."""
    kept = row.get("kept")
    if kept is None:
        return ""
    share = fixed(kept * 100, 0)
    return f", counting your running before your {row['days_off']}-day break at {share} %"


def _session_spike(row: Row) -> str:
    dim, day, r, t = row["dimension"], day_name(row["date"]), row["ratio"], row["threshold"]
    unit = UNITS[dim]
    value, n = amount(row["value"], unit), row["window_days"]
    if _nothing_before(row):
        # Nothing to count at a share either: the break's share is no part of this sentence.
        return _first_of_its_kind(row, value, f"the last {n} days")
    window = f"the last {n} days{_after_break(row)}"
    if dim == "distance":
        longest = _against(row, unit, f"your longest run of {window}")
        return f"{day}'s {value} run is {more(r, 'longer than', t)} {longest}."
    if dim == "speed":
        most = _against(row, unit, f"your most in one run over {window}")
        return f"{day}'s run had {fast_running(value, row)}, {more(r, threshold=t)} {most}."
    if dim == "uphill":
        most = _against(row, unit, f"your most in one run over {window}")
        uphill = DIMENSION_NOUN[dim]
        return f"{day}'s run had {value} of {uphill}, {more(r, threshold=t)} {most}."
    biggest = _against(row, unit, f"your biggest climb of {window}")
    return f"{day}'s run climbed {value}, {more(r, threshold=t)} {biggest}."


def _first_of_its_kind(row: Row, value: str, window: str) -> str:
    """A spike with nothing before it in the window: no history to be a multiple of.  Without
    running in the window and no break behind it (``days_off``: a run before, however long
    ago), a distance spike is the athlete's first run on record."""
    dim, day, r = row["dimension"], day_name(row["date"]), row["ratio"]
    floor = amount(row["baseline"], UNITS[dim])
    times = more(r, "more", row["threshold"]) + (" that" if r >= 2.0 else "")
    if dim == "distance" and row.get("kept") is None and row.get("days_off") is None:
        return (
            f"{day}'s {value} run is your first on record: with no earlier run to compare it "
            f"with, it is judged against at least {floor} and is {times}."
        )
    did, none = {
        "distance": (f"{day}'s {value} run", "no run"),
        "speed": (f"{day}'s run had {fast_running(value, row)}", NO_LOAD["speed"]),
        "hills": (f"{day}'s run climbed {value}", NO_LOAD["hills"]),
        "uphill": (f"{day}'s run had {value} of {DIMENSION_NOUN['uphill']}", NO_LOAD["uphill"]),
    }[dim]
    days_off = row.get("days_off")
    back = f", your first after {days_off} days without running," if days_off is not None else ","
    return (
        f"{did}{back} with {none} in {window} to compare it with: judged against at least "
        f"{floor}, it is {times}."
    )


def _weekly_ramp(row: Row) -> str:
    dim, day, r, t = row["dimension"], day_name(row["date"]), row["ratio"], row["threshold"]
    unit = UNITS[dim]
    value, base, n = amount(row["value"], unit), amount(row["baseline"], unit), row["window_days"]
    span = f"in the {n} days to {day}"
    period = "week" if n == 7 else f"{n} days"
    note = ""
    if row.get("kept") is not None:
        note = f"; the break left out{_after_break(row)}"
    what = DIMENSION_HEADING[dim]
    if dim == "hills":
        if _floored(row):
            usual = _against(row, unit, f"your usual climbing per {period}", note)
            return f"{what} {span}: {value} vs {usual} ({above(r, t, 1)}×)."
        times = above(r, t, 1)
        return f"{what} {span}: {value} vs your usual {base} per {period}{note} ({times}×)."
    if dim == "speed":
        value = fast_running(value, row).removesuffix(f" of {_FAST}")
    usual = _against(row, unit, f"your usual {period}", note)
    return f"{what} {span}: {value}, {more(r, threshold=t)} {usual}."


def _return_after_break(row: Row) -> str:
    dim = row["dimension"]
    unit = UNITS[dim]
    what = f"of {DIMENSION_NOUN[dim]}"
    back = row["days_back"]
    days = "day" if back == 1 else f"{back} days"
    done = f"{amount(row['value'], unit)} {what}"
    if dim == "speed":
        done = fast_running(amount(row["value"], unit), row)
    share = above(row["ratio"], row["threshold"], 0, 100.0)
    # A short history before the break (trial 11 F7): the usual week is estimated from the
    # days on record, or with too few of them the floor alone judges.
    pre_days = row.get("pre_days")
    if row["own_baseline"] is None:
        usual = (
            f"{amount(row['baseline'], unit)}, the least it is judged against (too few days "
            "on record before the break for a usual week)"
        )
    elif pre_days is not None:
        usual = _against(
            row, unit, f"your usual week from the {pre_days} days on record before the break"
        )
    else:
        usual = _against(row, unit, "your usual week before the break")
    return (
        f"Back after {row['days_off']} days without running: {done} "
        f"in your first {days} back, {share} % of {usual}. Build back up over a few weeks."
    )


def _monotony(row: Row) -> str:
    dim = row["dimension"]
    unit = UNITS[dim]
    what = DIMENSION_NOUN[dim]
    mono = above(row["ratio"], row["threshold"], 1)
    return (
        f"Your {what} in the {row['window_days']} days to {day_name(row['date'])} was very "
        f"even from day to day (monotony {mono}, above {fixed(row['threshold'])}; "
        f"{amount(row['week_load'], unit)}, strain {fixed(row['strain'], 0, grouped=True)}): "
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


_COUNT = {2: "two", 3: "three", 4: "four"}


def recordings(count: int, gap_s: float) -> str:
    """'two recordings, 1 min apart': a run judged as one session of several files
    (``analytics.daily.SESSION_GAP_S``)."""
    minutes = max(1, int(half_up(gap_s / 60.0)))
    apart = f"{minutes} min apart" if count == 2 else f"at most {minutes} min apart"
    return f"{_COUNT.get(count, str(count))} recordings, {apart}"


def recordings_in(message: str) -> str | None:
    """The "two recordings, 1 min apart" a flag's sentence says of its run, if it does: for
    a sentence that cites the same run again (a spike's step back, ``rules.spike_limit``)."""
    import re  # here: only a sentence that may hold the note pays for it

    if "recordings, " not in message:
        return None
    found = re.search(r" \(((?:\w+) recordings, (?:at most )?\d+ min apart)\)", message)
    return found.group(1) if found else None


def with_guessed_sport(message: str, day: date) -> str:
    """A flag's sentence about ``day``'s run whose sport loadwatch guessed (the recording
    declared none): says so, so a coach can relabel a ride the guess took for a run and
    dismiss the flag (trial 10 F19)."""
    return (
        f"{message} The sport of {day_name(day)}'s run was guessed from the recording: "
        "relabel it if it was not a run."
    )


def with_recordings(
    message: str, day: date, dimension: str, value: float, count: int, gap_s: float
) -> str:
    """A sentence about ``day``'s run that was several recordings (its ``value`` in
    ``dimension``, the session's figure) saying so after the first citation of that run:
    "Saturday's 30.0 km run (two recordings, 1 min apart) is ...", "Saturday's run (two
    recordings, 1 min apart) climbed 180 m", "the day after Saturday's 30.0 km hilly run (two
    recordings, 1 min apart)", "Saturday's 7.5 km (two recordings, 1 min apart) is over the
    plan's ...".  A run a sentence cites by its distance is found by it; one cited for its
    fast km, climb or uphill km is "``day``'s run".  A sentence citing neither is unchanged."""
    import re  # here: only a run in several recordings pays for it

    name = day_name(day)
    if dimension == "distance":
        # Possessive: "30.0 km hilly run" is cited whole, never "30.0 km" short of it.
        cite = rf"{name}'s {re.escape(amount(value, 'km'))}(?: (?:hilly |fast )*run)?+"
    else:
        cite = rf"{name}'s run"
    note = f" ({recordings(count, gap_s)})"
    return re.sub(rf"\b{cite}\b(?! \()", lambda m: m.group(0) + note, message, count=1)
