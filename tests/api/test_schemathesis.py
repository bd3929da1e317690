"""The OpenAPI spec fuzzed with schemathesis, as an admin, in process over a seeded temp SQLite
store: whatever the request, the answer is never a 5xx, and its body matches the documented
response schema.  Bounded (a few examples per operation); webhook hosts go to a fake resolver,
so nothing leaves the process."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from loadwatch import auth
from loadwatch.api.app import create_app
from loadwatch.api.login_limit import FailedLogins
from loadwatch.api.routers.webhooks import get_resolver
from loadwatch.config import Settings
from loadwatch.ingest.containers.sources import iter_upload
from loadwatch.services.importing import import_members
from loadwatch.store.athletes import get_or_create_athlete
from loadwatch.store.db import Store
from support.api_env import gpx_run
from support.fake_dns import resolver

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TOKEN: dict[str, str] = {}
EXAMPLES = 12  # per operation: about 300 requests in all
FAILURE_CHARS = int(os.environ.get("LOADWATCH_SCHEMATHESIS_DETAIL", "2000"))


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    # Imported here, as in the test: only the worker that runs this module pays for schemathesis
    # (its pytest plugin is not loaded either: pyproject's addopts).
    import schemathesis

    data = Path(tmp_path_factory.mktemp("schemathesis")) / "data"
    config = Settings(data_dir=data, max_upload_bytes=1 << 20, max_file_bytes=1 << 20)
    store = Store(config.db_url, config.data_dir)
    with store.transaction() as s:
        athlete = get_or_create_athlete(s, "Ann", "UTC")
        _, TOKEN["admin"] = auth.create_user(s, "root", "admin")
        coach, _ = auth.create_user(s, "carla", "coach")
        auth.link_coach(s, coach, athlete)
    run = gpx_run(datetime(2026, 1, 5, 7, tzinfo=UTC), 5.0)
    report = import_members(store, athlete.id, iter_upload(run, "run.gpx", config))
    assert report.counts()["imported"] == 1
    app = create_app(store, settings=config)
    # Hundreds of bad tokens from one test client: the login limit (test_small_defects.py)
    # would answer 429 to everything after the tenth.
    app.state.loadwatch.failed_logins = FailedLogins(max_failures=10**9)
    app.dependency_overrides[get_resolver] = lambda: resolver()
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    store.close()


def test_no_server_errors_and_documented_bodies(api_schema: Any) -> None:
    """Every operation, a few generated requests each; failures are collected so one run
    reports every operation that fails, not only the first."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.core.failures import FailureGroup
    from schemathesis.specs.openapi.checks import response_schema_conformance

    failures: list[str] = []
    calls = operations = 0
    statuses: Counter[int] = Counter()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,  # the same cases every run: a failure here is reproducible
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            nonlocal calls
            calls += 1
            response = case.call_and_validate(
                headers={"Authorization": f"Bearer {TOKEN['admin']}"},
                checks=[not_a_server_error, response_schema_conformance],
            )
            statuses[response.status_code] += 1

        try:
            call()
        except (Exception, FailureGroup) as e:  # a failed check or a server exception: go on
            failures.append(f"{operation.label}: {type(e).__name__}: {str(e)[:FAILURE_CHARS]}")
    # For the closing note (pytest -s): how much was tried and what came back.
    print(f"schemathesis: {calls} requests, {operations} operations, statuses {dict(statuses)}")
    assert operations >= 20 and calls >= operations * 2, (operations, calls)
    assert not failures, "\n\n".join(failures)
