"""One GPX outing → ``Track``: altitude zeros dropped, a non-cumulative extension distance
ignored, the first stamp's offset as the local one, and the sport from ``<trk><type>`` or a
labelled guess (the decisions are listed in ``gpx``).  Pure, numpy and polars."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import PurePath

import numpy as np

from loadwatch.ingest.formats import gpx_clean
from loadwatch.ingest.sports import from_words
from loadwatch.ingest.sports_guess import guess
from loadwatch.ingest.sports_stats import Columns
from loadwatch.ingest.track import Track

ZERO_ALTITUDE_GLITCH_M = 20.0


def offset_s(minutes: int | None) -> int | None:
    """The local offset a stamp carries (``+01:00`` → 3600); None for ``Z`` or none.

    ``Z`` and ``+00:00`` say nothing about the athlete's zone (exporters write UTC), so only a
    non-zero offset is evidence of local time.
    """
    return minutes * 60 if minutes else None


# --- one outing → Track ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TrackMeta:
    """Per ``<trk>``, by document position: its ``<name>`` and ``<type>``."""

    names: list[str | None]
    types: list[str | None]


def build_track(
    outing: gpx_clean.Points,
    meta: TrackMeta,
    name: str,
    device: str | None,
    file_title: str | None,
    file_warnings: list[str],
    index: int,
) -> Track:
    warnings = list(file_warnings)
    altitude, note = _altitude_zeros(outing.altitude)
    if note:
        warnings.append(note)
    dist = outing.distance[~np.isnan(outing.distance)]
    if dist.size > 1 and (np.diff(dist) < 0).any():
        outing = replace(outing, distance=np.full_like(outing.distance, np.nan))
        warnings.append("extension distance is not cumulative: ignored")
    samples = gpx_clean.samples(replace(outing, altitude=altitude))

    trk_ids = np.unique(outing.trk).tolist()
    sport, how = _sport(meta, trk_ids, name, outing)
    if how:
        warnings.append(how)
    title = next((t for i in trk_ids if (t := meta.names[i])), None) or file_title
    first_offset = outing.offset_min[0]
    return Track(
        format="gpx",
        sport=sport,
        samples=samples,
        start_time=samples["time"][0],
        utc_offset_s=None if np.isnan(first_offset) else offset_s(int(first_offset)),
        device=device,
        session_index=index,
        name=title,
        warnings=tuple(warnings),
        sport_guess=how,
    )


def _altitude_zeros(alt: np.ndarray) -> tuple[np.ndarray, str | None]:
    """Exact zeros are a receiver's "no altitude", not sea level, when the rest is high up."""
    known = alt[~np.isnan(alt)]
    zeros = int((known == 0).sum())
    if zeros == 0:
        return alt, None
    if zeros == known.size:
        if zeros == 1:
            return alt, None
        note = "altitude is 0 at every point: treated as not recorded"
    else:
        high = float(np.median(np.abs(known[known != 0])))
        if not high > ZERO_ALTITUDE_GLITCH_M:
            return alt, None
        note = f"{zeros} altitude reading(s) of exactly 0 among values near {high:.0f} m: dropped"
    return np.where(alt == 0, np.nan, alt), note


# --- sport -------------------------------------------------------------------------------
def _sport(
    meta: TrackMeta, trk_ids: list[int], name: str, outing: gpx_clean.Points
) -> tuple[str, str | None]:
    """The sport and, when it was guessed, a note saying how (None: ``<type>`` declared it)."""
    unknown: list[str] = []
    for i in trk_ids:
        declared = meta.types[i]
        if declared:
            sport = from_words(declared, strava_codes=True)
            if sport is not None:
                return sport, None
            unknown.append(declared)
    prefix = f"track type {unknown[0]!r} not understood; " if unknown else ""
    for i in trk_ids:
        title = meta.names[i]
        by_title = from_words(title) if title else None
        if by_title is not None:
            return by_title, f"{prefix}sport {by_title} guessed from the track name {title!r}"
    stem = PurePath(name).name.split(".")[0]
    by_name = from_words(stem)
    if by_name is not None:
        return by_name, f"{prefix}sport {by_name} guessed from the file name"
    # The outing's own arrays (time-ordered, NaN for none): what its frame holds, unconverted.
    columns = Columns(
        time_us=outing.time,
        lat=outing.lat,
        lon=outing.lon,
        speed=outing.speed,
        cadence=outing.cadence,
        segment=outing.segment,
    )
    g = guess(columns, prefix)
    return g.sport, g.note
