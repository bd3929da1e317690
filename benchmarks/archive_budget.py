"""Disk and CPU cost of hostile archives through the API upload path (issue #7, item 5).

    PYTHONPATH=src python benchmarks/archive_budget.py

For each archive: its size, the bytes the data dir grew by and the CPU seconds the process
spent importing it, with the shipped default limits.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from loadwatch import auth
from loadwatch.api.app import create_app
from loadwatch.config import Settings
from loadwatch.store.athletes import get_or_create_athlete
from loadwatch.store.db import Store
from support.bombs import bomb_zip, hidden_bomb_zip, tree_bytes


def measure(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        store = Store(settings.db_url, settings.data_dir)
        with store.transaction() as s:
            ann = get_or_create_athlete(s, "Ann", "UTC")
            _, token = auth.create_user(s, "ann", "athlete", athlete_id=ann.id)
        with TestClient(create_app(store, settings=settings)) as client:
            before = tree_bytes(settings.data_dir)
            cpu = time.process_time()
            r = client.post(
                f"/api/v1/athletes/{ann.id}/activities",
                files=[("files", ("export.zip", data, "application/zip"))],
                headers={"Authorization": f"Bearer {token}"},
            )
            cpu = time.process_time() - cpu
            grew = tree_bytes(settings.data_dir) - before
        store.close()
        files = r.json()["files"]
        print(
            f"{name}: {len(data) / 1000:.0f} KB zip -> HTTP {r.status_code}, {len(files)} results, "
            f"data dir +{grew / 1e6:.1f} MB, {cpu:.2f} s CPU; last: {files[-1]['reason']}"
        )


if __name__ == "__main__":
    measure("300 x 1 MiB deflated (issue #7)", bomb_zip())
    measure("300 x 1 MiB as .gz stored in a zip", hidden_bomb_zip())
