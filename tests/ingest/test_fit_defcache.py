"""ingest.formats.fit_defcache: a definition read before is not parsed again, and reading
with it gives the same Tracks as a cold reader, defects included."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from loadwatch.ingest.formats import fit_defcache
from loadwatch.ingest.formats.fit import decode, decode_records
from loadwatch.ingest.track import Track

pytestmark = pytest.mark.corpus

FILES = [
    "fit/fitfiler_garmin-edge530-ride.fit",  # compressed speed/distance accumulators, laps
    "fit/fitfiler_garmin-fenix6-swim.fit",  # pool lengths, generic sport
    "fit/gc_14582164182.fit.gz",
    "invalid/pyfitparse_nick.fit",  # truncated
]
MISALIGNED = "invalid/pyfitparse_coros-pace-2-cycling-misaligned-fields.fit"


def _bytes(corpus: Path, rel: str) -> bytes:
    data = (corpus / rel).read_bytes()
    return gzip.decompress(data) if rel.endswith(".gz") else data


def _same(a: list[Track], b: list[Track]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert_frame_equal(x.samples, y.samples, check_exact=True)
        assert (x.totals, x.warnings, x.start_time, x.sport, x.device, x.utc_offset_s) == (
            y.totals, y.warnings, y.start_time, y.sport, y.device, y.utc_offset_s,
        )  # fmt: skip


@pytest.mark.parametrize("rel", FILES)
def test_a_warm_reader_gives_the_cold_readers_tracks(corpus: Path, rel: str) -> None:
    data = _bytes(corpus, rel)
    fit_defcache.clear()
    cold = decode(data, rel)
    assert fit_defcache.size() > 0  # the file's definitions are kept
    kept = fit_defcache.size()
    _same(cold, decode(data, rel))
    assert fit_defcache.size() == kept  # and all of them were found again
    # The per-message readers (fast records, then fitparse's own) share the kept definitions.
    _same(cold, decode_records(data, rel, fast_records=True, bulk=False))
    _same(cold, decode_records(data, rel, fast_records=False, bulk=False))


def test_a_definition_with_a_defect_is_parsed_and_reported_every_time(corpus: Path) -> None:
    data = _bytes(corpus, MISALIGNED)
    fit_defcache.clear()
    first = decode(data, MISALIGNED)
    second = decode(data, MISALIGNED)
    for tracks in (first, second):
        assert any("not a multiple" in w for w in tracks[0].warnings)
        assert sum(len(t.samples) for t in tracks) == 11272
    _same(first, second)
