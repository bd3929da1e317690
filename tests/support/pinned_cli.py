"""``python -m support.pinned_cli ARGS``: the loadwatch CLI with its clock pinned to
``LOADWATCH_TEST_NOW`` (ticking from there), for the processes a pinned test run starts
(``support.live.command``).  Test-only: the product has no clock override."""

from __future__ import annotations

import os
from datetime import datetime

import time_machine

from loadwatch.cli import app


def main() -> None:
    with time_machine.travel(datetime.fromisoformat(os.environ["LOADWATCH_TEST_NOW"]), tick=True):
        app(prog_name="loadwatch")


if __name__ == "__main__":
    main()
