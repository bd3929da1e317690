"""The ingest CLI: inspect / import / athletes / activities, via Typer's runner and one real
subprocess (no traceback ever reaches the user for a bad file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loadwatch.cli import app
from support.paths import REPO, fit_totals

RUN = "fit/pyfitparse_2013-02-06-12-11-14.fit"
RACE_TCX = "tcx/gc_10kUNLP2014-Garmin15.tcx"
BAD_XML = "invalid/gpsbabel_trackfilter_discard_err.gpx"
COURSE = "fit/fittrackee_example.fit"

runner = CliRunner()


def test_inspect_json_good_and_bad_file(corpus: Path, data_dir: Path) -> None:
    result = runner.invoke(app, ["inspect", str(corpus / RUN), str(corpus / BAD_XML), "--json"])
    assert result.exit_code == 0  # import's rule: one bad file does not fail the batch
    assert "Traceback" not in result.output
    objs = json.loads(result.stdout)["data"]
    assert len(objs) == 2
    good, bad = objs
    expected = fit_totals()[RUN]
    assert good["file"] == Path(RUN).name
    assert good["format"] == "fit" and good["sport"] == "running"
    assert good["distance_m"] == pytest.approx(float(expected["total_distance_m"]), abs=0.01)
    assert good["moving_time_s"] == pytest.approx(float(expected["total_timer_time_s"]), abs=0.01)
    assert good["start_time"] == "2013-02-06T12:11:14Z"
    assert "speed_hist_m" not in good
    assert set(bad) == {"file", "error"}
    assert bad["file"] == Path(BAD_XML).name
    assert bad["error"] and "\n" not in bad["error"]
    # What was not read is said on stderr, counted in files (stdout stays JSON).
    assert result.stderr.splitlines() == [
        f"{Path(BAD_XML).name}: {bad['error']}",
        "2 files: 1 read, 0 not an activity, 1 failed",
    ]
    strict = runner.invoke(
        app, ["inspect", str(corpus / RUN), str(corpus / BAD_XML), "--json", "--strict"]
    )
    assert strict.exit_code == 1
    assert strict.stderr.splitlines()[-1] == "error: 1 of 2 files failed"
    alone = runner.invoke(app, ["inspect", str(corpus / BAD_XML)])
    assert alone.exit_code == 1 and alone.stderr.splitlines()[-1] == "error: 1 of 1 file failed"
    # inspect stores nothing
    assert not (data_dir / "loadwatch.db").exists()


def test_inspect_not_an_activity(corpus: Path, data_dir: Path) -> None:
    result = runner.invoke(app, ["inspect", str(corpus / COURSE), "--json"])
    assert result.exit_code == 0  # as import: a course is no failure
    [obj] = json.loads(result.stdout)["data"]
    assert obj["error"].startswith("not an activity: ")
    assert result.stderr.splitlines() == [
        f"{Path(COURSE).name}: {obj['error']}",
        "1 file: 0 read, 1 not an activity, 0 failed",
    ]
    table = runner.invoke(app, ["inspect", str(corpus / COURSE)])
    assert table.exit_code == 0
    assert table.stderr == result.stderr
    assert "not an activity" not in table.stdout  # said once, on stderr


def test_inspect_table_ok(corpus: Path, data_dir: Path) -> None:
    result = runner.invoke(app, ["inspect", str(corpus / RUN)])
    assert result.exit_code == 0, result.output
    assert "4.84" in result.stdout  # km, from the device's 4835.38 m


def test_inspect_table_names_a_recovered_defect(corpus: Path, data_dir: Path) -> None:
    rel = "invalid/pyfitparse_activity-settings-corruptheader.fit"
    result = runner.invoke(app, ["inspect", str(corpus / rel)])
    assert result.exit_code == 0, result.output
    assert (
        "pyfitparse_activity-settings-corruptheader.fit: warning: chained FIT part 2 has an "
        "invalid header; ignored from byte 783"
    ) in " ".join(result.output.split())


def test_import_twice_then_list(corpus: Path, data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "watch"
    folder.mkdir()
    for rel in (RUN, RACE_TCX, BAD_XML):
        (folder / Path(rel).name).write_bytes((corpus / rel).read_bytes())
    args = ["import", str(folder), "--athlete", "Ana", "--timezone", "Europe/Paris"]

    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "2 imported, 0 duplicate, 0 not an activity, 1 failed" in first.stdout
    assert "files imported" not in first.stdout  # the counts once (trial11 F12), no table
    assert "failed" in first.stdout and "gpsbabel_trackfilter_discard_err.gpx" in first.stdout

    second = runner.invoke(app, [*args, "--json"])
    assert second.exit_code == 0, second.output
    doc = json.loads(second.stdout)
    assert doc["athlete"] == "Ana"
    # Failed files are retried (and fail again); the others are known.
    assert doc["totals"] == {"imported": 0, "duplicate": 2, "not_activity": 0, "failed": 1}
    assert doc["evaluate_from"] is None

    strict = runner.invoke(app, [*args, "--strict"])
    assert strict.exit_code == 1

    athletes = runner.invoke(app, ["athletes", "--json"])
    assert athletes.exit_code == 0
    [ana] = json.loads(athletes.stdout)["data"]
    assert (ana["name"], ana["timezone"], ana["activities"]) == ("Ana", "Europe/Paris", 2)
    # Timestamps as the API's (and activities'): UTC, to the second, with its Z.
    assert ana["last_activity"].startswith("2014-10-11T18:08") and ana["last_activity"][-1] == "Z"
    assert ana["first_activity"][-1] == "Z"

    acts = runner.invoke(app, ["activities", "--athlete", "Ana", "--json", "--limit", "1"])
    assert acts.exit_code == 0
    doc = json.loads(acts.stdout)
    assert doc["count"] == 2 and len(doc["data"]) == 1
    assert (doc["athlete"], doc["limit"], doc["offset"]) == ("Ana", 1, 0)
    newest = doc["data"][0]
    assert newest["start_time"].startswith("2014-10-11T18:08")  # the 10 km race, 2014
    assert newest["distance_m"] > 9900

    table = runner.invoke(app, ["activities", "--athlete", "Ana"])
    assert table.exit_code == 0 and "2 of 2 activities" in table.stdout


def test_import_all_failed_exits_1_and_bad_arguments_are_one_line(
    corpus: Path, data_dir: Path
) -> None:
    result = runner.invoke(app, ["import", str(corpus / BAD_XML), "--athlete", "Ana"])
    assert result.exit_code == 1
    assert "0 imported, 0 duplicate, 0 not an activity, 1 failed" in result.stdout

    tz = runner.invoke(app, ["import", str(corpus / RUN), "--athlete", "Bo", "--timezone", "X/Y"])
    assert tz.exit_code == 1
    assert (
        tz.stderr.strip() == "error: unknown time zone 'X/Y' (use an IANA name like Europe/Paris)"
    )

    missing = runner.invoke(app, ["activities", "--athlete", "Nobody"])
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "error: no athlete 'Nobody'"


def test_import_of_a_training_log_fails_it_naming_import_log(
    data_dir: Path, tmp_path: Path
) -> None:
    log = tmp_path / "week.csv"
    log.write_text("date,distance_km,fast_km,climb_m,type,note\n2026-12-08,12,0,100,easy,\n")
    reason = (
        "not a FIT, GPX or TCX file (suffix '.csv', content not recognised); a training log "
        "(CSV) goes to loadwatch import-log"
    )
    as_json = runner.invoke(app, ["import", str(log), "--athlete", "Ana", "--json"])
    assert as_json.exit_code == 1
    (f,) = json.loads(as_json.stdout)["files"]
    assert (f["file"], f["status"], f["reason"]) == ("week.csv", "failed", reason)

    text = runner.invoke(app, ["import", str(log), "--athlete", "Ana"], terminal_width=300)
    assert text.exit_code == 1
    assert f"week.csv: {reason}" in text.stdout


def test_import_empty_folder_or_missing_path_is_an_error(data_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["import", str(empty), "--athlete", "Ana"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no FIT, GPX or TCX files found in ")

    # A folder of links to files elsewhere (the trial's): not followed, and the error says why.
    links = tmp_path / "links"
    links.mkdir()
    (tmp_path / "run.fit").write_bytes(b"not read")
    (links / "run.fit").symlink_to(tmp_path / "run.fit")
    (links / "run2.fit").symlink_to(tmp_path / "run.fit")
    linked = runner.invoke(app, ["import", str(links), "--athlete", "Ana"])
    assert linked.exit_code == 1
    assert linked.stderr.strip() == (
        f"error: no FIT, GPX or TCX files found in {links}; skipped 2: a symbolic link to "
        "outside the folder, not followed: import the file it points to, or the folder that "
        "holds it"
    )

    typo = runner.invoke(app, ["import", str(tmp_path / "nope.fit"), "--athlete", "Ana"])
    assert typo.exit_code == 1
    assert typo.stderr.strip() == f"error: no such file or folder: {tmp_path / 'nope.fit'}"
    listed = runner.invoke(app, ["athletes", "--json"])
    assert [a["name"] for a in json.loads(listed.stdout)["data"]] == ["Ana"]  # from the first call


def test_subprocess_never_prints_a_traceback(corpus: Path, tmp_path: Path) -> None:
    env = {**os.environ, "LOADWATCH_DATA_DIR": str(tmp_path / "d")}
    env.pop("LOADWATCH_DATABASE_URL", None)
    garbage = tmp_path / "broken.fit"
    garbage.write_bytes(b"\x0e\x10\x00\x00\x10\x00\x00\x00.FIT" + b"\xff" * 100)
    proc = subprocess.run(
        [sys.executable, "-m", "loadwatch", "inspect", str(garbage), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    [obj] = json.loads(proc.stdout)["data"]
    assert obj["file"] == "broken.fit" and obj["error"]


def test_import_refuses_a_name_close_to_an_athletes_unless_asked_to_create(
    corpus: Path, data_dir: Path, tmp_path: Path
) -> None:
    """Trial F18: ``--athlete Anna`` beside "Ana" created a second athlete and the runs went
    to her; a name close to no one's (the quickstart's first import) still creates."""
    assert runner.invoke(app, ["import", str(corpus / RUN), "--athlete", "Ana"]).exit_code == 0
    log = tmp_path / "log.csv"
    log.write_text("date,distance_km,duration\n2012-01-02,8,45:00\n")
    hint = (
        "error: no athlete 'Anna' — did you mean 'Ana'?"
        " (to add 'Anna' as a new athlete, pass --create)"
    )
    for cmd in (["import", str(corpus / RACE_TCX)], ["import-log", str(log)]):
        typo = runner.invoke(app, [*cmd, "--athlete", "Anna"])
        assert (typo.exit_code, typo.stderr.strip()) == (1, hint)
    listed = runner.invoke(app, ["athletes", "--json"])
    assert [a["name"] for a in json.loads(listed.stdout)["data"]] == ["Ana"]
    meant = runner.invoke(app, ["import-log", str(log), "--athlete", "Anna", "--create"])
    assert meant.exit_code == 0, meant.output
    assert runner.invoke(app, ["import", str(corpus / RACE_TCX), "--athlete", "Bo"]).exit_code == 0
    listed = runner.invoke(app, ["athletes", "--json"])
    assert sorted(a["name"] for a in json.loads(listed.stdout)["data"]) == ["Ana", "Anna", "Bo"]


def test_inspect_a_folder_counts_files_in_imports_words(corpus: Path, data_dir: Path) -> None:
    """Trial F3: ``inspect corpus/fit`` said "17 of 123 inputs could not be read" (activities
    and files mixed) and exited 1 where ``import`` says "17 not an activity" and exits 0."""
    result = runner.invoke(app, ["inspect", str(corpus / "fit"), "--json"])
    assert result.exit_code == 0
    files = len([p for p in (corpus / "fit").iterdir() if p.is_file()])
    errors = [o for o in json.loads(result.stdout)["data"] if "error" in o]
    not_activity = [o for o in errors if o["error"].startswith("not an activity: ")]
    # Runs recorded before the watch's clock was set are failed files, not "not an activity"
    # (trial 10 F7); nothing else fails.
    failed = [o for o in errors if o not in not_activity]
    assert failed and all("device clock was never set" in o["error"] for o in failed)
    n, f = len(not_activity), len(failed)
    assert (
        result.stderr.splitlines()[-1]
        == f"{files} files: {files - n - f} read, {n} not an activity, {f} failed"
    )


def test_grade_adjusted_distance_is_a_runs_only(corpus: Path, data_dir: Path) -> None:
    """Trial F17: ``inspect`` showed a GAP of 57.30 km for a 56.82 km bike ride; Minetti's cost
    is running's, so every face shows none for another sport (``ingest.sports.grade_adjusted``)."""
    ride = "tcx/gpsbabel_history.tcx"
    result = runner.invoke(app, ["inspect", str(corpus / ride), str(corpus / RUN), "--json"])
    bike, run = json.loads(result.stdout)["data"][0], json.loads(result.stdout)["data"][-1]
    assert (bike["sport"], bike["gap_distance_m"]) == ("cycling", None)
    assert run["sport"] == "running" and run["gap_distance_m"] == pytest.approx(5290, abs=5)
    assert runner.invoke(app, ["import", str(corpus / ride), "--athlete", "Rider"]).exit_code == 0
    listed = runner.invoke(app, ["activities", "--athlete", "Rider", "--json"])
    [stored] = json.loads(listed.stdout)["data"]
    assert (stored["sport"], stored["gap_distance_m"]) == ("cycling", None)


def test_inspect_counts_a_chained_fits_repeated_session_once_as_import_does(
    corpus: Path, data_dir: Path
) -> None:
    """trial9 F3: the chained FIT holding its one session twice was two objects in `inspect`
    and one activity in `import`; one rule (ingest.same_session) now gives both one."""
    path = corpus / "invalid" / "pyfitparse_activity-activity-filecrc.fit"
    seen = json.loads(runner.invoke(app, ["inspect", str(path), "--json"]).stdout)["data"]
    assert [a["session_index"] for a in seen] == [0]
    assert "session 1 repeats session 0; skipped" in seen[0]["warnings"]
    done = runner.invoke(app, ["import", str(path), "--athlete", "C", "--json"])
    [outcome] = json.loads(done.stdout)["files"]
    assert len(outcome["activity_ids"]) == 1
    assert "session 1 repeats session 0; skipped" in outcome["warnings"]
