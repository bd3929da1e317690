"""Export archives built by hand: a Strava-style zip with a CSV, a TCX, a GPX, a manual entry
and a truncated FIT."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from datetime import UTC, datetime, timedelta

import numpy as np

from support.paths import REPO

MADRID = (40.4168, -3.7038)


SAMPLE_FIT = REPO / "sample_data" / "spiky-sara" / "2026-07-21-intervals.fit"


M_PER_DEG_LAT = 111_000.0


def _track(start: datetime, seconds: int, speed_mps: float) -> list[tuple[datetime, float, float]]:
    """1 Hz fixes going east from Madrid at a steady speed."""
    lat0, lon0 = MADRID
    m_per_deg_lon = M_PER_DEG_LAT * np.cos(np.radians(lat0))
    return [
        (start + timedelta(seconds=i), lat0, lon0 + i * speed_mps / m_per_deg_lon)
        for i in range(seconds + 1)
    ]


def gpx_run(start: datetime, seconds: int = 1200, speed_mps: float = 1000 / 410) -> bytes:
    """A GPX with no <type>: a run at 6:50/km."""
    pts = "".join(
        f'<trkpt lat="{la:.7f}" lon="{lo:.7f}"><ele>650</ele>'
        f"<time>{t:%Y-%m-%dT%H:%M:%SZ}</time></trkpt>"
        for t, la, lo in _track(start, seconds, speed_mps)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>Afternoon Run</name><trkseg>{pts}</trkseg></trk></gpx>"
    ).encode()


def tcx_run(start: datetime, seconds: int = 1500, speed_mps: float = 3.0) -> bytes:
    pts = "".join(
        f"<Trackpoint><Time>{t:%Y-%m-%dT%H:%M:%SZ}</Time><Position>"
        f"<LatitudeDegrees>{la:.7f}</LatitudeDegrees><LongitudeDegrees>{lo:.7f}"
        f"</LongitudeDegrees></Position><DistanceMeters>{i * speed_mps:.1f}</DistanceMeters>"
        "</Trackpoint>"
        for i, (t, la, lo) in enumerate(_track(start, seconds, speed_mps))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="Running"><Id>{start:%Y-%m-%dT%H:%M:%SZ}</Id>'
        f'<Lap StartTime="{start:%Y-%m-%dT%H:%M:%SZ}"><TotalTimeSeconds>{seconds}'
        f"</TotalTimeSeconds><DistanceMeters>{seconds * speed_mps:.1f}</DistanceMeters>"
        f"<Track>{pts}</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    ).encode()


STRAVA_HEADER = [
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
    "Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute",
    "Activity Private Note", "Activity Gear", "Filename", "Athlete Weight", "Bike Weight",
    "Elapsed Time", "Moving Time", "Distance", "Max Speed", "Average Speed", "Elevation Gain",
]  # fmt: skip


def strava_row(
    id_: int, when: str, name: str, kind: str, file: str, secs: int, metres: float, climb: float
) -> list[str]:
    return [
        str(id_), when, name, kind, "", str(secs), f"{metres / 1000:.2f}", "", "", "false",
        "", "", file, "", "", str(secs), str(secs), f"{metres:.1f}", "", "", f"{climb:.1f}",
    ]  # fmt: skip


def strava_archive() -> bytes:
    """activities.csv + a whitespace-prefixed TCX, a type-less GPX declared "Run", a manual
    entry (no file), a truncated FIT; plus a profile file and a photo that are not activities."""
    fit = SAMPLE_FIT.read_bytes()
    rows = [
        strava_row(101, "Nov 10, 2026, 7:00:00 AM", "Tempo", "Run", "activities/101.tcx",
                   1500, 4500.0, 0.0),
        strava_row(102, "Nov 12, 2026, 7:00:00 AM", "Afternoon Run", "Run", "activities/102.gpx",
                   1200, 2927.0, 0.0),
        strava_row(103, "Nov 15, 2026, 6:30:00 AM", "Treadmill, gym", "Run", "",
                   2400, 8000.0, 35.0),
        strava_row(104, "Jul 21, 2026, 4:30:00 AM", "Intervals", "Run", "activities/104.fit.gz",
                   2224, 7300.0, 0.0),
    ]  # fmt: skip
    table = io.StringIO()
    csv.writer(table, lineterminator="\n").writerows([STRAVA_HEADER, *rows])
    # Strava's TCX exports start with whitespace before the XML declaration.
    tcx = b"          " + tcx_run(datetime(2026, 11, 10, 7, 0, tzinfo=UTC))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("activities.csv", table.getvalue())
        zf.writestr("activities/101.tcx", tcx)
        zf.writestr("activities/102.gpx", gpx_run(datetime(2026, 11, 12, 7, 0, tzinfo=UTC)))
        zf.writestr("activities/104.fit.gz", gzip.compress(fit[: len(fit) // 2], mtime=0))
        zf.writestr("profile.csv", "Athlete ID,Email\n1,a@example.org\n")
        zf.writestr("media/1.jpg", b"\xff\xd8\xff\xe0" + bytes(64))
    return buf.getvalue()


def strava_archive_missing_file() -> bytes:
    """trial9 F24's archive: a row whose file is there, a manual entry written with a decimal
    comma ("12,50" km), and a row naming ``activities/999.fit.gz``, which the zip lacks."""
    table = (
        "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,Filename\n"
        '111,"Nov 10, 2026, 7:00:00 AM",Tempo,Run,1200,2.93,activities/111.gpx\n'
        '555,"Nov 11, 2026, 10:00:00 AM",Treadmill,Run,3600,"12,50",\n'
        '556,"Nov 12, 2026, 10:00:00 AM",Missing file,Run,1800,5.0,activities/999.fit.gz\n'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("activities.csv", table)
        zf.writestr("activities/111.gpx", gpx_run(datetime(2026, 11, 10, 7, 0, tzinfo=UTC)))
    return buf.getvalue()
