"""``cli/context.py``: the cycle collector is off inside ``no_cycle_collector`` and left as the
caller had it after, whether the block ends, raises or exits (a test run's process runs many
commands; a command ends by ``SystemExit``)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from loadwatch.cli.context import no_cycle_collector


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


@pytest.mark.usefixtures("collector_on")
def test_off_inside_and_back_on_after() -> None:
    with no_cycle_collector():
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_back_on_after_a_command_exits() -> None:
    with pytest.raises(SystemExit), no_cycle_collector():
        raise SystemExit(2)
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_left_off_when_the_caller_had_it_off() -> None:
    gc.disable()
    with no_cycle_collector():
        assert not gc.isenabled()
    assert not gc.isenabled()
