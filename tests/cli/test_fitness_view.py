"""The status's fitness line (``cli/fitness_view.py``)."""

from __future__ import annotations

from datetime import date

from loadwatch.cli.fitness_view import fitness_line
from loadwatch.schemas.fitness import FitnessOut


def test_a_form_that_rounds_to_zero_reads_zero_not_minus_zero() -> None:
    # Trial 10 F14: fatigue 1.2 over fitness 0.8 printed "form -0".
    f = FitnessOut(
        as_of=date(2026, 11, 25), source="distance", unit="km", fitness=0.8, fatigue=1.2,
        form=-0.4,
    )  # fmt: skip
    assert fitness_line(f).plain.startswith("Fitness  1 · fatigue 1 · form 0 (running km;")
