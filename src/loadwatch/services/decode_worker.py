"""The decoding side of an import, as a worker process runs it: one file analysed, and its
samples already encoded as the stream store's Parquet file.

Encoding the samples here rather than in the writer moves the costliest step of storing an
activity (zstd Parquet) off the single writer, and the worker sends back a few kB of bytes
instead of a pickled frame.  This module imports no database code, so a worker's start-up
stays the decoders' own imports.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from loadwatch.clock import as_utc
from loadwatch.errors import LoadwatchError, one_line
from loadwatch.ingest.analysis import AnalysisJob, DecodedFile, DecoderCrash
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.ingest.zones import ZoneGuess, guess_zone, rank
from loadwatch.store.streams import encode_stream


@dataclass(frozen=True, slots=True)
class PackedActivity:
    summary: ActivitySummary
    stream: bytes  # the samples, exactly the Parquet file ``StreamStore.put`` would write


@dataclass(frozen=True, slots=True)
class PackedFile:
    """A ``DecodedFile`` ready for the writer.  ``zone``: the best zone guess of its activities
    (``ingest.zones.rank``), of the one started at ``zone_start``; ``zoneless``: some activity
    tells none (its local time is the athlete's zone's).  Computed only when ``zone_asked`` (a
    new athlete's zone is chosen from the files)."""

    activities: list[PackedActivity]
    warnings: list[str]
    zone_asked: bool
    zone: ZoneGuess | None
    zone_start: datetime | None = None
    zoneless: bool = False


def pack(decoded: DecodedFile, *, want_zone: bool) -> PackedFile:
    """The decoded file as the writer stores it: each activity's samples encoded, and the
    time-zone guess when one is wanted.  This runs outside the decoder's guard, so an
    unexpected error here is the file's own failure too (``DecoderCrash``), never the import's:
    one bad file costs only itself."""
    try:
        zone: ZoneGuess | None = None
        zone_start: datetime | None = None
        zoneless = False
        if want_zone:
            for act in decoded.activities:
                guess = guess_zone(act.samples, act.device_offset_s)
                start = as_utc(act.summary.start_time)
                if guess is None:
                    zoneless = True
                elif (
                    zone is None
                    or zone_start is None
                    or rank(guess, start) > rank(zone, zone_start)
                ):
                    zone, zone_start = guess, start
        return PackedFile(
            [PackedActivity(a.summary, encode_stream(a.samples)) for a in decoded.activities],
            list(decoded.warnings),
            want_zone,
            zone,
            zone_start,
            zoneless,
        )
    except LoadwatchError:
        raise
    except Exception as e:
        raise DecoderCrash(
            f"internal error storing the samples: {type(e).__name__}: {one_line(e)}"
        ) from e


def run_packed(job: AnalysisJob, want_zone: bool) -> tuple[PackedFile | LoadwatchError, float]:
    """In a worker process: the packed analysis (or the error it raised, to raise again in the
    writer) and the worker's CPU seconds for it (charged to an upload's CPU budget like
    in-process work)."""
    start = time.thread_time()
    try:
        result: PackedFile | LoadwatchError = pack(job.run(), want_zone=want_zone)
    except LoadwatchError as e:
        e.__traceback__ = None  # the message is what the writer records
        result = e
    return result, time.thread_time() - start


PARENT_CHECK_S = 1.0  # how often a worker looks for its parent


def watch_parent(parent: int) -> None:
    """A worker's initializer: exit as soon as the process that started it is gone.  A server
    killed by a signal (SIGTERM from ``kill``, a supervisor, ``docker stop``) runs no exit
    handler, and its workers, re-parented, would otherwise live on (trial9 F29)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="loadwatch-parent-watch", daemon=True).start()
