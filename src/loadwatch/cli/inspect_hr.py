"""``inspect``'s heart-rate load of one file (docs/hr-load.md): its TRIMP with the heart rates
given, or estimated from the file itself."""

from __future__ import annotations

from typing import Any

from loadwatch.analytics.trimp import Sex, estimated_peak, profile, trimp
from loadwatch.ingest.summary.hrload import SUSTAINED_PEAK_S


def inspect_hr_load(
    hist: list[float] | None,
    resting_hr: float | None,
    max_hr: float | None,
    sex: str | None,
    recorded_max: float | None = None,
) -> dict[str, Any]:
    """TRIMP of one file with the heart rates given, a missing one estimated from the file
    itself (docs/hr-load.md): ``hr_load`` null without heart rate.  ``recorded_max``: the
    file's own maximum, which the estimate (held a minute) may sit below; the profile's
    ``max_note`` then says why."""
    curve: Sex | None = "male" if sex == "male" else "female" if sex == "female" else None
    peak = estimated_peak([hist]) if max_hr is None else None
    prof = profile(rest_bpm=resting_hr, max_bpm=max_hr, sex=curve, peak_bpm=peak)
    if hist is None or prof is None:
        return {"hr_load": None, "hr_profile": None}
    return {
        "hr_load": trimp([hist], prof)[0],
        "hr_profile": {
            "resting_hr": prof.rest_bpm,
            "max_hr": prof.max_bpm,
            "sex": prof.sex,
            "hr_source": prof.source,
            "rest_source": prof.rest_source,
            "max_source": prof.max_source,
            "max_note": _max_note(prof.max_bpm, prof.max_source, recorded_max),
        },
    }


def _max_note(estimate: float, source: str, recorded: float | None) -> str | None:
    """Why an estimated maximum sits below the file's recorded one (a trial's question)."""
    if source != "estimated" or recorded is None or recorded <= estimate:
        return None
    held = f"{SUSTAINED_PEAK_S:.0f} s"
    return (
        f"estimated as the highest heart rate held {held} in this file ({estimate:.0f} bpm); "
        f"the recorded {recorded:.0f} bpm was held less than {held} (a strap spike or a brief "
        "surge), so it is not taken as the maximum; give --max-hr for yours"
    )
