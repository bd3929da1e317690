"""Real-shaped activity files made by code: one straight, evenly sampled line written as GPX,
TCX or FIT, so every test knows the exact numbers the file describes.

A line runs north along a meridian at a constant speed: distance = (n - 1) x speed x dt on
WGS84 (latitude steps from the ellipsoid's meridional radius of curvature, the textbook
M = a(1 - e²) / (1 - e² sin²φ)^1.5, at the line's mid-latitude: over the 0.03° of a line
it is constant to 1e-7), elapsed = moving = (n - 1) x dt.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loadwatch.ingest.formats.fit_crc import crc16

WGS84_A = 6_378_137.0
WGS84_E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)
T0 = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Line:
    speed_mps: float = 3.0  # 5:33 /km
    n: int = 601
    dt_s: int = 2
    hr: int = 150
    cadence: int = 85  # strides per minute, as FIT and Garmin's GPX/TCX extensions write it
    lat0: float = 45.0
    lon0: float = 7.0
    start: datetime = T0

    @property
    def distance_m(self) -> float:
        return (self.n - 1) * self.speed_mps * self.dt_s

    @property
    def duration_s(self) -> float:
        return float((self.n - 1) * self.dt_s)

    def lat(self, i: int) -> float:
        span_deg = self.distance_m / 111_000.0
        phi = math.radians(self.lat0 + span_deg / 2)
        m = WGS84_A * (1 - WGS84_E2) / (1 - WGS84_E2 * math.sin(phi) ** 2) ** 1.5
        return self.lat0 + i * self.speed_mps * self.dt_s / (m * math.pi / 180.0)

    def time(self, i: int) -> datetime:
        return self.start + timedelta(seconds=i * self.dt_s)


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def gpx(
    line: Line = Line(),
    *,
    type_: str | None = None,
    name: str | None = None,
    declare_gpxtpx: bool = True,
    heart_rate: bool = True,
) -> bytes:
    """GPX 1.1 with Garmin TrackPointExtension heart rate and cadence."""
    ns = ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"'
    ext = (
        "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr>"
        "<gpxtpx:cad>{cad}</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions>"
    )
    points = "".join(
        f'<trkpt lat="{line.lat(i):.9f}" lon="{line.lon0:.9f}"><ele>{300 + i % 3}</ele>'
        f"<time>{_iso(line.time(i))}</time>"
        + (ext.format(hr=line.hr, cad=line.cadence) if heart_rate else "")
        + "</trkpt>\n"
        for i in range(line.n)
    )
    head = (f"<name>{name}</name>" if name else "") + (f"<type>{type_}</type>" if type_ else "")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<gpx version="1.1" creator="loadwatch tests" xmlns="http://www.topografix.com/GPX/1/1"'
        f"{ns if declare_gpxtpx else ''}>\n<trk>{head}<trkseg>\n{points}</trkseg></trk>\n</gpx>\n"
    ).encode()


def tcx(line: Line = Line(), *, sport: str = "Running", declare_ns3: bool = True) -> bytes:
    """TCX as Garmin Connect and Strava write it: one lap with totals, ns3 speed extension."""
    ns3 = ' xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"'
    points = "".join(
        f"<Trackpoint><Time>{_iso(line.time(i))}</Time>"
        f"<Position><LatitudeDegrees>{line.lat(i):.9f}</LatitudeDegrees>"
        f"<LongitudeDegrees>{line.lon0:.9f}</LongitudeDegrees></Position>"
        f"<AltitudeMeters>{300 + i % 3}</AltitudeMeters>"
        f"<DistanceMeters>{i * line.speed_mps * line.dt_s:.2f}</DistanceMeters>"
        f"<HeartRateBpm><Value>{line.hr}</Value></HeartRateBpm>"
        f"<Extensions><ns3:TPX><ns3:Speed>{line.speed_mps}</ns3:Speed>"
        f"<ns3:RunCadence>{line.cadence}</ns3:RunCadence></ns3:TPX></Extensions>"
        "</Trackpoint>\n"
        for i in range(line.n)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"'
        f'{ns3 if declare_ns3 else ""}>\n<Activities><Activity Sport="{sport}">'
        f'<Id>{_iso(line.start)}</Id>\n<Lap StartTime="{_iso(line.start)}">'
        f"<TotalTimeSeconds>{line.duration_s:.1f}</TotalTimeSeconds>"
        f"<DistanceMeters>{line.distance_m:.1f}</DistanceMeters>"
        f"<AverageHeartRateBpm><Value>{line.hr}</Value></AverageHeartRateBpm>"
        f"<MaximumHeartRateBpm><Value>{line.hr}</Value></MaximumHeartRateBpm>"
        "<Intensity>Active</Intensity><TriggerMethod>Manual</TriggerMethod>\n"
        f"<Track>\n{points}</Track></Lap>"
        "<Creator><Name>Forerunner 255</Name></Creator></Activity></Activities>\n"
        "</TrainingCenterDatabase>\n"
    ).encode()


# --- FIT ----------------------------------------------------------------------------------
def _define(local: int, mesg: int, fields: list[tuple[int, int, int]]) -> bytes:
    out = struct.pack("<BBBHB", 0x40 | local, 0, 0, mesg, len(fields))
    return out + b"".join(struct.pack("BBB", *f) for f in fields)


def _data(local: int, fmt: str, *values: int) -> bytes:
    return bytes([local]) + struct.pack("<" + fmt, *values)


def fit_seconds(t: datetime) -> int:
    return int((t - FIT_EPOCH).total_seconds())


_FILE_ID = _define(0, 0, [(0, 1, 0x00), (1, 2, 0x84), (2, 2, 0x84)])
_RECORD = _define(
    1,
    20,
    [(253, 4, 0x86), (0, 4, 0x85), (1, 4, 0x85), (5, 4, 0x86), (6, 2, 0x84), (3, 1, 0x02),
     (4, 1, 0x02)],
)  # fmt: skip
_SESSION = _define(
    2,
    18,
    [(253, 4, 0x86), (2, 4, 0x86), (7, 4, 0x86), (8, 4, 0x86), (9, 4, 0x86), (5, 1, 0x00),
     (6, 1, 0x00)],
)  # fmt: skip
_SEMICIRCLES_PER_DEG = 2**31 / 180.0


def fit(line: Line = Line(), *, sport: int = 1, sub_sport: int = 0, session: bool = True) -> bytes:
    """A FIT activity: file_id (Garmin fr310xt), 1 record per sample, one session with the
    device's totals (sport 1 = running, 0 = generic, 2 = cycling)."""
    body = _FILE_ID + _data(0, "BHH", 4, 1, 1018) + _RECORD + _SESSION
    t0 = fit_seconds(line.start)
    for i in range(line.n):
        body += _data(
            1,
            "IiiIHBB",
            t0 + i * line.dt_s,
            round(line.lat(i) * _SEMICIRCLES_PER_DEG),
            round(line.lon0 * _SEMICIRCLES_PER_DEG),
            round(i * line.speed_mps * line.dt_s * 100),
            round(line.speed_mps * 1000),
            line.hr,
            line.cadence,
        )
    if session:
        ms = round(line.duration_s * 1000)
        end = t0 + round(line.duration_s)
        body += _data(2, "IIIIIBB", end, t0, ms, ms, round(line.distance_m * 100), sport, sub_sport)
    data = struct.pack("<BBHI4s", 12, 0x10, 2132, len(body), b".FIT") + body
    return data + struct.pack("<H", crc16(data))
