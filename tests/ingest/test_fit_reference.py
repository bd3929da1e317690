"""Differential test: every FIT file of the corpus, our reader (the bulk reader of
``fit_bulk``, or the fork's per-message record fast path for the shapes it leaves to it)
against plain, unmodified fitparse 1.2.0 reading the same bytes.

The reference is what ``ingest.fit`` would build from fitparse's own messages: per record,
``{field name: value}`` of the fields (component fields included, in fitparse's order, so the
last non-null value of a name wins) with fitparse's default processors; the timestamp as its
raw FIT seconds.  Every record must come out with the same values, and no record may leave
the fast path.  Where plain fitparse raises part-way (a CRC mismatch, a COROS field size,
developer data it cannot place: the defects the fork recovers from), the records it read
before raising are compared, and our reader must have read at least those.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from loadwatch.errors import LoadwatchError
from loadwatch.ingest.formats.fit import decode_records, read_path, record_columns
from loadwatch.ingest.track import Track
from support.cached import cached
from support.fit_reference import (
    Columns,
    column_digest,
    entry,
    file_bytes,
    fit_files,
    kept,
    key,
    reference,
)
from support.paths import CORPUS

pytestmark = pytest.mark.corpus

FIT_FILES = fit_files()
KEPT = kept()


def _live_reference(config: pytest.Config, data: bytes) -> tuple[Columns, str | None]:
    """Plain fitparse's columns, kept between runs in pytest's cache (support/cached.py)."""
    return cached(config, "fit-reference", key(data), lambda: reference(data))


def _check(rel: str, ours: Columns, n: int, stopped: str | None, digests: dict[str, str]) -> None:
    if stopped is None:
        assert len(ours["ts"]) == n, f"{rel}: {len(ours['ts'])} records, fitparse {n}"
    else:
        assert len(ours["ts"]) >= n, f"{rel}: fewer records than fitparse before it stopped"
    for column, digest in digests.items():
        assert column_digest(ours[column][:n]) == digest, (
            f"{rel}: column {column} differs from fitparse"
        )


@pytest.mark.parametrize("rel", FIT_FILES or ["(corpus absent)"])
def test_fast_reader_gives_plain_fitparse_records(
    corpus: Path, rel: str, request: pytest.FixtureRequest
) -> None:
    data = file_bytes(corpus, rel)
    ref: dict[str, Any] | None = KEPT.get(rel)
    if ref is None or ref["key"] != key(data):  # not kept, or kept for other bytes or fitparse
        ref = entry(data, *_live_reference(request.config, data))
    try:
        ours, slow = record_columns(data)
    except Exception as e:  # a file our reader refuses must be one fitparse refuses
        assert ref["stopped"] is not None and ref["records"] == 0, (
            f"{rel}: ours raised {e!r}, fitparse did not"
        )
        return
    assert slow == 0, f"{rel}: {slow} record(s) left the fast path"
    _check(rel, ours, ref["records"], ref["stopped"], ref["columns"])


# Files under this size take plain fitparse well under a second each: on them the kept table is
# checked against fitparse itself every run, so it cannot drift from what fitparse says.
LIVE_BYTES = 60_000
SMALL_FILES = [rel for rel in FIT_FILES if len(file_bytes(CORPUS, rel)) <= LIVE_BYTES]


@pytest.mark.parametrize("rel", SMALL_FILES or ["(corpus absent)"])
def test_the_kept_digests_are_plain_fitparses(corpus: Path, rel: str) -> None:
    data = file_bytes(corpus, rel)
    assert rel in KEPT, f"{rel}: not kept; run `python -m support.fit_reference` in tests/"
    assert KEPT[rel] == entry(data, *reference(data))


def test_the_file_that_missed_the_fast_path_takes_it(corpus: Path) -> None:
    """gc_20130717_143733.fit (compressed accumulated power) decoded 6,255 records through
    fitparse's per-field objects: now none, with a power meter's accumulator skipped."""
    ours, slow = record_columns(file_bytes(corpus, "fit/gc_20130717_143733.fit"))
    assert slow == 0
    assert len(ours["ts"]) == 6255


# The shapes the bulk reader leaves to the fork: a Forerunner 55 (with a CORE temperature
# sensor) writes enhanced_altitude as two uint32 values where the profile has one; the Lezyne
# file with undefined developer data reads, once misaligned, a metadata message with a
# compressed-timestamp header.
PER_MESSAGE = {
    "fit/gc_FR55-CoreTemp-Walk.fit",
    "invalid/gpsbabel_lezyne_super_gps-garmin_fit-sample-bad-endian.fit",
}


@pytest.mark.parametrize("rel", FIT_FILES or ["(corpus absent)"])
def test_every_corpus_file_but_the_known_shapes_is_read_in_bulk(corpus: Path, rel: str) -> None:
    expected = "per-message" if rel in PER_MESSAGE else "bulk"
    assert read_path(file_bytes(corpus, rel)) == expected


@pytest.mark.parametrize("rel", FIT_FILES or ["(corpus absent)"])
def test_bulk_reader_builds_the_per_message_readers_tracks(corpus: Path, rel: str) -> None:
    """Beyond the records: metadata, sessions, warnings and the samples frame are the same
    whichever reader decoded the file (or the same error)."""
    data = file_bytes(corpus, rel)

    def tracks(bulk: bool) -> list[Track] | str:
        try:
            return decode_records(data, rel, fast_records=True, bulk=bulk)
        except LoadwatchError as e:
            return f"{type(e).__name__}: {e}"

    ours, before = tracks(True), tracks(False)
    if isinstance(ours, str) or isinstance(before, str):
        assert ours == before
        return
    assert len(ours) == len(before)
    for a, b in zip(ours, before, strict=True):
        assert a.samples.equals(b.samples), f"{rel}: samples differ"
        assert (a.start_time, a.totals, a.warnings, a.device, a.sport, a.utc_offset_s) == (
            b.start_time, b.totals, b.warnings, b.device, b.sport, b.utc_offset_s
        )  # fmt: skip
