"""An XML document's bytes as the parsers get them: the byte-order mark and the whitespace before
the document dropped (Strava's TCX exports begin with spaces: expat says "XML or text
declaration not at start of entity"), UTF-16/32 re-encoded as UTF-8, text decoded as the
declaration says; and a parser's error told in the line and column of the user's own file."""

from __future__ import annotations

import codecs
import re
import xml.parsers.expat
import xml.sax
import xml.sax.handler
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.etree.ElementTree import ParseError

from loadwatch.errors import CorruptFile, one_line

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


WHITESPACE = b" \t\r\n"
_DECLARATION_ENCODING_RE = re.compile(r"""^(<\?xml[^>]*?\sencoding\s*=\s*)(["'])[^"']*\2""")


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
        out = raw.lstrip(WHITESPACE)
        removed = raw[: len(raw) - len(out)].decode("ascii")
    warnings: tuple[str, ...] = ()
    if removed and out.startswith(b"<?xml"):
        warnings = (f"{len(removed)} whitespace character(s) before the XML declaration ignored",)
    lines = removed.count("\n")
    return Prepared(out, warnings, lines, len(removed) - 1 - removed.rfind("\n"))


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
