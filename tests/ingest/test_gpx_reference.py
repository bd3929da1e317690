"""Differential test: the streaming GPX reader (``ingest.gpx_stream``) against gpxpy, the
reference reader, on every GPX of the corpus and on hand-built shapes the corpus lacks.

Both readers feed the same cleaning in ``ingest.gpx``; the Tracks (every sample column and
every field) and the activity summaries must be identical, and so must a refusal (the same
exception and text).  Shapes the streaming reader leaves to gpxpy are listed by why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loadwatch.errors import LoadwatchError
from loadwatch.ingest.containers.xmlprepare import prepare
from loadwatch.ingest.formats import gpx, gpx_stream
from loadwatch.ingest.summary.summarise import summarize
from loadwatch.ingest.track import Track
from support.paths import corpus_manifest

GPX_FILES = sorted(r["file"] for r in corpus_manifest() if r["file"].endswith(".gpx"))


def _outcome(data: bytes, name: str, *, streaming: bool) -> list[Track] | tuple[str, str]:
    try:
        return gpx.decode_with(data, name, streaming=streaming)
    except LoadwatchError as e:
        return type(e).__name__, str(e)


def _assert_same(data: bytes, name: str) -> None:
    ours = _outcome(data, name, streaming=True)
    ref = _outcome(data, name, streaming=False)
    if isinstance(ref, tuple) or isinstance(ours, tuple):
        assert ours == ref
        return
    assert len(ours) == len(ref)
    for a, b in zip(ours, ref, strict=True):
        for column in b.samples.columns:
            assert a.samples[column].equals(b.samples[column]), f"{name}: column {column}"
        assert a.samples.equals(b.samples)
        fields: tuple[str, ...] = ("format", "sport", "start_time", "utc_offset_s", "device")
        fields += ("totals", "session_index", "name", "warnings", "sport_guess")
        assert {f: getattr(a, f) for f in fields} == {f: getattr(b, f) for f in fields}
        assert summarize(a, source_sha256="x") == summarize(b, source_sha256="x")


def _streamed(data: bytes) -> bool:
    return gpx_stream.read(prepare(data, "GPX").data) is not None


@pytest.mark.corpus
@pytest.mark.parametrize("rel", GPX_FILES or ["(corpus absent)"])
def test_streaming_reader_gives_gpxpys_tracks(corpus: Path, rel: str) -> None:
    _assert_same((corpus / rel).read_bytes(), Path(rel).name)


@pytest.mark.corpus
def test_every_corpus_gpx_with_track_points_is_streamed(corpus: Path) -> None:
    """gpxpy reads only what the streaming reader cannot: here, documents without a track
    point (gpxpy's document names what they hold instead) and one that is not XML."""
    fallbacks = {rel for rel in GPX_FILES if not _streamed((corpus / rel).read_bytes())}
    for rel in fallbacks:
        outcome = _outcome((corpus / rel).read_bytes(), Path(rel).name, streaming=False)
        assert isinstance(outcome, tuple), f"{rel} has tracks but was not streamed"
    assert "invalid/gpsbabel_trackfilter_discard_err.gpx" in fallbacks
    assert len(GPX_FILES) - len(fallbacks) == 55


def _doc(points: str, *, version: str = "1.1", head: str = "", extra: str = "") -> bytes:
    ns = f"http://www.topografix.com/GPX/{version.replace('.', '/')}"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="{version}" creator="t" '
        f'xmlns="{ns}" {head}>{extra}<trk><name>Morning Run</name><trkseg>{points}'
        "</trkseg></trk></gpx>"
    ).encode()


def _pt(time: str, inner: str = "", lat: str = "46.5", lon: str = "13.5") -> str:
    return f'<trkpt lat="{lat}" lon="{lon}">{inner}<time>{time}</time></trkpt>'


def _points(*times: str, inner: str = "") -> str:
    return "".join(
        _pt(t, inner, lat=f"46.{500 + i}", lon=f"13.{500 + i}") for i, t in enumerate(times)
    )


OK = ("2024-05-01T06:00:00Z", "2024-05-01T06:00:10Z", "2024-05-01T06:00:20Z")

