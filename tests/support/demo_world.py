"""The demo store (sample_data/ through the same import path as ``loadwatch demo``), plus an
athlete whose whole history is from 2021, for the dashboard tests."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from loadwatch import auth
from loadwatch.errors import NotFound
from loadwatch.services.csv_import import import_log
from loadwatch.services.demo import run_demo, sample_data_dir
from loadwatch.services.evaluation import evaluate_athlete
from loadwatch.store.athletes import get_athlete, get_or_create_athlete
from loadwatch.store.db import Store, open_store
from loadwatch.store.models import PendingEvaluation, SourceFile

OLD_NAME = "Olga Oldtimes"
OLD_LAST_DAY = date(2021, 6, 27)  # a Sunday: her last run
# Her one alert since severity follows the evidence: a climb more than twice her biggest.
SARA_REASON = "Thursday's run climbed 1,190 m, 3.5× your biggest climb of the last 30 days (340 m)."


def have_sample_data() -> bool:
    try:
        sample_data_dir()
    except NotFound:
        return False
    return True


def old_history() -> bytes:
    """Eight weeks of 6/8/6/12 km ending 2021-06-27 with a 20 km spike on the last day."""
    rows = ["date,distance_km,duration,climbing_m"]
    start = OLD_LAST_DAY - timedelta(days=7 * 8 - 1)
    for week in range(8):
        for dow, km in ((0, 6.0), (2, 8.0), (4, 6.0), (6, 12.0)):
            d = start + timedelta(days=7 * week + dow)
            if d < OLD_LAST_DAY:
                rows.append(f"{d.isoformat()},{km},{int(km * 330)},{int(km * 8)}")
    rows.append(f"{OLD_LAST_DAY.isoformat()},20.0,6600,160")
    return ("\n".join(rows) + "\n").encode()


@dataclass
class DemoWorld:
    data_dir: Path
    today: date
    coach_token: str
    sara: int
    sam: int
    old: int
    rosa: int
    # Per sample athlete, as run_demo's imports reported them: (imported, failed) files.
    imports: dict[str, tuple[int, int]] = field(default_factory=dict)

    def store(self) -> Store:
        from loadwatch.config import Settings

        return open_store(Settings(data_dir=self.data_dir, database_url=None))


def build(data_dir: Path) -> DemoWorld:
    result = run_demo(data_dir)
    ids = {a.name: a.athlete_id for a in result.athletes}
    store = open_store(result.settings)
    try:
        with store.transaction() as s:
            old = get_or_create_athlete(s, OLD_NAME, "Europe/Vienna").id
        import_log(store, old, old_history(), "2021.csv")
        evaluate_athlete(store, old, today=OLD_LAST_DAY)
        with store.transaction() as s:
            s.query(PendingEvaluation).delete()
            # Her last file came two weeks before the demo's today: stale.
            when = datetime(2026, 11, 1, 12, tzinfo=UTC)
            s.execute(
                update(SourceFile)
                .where(SourceFile.athlete_id == old)
                .values(created_at=when, updated_at=when)
            )
            coach, token = auth.create_user(s, "coach-carla", "coach")
            for aid in (*ids.values(), old):
                auth.link_coach(s, coach, get_athlete(s, aid))
    finally:
        store.close()
    imports = {a.name: (a.imported, a.failed) for a in result.athletes}
    return DemoWorld(
        data_dir,
        result.today,
        token,
        ids["Spiky Sara"],
        ids["Steady Sam"],
        old,
        ids["Returning Rosa"],
        imports,
    )


def copy_of(world: DemoWorld, dest: Path) -> DemoWorld:
    """A copy of a built world's store at ``dest`` (same ids and token), to change freely:
    building takes seconds of imports, copying milliseconds."""
    shutil.copytree(world.data_dir, dest)
    return replace(world, data_dir=dest)
