"""The list of file formats has one home, the ingest registry: the type of a stored format,
the suffixes a folder or a sync is scanned for, and the media types of downloads all follow
it."""

from __future__ import annotations

from typing import get_args

from loadwatch import sync
from loadwatch.ingest.containers.sources import CONTAINER_SUFFIXES
from loadwatch.ingest.formats import registry
from loadwatch.ingest.track import Format


def test_the_registry_is_the_list() -> None:
    names = [f.name for f in registry.FORMATS]
    assert names == ["fit", "gpx", "tcx"]
    # A stored activity's format is a registered file format, or a training-log row.
    assert set(get_args(Format)) == {*names, "csv"}
    assert {".fit", ".gpx", ".tcx"} == registry.ACTIVITY_SUFFIXES
    assert set(registry.MEDIA_TYPES) == set(names)
    assert registry.FORMAT_NAMES == "FIT, GPX or TCX"


def test_sync_uploads_what_the_registry_and_the_containers_name() -> None:
    assert (".fit", ".gpx", ".tcx", *CONTAINER_SUFFIXES) == sync.UPLOAD_SUFFIXES
    assert CONTAINER_SUFFIXES == (".gz", ".zip")
