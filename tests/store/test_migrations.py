"""Every process migrates at start: processes starting together on one database must all come
up (API replicas and the scheduler after a deploy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from loadwatch.store.db import head_revision, make_engine, migrate

# Six, not two: the race (every process sees an empty database, all create the tables) showed
# in one run of two with six processes on the unlocked SQLite path.
PROCESSES = 6
MIGRATE = (
    "import sys; from loadwatch.store.db import make_engine, migrate; "
    "migrate(make_engine(sys.argv[1]))"
)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_concurrent_first_start_migrates_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = f"sqlite:///{tmp_path / 'lw.db'}"
    if backend == "postgres":
        url = request.getfixturevalue("pg_url")
    procs = [
        subprocess.Popen([sys.executable, "-c", MIGRATE, url], stderr=subprocess.PIPE, text=True)
        for _ in range(PROCESSES)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * PROCESSES, errors
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            versions = c.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert versions == [head_revision()]  # whatever revisions came after 0.1.0's 0001
        tables = set(inspect(engine).get_table_names())
        assert {"athletes", "activities", "flags", "deliveries"} <= tables
    finally:
        engine.dispose()


def test_activities_analysed_before_0002_stay_readable(tmp_path: Path) -> None:
    """Revision 0002 adds the fast-km histograms (docs/fast.md).  A database holding an
    activity at 0001 (downgraded to it here) upgrades with the row intact and the new columns
    null; its fast km are then read from its actual-speed histogram."""
    from datetime import UTC, date, datetime

    import polars as pl
    from alembic import command
    from alembic.config import Config

    import support.noisy_runs as nr
    from loadwatch.analytics.daily import daily_frame
    from loadwatch.config import Settings
    from loadwatch.ingest.summary.activity import SPEED_BIN_MPS
    from loadwatch.services.importing import import_paths
    from loadwatch.store import activities as activity_store
    from loadwatch.store import athletes as athlete_store
    from loadwatch.store.db import MIGRATIONS, Store

    settings = Settings(data_dir=tmp_path / "data")
    store = Store(settings.db_url, settings.data_dir)
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Old", "UTC").id
    run = tmp_path / "run.gpx"
    run.write_bytes(nr.gpx(nr.steady(3.0), datetime(2026, 8, 4, 7, tzinfo=UTC), seed=1))
    assert import_paths(store, settings, aid, [run]).counts()["imported"] == 1
    store.close()

    engine = make_engine(settings.db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as c:
            cfg.attributes["connection"] = c
            command.downgrade(cfg, "0001")
        assert "sustained_speed_hist_m" not in {
            col["name"] for col in inspect(engine).get_columns("activities")
        }
        migrate(engine)  # foreign keys off for its table rebuilds (revision 0014)
    finally:
        engine.dispose()

    store = Store(settings.db_url, settings.data_dir)
    try:
        with store.sessions() as s:
            frame = activity_store.activity_frame(s, aid)
    finally:
        store.close()
    assert frame.height == 1
    assert frame["sustained_speed_hist_m"][0] is None and frame["flat_speed_hist_m"][0] is None
    hist = frame["speed_hist_m"][0].to_list()
    thr = 3.0  # 5:33/km, under the run's 5:30/km: most of it counts on the old histogram
    expect = sum(h for i, h in enumerate(hist) if i * SPEED_BIN_MPS >= thr - 1e-9) / 1000.0
    d = daily_frame(frame, tz="UTC", fast_speed_mps=thr)
    got = float(d.filter(pl.col("date") == date(2026, 8, 4))["fast_km"].item())
    assert got == pytest.approx(expect) and got > 2.0


def test_the_newest_revision_by_file_name_is_alembics_head() -> None:
    import ast

    from loadwatch.store.db import MIGRATIONS, newest_on_disk

    for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py"):
        assigned = {
            t.id: n.value.value
            for n in ast.parse(path.read_text()).body
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        assert assigned["revision"] == path.name.split("_", 1)[0], path.name
    assert newest_on_disk() == head_revision()


OPEN_AND_REPORT = (
    "import sys; from pathlib import Path; from loadwatch.store.db import Store; "
    "Store(sys.argv[1], Path(sys.argv[2])).close(); print(sorted("
    "m for m in ('alembic', 'mako', 'sqlalchemy.dialects.postgresql') if m in sys.modules))"
)


def test_opening_a_store_at_head_imports_no_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lw.db'}"

    def opened() -> str:
        done = subprocess.run(
            [sys.executable, "-c", OPEN_AND_REPORT, url, str(tmp_path / "data")],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    assert "'alembic'" in opened()  # the first open creates the schema
    assert opened() == "[]"  # every later one reads the version in one query
