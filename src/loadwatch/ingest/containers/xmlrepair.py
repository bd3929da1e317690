"""After a strict parse fails, ``repair`` tries two recoveries of known exporter defects, each
named in a warning: bytes after the root element's end tag (trailing garbage, NUL padding of a
copied file) are cut, and namespace prefixes used without a declaration (``<gpxtpx:hr>`` with
no ``xmlns:gpxtpx``) are declared on the root element, which loses nothing because every
reader here matches local names."""

from __future__ import annotations

import xml.parsers.expat
import xml.sax
import xml.sax.handler

from loadwatch.ingest.containers.xmlprepare import WHITESPACE

MAX_REPAIRS = 2  # trailing garbage and undeclared prefixes: each at most once


class _Scan:
    """What a namespace-blind expat pass saw: the root element and every prefix."""

    def __init__(self, parser: xml.parsers.expat.XMLParserType) -> None:
        self.parser = parser
        self.depth = 0
        self.root_closed = False
        self.root_end = -1  # byte just after the root's end tag
        self.root_name = ""
        self.root_at = -1
        self.used: set[str] = set()
        self.root_declared: set[str] = set()

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self.depth == 0 and not self.root_closed:
            self.root_name, self.root_at = name, self.parser.CurrentByteIndex
            self.root_declared = {a[6:] for a in attrs if a.startswith("xmlns:")}
        self.depth += 1
        for qualified in (name, *attrs):
            prefix, colon, _ = qualified.partition(":")
            if colon and prefix not in ("xml", "xmlns"):
                self.used.add(prefix)

    def end(self, name: str) -> None:
        self.depth -= 1
        if self.depth == 0 and not self.root_closed:
            self.root_closed = True
            self.root_end = self.parser.CurrentByteIndex  # the "<" of the end tag, then its ">"

    def ended_at(self, data: bytes) -> int:
        close = data.find(b">", self.root_end)
        return len(data) if close < 0 else close + 1


def repair(data: bytes) -> tuple[bytes, str] | None:
    """One known exporter defect fixed, and its warning; None when the defect is another.

    Called only after ``guard_xml`` accepted the prolog, so this pass never meets an entity
    declaration; it reads without namespaces, where an undeclared prefix is just a name.
    """
    parser = xml.parsers.expat.ParserCreate()
    scan = _Scan(parser)
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError:
        if not scan.root_closed:
            return None
        cut = scan.ended_at(data)
        garbage = len(data[cut:].strip(WHITESPACE))
        return data[:cut] + b"\n", (
            f"{garbage} byte(s) of trailing garbage after the root element ignored"
        )
    missing = sorted(scan.used - scan.root_declared)
    if not missing or scan.root_at < 0:
        return None
    at = scan.root_at + 1 + len(scan.root_name.encode("utf-8"))
    declarations = "".join(f' xmlns:{p}="urn:loadwatch:undeclared:{p}"' for p in missing)
    fixed = data[:at] + declarations.encode("ascii") + data[at:]
    return fixed, (
        f"undeclared XML namespace prefix(es) {', '.join(missing)}: read by element name"
    )
