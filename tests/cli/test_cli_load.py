"""The runner-facing CLI: import-log, flags, status, series, report, evaluate, demo."""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from loadwatch.cli import app, demo_cmds
from loadwatch.clock import utcnow
from loadwatch.config import Settings, get_settings
from loadwatch.errors import NotFound
from loadwatch.services.demo import sample_data_dir
from loadwatch.store.db import Store
from loadwatch.store.models import Athlete, Flag

runner = CliRunner()

FLAG_KEYS = {
    "evidence",
    "id",
    "athlete",
    "date",
    "dimension",
    "rule",
    "severity",
    "value",
    "baseline",
    "ratio",
    "threshold",
    "message",
    "status",
}


_BOX = re.compile(r"[\u2500-\u257f]")


def prose(text: str) -> str:
    """Terminal output as running text: box lines gone, wrapped lines joined.  Reports wrap
    their sentences to the terminal's width; what they say must not depend on it."""
    return " ".join(_BOX.sub(" ", text).split())


def says(out: str, sentence: str) -> bool:
    return prose(sentence) in prose(out)


def run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    assert "Traceback" not in r.stdout + r.stderr
    return r.exit_code, r.stdout, r.stderr


def history(today: date) -> tuple[bytes, date]:
    """Five weeks of 8, 8, 8 and a 16 km long run, then 10, 10, 10 and 22 km ending yesterday
    (UTC athlete).  Returns the CSV and the long run's day."""
    lines = ["date,distance_km,duration,climbing_m"]
    end = today - timedelta(days=1)
    for w in range(5, -1, -1):
        last = end - timedelta(weeks=w)
        kms = (10.0, 10.0, 10.0, 22.0) if w == 0 else (8.0, 8.0, 8.0, 16.0)
        for back, km in zip((5, 3, 1, 0), kms, strict=True):
            lines.append(f"{last - timedelta(days=back)},{km},{km * 330:.0f},40")
    return ("\n".join(lines) + "\n").encode(), end


@pytest.fixture
def sara_log(data_dir: Path, tmp_path: Path) -> date:
    data, spike_day = history(utcnow().date())
    log = tmp_path / "training.csv"
    log.write_bytes(data + b"not a date,5,,\n")
    code, out, err = run("import-log", str(log), "--athlete", "Ana", "--json")
    assert code == 0, err
    rep = json.loads(out)
    assert (rep["imported"], rep["duplicates"]) == (24, 0)
    assert rep["errors"] == [
        {"line": 26, "message": "date 'not a date' not understood (use YYYY-MM-DD)"}
    ]
    return spike_day


def test_flags_json_shape_and_values(sara_log: date) -> None:
    code, out, _ = run("flags", "--athlete", "Ana", "--json")
    assert code == 0
    (flag,) = json.loads(out)["data"]
    assert set(flag) == FLAG_KEYS
    assert isinstance(flag["id"], int)
    assert (flag["athlete"], flag["date"], flag["dimension"], flag["rule"]) == (
        "Ana",
        sara_log.isoformat(),
        "distance",
        "session_spike",
    )
    # 22 / 16 = 1.375: Frandsen's 30–100 % band, a caution (graded, with its risk).
    assert (flag["severity"], flag["status"], flag["threshold"]) == ("caution", "open", 1.1)
    assert flag["evidence"]["grade"] == "strong"
    assert "about 1.5× the injury rate" in flag["evidence"]["risk"]
    assert flag["value"] == pytest.approx(22.0)
    assert flag["baseline"] == pytest.approx(16.0)
    assert flag["ratio"] == pytest.approx(1.375)
    assert "22.0 km" in flag["message"] and "16.0 km" in flag["message"]


def test_re_import_is_idempotent_and_acked_flags_leave_the_open_list(
    sara_log: date, data_dir: Path, tmp_path: Path
) -> None:
    code, out, _ = run("import-log", str(tmp_path / "training.csv"), "--athlete", "Ana")
    assert code == 0 and "0 imported, 24 already stored, 1 bad row(s)" in out
    store = Store(Settings(data_dir=data_dir).db_url, data_dir)
    with store.transaction() as s:
        flag = s.scalars(select(Flag)).one()
        flag.status = "acknowledged"
    store.close()
    assert json.loads(run("flags", "--athlete", "Ana", "--json")[1])["data"] == []
    (acked,) = json.loads(run("flags", "--athlete", "Ana", "--all", "--json")[1])["data"]
    assert acked["status"] == "acknowledged" and acked["date"] == sara_log.isoformat()
    code, out, _ = run("evaluate", "--athlete", "Ana", "--json")
    assert code == 0
    assert json.loads(out)["new_flag_ids"] == [] and json.loads(out)["removed"] == 0
    assert (
        json.loads(run("flags", "--athlete", "Ana", "--all", "--json")[1])["data"][0]["status"]
        == "acknowledged"
    )


