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

import gzip
import io
import warnings
from pathlib import Path
from typing import Any

import fitparse
import fitparse.records
import pytest

from loadwatch.errors import LoadwatchError
from loadwatch.ingest.formats.fit import decode_records, read_path, record_columns
from loadwatch.ingest.track import Track
from support.cached import cached, key_of
from support.paths import corpus_manifest

pytestmark = pytest.mark.corpus
COLUMNS = ("ts", "lat", "lon", "distance", "altitude", "speed", "heart_rate", "cadence")

FIT_FILES = sorted(
    r["file"]
    for r in corpus_manifest()
    if r["format"] == "fit" or r["file"].lower().endswith((".fit", ".fit.gz"))
)


def _bytes(corpus: Path, rel: str) -> bytes:
    data = (corpus / rel).read_bytes()
    return gzip.decompress(data) if rel.endswith(".gz") else data


def _reference(data: bytes) -> tuple[dict[str, list[Any]], str | None]:
    """Plain fitparse's record columns, and why it stopped early (None: it read everything)."""
    # fitparse keeps developer definitions in a module global: start each file clean, as a
    # fresh process would.
    fitparse.records.DEV_TYPES.clear()
    cols: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    stopped = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for msg in fitparse.FitFile(io.BytesIO(data), check_crc=False).get_messages("record"):
                v = {
                    f.name: (f.raw_value if f.name == "timestamp" else f.value)
                    for f in msg.fields
                    if f.value is not None
                }
                cols["ts"].append(v.get("timestamp"))
                cols["lat"].append(v.get("position_lat"))
                cols["lon"].append(v.get("position_long"))
                cols["distance"].append(v.get("distance"))
                cols["altitude"].append(v.get("enhanced_altitude", v.get("altitude")))
                cols["speed"].append(v.get("enhanced_speed", v.get("speed")))
                cols["heart_rate"].append(v.get("heart_rate"))
                cols["cadence"].append(v.get("cadence"))
    except Exception as e:  # the reference's own failure: compare what it read before it
        stopped = f"{type(e).__name__}: {e}"
    return cols, stopped


def _cached_reference(
    config: pytest.Config, data: bytes
) -> tuple[dict[str, list[Any]], str | None]:
    """``_reference(data)``, kept between runs: plain fitparse takes 47 CPU-s over the corpus
    (10 s for one multisport file), and its answer only changes with the bytes, fitparse's
    version or ``_reference`` itself, which are the key."""
    key = key_of(data, fitparse.__version__, _reference)
    return cached(config, "fit-reference", key, lambda: _reference(data))


@pytest.mark.parametrize("rel", FIT_FILES or ["(corpus absent)"])
def test_fast_reader_gives_plain_fitparse_records(
    corpus: Path, rel: str, request: pytest.FixtureRequest
) -> None:
    data = _bytes(corpus, rel)
    ref, stopped = _cached_reference(request.config, data)
    try:
        ours, slow = record_columns(data)
    except Exception as e:  # a file our reader refuses must be one fitparse refuses
        assert stopped is not None and not ref["ts"], f"{rel}: ours raised {e!r}, fitparse did not"
        return
    assert slow == 0, f"{rel}: {slow} record(s) left the fast path"
    n = len(ref["ts"])
    if stopped is None:
        assert len(ours["ts"]) == n, f"{rel}: {len(ours['ts'])} records, fitparse {n}"
    else:
        assert len(ours["ts"]) >= n, f"{rel}: fewer records than fitparse before it stopped"
    for column, values in ref.items():
        assert ours[column][:n] == values, f"{rel}: column {column} differs from fitparse"


def test_the_file_that_missed_the_fast_path_takes_it(corpus: Path) -> None:
    """gc_20130717_143733.fit (compressed accumulated power) decoded 6,255 records through
    fitparse's per-field objects: now none, with a power meter's accumulator skipped."""
    ours, slow = record_columns(_bytes(corpus, "fit/gc_20130717_143733.fit"))
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
    assert read_path(_bytes(corpus, rel)) == expected


@pytest.mark.parametrize("rel", FIT_FILES or ["(corpus absent)"])
def test_bulk_reader_builds_the_per_message_readers_tracks(corpus: Path, rel: str) -> None:
    """Beyond the records: metadata, sessions, warnings and the samples frame are the same
    whichever reader decoded the file (or the same error)."""
    data = _bytes(corpus, rel)

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
