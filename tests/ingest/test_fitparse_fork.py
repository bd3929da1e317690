"""The fitparse fork overrides private methods of one fitparse release: a different installed
version must fail here, before any decode silently misreads a file."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

from loadwatch.ingest.formats import fitparse_fork
from support.paths import REPO

ROOT = REPO


def _pyproject_pin() -> str:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [m.group(1) for d in deps if (m := re.fullmatch(r"fitparse==([\w.]+)", d.strip()))]
    assert len(pins) == 1, f"pyproject.toml must pin fitparse exactly once: {deps}"
    return pins[0]


def _lock_pin() -> str:
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    pins = [line.split("==", 1)[1].strip() for line in lines if line.startswith("fitparse==")]
    assert len(pins) == 1, "requirements.lock must pin fitparse exactly once"
    return pins[0]


def test_installed_fitparse_is_the_pinned_version_the_fork_was_written_for() -> None:
    pin = _pyproject_pin()
    assert pin == _lock_pin() == fitparse_fork.PINNED_FITPARSE
    assert version("fitparse") == pin, (
        f"fitparse {version('fitparse')} is installed but ingest/formats/fitparse_fork.py and "
        f"fitparse_definitions.py override private methods of {pin}: review the fork before "
        "changing the pin"
    )


def test_only_the_fork_imports_fitparse() -> None:
    users = sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "src").rglob("*.py")
        if re.search(r"^\s*(from|import) fitparse\b", p.read_text(), re.MULTILINE)
    )
    assert users == [
        "src/loadwatch/ingest/formats/fitparse_definitions.py",
        "src/loadwatch/ingest/formats/fitparse_fork.py",
    ]


def test_the_timestamp_field_is_the_one_fit_values_assumes() -> None:
    # fit_values reads fitparse's state without importing it; it names the timestamp field
    # by number and name, which must be fitparse's.
    from fitparse.profile import FIELD_TYPE_TIMESTAMP

    from loadwatch.ingest.formats.fit_values import TIMESTAMP_DEF_NUM

    assert (FIELD_TYPE_TIMESTAMP.def_num, FIELD_TYPE_TIMESTAMP.name) == (
        TIMESTAMP_DEF_NUM,
        "timestamp",
    )
