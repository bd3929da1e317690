"""The demo: the sample athletes imported into a fresh store and evaluated as of their
history's last day, so the demo reads the same whatever the date; and a coach to look at
them with."""

from __future__ import annotations

import json as jsonlib
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

import loadwatch
from loadwatch import auth
from loadwatch.analytics.day_exprs import local_day_expr
from loadwatch.config import Settings
from loadwatch.errors import InvalidRequest, NotFound
from loadwatch.schemas.planned import PlannedBatch
from loadwatch.services.evaluation import evaluate_athlete
from loadwatch.services.flag_list import list_flags
from loadwatch.services.importing import import_paths
from loadwatch.services.planned import add_sessions
from loadwatch.services.rehab import enter_rehab
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store import pending
from loadwatch.store.db import Store, open_store

DEMO_MARKER = ".loadwatch-demo"


@dataclass
class DemoAthlete:
    name: str
    athlete_id: int
    folder: Path
    imported: int
    failed: int
    flags: list[Any] = field(default_factory=list)  # FlagOut


@dataclass
class DemoResult:
    """What ``run_demo`` built: the settings of the demo store (for serving it) and the day it
    was evaluated as of."""

    settings: Settings
    today: date
    athletes: list[DemoAthlete]


def sample_data_dir() -> Path:
    path = Path(loadwatch.__file__).resolve().parents[2] / "sample_data"
    if not path.is_dir() or not any(p.is_dir() for p in path.iterdir()):
        raise NotFound(
            f"sample data not found at {path} "
            "(run scripts/make_sample_data.py in a source checkout)"
        )
    return path


# sample_data/README.md: "- **Steady Sam** (`steady-sam/`, around Boulder, America/Denver) ..."
_README_ATHLETE = re.compile(
    r"\*\*(?P<name>[^*]+)\*\*\s*\(`(?P<slug>[^/`]+)/?`[^)]*?(?P<tz>[A-Za-z_]+(?:/[A-Za-z_+-]+)+)\)"
)


def _demo_athletes(root: Path) -> list[tuple[str, str, Path]]:
    """(name, time zone, folder) per ``sample_data/<slug>/``: from ``manifest.json`` when
    present (``{"athletes": [{"slug", "name", "timezone"}]}``), else from the README's athlete
    lines, else the folder name in UTC."""
    known: dict[str, tuple[str, str]] = {}
    mf = root / "manifest.json"
    if mf.is_file():
        try:
            manifest = jsonlib.loads(mf.read_text())
            for a in manifest["athletes"]:
                known[str(a["slug"])] = (str(a["name"]), str(a.get("timezone") or "UTC"))
        except (ValueError, KeyError, TypeError) as e:
            raise InvalidRequest(f"{mf}: not a sample-data manifest: {e}") from e
    elif (root / "README.md").is_file():
        for m in _README_ATHLETE.finditer((root / "README.md").read_text(encoding="utf-8")):
            known[m["slug"]] = (m["name"].strip(), m["tz"])
    out = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name[0] not in "._"):
        default = (folder.name.replace("_", " ").replace("-", " ").title(), "UTC")
        name, tz = known.get(folder.name, default)
        out.append((name, tz, folder))
    return out


def _wipe_demo(path: Path) -> None:
    if path.exists():
        if any(path.iterdir()) and not (path / DEMO_MARKER).exists():
            raise InvalidRequest(f"{path} exists and is not a loadwatch demo store; not wiping it")
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / DEMO_MARKER).write_text("created by `loadwatch demo`; wiped on every run\n")


def run_demo(data_dir: Path, *, sample_dir: Path | None = None) -> DemoResult:
    """Import the sample athletes into a fresh store at ``data_dir`` and evaluate them as of
    the sample history's last day, so the demo reads the same whatever the date."""
    root = sample_dir or sample_data_dir()
    _wipe_demo(data_dir)
    settings = Settings(data_dir=data_dir, database_url=None, demo=True, scheduler=False)
    store = open_store(settings)
    try:
        athletes: list[DemoAthlete] = []
        for name, tz, folder in _demo_athletes(root):
            with store.transaction() as s:
                aid = athlete_store.get_or_create_athlete(s, name, tz).id
            rep = import_paths(store, settings, aid, [folder])
            _demo_rehab(store, aid, folder)
            _demo_planned(store, aid, folder)
            counts = rep.counts()
            athletes.append(DemoAthlete(name, aid, folder, counts["imported"], counts["failed"]))
        today = _history_end(store, [a.athlete_id for a in athletes])
        for a in athletes:
            evaluate_athlete(store, a.athlete_id, today=today)
            with store.sessions() as s:
                a.flags = list_flags(s, a.athlete_id)
        # The requests the imports left are covered by the full evaluations above.
        with store.transaction() as s:
            pending.clear(s)
    finally:
        store.close()
    return DemoResult(settings=settings, today=today, athletes=athletes)


def _demo_rehab(store: Store, athlete_id: int, folder: Path) -> None:
    """A sample athlete's ``rehab.json``: her return-to-run plan and pain log."""
    path = folder / "rehab.json"
    if not path.is_file():
        return
    try:
        data = jsonlib.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise InvalidRequest(f"{path}: not JSON: {e}") from e
    with store.transaction() as s:
        enter_rehab(s, athlete_store.get_athlete(s, athlete_id), data)


def _demo_planned(store: Store, athlete_id: int, folder: Path) -> None:
    """A sample athlete's ``planned.json``: her coach's plan for the week after the history
    (docs/planning.md), for ``loadwatch plan check`` to judge."""
    path = folder / "planned.json"
    if not path.is_file():
        return
    try:
        batch = PlannedBatch.model_validate_json(path.read_bytes())
    except ValidationError as e:
        raise InvalidRequest(f"{path}: not a planned week: {e.errors()[0]['msg']}") from e
    with store.transaction() as s:
        add_sessions(s, athlete_store.get_athlete(s, athlete_id), batch.sessions)


def _history_end(store: Store, athlete_ids: list[int]) -> date:
    ends: list[date] = []
    with store.sessions() as s:
        for aid in athlete_ids:
            tz = athlete_store.get_athlete(s, aid).timezone
            frame = activity_store.activity_frame(s, aid)
            if frame.height:
                ends.append(frame.select(local_day_expr(tz).max())[0, 0])
    if not ends:
        raise InvalidRequest("the sample data holds no activities")
    return max(ends)


def demo_coach(result: DemoResult) -> str:
    """A coach linked to every demo athlete; its token is printed, stored only hashed."""
    store = open_store(result.settings)
    try:
        with store.transaction() as s:
            coach, token = auth.create_user(s, "demo-coach", "coach")
            for a in result.athletes:
                auth.link_coach(s, coach, athlete_store.get_athlete(s, a.athlete_id))
    finally:
        store.close()
    return token
