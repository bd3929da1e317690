"""A GPX cut short (a phone app that died mid-write): the complete track points before the cut.

A document is *truncated* when expat reads every byte of it without an error but the document
has not ended (``Parse(data, final=False)`` succeeds, the final parse does not): no byte is
wrong, some are missing.  Anything else malformed (a mismatched tag, a bad byte) is not a
truncation and still fails with its reason.  The salvage keeps the bytes up to the end of the
last complete ``</trkpt>`` and closes the elements still open there, innermost first, so the
readers get a whole document of the points that were written; FIT's reader keeps what was read
of a truncated file in the same way.

The hardening is unchanged: ``guard_xml`` has already refused entity declarations and external
references in these bytes, expat here refuses them again (``EntityDeclHandler``, no parameter
entities, no external entities), and the repaired document goes through ``ingest.gpx``'s
whole front end once more.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass

_END_TRKPT = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?trkpt\s*>")


@dataclass(frozen=True, slots=True)
class Salvaged:
    data: bytes  # the complete points, every element still open closed
    lines: int  # lines of the user's file (it ends inside the last one)
    inside: str  # where the file ends: "a track point", else the innermost open element


class _Refused(Exception):
    pass


def _open_elements(data: bytes, *, final: bool) -> list[str] | None:
    """The names of the elements open at the end of ``data`` (as written, prefixes kept), or
    None when expat finds an error in it (not a truncation)."""
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[str] = []

    def refuse(*_: object) -> int:
        raise _Refused

    parser.StartElementHandler = lambda name, _attrs: stack.append(name)
    parser.EndElementHandler = lambda _name: stack.pop()
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.Parse(data, final)
    except (xml.parsers.expat.ExpatError, _Refused):
        return None
    return stack


def salvage(data: bytes) -> Salvaged | None:
    """The document's complete track points as a whole document, or None when ``data`` is not
    a truncated document or holds no complete track point."""
    open_at_end = _open_elements(data, final=False)
    if not open_at_end:  # malformed, or whole (its error is elsewhere)
        return None
    ends = list(_END_TRKPT.finditer(data))
    if not ends:
        return None
    cut = data[: ends[-1].end()]
    open_at_cut = _open_elements(cut, final=False)
    if not open_at_cut:
        return None
    closing = "".join(f"</{name}>" for name in reversed(open_at_cut)).encode("utf-8")
    local = [name.rpartition(":")[2] for name in open_at_end]
    inside = "a track point" if "trkpt" in local else f"<{local[-1]}>"
    return Salvaged(cut + closing, data.count(b"\n") + 1, inside)
