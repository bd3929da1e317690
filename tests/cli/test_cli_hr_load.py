"""``loadwatch inspect --json`` carries ``hr_load`` (docs/hr-load.md): TRIMP with the heart
rates given, else estimated from the file and said so; null without heart rate."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loadwatch.cli import app
from support.track_fixtures import Line, gpx

runner = CliRunner()
LINE = Line(n=601, dt_s=2, hr=150)  # 20 min at 150 bpm


def _inspect(path: Path, *args: str) -> dict[str, Any]:
    done = runner.invoke(app, ["inspect", "--json", str(path), *args])
    assert done.exit_code == 0, done.output
    (obj,) = json.loads(done.stdout)["data"]
    out: dict[str, Any] = obj
    return out


def test_inspect_gives_trimp_with_the_heart_rates_given(tmp_path: Path, data_dir: Path) -> None:
    f = tmp_path / "run.gpx"
    f.write_bytes(gpx(LINE))
    got = _inspect(f, "--resting-hr", "50", "--max-hr", "190", "--sex", "male")
    # HRr = 100/140 = 0.7143; 20 min x 0.7143 x 0.64 e^(1.92 x 0.7143) = 36.0318
    assert got["hr_load"] == pytest.approx(36.0318, abs=1e-3)
    assert got["hr_profile"]["hr_source"] == "settings"


def test_inspect_estimates_from_the_file_and_says_so(tmp_path: Path, data_dir: Path) -> None:
    f = tmp_path / "run.gpx"
    f.write_bytes(gpx(LINE))
    got = _inspect(f)
    prof = got["hr_profile"]
    # Rest 60 (default), max 150 (held 20 min): HRr 1 all along; the unspecified curve.
    assert (prof["resting_hr"], prof["max_hr"], prof["sex"]) == (60.0, 150.0, None)
    assert prof["hr_source"] == prof["rest_source"] == prof["max_source"] == "estimated"
    assert got["hr_load"] == pytest.approx(20 * 0.86 * math.exp(1.67), abs=1e-3)


def test_no_heart_rate_is_null(tmp_path: Path, data_dir: Path) -> None:
    f = tmp_path / "run.gpx"
    f.write_bytes(gpx(LINE, heart_rate=False))
    got = _inspect(f, "--max-hr", "190")
    assert got["hr_load"] is None and got["hr_profile"] is None


def test_an_unknown_sex_is_refused(tmp_path: Path, data_dir: Path) -> None:
    f = tmp_path / "run.gpx"
    f.write_bytes(gpx(LINE))
    done = runner.invoke(app, ["inspect", "--json", str(f), "--sex", "x"])
    assert done.exit_code != 0 and "male or female" in done.output


def test_an_estimated_max_below_the_recorded_one_says_why(tmp_path: Path, data_dir: Path) -> None:
    """Trial item 12: the fr935 apnea file's max_hr is 151 while its profile estimates 128.
    The estimate is the highest rate held 60 s, on purpose; the profile now says so.  Here 10
    samples 2 s apart at 190 bpm (about 20 s) in 20 min at 150: max_hr 190, estimate 150."""
    f = tmp_path / "spike.gpx"
    f.write_bytes(gpx(LINE).replace(b"<gpxtpx:hr>150<", b"<gpxtpx:hr>190<", 10))
    got = _inspect(f)
    assert got["max_hr"] == 190.0
    prof = got["hr_profile"]
    assert (prof["max_hr"], prof["max_source"]) == (150.0, "estimated")
    assert prof["max_note"] == (
        "estimated as the highest heart rate held 60 s in this file (150 bpm); the recorded "
        "190 bpm was held less than 60 s (a strap spike or a brief surge), so it is not taken "
        "as the maximum; give --max-hr for yours"
    )
    # Given, or not above the estimate: nothing to explain.
    assert _inspect(f, "--max-hr", "195")["hr_profile"]["max_note"] is None
    assert _inspect(_plain(tmp_path))["hr_profile"]["max_note"] is None


def _plain(tmp_path: Path) -> Path:
    f = tmp_path / "plain.gpx"
    f.write_bytes(gpx(LINE))
    return f
