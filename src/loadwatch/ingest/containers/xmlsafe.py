"""Hardened XML parsing and typed columns from XML text, shared by the GPX and TCX decoders.

Uploaded XML is hostile until proven otherwise: entity declarations (billion laughs) and
external entities are refused by defusedxml before anything expands, and a malformed document
becomes one ``CorruptFile`` line naming where it broke.  Element names are matched by local
name because exporters disagree on namespaces and prefixes.

Lenient where real exporters are known to break the letter of XML, and nowhere else (each
quirk has a test built by code in ``tests/ingest/test_xmlsafe.py``):

* a byte-order mark (UTF-8, UTF-16, UTF-32) and whitespace before the XML declaration (Strava's
  TCX exports begin with spaces: expat says "XML or text declaration not at start of entity")
  are dropped by ``prepare``, which hands on UTF-8 bytes starting at ``<``;
* after a strict parse fails, ``repair`` tries two recoveries, each named in a warning: bytes
  after the root element's end tag (trailing garbage, NUL padding of a copied file) are cut,
  and namespace prefixes used without a declaration (``<gpxtpx:hr>`` with no
  ``xmlns:gpxtpx``) are declared on the root element, which loses nothing because every
  reader here matches local names;
* anything else is still refused, with the line and column of the user's own file.
"""

from __future__ import annotations

import codecs
import re
import xml.parsers.expat
import xml.sax
import xml.sax.handler
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast
from xml.etree import ElementTree
from xml.etree.ElementTree import ParseError

import defusedxml
import polars as pl
from defusedxml.expatreader import create_parser
from lxml import etree

from loadwatch.clock import as_utc
from loadwatch.errors import CorruptFile, UnsafeInput, one_line

# GPS time starts here; an earlier stamp is a clock that was never set (1901-12-13 is the
# int32 epoch minimum some converters write for "no time").
EARLIEST_PLAUSIBLE = datetime(1980, 1, 6, tzinfo=UTC)
# Later than this is a corrupt stamp, not a recording (and year 9999 overflows any local-time
# arithmetic).  A fixed bound keeps decoding a pure function of the bytes.
LATEST_PLAUSIBLE = datetime(2100, 1, 1, tzinfo=UTC)
MAX_OFFSET_S = 14 * 3600  # real zones span UTC-12 .. UTC+14

HR_SENTINEL = 255.0
_ISO = "%Y-%m-%dT%H:%M:%S%.f%z"

_OFFSET_RE = re.compile(r"([+-])(\d\d):?(\d\d)$")
_DECLARED_ENCODING_RE = re.compile(
    rb"""\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']"""
)
# Longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


_WHITESPACE = b" \t\r\n"
_DECLARATION_ENCODING_RE = re.compile(r"""^(<\?xml[^>]*?\sencoding\s*=\s*)(["'])[^"']*\2""")
MAX_REPAIRS = 2  # trailing garbage and undeclared prefixes: each at most once


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document's bytes as the parsers here get them, and what ``prepare`` removed."""

    data: bytes  # starts at "<" (or is not XML at all); UTF-8 when the original was UTF-16/32
    warnings: tuple[str, ...] = ()
    lines_removed: int = 0  # newlines dropped before the document: added back to error lines
    columns_removed: int = 0  # characters dropped on the first line of the document


