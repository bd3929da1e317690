"""The settings (``config.py``) read from ``LOADWATCH_*`` variables as pydantic-settings read
them before (issue #19: without importing it): the same values from the same environment, the
same refusals, and values given in code beating the environment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

from loadwatch.config import Settings, get_settings
from loadwatch.errors import ConfigError

# The fields whose values are plain (parsed by pydantic alone): read by pydantic-settings with
# the same definitions, as the reference.  data_dir and inbox are resolved and the allowed
# hosts split by Settings' own validators, checked below.
PLAIN = {n: f for n, f in Settings.model_fields.items() if n not in ("data_dir", "inbox")}
PLAIN.pop("webhook_allow_hosts")
Reference: type[BaseSettings] = create_model(  # type: ignore[call-overload]
    "Reference",
    __base__=BaseSettings,
    **{n: (f.annotation, f) for n, f in PLAIN.items()},
)
Reference.model_config = SettingsConfigDict(env_prefix="LOADWATCH_", extra="ignore")
Reference.model_rebuild(force=True)

ENV = {
    "LOADWATCH_SCHEDULER": "false",
    "LOADWATCH_DEMO": "1",
    "loadwatch_db_pool_size": "7",  # any case, as pydantic-settings
    "LoadWatch_Default_Timezone": "Europe/Vienna",
    "LOADWATCH_MAX_COMPRESSION_RATIO": "12.5",
    "LOADWATCH_AS_OF": "2026-03-01",
    "LOADWATCH_JOBS": "inline",
    "LOADWATCH_DATABASE_URL": "postgresql://u@db/x",
    "LOADWATCH_PUBLIC_URL": "",
    "LOADWATCH_WEBHOOK_ALLOW_HTTP": "yes",
    "LOADWATCH_JOB_SETTLE_S": "0",
    "LOADWATCH_IMPORT_WORKERS": "3",
    "LOADWATCH_NOT_A_SETTING": "ignored",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    for name in [*Settings.model_fields, "not_a_setting"]:
        monkeypatch.delenv(f"LOADWATCH_{name.upper()}", raising=False)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LOADWATCH_DATA_DIR", str(tmp_path / "d"))
    return ENV


def _plain(s: Any) -> dict[str, Any]:
    return {n: getattr(s, n) for n in PLAIN}


def test_the_environment_reads_as_pydantic_settings_read_it(env: dict[str, str]) -> None:
    ours = Settings()
    assert _plain(ours) == _plain(Reference())
    # The values themselves, so that both cannot be wrong alike.
    assert (ours.scheduler, ours.demo, ours.db_pool_size) == (False, True, 7)
    assert ours.default_timezone == "Europe/Vienna" and ours.max_compression_ratio == 12.5
    assert str(ours.as_of) == "2026-03-01" and ours.jobs == "inline"
    assert ours.public_url == "" and ours.webhook_allow_http is True
    assert (ours.job_settle_s, ours.import_workers) == (0.0, 3)
    assert ours.data_dir_chosen and ours.data_dir.name == "d" and ours.data_dir.is_absolute()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LOADWATCH_JOBS", "sometimes"),
        ("LOADWATCH_DB_POOL_SIZE", "many"),
        ("LOADWATCH_WORKER_CONCURRENCY", "0"),
        ("LOADWATCH_AS_OF", "2026-02-30"),
        ("LOADWATCH_SCHEDULER", "perhaps"),
    ],
)
def test_a_bad_value_is_refused_alike(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as ours:
        Settings()
    with pytest.raises(ValidationError) as theirs:
        Reference()
    assert [(e["loc"], e["msg"]) for e in ours.value.errors()] == [
        (e["loc"], e["msg"]) for e in theirs.value.errors()
    ]
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match=f"invalid settings: {name}: "):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_values_given_in_code_beat_the_environment(env: dict[str, str], tmp_path: Path) -> None:
    s = Settings(db_pool_size=3, data_dir=tmp_path / "e")
    assert s.db_pool_size == 3 and s.data_dir == (tmp_path / "e").resolve()
    assert s.demo is True  # the rest still from the environment
    assert Settings(**s.model_dump()).model_dump() == s.model_dump()


def test_defaults_without_the_environment(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ENV:
        monkeypatch.delenv(name)
    s = Settings()
    assert (s.scheduler, s.demo, s.db_pool_size, s.jobs, s.as_of) == (True, False, 20, "auto", None)
    assert s.webhook_allow_hosts == () and s.inbox is None


def test_allowed_hosts_are_split_and_checked(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOADWATCH_WEBHOOK_ALLOW_HOSTS", "hooks.internal, 10.0.0.0/8 192.168.1.5")
    monkeypatch.setenv("LOADWATCH_INBOX", str(tmp_path / "in"))
    s = Settings()
    assert s.webhook_allow_hosts == ("hooks.internal", "10.0.0.0/8", "192.168.1.5")
    assert s.inbox == (tmp_path / "in").resolve()
    monkeypatch.setenv("LOADWATCH_WEBHOOK_ALLOW_HOSTS", "ok.example, 10.0.0.0/99")
    with pytest.raises(ValidationError, match=re.escape("10.0.0.0/99")):
        Settings()
