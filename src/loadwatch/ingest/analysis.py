"""The pure step of an import: one file's bytes → its decoded activities and summaries.

``analyse`` is a function of the bytes, the name and three settings of the athlete, so
``services.importing`` runs it in worker processes; this module imports only the ingest
layer (not the store), which keeps a worker's start-up to the decoders' own imports.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from loadwatch.errors import IngestError, LoadwatchError, NotAnActivity, one_line
from loadwatch.ingest.containers.sources import Member, SourceNotes, iter_path
from loadwatch.ingest.formats import registry
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.ingest.summary.summarise import summarize

if TYPE_CHECKING:
    from loadwatch.config import Settings

log = logging.getLogger(__name__)


class DecoderCrash(IngestError):
    """A decoder leaked a library exception instead of raising an ``IngestError``: a bug in
    loadwatch, recorded against the file so the rest of the batch goes on."""


@dataclass(frozen=True, slots=True)
class DecodedActivity:
    summary: ActivitySummary
    samples: pl.DataFrame  # SAMPLE_SCHEMA
    device_offset_s: int | None = None  # the local offset the device wrote (FIT), if any


@dataclass(frozen=True, slots=True)
class DecodedFile:
    activities: list[DecodedActivity]
    warnings: list[str]  # decoder + summary warnings, and tracks that were not activities


def file_format(data: bytes, name: str) -> str | None:
    """``fit`` / ``gpx`` / ``tcx`` as the registry would dispatch it, None when unknown."""
    try:
        return registry.format_of(name, data).lstrip(".")
    except IngestError:
        return None


def analyse(
    data: bytes,
    name: str,
    *,
    sha256: str,
    fast_speed_mps: float | None = None,
    default_tz: str = "UTC",
    declared_sport: str | None = None,
    relabel: str | None = None,
) -> DecodedFile:
    """Decode and summarise one leaf file.  Raises ``NotAnActivity`` when no track is an
    activity, another ``IngestError`` when the file is unreadable (``DecoderCrash`` when a
    decoder leaked a raw library exception).

    ``declared_sport`` is the export's type for the file (a Strava ``activities.csv`` row's
    ``Activity Type``), ``relabel`` the user's; see ``ingest.sports_choice`` for the precedence."""
    try:
        tracks = registry.decode(data, name)
    except LoadwatchError:
        raise
    except Exception as e:
        # Deliberately broad: a decoder bug must cost one file, not the batch.  Logged with its
        # traceback for us; the user sees one line.
        log.exception("decoder crashed on %s", name)
        raise DecoderCrash(f"internal decoder error: {type(e).__name__}: {one_line(e)}") from e
    if not tracks:
        raise NotAnActivity("no recorded activity in the file")
    activities: list[DecodedActivity] = []
    warnings: list[str] = []
    not_activity: list[str] = []
    for track in tracks:
        try:
            summary = summarize(
                track,
                source_sha256=sha256,
                fast_speed_mps=fast_speed_mps,
                default_tz=default_tz,
                declared_sport=declared_sport,
                relabel=relabel,
            )
        except NotAnActivity as e:
            warnings.extend(w for w in track.warnings if w not in warnings)
            not_activity.append(f"session {track.session_index}: {one_line(e)}")
            continue
        except LoadwatchError:
            raise
        except Exception as e:
            log.exception("summary crashed on %s session %d", name, track.session_index)
            raise DecoderCrash(f"internal summary error: {type(e).__name__}: {one_line(e)}") from e
        # The summary's warnings hold the track's, less a sport guess a declaration replaced.
        warnings.extend(w for w in summary.warnings if w not in warnings)
        activities.append(DecodedActivity(summary, track.samples, track.utc_offset_s))
    if not activities:
        raise NotAnActivity("; ".join(not_activity) if len(tracks) > 1 else not_activity[0])
    if not_activity:
        warnings.extend(f"skipped {m}" for m in not_activity)
    return DecodedFile(activities, warnings)


@dataclass(frozen=True, slots=True)
class AnalysisJob:
    """One ``analyse`` call as a picklable value: what a worker process is handed."""

    data: bytes
    name: str
    sha256: str
    fast_speed_mps: float | None
    default_tz: str
    declared_sport: str | None

    def same_analysis(self, other: AnalysisJob) -> bool:
        return (self.sha256, self.fast_speed_mps, self.default_tz, self.declared_sport) == (
            other.sha256,
            other.fast_speed_mps,
            other.default_tz,
            other.declared_sport,
        )

    def run(self) -> DecodedFile:
        return analyse(
            self.data,
            self.name,
            sha256=self.sha256,
            fast_speed_mps=self.fast_speed_mps,
            default_tz=self.default_tz,
            declared_sport=self.declared_sport,
        )


def run_job(job: AnalysisJob) -> tuple[DecodedFile | LoadwatchError, float]:
    """In a worker process: the analysis (or the error it raised, to raise again in the writer) and
    the worker's CPU seconds for it (charged to an upload's CPU budget like in-process work)."""
    start = time.thread_time()
    try:
        result: DecodedFile | LoadwatchError = job.run()
    except LoadwatchError as e:
        e.__traceback__ = None  # the message is what the writer records
        result = e
    return result, time.thread_time() - start


def ready() -> bool:
    """Run in each new worker: done once the worker has imported the decoders."""
    return True


def iter_paths(
    paths: Sequence[Path], settings: Settings, notes: SourceNotes | None = None
) -> Iterator[Member]:
    """Every member of these files, folders and archives, in order."""
    return itertools.chain.from_iterable(iter_path(p, settings, notes) for p in paths)