def prepare(data: bytes, what: str) -> Prepared:
    """Drop a byte-order mark and the whitespace before the document; UTF-16/32 → UTF-8.

    Cheap (no parse), so it runs on every file.  Whitespace is XML-legal before a root element
    without a declaration, so only whitespace before ``<?xml`` is named in a warning.
    """
    encoding = _encoding(data)
    if encoding.startswith(("utf-16", "utf-32")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as e:
            raise malformed(data, what, e) from e
        body = text.lstrip("\ufeff \t\r\n")
        removed = text[: len(text) - len(body)].replace("\ufeff", "")
        # The bytes are re-encoded: the declaration must now say what they are.
        body = _DECLARATION_ENCODING_RE.sub(r"\1\2UTF-8\2", body, count=1)
        out = body.encode("utf-8")
    else:
        raw = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
        out = raw.lstrip(_WHITESPACE)
        removed = raw[: len(raw) - len(out)].decode("ascii")
    warnings: tuple[str, ...] = ()
    if removed and out.startswith(b"<?xml"):
        warnings = (f"{len(removed)} whitespace character(s) before the XML declaration ignored",)
    lines = removed.count("\n")
    return Prepared(out, warnings, lines, len(removed) - 1 - removed.rfind("\n"))


def parse_xml(data: bytes, what: str) -> tuple[etree._Element, tuple[str, ...]]:
    """The document's root element and the warnings of what was recovered; ``what`` names
    the format in error messages.

    defusedxml's guarded expat parser reads only the prolog (entity and DTD declarations can
    appear nowhere else) and stops at the root element; the tree is then built by libxml2
    through ``hardened_parser``.  Only a failed parse pays for ``repair``, and only a file
    that stays malformed is re-read by expat, whose line, column and words the error gives.
    """
    doc = prepare(data, what)
    guard_xml(doc.data, what)
    current, warnings = doc.data, list(doc.warnings)
    for _ in range(MAX_REPAIRS + 1):
        try:
            return hardened_tree(current), tuple(warnings)
        except etree.XMLSyntaxError as e:
            fixed = repair(current) if len(warnings) - len(doc.warnings) < MAX_REPAIRS else None
            if fixed is None:
                # A repair only cuts after the root or adds to the root's start tag, so the
                # position of what is left still names the user's line.
                raise malformed(current, what, e, doc) from e
            current = fixed[0]
            warnings.append(fixed[1])
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def hardened_parser() -> etree.XMLParser:
    """libxml2 as the decoders use it: no entity substitution, no DTD loaded, nothing fetched
    from the network, libxml2's default limits on depth and text size (``huge_tree`` off), and
    comments and processing instructions dropped (as ElementTree and gpxpy drop them), and
    the indentation between elements dropped (``remove_blank_text``: libxml2 keeps a blank text
    that is an element's whole content, so no text the readers take changes; the tree has about
    half the nodes, and parsing and freeing it measured ~20 % faster on the corpus).

    A second wall behind ``guard_xml``, which refuses entity declarations before this parser
    runs.  A new parser per document: an lxml parser must not be shared between threads, and
    making one costs microseconds.
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        remove_blank_text=True,
    )


def hardened_tree(data: bytes) -> etree._Element:
    """The root of ``data`` parsed by ``hardened_parser``; ``etree.XMLSyntaxError`` when
    libxml2 refuses it.  The whole tree at once: ``iterparse`` with the same options measured
    1.36x slower on the largest corpus GPX (it reads through a Python file object), and the
    readers query the tree by XPath and tag lists rather than per event."""
    return etree.fromstring(data, hardened_parser())


def strings(path: etree.XPath, node: etree._Element) -> list[str]:
    """An XPath compiled with ``smart_strings=False`` that selects text or attribute nodes,
    evaluated: plain strings in document order."""
    return cast(list[str], path(node))


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
        garbage = len(data[cut:].strip(_WHITESPACE))
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


def guard_xml(data: bytes, what: str) -> str | None:
    """Refuse entity declarations and external references (``UnsafeInput``) before any
    parser that would expand them sees the bytes; return the root element's local name, or
    None when the prolog is already malformed (the parse that follows says where)."""
    if not data.strip():
        raise CorruptFile(f"empty {what} file")
    return _refuse_declarations(data, what)


def xml_text(data: bytes, what: str) -> str:
    """The document decoded as its byte-order mark or XML declaration says (else UTF-8), for
    parsers that take text.  Undecodable bytes get expat's own line and column."""
    encoding = _encoding(data)
    try:
        return data.decode(encoding)
    except LookupError as e:
        raise CorruptFile(f"{what} declares an unknown character encoding ({e})") from e
    except UnicodeDecodeError as e:
        raise malformed(data, what, e) from e


def _encoding(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    if data.startswith((b"<\x00", b"\x00<")):  # UTF-16 without a mark: "<" is 3C 00 or 00 3C
        return "utf-16-le" if data[0] else "utf-16-be"
    declared = _DECLARED_ENCODING_RE.match(data, 0, 1024)
    return declared.group(1).decode("ascii") if declared else "utf-8"


def malformed(data: bytes, what: str, cause: Exception, doc: Prepared | None = None) -> CorruptFile:
    """The ``CorruptFile`` for a document another parser rejected; ``data`` is what that
    parser was given and ``doc`` what ``prepare`` made of the user's file.

    Another parser's positions refer to whatever text it was handed (gpxpy strips the
    default namespace first, shifting columns), so the bytes are re-read by expat to name the
    user's own line and column; only on this error path.
    """
    try:
        ElementTree.fromstring(data)
    except ParseError as e:
        return _malformed(e, doc)
    return CorruptFile(f"malformed {what}: {one_line(cause)}")


def _malformed(e: ParseError, doc: Prepared | None = None) -> CorruptFile:
    line, column = e.position
    if doc is not None:
        if line == 1:
            column += doc.columns_removed
        line += doc.lines_removed
    reason = xml.parsers.expat.ErrorString(e.code)
    return CorruptFile(f"malformed XML at line {line}, column {column}: {reason}")


class _RootReached(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _StopAtRoot(xml.sax.handler.ContentHandler):
    def startElement(self, name: str, attrs: object) -> None:  # noqa: N802 - SAX API
        raise _RootReached(name)


def _refuse_declarations(data: bytes, what: str) -> str | None:
    parser = create_parser(forbid_dtd=False, forbid_entities=True, forbid_external=True)
    parser.setContentHandler(_StopAtRoot())
    try:
        parser.feed(data)
    except _RootReached as root:
        return root.name.rpartition(":")[2]  # SAX without namespaces: "prefix:name"
    except defusedxml.EntitiesForbidden as e:
        source = f" ({e.sysid})" if e.sysid else ""
        raise UnsafeInput(
            f"{what} refused: XML entity declaration {e.name!r}{source}; entities are never "
            "expanded (entity-expansion / external-entity attack)"
        ) from e
    except defusedxml.ExternalReferenceForbidden as e:
        raise UnsafeInput(
            f"{what} refused: external XML reference {e.sysid!r} (never fetched)"
        ) from e
    except defusedxml.DefusedXmlException as e:
        raise UnsafeInput(f"{what} refused: unsafe XML construct ({e})") from e
    except LookupError as e:  # expat asks Python for a codec the declaration names
        raise CorruptFile(f"{what} declares an unknown character encoding ({e})") from e
    except xml.sax.SAXException:
        return None  # malformed: the parse that follows reports where, in its usual words
    return None  # no root element (only a prolog): the parse that follows says so


def local(tag: str) -> str:
    """``{namespace}Name`` → ``Name``."""
    return tag.rpartition("}")[2]


def namespace(tag: str) -> str:
    """``{namespace}Name`` → ``{namespace}`` (``""`` when none), to build exact child tags."""
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


def typed_frame(
    texts: Mapping[str, list[str | None] | pl.Series], **extra: pl.Series
) -> tuple[pl.DataFrame, int]:
    """XML texts → one typed frame in a single polars pass, and the number of heart-rate
    sentinels dropped.

    ``time`` becomes Datetime(us, UTC) (a stamp without an offset is UTC, as GPX and TCX both
    say) and its text is kept as ``raw_time``; ``heart_rate`` loses the "no sensor" values
    (≤ 0, ≥ 255: FIT's uint8 invalid, copied by converters); every other column is Float64,
    blanks and junk becoming null rather than failing the file.  The rare time forms the
    vectorised parse misses are retried one by one with ``datetime.fromisoformat``.
    """
    frame = pl.DataFrame(
        [pl.Series(c, v, dtype=pl.String) for c, v in texts.items()]
        + [s.alias(c) for c, s in extra.items()]
    )
    number = {c: pl.col(c).str.strip_chars().cast(pl.Float64, strict=False) for c in texts}
    bad_hr = (number["heart_rate"] <= 0) | (number["heart_rate"] >= HR_SENTINEL)
    stamp = (
        pl.col("time")
        .str.strip_chars()
        .str.replace(r"^(\d{4}-\d\d-\d\d)[ t]", "${1}T")
        .str.replace(r"[zZ]$", "+00:00")
    )
    offset_h = stamp.str.extract(r"[+-](\d\d):?\d\d$", 1).cast(pl.Int32, strict=False)
    parsed = (
        pl.when(stamp.str.contains(r"[+-]\d\d:?\d\d$"))
        .then(stamp)
        .otherwise(stamp + "+00:00")
        .str.to_datetime(_ISO, time_unit="us", time_zone="UTC", strict=False)
    )
    # A stamp with an offset beyond any zone (+99:00) or a year outside the plausible range
    # (0000, 9999) is no time at all: the sample is dropped like an untimed one.
    possible = (offset_h.fill_null(0) * 3600 <= MAX_OFFSET_S) & parsed.is_between(
        pl.lit(EARLIEST_PLAUSIBLE), pl.lit(LATEST_PLAUSIBLE)
    )
    frame = frame.select(
        pl.when(possible).then(parsed).otherwise(None).alias("time"),
        *(number[c].alias(c) for c in texts if c not in ("time", "heart_rate")),
        pl.when(bad_hr).then(None).otherwise(number["heart_rate"]).alias("heart_rate"),
        *(pl.col(c) for c in extra),
        pl.col("time").alias("raw_time"),
        bad_hr.fill_null(False).alias("_bad_hr"),
    )
    dropped = int(frame["_bad_hr"].sum())
    frame = frame.drop("_bad_hr")
    missed = frame.select(
        (pl.col("time").is_null() & (pl.col("raw_time").str.strip_chars() != "")).arg_true()
    ).to_series()
    if missed.len():
        fixed = frame["time"].to_list()
        for i in missed.to_list():
            fixed[i] = _fromiso(frame["raw_time"][i].strip())
        frame = frame.with_columns(pl.Series("time", fixed, dtype=pl.Datetime("us", "UTC")))
    return frame, dropped


def times(values: list[str | None]) -> pl.Series:
    """ISO 8601 texts → Datetime(us, UTC) (see ``typed_frame``)."""
    frame, _ = typed_frame({"time": values, "heart_rate": [None] * len(values)})
    return frame["time"]


def _fromiso(text: str) -> datetime | None:
    try:
        t = as_utc(datetime.fromisoformat(text))
    except (ValueError, OverflowError):
        return None
    return t if EARLIEST_PLAUSIBLE <= t <= LATEST_PLAUSIBLE else None


def utc_offset_s(text: str | None) -> int | None:
    """The local offset a stamp carries (``+01:00`` → 3600); None for ``Z``/none.

    ``Z`` and ``+00:00`` say nothing about the athlete's zone (exporters write UTC), so only a
    non-zero offset is evidence of local time.
    """
    if not text:
        return None
    m = _OFFSET_RE.search(text.strip())
    if m is None:
        return None
    sign = -1 if m.group(1) == "-" else 1
    seconds = sign * (int(m.group(2)) * 3600 + int(m.group(3)) * 60)
    return seconds if seconds and abs(seconds) <= MAX_OFFSET_S else None
