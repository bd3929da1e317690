"""The pure part of an import: bytes → decoded, summarised activities, touching no store.

``analyse`` is a function of the bytes, the name and the athlete's settings, so ``inspect``
runs it without opening a database (and without importing one), and a process pool could take
it over; ``services.importing`` stores what it returns.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from loadwatch.errors import IngestError, LoadwatchError, NotAnActivity, one_line
from loadwatch.ingest import registry
from loadwatch.ingest.activity import ActivitySummary
from loadwatch.ingest.sources import Member, SourceNotes, iter_path
from loadwatch.ingest.summary import summarize

if TYPE_CHECKING:
    import polars as pl

    from loadwatch.config import Settings

# The importer's logger: a decoder crash is logged as the import's, wherever it is caught.
log = logging.getLogger("loadwatch.services.importing")


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
    ``Activity Type``), ``relabel`` the user's; see ``ingest.sports`` for the precedence."""
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


def local_date(start: datetime, utc_offset_s: int | None, tz: ZoneInfo) -> date:
    """The athlete's calendar day of an activity: the device's offset, else the athlete's zone."""
    if utc_offset_s is not None:
        return (start + timedelta(seconds=utc_offset_s)).date()
    return start.astimezone(tz).date()


def iter_paths(
    paths: Sequence[Path], settings: Settings, notes: SourceNotes | None = None
) -> Iterator[Member]:
    return itertools.chain.from_iterable(iter_path(p, settings, notes) for p in paths)
