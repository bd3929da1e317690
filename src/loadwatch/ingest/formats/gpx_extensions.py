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
_COLUMN_CODES = {c: i for i, c in enumerate(TEXT_COLUMNS, start=2)}


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
    ``<extensions>``.  numpy picks the first of each (point, channel) and places its text.
    """
    ext_names = _extension_names(data) if b"extensions" in data else set()
    if not ext_names:
        return {c: np.full(n, np.nan) for c in TEXT_COLUMNS}
    wanted = (tag["trkpt"], tag["extensions"], *(f"{{*}}{x}" for x in sorted(ext_names)))
    codes_of: dict[str, int] = {}
    codes: list[int] = []
    texts: list[str | None] = []
    for segment in segments:
        # One pass, each element dropped as soon as it is read (as in ``ingest.tcx``: lxml
        # proxies kept alive by the thousand make the garbage collector walk them).
        for e in segment.iter(*wanted):
            name = e.tag
            c = codes_of.get(name)
            if c is None:
                c = codes_of[name] = _code(name, tag)
            codes.append(c)
            texts.append(e.text)
    code = np.array(codes, dtype=np.int8)
    is_point = code == _POINT
    point = np.cumsum(is_point) - 1
    markers = np.cumsum(code == _EXTENSIONS)
    # Markers seen since the point began: 0 = its own children, 1 = inside its first
    # <extensions>, 2+ = a later <extensions> (gpxpy's find reads only the first).
    in_ext = markers - np.maximum.accumulate(np.where(is_point, markers, 0))
    node = np.arange(len(texts))
    text = np.array(texts, dtype=object)
    has_text = (text != None) & (text != "")  # noqa: E711 - elementwise
    out: dict[str, np.ndarray] = {}
    for column, wanted_code in _COLUMN_CODES.items():
        mine = (code == wanted_code) & (in_ext == 1) & has_text & (point >= 0)
        at, where = point[mine], node[mine]
        values = np.full(n, None, dtype=object)  # None: the point has none
        if at.size:
            first = np.insert(at[1:] != at[:-1], 0, True)  # the first of each point's run
            values[at[first]] = text[where[first]]
        # Typed here, as ``gpx_clean`` types gpxpy's texts: no round trip through a frame.
        out[column] = loose_floats(values.tolist())
    return out


def _code(full: str, tag: dict[str, str]) -> int:
    """A tag's code: the point, its <extensions>, an extension channel, or -1."""
    if full == tag["trkpt"]:
        return _POINT
    if full == tag["extensions"]:
        return _EXTENSIONS
    column = EXTENSION_COLUMNS.get(full.rpartition("}")[2].lower())
    return _COLUMN_CODES[column] if column is not None else -1
