"""A track session that reads as cycling: 9 x 90 s at 3.0 m/s and 10 x 30 s sprints at 6.5 m/s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

START = datetime(2026, 11, 10, 7, 0, tzinfo=UTC)


def sprint_gpx(start: datetime = START) -> bytes:
    lat0, lon0 = 40.4168, -3.7038
    speeds: list[float] = []
    for _ in range(10):
        speeds += [3.0] * 90 + [6.5] * 30
    m_per_deg_lon = 111_000.0 * np.cos(np.radians(lat0))
    x = np.concatenate([[0.0], np.cumsum(speeds)])
    pts = "".join(
        f'<trkpt lat="{lat0:.7f}" lon="{lon0 + xi / m_per_deg_lon:.7f}"><ele>650</ele>'
        f"<time>{start + timedelta(seconds=i):%Y-%m-%dT%H:%M:%SZ}</time></trkpt>"
        for i, xi in enumerate(x)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="test" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Tuesday track</name>'
        f"<trkseg>{pts}</trkseg></trk></gpx>"
    ).encode()
