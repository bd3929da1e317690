"""Mutation fuzzing per decoder, bounded: byte flips, truncation, spliced runs of bytes and
numbers replaced with NaN/inf/huge values in real-shaped generated files.  Every outcome is a
clean ``LoadwatchError`` or summaries whose numbers are all finite and sane.  A longer run:
``scripts/fuzz.py N``."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import support.track_fixtures as tf
from support.mutations import mutate, outcome

# Short files keep each example fast; the shapes are the real ones (records, laps, extensions).
LINE = tf.Line(n=61, dt_s=5)
SEEDS = {"fit": tf.fit(LINE), "gpx": tf.gpx(LINE), "tcx": tf.tcx(LINE)}


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_unmutated_seed_is_ok(fmt: str) -> None:
    assert outcome(SEEDS[fmt], f"seed.{fmt}") == ("ok", None)


def _fuzz(fmt: str, seed: int) -> None:
    data = mutate(SEEDS[fmt], fmt, random.Random(seed))
    result, detail = outcome(data, f"fuzz.{fmt}")
    assert result not in ("crash", "insane"), f"{result}: {detail} (seed {seed})"


_BOUNDED = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@_BOUNDED
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_fit_mutations(seed: int) -> None:
    _fuzz("fit", seed)


@_BOUNDED
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_gpx_mutations(seed: int) -> None:
    _fuzz("gpx", seed)


@_BOUNDED
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_tcx_mutations(seed: int) -> None:
    _fuzz("tcx", seed)