def test_ack_one_older_or_all(sara_log: date) -> None:
    (flag,) = json.loads(run("flags", "--athlete", "Ana", "--json")[1])["data"]
    # --before is strict: the spike's own day is not before it.
    code, out, _ = run("ack", "--athlete", "Ana", "--before", sara_log.isoformat(), "--json")
    assert code == 0 and json.loads(out) == {"athlete": "Ana", "acknowledged": 0, "flag_ids": []}
    later = (sara_log + timedelta(days=1)).isoformat()
    code, out, _ = run("ack", "--athlete", "Ana", "--before", later, "--json")
    assert json.loads(out) == {"athlete": "Ana", "acknowledged": 1, "flag_ids": [flag["id"]]}
    assert json.loads(run("flags", "--athlete", "Ana", "--json")[1])["data"] == []
    (acked,) = json.loads(run("flags", "--athlete", "Ana", "--all", "--json")[1])["data"]
    assert acked["status"] == "acknowledged"
    # Idempotent: nothing open is left to acknowledge.
    code, out, _ = run("ack", "--athlete", "Ana", "--all")
    assert code == 0 and "Ana: no open flag to acknowledge" in out
    # The flag asked about by id: said to be answered already, not "acknowledged 0 flag(s)".
    code, out, _ = run("ack", "--athlete", "Ana", "--flag", str(flag["id"]))
    assert code == 0 and "acknowledged 0" not in out
    assert f"Ana: flag {flag['id']} was already acknowledged on " in out
    assert out.rstrip().endswith(": nothing to do")


def test_ack_refuses_unclear_or_foreign_requests(sara_log: date) -> None:
    code, _, err = run("ack", "--athlete", "Ana")
    assert code == 1 and "choose exactly one of --flag ID, --before DATE and --all" in err
    code, _, err = run("ack", "--athlete", "Ana", "--all", "--flag", "1")
    assert code == 1 and "choose exactly one" in err
    code, _, err = run("ack", "--athlete", "Ana", "--flag", "999999")
    assert code == 1 and "no flag with id 999999 for this athlete" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run("ack", "--athlete", "Ana", "--before", "yesterday")
    assert code == 1 and "is not a date" in err
    code, _, err = run("ack", "--athlete", "Ana", "--all", "--by", "nobody")
    assert code == 1 and "no user named 'nobody'" in err
    assert len(json.loads(run("flags", "--athlete", "Ana", "--json")[1])["data"]) == 1


def test_status_json(sara_log: date) -> None:
    code, out, _ = run("status", "--athlete", "Ana", "--json")
    assert code == 0
    st = json.loads(out)
    assert st["athlete"] == "Ana" and st["timezone"] == "UTC"
    assert st["last_activity_date"] == sara_log.isoformat()
    dims = {d["dimension"]: d for d in st["dimensions"]}
    assert set(dims) == {"distance", "speed", "hills", "uphill"}
    # Last 7 days: 10 + 10 + 10 + 22 km; the 28 days before: four 40 km weeks.
    assert dims["distance"]["last_7d"] == pytest.approx(52.0)
    assert dims["distance"]["chronic_week"] == pytest.approx(40.0)
    assert dims["distance"]["ratio_7_28"] == pytest.approx(1.3)
    assert dims["hills"]["last_7d"] == pytest.approx(160.0)
    # The contested ramp's caution is 2.0 × 40 km.  Tomorrow's 7-day window drops the first
    # 10 km run and holds 42 km against 2.0 × 40.5 = 81 km, so the ramp leaves 39 km; the
    # spike rule alone would allow 1.1 × 22 km = 24.2 km, but the 22 km is itself the current
    # spike (over the 16 km long runs): the next run no more than those 16 km
    # (rules.spike_limit).
    assert dims["distance"]["week_limit"] == pytest.approx(80.0)
    assert dims["distance"]["headroom_run"] == 16.0
    assert dims["distance"]["headroom_run_alert"] is None
    # 39 km is also all the ramp lets in over the next 7 days (tomorrow's window is the
    # tightest: later ones drop more of the week before).
    assert dims["distance"]["headroom_week"] == pytest.approx(39.0)
    assert [f["rule"] for f in st["open_flags"]] == ["session_spike"]
    # CSV rows carry no speed samples: the default threshold, explained.
    assert st["fast_threshold"]["source"] == "default"
    assert "5:00/km" in st["fast_threshold"]["explanation"]


