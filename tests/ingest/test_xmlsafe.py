"""The lenient-but-hardened XML front end: every known exporter quirk is recovered with a
warning and the file's real numbers, everything else is still refused with its line and
column, and the entity guards still hold after the lenient steps.

Fixtures are generated (``track_fixtures``): a 3,600 m line run in 1,200 s at 150 bpm."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import pytest
from lxml import etree

import support.track_fixtures as tf
from loadwatch.errors import CorruptFile, UnsafeInput
from loadwatch.ingest.containers.xmlprepare import prepare
from loadwatch.ingest.containers.xmlrepair import repair
from loadwatch.ingest.containers.xmlsafe import hardened_tree, parse_xml
from loadwatch.ingest.formats import gpx, tcx
from loadwatch.services.importing import DecodedFile, analyse

LINE = tf.Line()
FORMATS = {"gpx": tf.gpx, "tcx": tf.tcx}


def _analyse(data: bytes, name: str) -> DecodedFile:
    return analyse(data, name, sha256="0" * 64)


def _assert_line(decoded: DecodedFile) -> None:
    (act,) = decoded.activities
    s = act.summary
    assert s.distance_m == pytest.approx(LINE.distance_m, abs=0.5)
    assert s.moving_time_s == pytest.approx(LINE.duration_s)
    assert s.elapsed_time_s == pytest.approx(LINE.duration_s)
    assert s.start_time == LINE.start
    assert s.avg_hr == pytest.approx(LINE.hr)
    assert s.n_samples == LINE.n
    assert s.sport == "running"


def _utf16(doc: bytes, codec: str, bom: bytes) -> bytes:
    text = doc.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return bom + text.encode(codec)


QUIRKS = {
    # Strava's TCX export: spaces (and a newline) before the declaration.
    "leading whitespace": (lambda d: b"          \n  " + d, "whitespace character(s) before"),
    "UTF-8 BOM": (lambda d: b"\xef\xbb\xbf" + d, None),
    "UTF-8 BOM then whitespace": (lambda d: b"\xef\xbb\xbf\r\n " + d, "before the XML declaration"),
    "UTF-16-LE BOM": (lambda d: _utf16(d, "utf-16-le", b"\xff\xfe"), None),
    "UTF-16-BE BOM then whitespace": (
        lambda d: _utf16(b"\n\t" + d, "utf-16-be", b"\xfe\xff"),
        "before the XML declaration",
    ),
    "NUL padding after the root": (lambda d: d + b"\x00" * 512, "512 byte(s) of trailing garbage"),
    "text after the root": (lambda d: d + b"</gpx>garbage<", "byte(s) of trailing garbage"),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("quirk", sorted(QUIRKS))
def test_quirk_is_recovered_with_the_real_numbers(fmt: str, quirk: str) -> None:
    mutate, warning = QUIRKS[quirk]
    decoded = _analyse(mutate(FORMATS[fmt]()), f"activity.{fmt}")
    _assert_line(decoded)
    if warning is None:
        assert not any("XML" in w or "garbage" in w for w in decoded.warnings)
    else:
        assert any(warning in w for w in decoded.warnings), decoded.warnings


def test_undeclared_gpx_extension_prefix_keeps_heart_rate_and_cadence() -> None:
    data = tf.gpx(declare_gpxtpx=False)
    assert b"xmlns:gpxtpx" not in data
    decoded = _analyse(data, "strava.gpx")
    _assert_line(decoded)
    assert any("undeclared XML namespace prefix(es) gpxtpx" in w for w in decoded.warnings)
    samples = decoded.activities[0].samples
    assert samples["cadence"].to_list() == [float(LINE.cadence)] * LINE.n


def test_undeclared_tcx_extension_prefix_keeps_speed_and_cadence() -> None:
    (track,) = tcx.decode(tf.tcx(declare_ns3=False), "x.tcx")
    assert "undeclared XML namespace prefix(es) ns3: read by element name" in track.warnings
    assert track.samples["speed"].to_list() == [LINE.speed_mps] * LINE.n
    assert track.samples["cadence"].to_list() == [float(LINE.cadence)] * LINE.n
    _assert_line(_analyse(tf.tcx(declare_ns3=False), "x.tcx"))


def test_two_quirks_at_once() -> None:
    data = b"  " + tf.gpx(declare_gpxtpx=False) + b"\x00\x00"
    decoded = _analyse(data, "x.gpx")
    _assert_line(decoded)
    assert sum("garbage" in w or "undeclared" in w or "whitespace" in w for w in decoded.warnings)


def test_truncated_gpx_keeps_its_points_and_names_the_users_line() -> None:
    # A GPX cut short keeps its complete track points (trial 9 F7, ingest/formats/gpx.py);
    # leading blank lines are dropped before parsing, and the line named is still the user's.
    doc = FORMATS["gpx"]()
    cut = doc[: len(doc) // 2]
    line = cut.count(b"\n") + 1
    tracks = gpx.decode(b"\n\n\n" + cut, "x.gpx")
    assert sum(t.samples.height for t in tracks) == cut.count(b"</trkpt>")
    assert f"in line {line + 3:,}; kept " in tracks[-1].warnings[-1]
    assert f"(malformed XML at line {line + 3}, column " in tracks[-1].warnings[-1]


# --- still refused --------------------------------------------------------------------------
def test_truncated_document_is_refused_with_the_users_line_and_column() -> None:
    doc = FORMATS["tcx"]()
    cut = doc[: len(doc) // 2]
    line = cut.count(b"\n") + 1
    # Leading blank lines are dropped before parsing; the line named is still the user's.
    with pytest.raises(CorruptFile, match=rf"malformed XML at line {line + 3}, column \d+: "):
        tcx.decode(b"\n\n\n" + cut, "x.tcx")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_mismatched_tag_is_refused(fmt: str) -> None:
    tag = b"</time>" if fmt == "gpx" else b"</Time>"
    original = FORMATS[fmt]()
    at = original.index(tag)
    # expat points at the name inside "</...>", two characters in.
    line, column = original[:at].count(b"\n") + 1, at - original.rfind(b"\n", 0, at) + 1
    doc = original.replace(tag, b"</tim>", 1)
    with pytest.raises(CorruptFile, match=rf"at line {line}, column {column}: mismatched tag"):
        (gpx.decode if fmt == "gpx" else tcx.decode)(doc, f"x.{fmt}")


def test_text_before_the_declaration_is_refused() -> None:
    with pytest.raises(CorruptFile, match="malformed XML at line 1, column 0"):
        tcx.decode(b"Strava export\n" + tf.tcx(), "x.tcx")


def test_unknown_prefix_inside_text_is_not_a_repair() -> None:
    # Garbage inside the root is not "after the root": refused, not cut.
    doc = tf.tcx().replace(b"</Activities>", b"<<</Activities>", 1)
    with pytest.raises(CorruptFile, match="malformed XML at line"):
        tcx.decode(doc, "x.tcx")


_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
)


@pytest.mark.parametrize("lead", [b"", b"   \n", b"\xef\xbb\xbf  "])
def test_entity_declarations_refused_after_the_lenient_steps(lead: bytes) -> None:
    with pytest.raises(UnsafeInput, match="entity"):
        tcx.decode(lead + _BOMB + b"<TrainingCenterDatabase>&b;</TrainingCenterDatabase>", "x")
    with pytest.raises(UnsafeInput, match="entity"):
        gpx.decode(lead + _BOMB + b'<gpx version="1.1">&b;</gpx>', "x.gpx")


def test_utf16_bomb_is_refused() -> None:
    doc = (_BOMB + b"<TrainingCenterDatabase>&b;</TrainingCenterDatabase>").decode()
    with pytest.raises(UnsafeInput):
        tcx.decode(b"\xff\xfe" + doc.encode("utf-16-le"), "x.tcx")


# --- the libxml2 parser behind the guard ---------------------------------------------------
# ``guard_xml`` refuses every declaration above before libxml2 runs; these check that the
# parser behind it would not expand, load or fetch anything even if a document got past it.
def test_hardened_parser_leaves_internal_entities_unexpanded() -> None:
    root = hardened_tree(_BOMB + b"<d>&b;</d>")
    assert root.text is None
    assert len(etree.tostring(root)) == len(b"<d>&b;</d>")  # one reference, not 100 a's


def test_hardened_parser_never_reads_external_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret")
    uri = secret.as_uri().encode()
    doc = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "' + uri + b'">]><d>&x;</d>'
    assert b"s3cret" not in etree.tostring(hardened_tree(doc))


def test_hardened_parser_never_connects_to_the_network() -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.setblocking(False)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/x".encode()
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE d SYSTEM "'
        + url
        + b'.dtd" [<!ENTITY x SYSTEM "'
        + url
        + b'">]><d>&x;</d>'
    )
    try:
        with contextlib.suppress(etree.XMLSyntaxError):  # "Attempt to load network entity"
            hardened_tree(doc)
        # libxml2 fetches synchronously: a fetch would already wait in the backlog.
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()


def test_deep_nesting_beyond_libxml2s_default_limit_is_a_clear_refusal() -> None:
    deep = b"<Activities>" * 300 + b"</Activities>" * 300
    with pytest.raises(etree.XMLSyntaxError, match="depth"):
        hardened_tree(b"<TrainingCenterDatabase>" + deep + b"</TrainingCenterDatabase>")
    with pytest.raises(CorruptFile, match=r"malformed TCX: .*depth"):
        tcx.decode(b"<TrainingCenterDatabase>" + deep + b"</TrainingCenterDatabase>", "x.tcx")


# --- the pieces ----------------------------------------------------------------------------
def test_prepare_reports_what_it_removed() -> None:
    doc = prepare(b"\xef\xbb\xbf \n\n  <?xml version='1.0'?><a/>", "X")
    assert doc.data == b"<?xml version='1.0'?><a/>"
    assert (doc.lines_removed, doc.columns_removed) == (2, 2)
    plain = prepare(b"<a/>", "X")
    assert (plain.data, plain.warnings) == (b"<a/>", ())


def test_prepare_reencodes_utf16_and_its_declaration() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><a>é</a>'
    doc = prepare(b"\xff\xfe" + text.encode("utf-16-le"), "X")
    assert doc.data == '<?xml version="1.0" encoding="UTF-8"?><a>é</a>'.encode()
    root, warnings = parse_xml(b"\xff\xfe" + text.encode("utf-16-le"), "X")
    assert (root.text, warnings) == ("é", ())


def test_repair_declines_what_it_does_not_know() -> None:
    assert repair(b"<a><b></a>") is None  # mismatched: not after the root
    assert repair(b"<a/>") is None  # nothing wrong
    fixed = repair(b"<a x:y='1'><p:b/></a>")
    assert fixed is not None
    assert fixed[0].startswith(b'<a xmlns:p="urn:loadwatch:undeclared:p" ')
    assert "p, x" in fixed[1]


def test_hardened_parser_drops_indentation_but_keeps_blank_content() -> None:
    """Indentation between elements goes (a smaller tree); a blank that is an element's whole
    content stays its text, as ElementTree and gpxpy read it."""
    root = hardened_tree(b"<a>\n  <b> </b>\n  <c>\n</c>\n</a>")
    assert [(e.tag, e.text, e.tail) for e in root.iter()] == [
        ("a", None, None),
        ("b", " ", None),
        ("c", "\n", None),
    ]
