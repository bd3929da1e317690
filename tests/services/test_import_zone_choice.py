"""Trial 11 F8: a new athlete's time zone, when none is given, is the zone of the newest
activity whose file tells one (where the runner lives now), not the zone of whichever file
sorts first; and the import leaves what an import with ``--timezone`` of that zone leaves.

Hand-made files, in the order a folder sorts them:
- ``0-treadmill.tcx``: no positions and no device offset, so its local time comes from the
  athlete's zone: 23:30 UTC on 10 November 2026 is 00:30 on the 11th in Madrid (UTC+1),
  20:30 on the 10th in Buenos Aires (UTC-3), 23:30 on the 10th in UTC.
- ``a-2014-buenos-aires.gpx``: a run in Buenos Aires on 12 October 2014.
- ``b-2026-madrid.gpx``: a run in Madrid on 12 November 2026, the newest.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loadwatch.cli import app

runner = CliRunner()
BUENOS_AIRES = (-34.6037, -58.3816)
MADRID = (40.4168, -3.7038)


def _gpx(start: datetime, at: tuple[float, float], seconds: int = 1200) -> bytes:
    """A run north at 2.5 m/s, one fix a second."""
    pts = "".join(
        f'<trkpt lat="{at[0] + i * 2.5 / 111_000:.7f}" lon="{at[1]:.7f}"><ele>20</ele>'
        f"<time>{start + timedelta(seconds=i):%Y-%m-%dT%H:%M:%SZ}</time></trkpt>"
        for i in range(seconds + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><type>running</type><trkseg>{pts}</trkseg></trk></gpx>"
    ).encode()


def _treadmill_tcx(start: datetime, seconds: int = 1800, speed_mps: float = 3.0) -> bytes:
    """A run with distance and no position: nothing in it says where it was."""
    pts = "".join(
        f"<Trackpoint><Time>{start + timedelta(seconds=i):%Y-%m-%dT%H:%M:%SZ}</Time>"
        f"<DistanceMeters>{i * speed_mps:.1f}</DistanceMeters></Trackpoint>"
        for i in range(0, seconds + 1, 5)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="Running"><Id>{start:%Y-%m-%dT%H:%M:%SZ}</Id>'
        f'<Lap StartTime="{start:%Y-%m-%dT%H:%M:%SZ}"><TotalTimeSeconds>{seconds}'
        f"</TotalTimeSeconds><DistanceMeters>{seconds * speed_mps:.1f}</DistanceMeters>"
        f"<Track>{pts}</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    ).encode()


def _listed(name: str) -> list[tuple[object, ...]]:
    out = runner.invoke(app, ["activities", "--athlete", name, "--json"])
    assert out.exit_code == 0, out.output
    return [
        (a["start_time"], a["utc_offset_s"], a["local_date"], a["local_start"], a["sport"],
         a["distance_m"])
        for a in json.loads(out.stdout)["data"]
    ]  # fmt: skip


@pytest.mark.usefixtures("data_dir")
def test_new_athletes_zone_is_the_newest_runs_and_dates_as_if_given(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "0-treadmill.tcx").write_bytes(
        _treadmill_tcx(datetime(2026, 11, 10, 23, 30, tzinfo=UTC))
    )
    (folder / "a-2014-buenos-aires.gpx").write_bytes(
        _gpx(datetime(2014, 10, 12, 12, 0, tzinfo=UTC), BUENOS_AIRES)
    )
    (folder / "b-2026-madrid.gpx").write_bytes(
        _gpx(datetime(2026, 11, 12, 8, 0, tzinfo=UTC), MADRID)
    )
    auto = runner.invoke(app, ["import", str(folder), "--athlete", "Ana"])
    assert auto.exit_code == 0, auto.output
    assert "time zone of Ana: Europe/Madrid (the zone at the first GPS point (40.417, -3.704)" \
        " from archive/b-2026-madrid.gpx)" in auto.stdout  # fmt: skip
    given = runner.invoke(
        app, ["import", str(folder), "--athlete", "Bea", "--timezone", "Europe/Madrid"]
    )
    assert given.exit_code == 0, given.output
    athletes = json.loads(runner.invoke(app, ["athletes", "--json"]).stdout)["data"]
    assert {a["name"]: a["timezone"] for a in athletes} == {
        "Ana": "Europe/Madrid",
        "Bea": "Europe/Madrid",
    }
    ana = _listed("Ana")
    assert ana == _listed("Bea")
    # The treadmill run is dated in Madrid, as if the zone had been given: 00:30 on the 11th.
    treadmill = [a for a in ana if str(a[0]).startswith("2026-11-10T23:30")]
    assert [(a[1], a[2], a[3]) for a in treadmill] == [(3600, "2026-11-11", "00:30")]
    series = runner.invoke(
        app, ["series", "--athlete", "Ana", "--period", "day", "--from", "2026-11-10",
              "--to", "2026-11-11", "--json"],
    )  # fmt: skip
    runs = {row["date"]: row["runs"] for row in json.loads(series.stdout)["data"]}
    assert runs == {"2026-11-10": 0, "2026-11-11": 1}


@pytest.mark.usefixtures("data_dir")
def test_corpus_tcx_folder_auto_zone_equals_the_zone_given(corpus: Path) -> None:
    """The corpus's TCX folder: its newest activity is gc_OWswim.tcx (2022, Croatia), its first
    file by name a 2014 race in Buenos Aires, and gpsbabel_history.tcx holds activities with
    and without positions (those without are dated by the zone)."""
    auto = runner.invoke(app, ["import", str(corpus / "tcx"), "--athlete", "Ana"])
    assert auto.exit_code == 0, auto.output
    assert "time zone of Ana: Europe/Zagreb" in auto.stdout
    assert "from tcx/gc_OWswim.tcx" in auto.stdout
    given = runner.invoke(
        app, ["import", str(corpus / "tcx"), "--athlete", "Bea", "--timezone", "Europe/Zagreb"]
    )
    assert given.exit_code == 0, given.output
    ana = _listed("Ana")
    assert len(ana) == 18 and ana == _listed("Bea")
    # The history file's runs without positions: 12:14 UTC on 7 December 2011 is 13:14 in
    # Zagreb (UTC+1 in winter).
    assert ("2011-12-07T12:14:19Z", 3600, "2011-12-07", "13:14") in [a[:4] for a in ana]


@pytest.mark.usefixtures("data_dir")
def test_corpus_fit_folder_a_place_beats_a_newer_fixed_offset(corpus: Path) -> None:
    """The corpus's FIT folder: its newest activity (2025-05-22) has no positions, only the
    device's +2 h, which would be Etc/GMT-2 (no daylight saving); the newest with a GPS fix is
    the 9 May 2025 ride near Southampton, so the zone is Europe/London, and the store is the
    one an import with ``--timezone Europe/London`` leaves."""
    auto = runner.invoke(app, ["import", str(corpus / "fit"), "--athlete", "Ana"])
    assert auto.exit_code == 0, auto.output
    assert (
        "time zone of Ana: Europe/London (the zone at the first GPS point (50.868, -1.264) from "
        "fit/gc_Karoo-Botley_BW_Swanmore_Wickham-2025-05-09-1238.fit)"
    ) in auto.stdout
    given = runner.invoke(
        app, ["import", str(corpus / "fit"), "--athlete", "Bea", "--timezone", "Europe/London"]
    )
    assert given.exit_code == 0, given.output
    ana = _listed("Ana")
    assert ana[0][:2] == ("2025-05-22T13:51:27Z", 7200)  # the newest: the device's offset
    assert len(ana) == 50 and ana == _listed("Bea")  # a page of 50 (of 95)