def test_series_json_csv_and_table(sara_log: date) -> None:
    code, out, _ = run("series", "--athlete", "Ana", "--period", "week", "--json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["athlete"], doc["period"]) == ("Ana", "week")
    weeks = doc["data"]
    assert doc["columns"] == list(weeks[0])
    assert sum(w["distance_km"] for w in weeks) == pytest.approx(5 * 40 + 52)
    assert sum(w["runs"] for w in weeks) == 24
    frm = (sara_log - timedelta(days=6)).isoformat()
    code, out, _ = run("series", "--athlete", "Ana", "--period", "day", "--from", frm, "--csv")
    assert code == 0
    header, *rows = out.strip().splitlines()
    assert header.startswith("date,week_start,runs,distance_km")
    assert "distance_ratio_unfloored" in header and "distance_acute_ewma" in header
    assert "distance_ratio," not in header  # the rules' ratio is status's (docs/rules.md)
    # From 6 days before the long run to today (a rest day), by default.
    assert len(rows) == 8
    assert rows[-2].startswith(f"{sara_log.isoformat()},")
    assert rows[-1].split(",")[2] == "0"
    code, out, _ = run("series", "--athlete", "Ana", "--period", "day", "--from", frm)
    assert code == 0 and "Daily load" in out


def test_report_marks_the_flag_on_its_week(sara_log: date) -> None:
    code, out, _ = run("report", "--athlete", "Ana", "--weeks", "3")
    assert code == 0
    assert "Ana" in out and "Weekly load" in out
    assert says(out, f"{sara_log:%a} distance spike")
    assert says(out, "longer than your longest run")
    assert "Headroom" in out and "Fast means" in out


@pytest.mark.usefixtures("data_dir")
def test_errors_are_one_line_and_exit_1(tmp_path: Path) -> None:
    code, _, err = run("flags", "--athlete", "Nobody")
    assert (code, err.strip()) == (1, "error: no athlete 'Nobody'")
    bad = tmp_path / "notes.csv"
    bad.write_text("name,colour\nbob,red\n")
    code, _, err = run("import-log", str(bad), "--athlete", "Ana")
    assert code == 1 and err.startswith("error: not a training log") and err.count("\n") == 1
    code, _, err = run("import-log", str(tmp_path / "missing.csv"), "--athlete", "Ana")
    assert code == 1 and err.startswith("error: ")
    code, _, err = run("series", "--athlete", "Ana", "--period", "month")
    assert (code, err.strip()) == (1, "error: --period must be day or week, not 'month'")
    code, _, err = run("status", "--athlete", "Ana", "--today", "tomorrow")
    assert code == 1 and "is not a date" in err


# --- demo -------------------------------------------------------------------------------------
def _have_sample_data() -> bool:
    try:
        sample_data_dir()
    except NotFound:
        return False
    return True


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if not _have_sample_data():
        pytest.skip("sample_data/ not generated")
    base = tmp_path_factory.mktemp("demo")
    r = runner.invoke(app, ["demo", "--data-dir", str(base), "--no-serve", "--weeks", "4"])
    assert r.exit_code == 0, r.stderr
    return base / "demo", r.stdout


def _flags(store_dir: Path, name: str) -> list[tuple[str, str, str, str]]:
    store = Store(Settings(data_dir=store_dir).db_url, store_dir)
    try:
        with store.sessions() as s:
            aid = s.scalars(select(Athlete.id).where(Athlete.name == name)).one()
            rows = s.scalars(select(Flag).where(Flag.athlete_id == aid))
            return sorted((f.date.isoformat(), f.rule, f.dimension, f.severity) for f in rows)
    finally:
        store.close()


def test_demo_prints_both_reports(demo: tuple[Path, str]) -> None:
    out = demo[1]
    assert "evaluated as of 2026-11-15" in out
    assert "Spiky Sara" in out and "Steady Sam" in out
    assert says(
        out,
        "Sunday's 30.8 km run is 40 % longer than your longest run of the last 30 days (22.0 km).",
    )


def test_demo_hint_gives_the_demo_day_to_explore_it_with(demo: tuple[Path, str]) -> None:
    store_dir, out = demo
    pin = f"LOADWATCH_DATA_DIR={store_dir} LOADWATCH_AS_OF=2026-11-15 "
    line = next(ln.strip() for ln in out.splitlines() if ln.strip().startswith(pin))
    program, _, rest = line.removeprefix(pin).partition(" ")
    assert rest == 'report --athlete "Spiky Sara"'
    # What the hint names runs as pasted: `make demo` installs into .venv without activating it.
    assert program == demo_cmds.runnable()
    assert "--today 2026-11-15 pins one command" in out


def test_demo_hint_names_a_program_the_shell_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    venv_bin = Path(sys.executable).parent
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # the venv not activated, as after `make demo`
    named = demo_cmds.runnable()
    assert named != "loadwatch" and Path(named).resolve() == (venv_bin / "loadwatch").resolve()
    assert os.access(named, os.X_OK)
    monkeypatch.setenv("PATH", f"{venv_bin}:/usr/bin:/bin")  # `. .venv/bin/activate`
    assert demo_cmds.runnable() == "loadwatch"


def test_demo_upload_hint_says_its_file_is_a_duplicate(tmp_path: Path) -> None:
    from loadwatch.cli import demo_cmds
    from loadwatch.cli.output import console
    from loadwatch.services.demo import DemoAthlete, DemoResult

    (tmp_path / "2026-11-15-long.fit").write_bytes(b"")
    sara = DemoAthlete("Spiky Sara", 2, tmp_path, imported=1, failed=0, flags=[object()])
    result = DemoResult(Settings(data_dir=tmp_path), date(2026, 11, 15), [sara])
    with console.capture() as captured:
        demo_cmds._print_demo_urls(result, "tok", "127.0.0.1", 8000)
    out = captured.get()
    assert f"-F files=@{tmp_path / '2026-11-15-long.fit'}" in out
    assert 'that file is stored already, so it answers "duplicate"' in out


def test_demo_spiky_sara_trips_every_dimension_in_her_final_week(demo: tuple[Path, str]) -> None:
    # Severity follows the evidence: her hill session climbs more than twice her biggest climb
    # of 30 days (the one alert); the other spikes sit in Frandsen's 10–100 % bands and the
    # contested ramps are cautions (all were alerts, but the distance ramp's caution, before).
    assert _flags(demo[0], "Spiky Sara") == [
        ("2026-11-10", "session_spike", "speed", "caution"),
        ("2026-11-12", "session_spike", "hills", "alert"),
        ("2026-11-12", "session_spike", "uphill", "caution"),
        ("2026-11-12", "weekly_ramp", "hills", "caution"),
        ("2026-11-14", "weekly_ramp", "speed", "caution"),
        ("2026-11-15", "session_spike", "distance", "caution"),
        ("2026-11-15", "weekly_ramp", "uphill", "caution"),
    ]


def test_demo_spiky_sara_is_offered_no_more_than_her_longest_before_the_spike(
    demo: tuple[Path, str],
) -> None:
    # Sunday's 30.8 km was flagged against 22.0 km: the rules alone offered 1.1 x 30.8 =
    # 33.9 km the next day, and 2 x 30.8 = 61.6 km "before an alert" (rules.spike_limit).
    out = demo[1]
    assert says(
        out,
        "Distance: 90.5 km in the last 7 days (usual week 60.2 km); next run up to 22.0 km "
        "until Saturday 2026-11-28: Sunday's 30.8 km was a spike over 22.0 km, not yet a "
        "baseline; up to 43.4 km more over the next 7 days.",
    )
    sara = prose(out).split("Spiky Sara")[1].split("Steady Sam")[0]
    assert "33.9 km" not in sara and "61.6 km" not in sara
    assert "Before an alert" not in sara  # every dimension of hers spiked that week


def test_demo_steady_sam_has_no_flags(demo: tuple[Path, str]) -> None:
    assert _flags(demo[0], "Steady Sam") == []


def test_demo_returning_rosa_keeps_to_her_plan_but_once(demo: tuple[Path, str]) -> None:
    """sample_data/returning-rosa/rehab.json: the plan from 2026-10-12 and her pain log.
    Within the plan no rule speaks (the return after 15 days without running included); the
    hilly 9 km breaks it and flares; pain before the plan and in week 3 is history by the
    demo's day."""
    assert _flags(demo[0], "Returning Rosa") == [
        ("2026-09-24", "pain_response", "pain", "caution"),
        ("2026-09-27", "pain_response", "pain", "alert"),
        ("2026-10-29", "pain_response", "pain", "caution"),
        ("2026-11-07", "pain_response", "pain", "alert"),
        # 9.0 / 7.2 = 1.25 of the longest run; 150 m / (10 m/km x 9.0 km) = 1.67
        ("2026-11-07", "plan_breach", "distance", "caution"),
        ("2026-11-07", "plan_breach", "hills", "alert"),
    ]
    out = demo[1]
    assert "Returning Rosa" in out
    assert says(
        out,
        "Week 5 (from 2026-11-09): 18.1 km a week, longest run 6.0 km, no climbing, 6:15/km or "
        "slower — held: a flare on Saturday 2026-11-07 (6/10 the morning after)",
    )
    # The 28 days hold 12 entries, the 4/10 irritation of 10-29 among them (trial 10 F6).
    assert says(out, "Pain  2 → 6 → 3 → 2 → 2/10 the last 5 of 12 entries in 28 days (falling)")
    assert says(
        out, "Sat 2026-11-07 6/10 the morning after: flare (after 9.0 km with 150 m climbing)"
    )
    assert says(
        out,
        "Pain 6/10 the morning after Saturday's 9.0 km hilly run: step back to 6.0 km flat, "
        "the last load you tolerated.",
    )
    code, text, _ = run_in(demo[0], "plan", "--athlete", "Returning Rosa", "--json")
    assert code == 0
    timeline = [
        (c["since"], c["weekly_km"], c["longest_run_km"]) for c in json.loads(text)["timeline"]
    ]
    assert timeline == [
        ("2026-10-12", 15.0, 6.0),
        ("2026-10-19", 16.5, 6.6),
        ("2026-10-26", 18.1, 7.2),
        ("2026-11-02", 18.1, 7.2),
        ("2026-11-08", 18.1, 6.0),  # the step back after the flare, from the next day
        ("2026-11-09", 18.1, 6.0),  # held: the week had a flare
    ]


def run_in(store_dir: Path, *args: str) -> tuple[int, str, str]:
    """A command against the demo store, as of the demo's day.  The settings are read once
    per process (``config.get_settings``): read before in this process (another test, under
    another LOADWATCH_DATA_DIR), they would name another store, and the command would not
    find the demo's runners; so they are read afresh for this environment, and let go."""
    get_settings.cache_clear()
    try:
        r = runner.invoke(
            app, [*args, "--today", "2026-11-15"], env={"LOADWATCH_DATA_DIR": str(store_dir)}
        )
    finally:
        get_settings.cache_clear()
    assert "Traceback" not in r.stdout + r.stderr
    return r.exit_code, r.stdout, r.stderr


def test_demo_is_repeatable_and_refuses_foreign_dirs(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    foreign = tmp_path / "mine" / "demo"
    foreign.mkdir(parents=True)
    (foreign / "precious.txt").write_text("keep me")
    code, _, err = run("demo", "--data-dir", str(tmp_path / "mine"), "--no-serve")
    assert code == 1 and "is not a loadwatch demo store" in err
    assert (foreign / "precious.txt").read_text() == "keep me"


def test_athletes_on_an_empty_store_says_what_to_do_first(data_dir: Path) -> None:
    # As `user list` does (trial 10 F18): not an empty table.
    code, out, _ = run("athletes")
    assert code == 0
    assert out.strip() == "no athletes yet: loadwatch import FILE --athlete NAME"
    code, out, _ = run("athletes", "--json")
    assert (code, json.loads(out)["data"]) == (0, [])


def test_a_log_row_without_a_duration_lists_no_moving_time(data_dir: Path, tmp_path: Path) -> None:
    # Unknown, not "0:00" (trial 10 F14).
    log = tmp_path / "log.csv"
    log.write_text("date,distance_km,duration,climb_m,sport\n2026-11-25,8,,,\n")
    assert run("import-log", str(log), "--athlete", "Logan")[0] == 0
    code, out, _ = run("activities", "--athlete", "Logan")
    assert code == 0
    (row,) = [line for line in out.splitlines() if "2026-11-25" in line]
    cells = row.replace("│", " ").split()
    km = cells.index("8.00")
    assert cells[km + 1] == "-", cells  # the moving column, after the distance
