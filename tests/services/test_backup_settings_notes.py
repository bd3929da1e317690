"""A restore notes the shared settings whose value differs from the archive's manifest; a
setting the manifest does not name did not exist in that version, so it is no change (trial11
F10: restoring a 0.1.0 archive printed "LOADWATCH_JOBS was None where the backup was made")."""

from __future__ import annotations

from loadwatch.config import Settings
from loadwatch.services.backup import _settings_changed, _shared_settings


def test_only_settings_the_archive_names_are_compared() -> None:
    settings = Settings()
    now = _shared_settings(settings)
    name = sorted(now)[0]
    older = {name: "something else"}  # an archive of a version that knew one setting
    assert _settings_changed(older, settings) == {name: ("something else", now[name])}
    assert _settings_changed({}, settings) == {}
    assert _settings_changed(dict(now), settings) == {}
