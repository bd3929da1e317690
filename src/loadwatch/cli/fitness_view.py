"""Heart-rate load as the CLI shows it (docs/hr-load.md): ``inspect``'s TRIMP of a file, and the
status's fitness line, with what it is made of and that it is context."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from loadwatch.analytics.trimp import Sex, estimated_peak, profile, trimp
from loadwatch.schemas.fitness import FitnessOut

SOURCE_WORDS = {"trimp": "heart-rate TRIMP", "srpe": "session RPE", "distance": "running km"}


def _n(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}"


def fitness_line(f: FitnessOut) -> Text:
    """'Fitness  52 · fatigue 61 · form -9 (heart-rate TRIMP, heart rates 60-171 bpm
    estimated; performance context, not injury risk)'."""
    line = Text("Fitness  ", style="bold")
    line.append(f"{_n(f.fitness)} · fatigue {_n(f.fatigue)} · form {_n(f.form)} ")
    basis = SOURCE_WORDS.get(f.source, f.source)
    if f.hr is not None:
        how = "set by the coach" if f.hr.hr_source == "settings" else "estimated"
        basis += f", heart rates {f.hr.resting_hr:.0f}-{f.hr.max_hr:.0f} bpm {how}"
    if f.imputed:
        basis += f", {f.imputed} without heart rate counted by duration"
    line.append(f"({basis}; performance context, not injury risk)", style="dim")
    return line


def inspect_hr_load(
    hist: list[float] | None, resting_hr: float | None, max_hr: float | None, sex: str | None
) -> dict[str, Any]:
    """TRIMP of one file with the heart rates given, a missing one estimated from the file
    itself (docs/hr-load.md): ``hr_load`` null without heart rate."""
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
        },
    }
