"""TCX decoder: the real corpus (lap totals against the FIT twin's session, counts derived
independently) and hand-built documents for namespaces, pauses, lap-only and unsafe input."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from loadwatch.errors import CorruptFile, InputTooLarge, NotAnActivity, UnsafeInput
from loadwatch.ingest.formats import tcx
from loadwatch.ingest.track import SAMPLE_SCHEMA, Track
from support.paths import CORPUS, CORPUS_SKIP, HAVE_CORPUS, corpus_manifest, fit_totals

MANIFEST = {row["file"]: row for row in corpus_manifest() if row["format"] == "tcx"}
TCX_FILES = sorted(MANIFEST)
SPORT = {"Running": "running", "Biking": "cycling", "Other": "other"}


def _decode(rel: str) -> list[Track]:
    return tcx.decode((CORPUS / rel).read_bytes(), Path(rel).name)


def _local(e: ET.Element) -> str:
    return e.tag.rpartition("}")[2]


def _activities(rel: str) -> list[ET.Element]:
    root = ET.fromstring((CORPUS / rel).read_bytes())
    return [e for e in root.iter() if _local(e) == "Activity"]


@pytest.mark.skipif(not HAVE_CORPUS, reason=CORPUS_SKIP)
@pytest.mark.parametrize("rel", TCX_FILES)
def test_corpus_tcx(corpus: Path, rel: str) -> None:
    row = MANIFEST[rel]
    if row["sport"] == "course":
        with pytest.raises(NotAnActivity, match="TCX course"):
            _decode(rel)
        return
    tracks = _decode(rel)
    activities = _activities(rel)
    assert len(tracks) == len(activities)
    assert [t.sport for t in tracks] == [SPORT[s] for s in row["sport"].split("+")]
    for track, activity in zip(tracks, activities, strict=True):
        timed_per_track = [
            sum(1 for p in trk if _local(p) == "Trackpoint" and any(_local(c) == "Time" for c in p))
            for trk in activity.iter()
            if _local(trk) == "Track"
        ]
        assert track.samples.height == sum(timed_per_track)
        assert dict(track.samples.schema) == SAMPLE_SCHEMA
        assert track.samples["segment"].n_unique() == sum(n > 0 for n in timed_per_track)
        assert track.samples["time"].is_sorted()
        activity_id = next(c.text for c in activity if _local(c) == "Id")
        assert activity_id is not None
        assert track.start_time == datetime.fromisoformat(activity_id).astimezone(UTC)
        laps = [e for e in activity if _local(e) == "Lap"]
        lap_distance = sum(
            float(c.text or 0) for lap in laps for c in lap if _local(c) == "DistanceMeters"
        )
        assert track.totals.distance_m == pytest.approx(lap_distance)
    assert row["device"].startswith(f"creator: {tracks[0].device}")


def test_10k_race_lap_totals_match_the_fit_twin(corpus: Path) -> None:
    fit = fit_totals()["fit/gc_10kUNLP2014-Garmin15.fit"]
    (track,) = _decode("tcx/gc_10kUNLP2014-Garmin15.tcx")
    assert track.totals.distance_m == pytest.approx(float(fit["total_distance_m"]), rel=0.01)
    assert track.totals.timer_time_s == pytest.approx(float(fit["total_timer_time_s"]), rel=0.01)
    assert track.start_time == datetime.fromisoformat(fit["start_time"]).replace(tzinfo=UTC)
    assert track.samples.height == int(fit["n_records"]) == 686
    assert track.samples["segment"].n_unique() == int(fit["n_laps"]) == 11
    assert track.samples["lat"].null_count() == 686 - int(fit["records_with_position"])
    assert track.sport == "running"
    assert track.device == "Forerunner 15"
    # Stream distance ends where the laps do (cumulative DistanceMeters).
    assert track.samples["distance"][-1] == pytest.approx(track.totals.distance_m, rel=0.01)
    assert track.samples["speed"].null_count() == 0  # Extensions/TPX/Speed
    assert track.totals.max_speed_mps == pytest.approx(5.588, abs=1e-3)


def test_pool_swim_twin(corpus: Path) -> None:
    fit = fit_totals()["fit/gc_GarminHRMswim.FIT"]
    (track,) = _decode("tcx/gc_GarminHRMswim.tcx")
    assert track.totals.distance_m == pytest.approx(float(fit["total_distance_m"]), rel=0.01)
    assert track.totals.timer_time_s == pytest.approx(float(fit["total_timer_time_s"]), rel=0.01)
    assert track.samples["lat"].null_count() == track.samples.height  # no positions
    assert track.samples["heart_rate"].null_count() == 0


def test_lap_heart_rate_is_time_weighted(corpus: Path) -> None:
    (track,) = _decode("tcx/tcxparser_test.tcx")
    laps = [e for e in _activities("tcx/tcxparser_test.tcx")[0] if _local(e) == "Lap"]
    seconds, avg, peak = [], [], []
    for lap in laps:
        fields = {_local(c): c for c in lap}
        seconds.append(float(fields["TotalTimeSeconds"].text or 0))
        avg.append(float(fields["AverageHeartRateBpm"][0].text or 0))
        peak.append(float(fields["MaximumHeartRateBpm"][0].text or 0))
    expected = sum(s * a for s, a in zip(seconds, avg, strict=True)) / sum(seconds)
    assert len(laps) == 3
    assert track.totals.avg_hr == pytest.approx(expected)
    assert track.totals.avg_hr != pytest.approx(sum(avg) / 3)  # not the plain mean of laps
    assert track.totals.max_hr == max(peak)
    assert track.totals.timer_time_s == pytest.approx(sum(seconds))


def test_no_hr_twin_has_no_heart_rate(corpus: Path) -> None:
    (with_hr,) = _decode("tcx/tcxparser_test.tcx")
    (no_hr,) = _decode("tcx/tcxparser_no_hr.tcx")
    assert no_hr.samples["heart_rate"].null_count() == no_hr.samples.height
    assert no_hr.totals.avg_hr is None and no_hr.totals.max_hr is None
    assert no_hr.totals.distance_m == with_hr.totals.distance_m
    assert no_hr.samples["time"].equals(with_hr.samples["time"])


def test_heart_rate_255_is_no_sensor(corpus: Path) -> None:
    (track,) = _decode("tcx/gpsbabel_gtrnctr-lap_s.tcx")
    assert track.samples["heart_rate"].null_count() == track.samples.height == 943
    assert track.totals.avg_hr is None and track.totals.max_hr is None
    assert "943 heart-rate reading(s) of 0 or 255 (no sensor) dropped" in track.warnings


def test_multisport_session_gives_one_track_per_activity(corpus: Path) -> None:
    tracks = _decode("tcx/gc_activity_165850259_multi-session.tcx")
    assert [t.sport for t in tracks] == ["running", "cycling", "running", "cycling"]
    assert [t.session_index for t in tracks] == [0, 1, 2, 3]
    assert tracks[0].start_time == datetime(2011, 11, 29, 12, 12, tzinfo=UTC)


# --- hand-built documents ----------------------------------------------------------------
NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
EXT = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"


def _point(
    t: str, lat: float | None = None, hr: int | None = None, run_cad: int | None = None
) -> str:
    pos = (
        f"<t:Position><t:LatitudeDegrees>{lat}</t:LatitudeDegrees>"
        f"<t:LongitudeDegrees>7.0</t:LongitudeDegrees></t:Position>"
        if lat is not None
        else ""
    )
    hr_xml = f"<t:HeartRateBpm><t:Value>{hr}</t:Value></t:HeartRateBpm>" if hr else ""
    ext = (
        f'<t:Extensions><x:TPX xmlns:x="{EXT}"><x:Speed>3.5</x:Speed>'
        f"<x:RunCadence>{run_cad}</x:RunCadence></x:TPX></t:Extensions>"
        if run_cad
        else ""
    )
    return f"<t:Trackpoint><t:Time>{t}</t:Time>{pos}{hr_xml}{ext}</t:Trackpoint>"


def _lap(start: str, seconds: float, metres: float, avg_hr: int, *tracks: str) -> str:
    return (
        f'<t:Lap StartTime="{start}"><t:TotalTimeSeconds>{seconds}</t:TotalTimeSeconds>'
        f"<t:DistanceMeters>{metres}</t:DistanceMeters>"
        f"<t:AverageHeartRateBpm><t:Value>{avg_hr}</t:Value></t:AverageHeartRateBpm>"
        + "".join(f"<t:Track>{t}</t:Track>" for t in tracks)
        + "</t:Lap>"
    )


def _tcx(*activities: str) -> bytes:
    return (
        f'<?xml version="1.0"?><t:TrainingCenterDatabase xmlns:t="{NS}"><t:Activities>'
        + "".join(activities)
        + "</t:Activities></t:TrainingCenterDatabase>"
    ).encode()


def _activity(sport: str, *laps: str, creator: str = "Watch X") -> str:
    return (
        f'<t:Activity Sport="{sport}"><t:Id>2024-05-01T06:00:00Z</t:Id>'
        + "".join(laps)
        + f"<t:Creator><t:Name>{creator}</t:Name></t:Creator></t:Activity>"
    )


def test_prefixed_namespace_pause_split_and_run_cadence() -> None:
    lap1 = _lap(
        "2024-05-01T06:00:00Z",
        600,
        2000,
        140,
        _point("2024-05-01T06:00:00Z", 45.0, 130, 85) + _point("2024-05-01T06:05:00Z", 45.01, 150),
        _point("2024-05-01T06:12:00Z", 45.02, 152),  # after a pause: a second <Track>
    )
    lap2 = _lap("2024-05-01T06:12:30Z", 300, 1000, 160, _point("2024-05-01T06:17:30Z"))
    (track,) = tcx.decode(_tcx(_activity("Running", lap1, lap2)), "x.tcx")
    s = track.samples
    assert s["segment"].to_list() == [0, 0, 1, 2]
    assert s["heart_rate"].to_list() == [130.0, 150.0, 152.0, None]
    assert s["cadence"].to_list() == [85.0, None, None, None]
    assert s["speed"].to_list() == [3.5, None, None, None]
    assert s["lat"].to_list() == [45.0, 45.01, 45.02, None]
    assert track.totals.distance_m == 3000
    assert track.totals.timer_time_s == 900
    assert track.totals.avg_hr == pytest.approx((600 * 140 + 300 * 160) / 900)
    assert track.device == "Watch X"
    assert track.start_time == datetime(2024, 5, 1, 6, tzinfo=UTC)


def test_laps_without_trackpoints_keep_their_totals() -> None:
    (track,) = tcx.decode(
        _tcx(_activity("Biking", _lap("2024-05-01T06:00:00Z", 3600, 30000, 0))), "x.tcx"
    )
    assert track.samples.height == 0
    assert track.sport == "cycling"
    assert track.totals.distance_m == 30000 and track.totals.avg_hr is None
    assert "no timed trackpoints: only the lap totals" in track.warnings


def test_unknown_sport_attribute_is_other_and_empty_activity_is_skipped() -> None:
    good = _activity(
        "Swimming", _lap("2024-05-01T06:00:00Z", 60, 50, 100, _point("2024-05-01T06:00:00Z"))
    )
    empty = '<t:Activity Sport="Running"><t:Id>2024-05-02T06:00:00Z</t:Id></t:Activity>'
    (track,) = tcx.decode(_tcx(good, empty), "x.tcx")
    assert track.sport == "other"
    assert any("activity 2 holds neither" in w for w in track.warnings)
    with pytest.raises(NotAnActivity, match="activity 1 holds neither"):
        tcx.decode(_tcx(empty), "x.tcx")


def test_courses_and_empty_databases_are_not_activities() -> None:
    course = (
        f'<TrainingCenterDatabase xmlns="{NS}"><Courses><Course><Name>x</Name><Track>'
        "<Trackpoint><Time>2024-05-01T06:00:00Z</Time></Trackpoint></Track></Course>"
        "</Courses></TrainingCenterDatabase>"
    ).encode()
    with pytest.raises(NotAnActivity, match="TCX course"):
        tcx.decode(course, "c.tcx")
    with pytest.raises(NotAnActivity, match="no <Activity>"):
        tcx.decode(f'<TrainingCenterDatabase xmlns="{NS}"/>'.encode(), "e.tcx")


def test_unsafe_and_corrupt_tcx() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE TrainingCenterDatabase [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY a{i} "{("&a" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 9)
        )
        + f']><TrainingCenterDatabase xmlns="{NS}"><Activities>&a8;</Activities>'
        "</TrainingCenterDatabase>"
    ).encode()
    with pytest.raises(UnsafeInput, match="entity declaration"):
        tcx.decode(bomb, "bomb.tcx")
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:9/">]>'
        f'<TrainingCenterDatabase xmlns="{NS}">&e;</TrainingCenterDatabase>'
    ).encode()
    with pytest.raises(UnsafeInput, match=re.escape("http://127.0.0.1:9/")):
        tcx.decode(xxe, "xxe.tcx")
    with pytest.raises(CorruptFile, match=r"^malformed XML at line 2, column \d+: mismatched tag$"):
        tcx.decode(
            f'<TrainingCenterDatabase xmlns="{NS}">\n<Activities></Activity>'.encode(), "b.tcx"
        )
    with pytest.raises(CorruptFile, match="root element is <gpx>"):
        tcx.decode(b"<gpx/>", "b.tcx")


def test_positions_without_a_fix_are_dropped() -> None:
    lap = _lap(
        "2024-05-01T06:00:00Z",
        60,
        200,
        120,
        _point("2024-05-01T06:00:00Z", 0.0) + _point("2024-05-01T06:00:10Z", 45.0),
    )
    doc = _tcx(_activity("Running", lap)).replace(
        b"<t:LatitudeDegrees>0.0</t:LatitudeDegrees><t:LongitudeDegrees>7.0",
        b"<t:LatitudeDegrees>0.0</t:LatitudeDegrees><t:LongitudeDegrees>0.0",
    )
    (track,) = tcx.decode(doc, "x.tcx")
    assert track.samples["lat"].to_list() == [None, 45.0]
    assert track.samples["lon"].to_list() == [None, 7.0]
    assert "1 position(s) at (0, 0) or out of range dropped" in track.warnings


def test_offset_times_become_utc() -> None:
    lap = _lap(
        "2024-05-01T08:00:00+02:00",
        60,
        200,
        120,
        _point("2024-05-01T08:00:00+02:00", 45.0) + _point("2024-05-01T08:01:00+02:00", 45.001),
    )
    (track,) = tcx.decode(_tcx(_activity("Running", lap)), "x.tcx")
    assert track.samples["time"].to_list() == [
        datetime(2024, 5, 1, 6, 0, tzinfo=UTC),
        datetime(2024, 5, 1, 6, 1, tzinfo=UTC),
    ]
    assert track.utc_offset_s == 7200
    assert re.fullmatch(r"Watch X", track.device or "")


def _plain(data: bytes) -> bytes:
    """The same document with its namespace as the default one (no prefix)."""
    return data.replace(b"<t:", b"<").replace(b"</t:", b"</").replace(b"xmlns:t=", b"xmlns=")


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16"])
@pytest.mark.parametrize("prefixed", [False, True])
def test_more_trackpoints_than_the_cap_are_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch, encoding: str, prefixed: bool
) -> None:
    # The GPX bound (docs/limits.md), counted from the bytes: five points against a cap of 4.
    assert tcx.MAX_POINTS == 200_000
    monkeypatch.setattr(tcx, "MAX_POINTS", 4)
    points = "".join(_point(f"2024-05-01T06:00:0{i}Z", 45.0 + i / 1000) for i in range(5))
    data = _tcx(_activity("Running", _lap("2024-05-01T06:00:00Z", 5, 20, 140, points)))
    text = (data if prefixed else _plain(data)).decode()
    data = text.replace('version="1.0"', f'version="1.0" encoding="{encoding}"').encode(encoding)
    with pytest.raises(InputTooLarge) as e:
        tcx.decode(data, "long.tcx")
    assert str(e.value).startswith("TCX with 5 trackpoints: more than the 4 one file may hold")
    monkeypatch.setattr(tcx, "MAX_POINTS", 5)
    (track,) = tcx.decode(data, "long.tcx")
    assert track.samples.height == 5
