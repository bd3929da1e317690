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

Those two live beside this module (``xmlprepare``, ``xmlrepair``); typed values from the text
(times, heart rates, offsets) are ``xmlvalues``.
"""

from __future__ import annotations

import xml.parsers.expat
import xml.sax
import xml.sax.handler
from collections.abc import Callable
from typing import cast

import defusedxml
from defusedxml.expatreader import create_parser
from lxml import etree

from loadwatch.errors import CorruptFile, UnsafeInput
from loadwatch.ingest.containers.xmlprepare import malformed, prepare
from loadwatch.ingest.containers.xmlrepair import MAX_REPAIRS, repair


def parse_xml(
    data: bytes, what: str, check: Callable[[bytes], None] | None = None
) -> tuple[etree._Element, tuple[str, ...]]:
    """The document's root element and the warnings of what was recovered; ``what`` names
    the format in error messages.  ``check`` sees the document's UTF-8 bytes before anything
    is parsed (a bound counted from the bytes: a UTF-16 file's tags are counted too).

    defusedxml's guarded expat parser reads only the prolog (entity and DTD declarations can
    appear nowhere else) and stops at the root element; the tree is then built by libxml2
    through ``hardened_parser``.  Only a failed parse pays for ``repair``, and only a file
    that stays malformed is re-read by expat, whose line, column and words the error gives.
    """
    doc = prepare(data, what)
    if check is not None:
        check(doc.data)
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


def guard_xml(data: bytes, what: str) -> str | None:
    """Refuse entity declarations and external references (``UnsafeInput``) before any
    parser that would expand them sees the bytes; return the root element's local name, or
    None when the prolog is already malformed (the parse that follows says where)."""
    if not data.strip():
        raise CorruptFile(f"empty {what} file")
    return _refuse_declarations(data, what)


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
