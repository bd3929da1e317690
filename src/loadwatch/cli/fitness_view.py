"""Heart-rate load as the CLI shows it (docs/hr-load.md): the status's fitness line, with what it
is made of and that it is context (``inspect``'s TRIMP of a file is ``cli/inspect_hr.py``: it
computes, with numpy, what this only prints)."""

from __future__ import annotations

from rich.text import Text

from loadwatch.rounding import fixed
from loadwatch.schemas.fitness import FitnessOut

SOURCE_WORDS = {"trimp": "heart-rate TRIMP", "srpe": "session RPE", "distance": "running km"}


def _n(v: float | None) -> str:
    # Never "-0" for -0.4 (trial 10 F14), and a half up (F9).
    return "-" if v is None else fixed(v, 0)


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
