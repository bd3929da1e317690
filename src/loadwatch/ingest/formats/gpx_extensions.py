"""The streaming GPX reader's extension channels (heart rate, cadence, speed, distance): per
point, the number in the first descendant of its first ``<extensions>`` named for the channel
(any namespace, any case) that has text, as ``ingest.gpx`` reads gpxpy's ``point.extensions``.
"""

from __future__ import annotations

import re

import numpy as np
from lxml import etree

from loadwatch.ingest.containers.xmlcolumns import loose_floats

# Extension children matched by lower-cased local name (as ``ingest.gpx`` does for gpxpy's).
EXTENSION_COLUMNS = {
    "hr": "heart_rate",
    "heartrate": "heart_rate",
    "heart_rate": "heart_rate",
    "cad": "cadence",
    "cadence": "cadence",
    "runcadence": "cadence",
    "speed": "ext_speed",
    "distance": "distance",
}
TEXT_COLUMNS = ("ext_speed", "heart_rate", "cadence", "distance")


# Closing tags only: an element whose text is read always has one (a self-closed one has no
# text to read), and "</" is a rarer anchor than "<": the scan measured 1.5x faster.
_EXTENSION_NAME_RE = re.compile(
    rb"</(?:[A-Za-z_][\w.-]*:)?("
    + b"|".join(re.escape(k.encode()) for k in sorted(EXTENSION_COLUMNS, key=len, reverse=True))
    + rb")\s*>",
    re.IGNORECASE,
)
_POINT, _EXTENSIONS = 0, 1
_COLUMN_CODES = {c: i for i, c in enumerate(TEXT_COLUMNS, start=2)}  # column i - 2


def _extension_names(data: bytes) -> set[str]:
    """The spellings (``hr``, ``HeartRate``...) of the extension channels the document closes
    (the only ones that can hold text): one C regex scan of the bytes, so that lxml can filter
    exactly those tags."""
    return {m.decode("ascii") for m in set(_EXTENSION_NAME_RE.findall(data))}


def extension_texts(
    segments: list[etree._Element], tag: dict[str, str], data: bytes, n: int
) -> dict[str, np.ndarray]:
    """Per point and extension channel, the number in the text of the first descendant of its
    first ``<extensions>`` named for the channel that has text (``ingest.gpx``'s walk of
    gpxpy's ``point.extensions``; read by ``xmlcolumns.loose_floats``, NaN for none).

    One ``iter`` per segment with a tag list (filtered in C: the points, ``<extensions>`` and
    the channel spellings the bytes hold) yields the wanted elements in document order; an
    element belongs to the last point before it and counts inside that point's first
    ``<extensions>``.  Each text is placed at its point as the walk meets it, and only the
    channel elements' texts are read: gathering every element's code and text for numpy to
    sort out afterwards cost more than the placing (object arrays compared element by element).
    """
    ext_names = _extension_names(data) if b"extensions" in data else set()
    if not ext_names:
        return {c: np.full(n, np.nan) for c in TEXT_COLUMNS}
    wanted = (tag["trkpt"], tag["extensions"], *(f"{{*}}{x}" for x in sorted(ext_names)))
    columns: list[list[str | None]] = [[None] * n for _ in TEXT_COLUMNS]
    # Per tag: _POINT, _EXTENSIONS, -1 (no channel), or the channel's column to fill.
    slots: dict[str, int | list[str | None]] = {}
    point, markers = -1, 0  # markers: <extensions> met since the point began
    for segment in segments:
        # Each element dropped as soon as it is read (as in ``ingest.tcx``: lxml proxies kept
        # alive by the thousand make the garbage collector walk them).
        for e in segment.iter(*wanted):
            name = e.tag
            slot = slots.get(name)
            if slot is None:
                code = _code(name, tag)
                slot = slots[name] = columns[code - 2] if code >= 2 else code
            if isinstance(slot, int):
                if slot == _POINT:
                    point, markers = point + 1, 0
                elif slot == _EXTENSIONS:
                    markers += 1
            # 1: inside the point's first <extensions> (gpxpy's find reads only the first).
            elif markers == 1 and point >= 0 and slot[point] is None:
                text = e.text
                if text:
                    slot[point] = text
    # Typed here, as ``gpx_clean`` types gpxpy's texts: no round trip through a frame.
    return {c: loose_floats(v) for c, v in zip(TEXT_COLUMNS, columns, strict=True)}


def _code(full: str, tag: dict[str, str]) -> int:
    """A tag's code: the point, its <extensions>, an extension channel, or -1."""
    if full == tag["trkpt"]:
        return _POINT
    if full == tag["extensions"]:
        return _EXTENSIONS
    column = EXTENSION_COLUMNS.get(full.rpartition("}")[2].lower())
    return _COLUMN_CODES[column] if column is not None else -1
