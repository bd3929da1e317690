"""The upgrade path as a user meets it (trial 10, F1): after runs stored by an older loadwatch,
``status`` (CLI and API) and the dashboard say how many and name ``loadwatch reprocess``; the
command re-derives them (``--dry-run`` first if wished, ``--json`` for scripts) and says so,
and a second run has nothing to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from loadwatch.cli import app
from loadwatch.config import get_settings
from loadwatch.store import pending
from loadwatch.store.db import Store, open_store
from loadwatch.store.models import Activity
from support.api_env import API, Env, upload
from support.paths import CORPUS

runner = CliRunner()
RUN = "fit/gc_Garmin920_withFirstbeat.fit"  # 2019-01-01, 7278.71 m (FIT_TOTALS), heart rate
NOTE = (
    "1 activity was derived by an older version of loadwatch; run "
    '"loadwatch reprocess --all" to re-derive them from their kept files'
)


def _as_older(store: Store) -> None:
    with store.transaction() as s:
        s.execute(update(Activity).values(derivation=None, hr_time_hist_s=None, hr_load=None))
        pending.clear(s)


def test_status_names_the_command_and_reprocess_re_derives(data_dir: Path, corpus: Path) -> None:
    done = runner.invoke(app, ["import", str(corpus / RUN), "--athlete", "Olde"])
    assert done.exit_code == 0, done.output
    store = open_store(get_settings())
    try:
        _as_older(store)
    finally:
        store.close()
    st = runner.invoke(app, ["status", "--athlete", "Olde", "--json"])
    assert json.loads(st.stdout)["reprocess_note"] == NOTE
    shown = runner.invoke(app, ["status", "--athlete", "Olde"], env={"COLUMNS": "300"})
    assert f"Upgrade  {NOTE}" in shown.stdout

    bad = runner.invoke(app, ["reprocess"])
    assert bad.exit_code != 0 and "give --athlete NAME or --all" in bad.output
    dry = runner.invoke(app, ["reprocess", "--athlete", "Olde", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would re-derive 1 activity: 1 changed, 0 the same\n" in dry.stdout
    assert "TRIMP — → " in dry.stdout
    st = runner.invoke(app, ["status", "--athlete", "Olde", "--json"])
    assert json.loads(st.stdout)["reprocess_note"] == NOTE  # the dry run changed nothing

    real = runner.invoke(app, ["reprocess", "--all", "--json"])
    assert real.exit_code == 0, real.output
    got = json.loads(real.stdout)
    (one,) = got["activities"]
    assert (one["status"], one["day"]) == ("updated", "2019-01-01")
    assert [c["figure"] for c in one["changes"]] == ["hr_load"]
    assert got["athletes"][0]["reevaluate_from"] == "2019-01-01"
    assert got["totals"] == {
        "re_derived": 1, "changed": 1, "same": 0, "merged": 0, "not_kept": 0, "failed": 0,
        "files_retried": 0, "files_still_failing": 0,
    }  # fmt: skip
    st = runner.invoke(app, ["status", "--athlete", "Olde", "--json"])
    assert json.loads(st.stdout)["reprocess_note"] is None
    again = runner.invoke(app, ["reprocess", "--all"])
    assert again.exit_code == 0
    assert "nothing to re-derive: every activity is derived by this version" in again.stdout


def test_the_api_status_and_the_dashboard_say_it(env: Env, corpus: Path) -> None:
    r = upload(env, [("run.fit", (CORPUS / RUN).read_bytes())])
    assert r.status_code in (200, 201, 202), r.text
    status = f"{API}/athletes/{env.athlete_id}/status"
    assert env.client.get(status, headers=env.coach).json()["reprocess_note"] is None
    assert env.client.get(f"{API}/dashboard", headers=env.coach).json()["older_activities"] == 0
    _as_older(env.store)
    assert env.client.get(status, headers=env.coach).json()["reprocess_note"] == NOTE
    assert env.client.get(f"{API}/dashboard", headers=env.coach).json()["older_activities"] == 1


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")


def test_a_line_lists_what_a_reader_sees_move_in_words() -> None:
    """trial11 F4: a change that prints the same is not listed, durations read h:mm:ss, the
    other columns are named in words, a missing figure is "—"."""
    from datetime import date

    from loadwatch.cli.reprocess_cmds import _line
    from loadwatch.services.reprocess import ActivityOutcome, Change

    o = ActivityOutcome(
        1, "Ana", 7, date(2022, 10, 14), "cycling", "updated",
        changes=[Change("elevation_gain_m", 25.2, 24.9),
                 Change("moving_time_s", 100_000.0, 30_877.0), Change("hr_load", None, 0.0)],
        also_changed=["sustained_speed_hist_m", "flat_speed_hist_m", "hr_time_hist_s"],
    )  # fmt: skip
    assert _line(o) == (
        "  updated #7 2022-10-14 cycling: moving time 27:46:40 → 8:34:37; TRIMP — → 0.0; "
        "also speed histograms, heart-rate histogram"
    )
    same = ActivityOutcome(1, "Ana", 9, date(2025, 2, 19), "cycling", "updated",
                           changes=[Change("moving_time_s", 2760.2, 2759.9)])  # fmt: skip
    assert _line(same) == "  same    #9 2025-02-19 cycling"


def test_the_report_says_merges_and_files_imported_again() -> None:
    """trial11 F2/F3: "merged #23 into #22: same activity (…)", a file imported again from its
    kept bytes, and the summary counts in words (no derivation number)."""
    from datetime import date

    from loadwatch.cli.output import console
    from loadwatch.cli.reprocess_cmds import _print
    from loadwatch.services.reprocess import (
        ActivityOutcome,
        AthleteOutcome,
        Merge,
        ReprocessReport,
        Retry,
    )

    how = "same activity (fit, walking, started 2025-01-28 13:33 UTC): same samples, started 3 min 44 s later, a re-saved copy"  # noqa: E501
    report = ReprocessReport(
        False, 1, [AthleteOutcome(1, "Ana", 2, 0)],
        [ActivityOutcome(1, "Ana", 22, date(2025, 1, 28), "walking", "unchanged"),
         ActivityOutcome(1, "Ana", 23, date(2025, 1, 28), "walking", "merged", "merged into #22")],
        [Merge(1, 22, 23, date(2025, 1, 28), how)],
        [Retry(1, "fit/x.fit", "imported", None, [24])],
    )  # fmt: skip
    with console.capture() as cap:
        _print(report)
    lines = [line.strip() for line in cap.get().splitlines()]
    assert f"merged #23 into #22: {how}" in lines
    assert "imported fit/x.fit (#24): failed before, this version reads it" in lines
    assert lines[-1] == (
        "re-derived 2 activities: 0 changed, 1 the same, 1 merged into a better copy of the "
        "same activity"
    )


def test_duplicates_on_a_store_with_nothing_older_says_its_merges() -> None:
    """``reprocess --duplicates`` on a store already re-derived: nothing to re-derive, and the
    merges it made are listed under the athlete and counted."""
    from datetime import date

    from loadwatch.cli.output import console
    from loadwatch.cli.reprocess_cmds import _print
    from loadwatch.services.reprocess import AthleteOutcome, Merge, ReprocessReport

    how = "same activity (fit, running, started 2019-02-16 09:12 UTC): same samples, started 2 h later, a time-zone re-save"  # noqa: E501
    report = ReprocessReport(
        False, 1, [AthleteOutcome(1, "Ana", 0, 0)], [], [Merge(1, 22, 23, date(2019, 2, 16), how)]
    )
    with console.capture() as cap:
        _print(report)
    lines = [line.strip() for line in cap.get().splitlines()]
    assert lines[0] == "Ana"
    assert f"merged #23 into #22: {how}" in lines
    assert lines[-2:] == [
        "nothing to re-derive: every activity is derived by this version",
        "1 merged into a better copy of the same activity",
    ]