STREAMED = {
    "offsets in three spellings": _doc(
        _points("2024-05-01T08:00:00+02:00", "2024-05-01T08:00:10+0200", "2024-05-01T06:00:20Z")
    ),
    "an offset without minutes, and '+01:'": _doc(
        _points("2024-05-01T07:00:00+01", "2024-05-01T07:00:10+01:", "2024-05-01T07:00:20+01")
    ),
    "a space for T and fifteen fraction digits": _doc(
        _points("2024-05-01 06:00:00.123456789012345Z", "2024-05-01T06:00:10.5Z", OK[2])
    ),
    "impossible calendar stamps are no time": _doc(
        _points("2024-02-30T06:00:00Z", "2024-05-01T24:00:00Z", *OK)
    ),
    "offset beyond any zone and year 2100": _doc(
        _points("2024-05-01T06:00:00+99:00", "2100-01-01T00:00:00Z", *OK)
    ),
    "stamps gpxpy cannot parse are no time": _doc(_points(" 2024-05-01T06:00:00Z", "x", *OK)),
    "empty and repeated elevation": _doc(
        _points(*OK[:2], inner="<ele/>") + _pt(OK[2], "<ele>12.5</ele><ele>99</ele>")
    ),
    "point speed in a 1.1 file": _doc(_points(*OK, inner="<speed>3.5</speed>")),
    # The points are counted as a segment's elements only when every one has a lat.
    "a segment holding an element besides its points": _doc(
        "<extensions><x>1</x></extensions>" + _points(*OK)
    ),
    "extensions in a 1.0 file": _doc(
        _points(*OK, inner="<extensions><hr>150</hr><cad>88</cad></extensions>"),
        version="1.0",
    ),
    # The extension spellings are found by their closing tags: a self-closed <HR/> (no text)
    # before a later <hr>, "</g:HeartRate >" with a blank, a second <extensions> not read.
    "extension spellings closed in several ways": _doc(
        _pt(OK[0], "<extensions><HR/><hr>140</hr></extensions>")
        + _pt(OK[1], '<extensions><g:HeartRate xmlns:g="urn:x">141</g:HeartRate ></extensions>')
        + _pt(OK[2], "<extensions><Cad/></extensions><extensions><hr>142</hr></extensions>")
    ),
    "hdop, sat and fix that convert": _doc(
        _points(*OK, inner="<fix>3d</fix><sat>7</sat><hdop> 1.5 </hdop>")
    ),
    "waypoints and bounds that convert": _doc(
        _points(*OK),
        extra='<metadata><name>T</name><bounds minlat="1" maxlat="2" minlon="3" maxlon="4"/>'
        '</metadata><wpt lat="1.5" lon="2.5"><ele>3</ele></wpt>',
    ),
    # Point numbers go through Python's own float(), as gpxpy's: its forms are read alike.
    "an elevation with an underscore": _doc(_points(*OK, inner="<ele>1_000</ele>")),
    "no namespace at all": _doc(_points(*OK)).replace(
        b' xmlns="http://www.topografix.com/GPX/1/1"', b""
    ),
}

TO_GPXPY = {
    "a <fix> value gpxpy refuses": _doc(_points(*OK, inner="<fix>3D</fix>")),
    "a waypoint without lon": _doc(_points(*OK), extra='<wpt lat="1"><name>w</name></wpt>'),
    "a stamp only gpxpy's range pattern reads": _doc(_points("2024-05-01T06:00:00X01", *OK[1:])),
    "a stamp with a trailing newline": _doc(_points("2024-05-01T06:00:00Z\n", *OK[1:])),
    "a prefix bound to the default namespace": _doc(
        _points(*OK), head='xmlns:g="http://www.topografix.com/GPX/1/1"'
    ),
    "a track point without lat": _doc(_points(*OK[:2]) + '<trkpt lon="1"><time>x</time></trkpt>'),
    "routes only": _doc("").replace(b"<trk>", b'<rte><rtept lat="1" lon="2"/></rte><trk>'),
}


@pytest.mark.parametrize("label", STREAMED)
def test_shapes_the_streaming_reader_takes(label: str) -> None:
    data = STREAMED[label]
    assert _streamed(data)
    _assert_same(data, "t.gpx")


@pytest.mark.parametrize("label", TO_GPXPY)
def test_shapes_left_to_gpxpy_come_out_as_gpxpy_reads_them(label: str) -> None:
    data = TO_GPXPY[label]
    assert not _streamed(data)
    _assert_same(data, "t.gpx")


def test_streamed_values_are_gpxpys_by_hand() -> None:
    """A hand check on top of the differential one: offsets, truncated fractions, extensions."""
    (track,) = gpx.decode(STREAMED["offsets in three spellings"], "t.gpx")
    assert track.samples["time"].dt.to_string("%H:%M:%S").to_list() == [
        "06:00:00",
        "06:00:10",
        "06:00:20",
    ]
    assert track.utc_offset_s == 7200
    (track,) = gpx.decode(STREAMED["a space for T and fifteen fraction digits"], "t.gpx")
    assert track.samples["time"].dt.microsecond().to_list() == [123456, 500000, 0]
    (track,) = gpx.decode(STREAMED["extensions in a 1.0 file"], "t.gpx")
    assert track.samples["heart_rate"].to_list() == [150.0] * 3
    assert track.samples["cadence"].to_list() == [88.0] * 3
    (track,) = gpx.decode(STREAMED["extension spellings closed in several ways"], "t.gpx")
    assert track.samples["heart_rate"].to_list() == [140.0, 141.0, None]
