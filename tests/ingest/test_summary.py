"""summarize() on hand-built tracks whose true numbers are known in closed form."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from loadwatch.errors import NotAnActivity
from loadwatch.ingest.summary.activity import SPEED_BIN_MPS, SPEED_BINS
from loadwatch.ingest.summary.elevation import play_operator
from loadwatch.ingest.summary.grade import minetti_cost
from loadwatch.ingest.summary.summarise import SUMMARY_FIELDS, summarize
from loadwatch.ingest.track import SAMPLE_SCHEMA, DeviceTotals, Track

T0 = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)
LAT0, LON0 = 46.05, 14.50  # Ljubljana: CET, +1 h in January, +2 h in July
PACE_5 = 1000.0 / 300.0  # 5:00 min/km in m/s

# Metres per degree of latitude at LAT0 on WGS84 (meridional radius of curvature), written out
# independently of loadwatch.ingest.summary.geo.
_A, _F = 6378137.0, 1 / 298.257223563
_E2 = _F * (2 - _F)
_M = _A * (1 - _E2) / (1 - _E2 * math.sin(math.radians(LAT0)) ** 2) ** 1.5
M_PER_DEG_LAT = _M * math.pi / 180.0


def north(s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``s_m`` metres due north of the start."""
    return LAT0 + s_m / M_PER_DEG_LAT, np.full(s_m.size, LON0)


def make_track(
    t_s: np.ndarray,
    *,
    lat: np.ndarray | None = None,
    lon: np.ndarray | None = None,
    distance: np.ndarray | None = None,
    altitude: np.ndarray | None = None,
    speed: np.ndarray | None = None,
    heart_rate: np.ndarray | None = None,
    segment: np.ndarray | None = None,
    sport: str = "running",
    totals: DeviceTotals | None = None,
    start: datetime = T0,
    utc_offset_s: int | None = None,
) -> Track:
    n = t_s.size
    times = [start + timedelta(seconds=float(x)) for x in t_s]
    cols: dict[str, np.ndarray | None] = {
        "lat": lat,
        "lon": lon,
        "distance": distance,
        "altitude": altitude,
        "speed": speed,
        "heart_rate": heart_rate,
        "cadence": None,
        "segment": segment if segment is not None else np.zeros(n, dtype=np.int32),
    }
    df = pl.DataFrame(
        {
            "time": pl.Series("time", times, dtype=pl.Datetime("us", "UTC")),
            **{
                k: (pl.Series(k, v) if v is not None else pl.Series(k, [None] * n))
                for k, v in cols.items()
            },
        }
    ).select([pl.col(c).cast(tp) for c, tp in SAMPLE_SCHEMA.items()])
    return Track(
        format="gpx",
        sport=sport,
        samples=df,
        totals=totals or DeviceTotals(),
        utc_offset_s=utc_offset_s,
    )


def run_with_stop(jitter_m: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """10 km due north at 5:00/km, 1 Hz, with a 5-minute stop (GPS jittering) at 5 km."""
    rng = np.random.default_rng(1)
    t1 = np.arange(0, 1501, dtype=float)  # 0 .. 5000 m
    stop = np.arange(1502, 1801, dtype=float)  # standing still
    t2 = np.arange(1801, 3302, dtype=float)  # 5000 .. 10000 m
    t = np.concatenate((t1, stop, t2))
    s = np.concatenate((t1 * PACE_5, np.full(stop.size, 5000.0), 5000.0 + (t2 - 1801) * PACE_5))
    lat, lon = north(s)
    jit = np.zeros(t.size)
    jit[t1.size : t1.size + stop.size] = rng.normal(0, jitter_m, stop.size)
    lat = lat + jit / M_PER_DEG_LAT
    return t, np.stack((lat, lon, s))


def test_auto_pause_is_not_moving_time() -> None:
    """The same run with the watch auto-paused during the stop: no samples for 5 minutes."""
    t, (lat, lon, _) = run_with_stop(jitter_m=0.0)
    keep = (t < 1502) | (t >= 1801)
    a = summarize(make_track(t[keep], lat=lat[keep], lon=lon[keep]), source_sha256="x")
    assert a.elapsed_time_s == pytest.approx(3301)
    # 0..1500 s and 1801..3301 s: the 301 s gap from 1500 to 1801 is the pause.
    assert a.moving_time_s == pytest.approx(3000)
    assert a.stopped_time_s == 0
    assert a.distance_m == pytest.approx(10_000, rel=0.005)
    assert a.avg_pace_s_per_km == pytest.approx(300, rel=0.005)


def test_gap_that_covers_ground_is_not_a_pause() -> None:
    """A 60 s hole in the fixes (a tunnel) while running on: the timer ran through it."""
    t, (lat, lon, _) = run_with_stop(jitter_m=0.0)
    run = (t < 1502) | (t >= 1801)
    t, lat, lon = t[run], lat[run], lon[run]
    t = np.where(t >= 1801, t - 300, t)  # no stop at all: one continuous 10 km
    hole = (t > 2000) & (t < 2060)
    a = summarize(make_track(t[~hole], lat=lat[~hole], lon=lon[~hole]), source_sha256="x")
    assert a.moving_time_s == pytest.approx(3001)
    assert a.distance_m == pytest.approx(10_000, rel=0.005)


def test_ten_km_with_a_stop() -> None:
    t, (lat, lon, _) = run_with_stop()
    a = summarize(make_track(t, lat=lat, lon=lon), source_sha256="x")
    assert a.distance_m == pytest.approx(10_000, rel=0.005)
    assert a.elapsed_time_s == pytest.approx(3301)
    # The timer ran through the stop (samples kept coming): moving time is the timer's, the
    # standing still is its own field, and pace is what the watch showed.
    assert a.moving_time_s == pytest.approx(3301)
    assert a.stopped_time_s == pytest.approx(300, abs=15)
    assert a.avg_pace_s_per_km == pytest.approx(330.1, rel=0.005)
    assert a.totals_source["distance_m"] == "computed"
    assert a.totals_source["moving_time_s"] == "computed"
    assert a.max_speed_mps == pytest.approx(PACE_5, rel=0.05)
    assert a.best_1km_s == pytest.approx(300, rel=0.01)
    assert a.elevation_gain_m is None and a.gap_distance_m is None
    assert a.fast_distance_m is None
    assert a.speed_hist_m is not None and len(a.speed_hist_m) == SPEED_BINS
    assert sum(a.speed_hist_m) == pytest.approx(a.distance_m)
    # Nearly all distance sits in the bin of 3.33 m/s.
    assert a.speed_hist_m[int(PACE_5 / SPEED_BIN_MPS)] > 0.95 * a.distance_m
    assert a.start_time == T0
    assert a.n_samples == t.size


def test_pause_gap_without_samples_is_not_moving() -> None:
    """A device that stops recording for 10 minutes and resumes in the same place."""
    t1 = np.arange(0, 601, dtype=float)
    t2 = np.arange(1201, 1802, dtype=float)
    t = np.concatenate((t1, t2))
    s = np.concatenate((t1 * PACE_5, 2000 + (t2 - 1201) * PACE_5))
    lat, lon = north(s)
    a = summarize(make_track(t, lat=lat, lon=lon), source_sha256="x")
    assert a.elapsed_time_s == pytest.approx(1801)
    assert a.moving_time_s == pytest.approx(1200, rel=0.02)
    assert a.distance_m == pytest.approx(4000, rel=0.005)


def test_sparse_recording_that_moves_is_moving() -> None:
    """ "Smart recording": a fix every 40 s, running all the time."""
    t = np.arange(0, 3001, 40, dtype=float)
    lat, lon = north(t * PACE_5)
    a = summarize(make_track(t, lat=lat, lon=lon), source_sha256="x")
    assert a.moving_time_s == pytest.approx(t[-1], rel=0.001)
    assert a.distance_m == pytest.approx(t[-1] * PACE_5, rel=0.005)


def hilly_run(profile: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.arange(0, 3001, dtype=float)
    s = t * PACE_5
    lat, lon = north(s)
    return t, np.stack((lat, lon)), s


def test_hill_gain_and_loss() -> None:
    """Five 100 m hills (cosine profile, 2 km period): 500 m up, 500 m down."""
    t, (lat, lon), s = hilly_run()
    alt = 300 + 50 * (1 - np.cos(2 * np.pi * s / 2000))
    a = summarize(make_track(t, lat=lat, lon=lon, altitude=alt), source_sha256="x")
    assert a.elevation_gain_m == pytest.approx(500, rel=0.05)
    assert a.elevation_loss_m == pytest.approx(500, rel=0.05)
    assert a.totals_source["elevation_gain_m"] == "computed"
    # Max grade is 50*2π/2000 = 15.7 %, so most of the way is on a ≥ 3 % grade either way.
    assert a.uphill_distance_m is not None and a.downhill_distance_m is not None
    assert a.uphill_distance_m == pytest.approx(a.downhill_distance_m, rel=0.05)
    assert 0.7 * a.distance_m < a.uphill_distance_m + a.downhill_distance_m < a.distance_m


def test_noisy_flat_altitude_does_not_climb() -> None:
    t, (lat, lon), _ = hilly_run()
    alt = 120 + np.random.default_rng(7).normal(0, 2.0, t.size)
    a = summarize(make_track(t, lat=lat, lon=lon, altitude=alt), source_sha256="x")
    assert a.elevation_gain_m is not None and a.elevation_gain_m < 10
    assert a.elevation_loss_m is not None and a.elevation_loss_m < 10
    # Raw point-to-point climbing would be ~ n * 2σ/√π ≈ 3,400 m.
    assert np.clip(np.diff(alt), 0, None).sum() > 3000
    assert a.gap_distance_m == pytest.approx(a.distance_m, rel=0.01)
    assert a.uphill_distance_m is not None and a.uphill_distance_m < 0.02 * a.distance_m


def test_altitude_spikes_do_not_climb() -> None:
    """Clean barometric altitude with three one-sample glitches to 2,300 m."""
    t, (lat, lon), _ = hilly_run()
    alt = np.full(t.size, 212.4)
    alt[[500, 1500, 2500]] = 2318.0
    a = summarize(make_track(t, lat=lat, lon=lon, altitude=alt), source_sha256="x")
    assert a.elevation_gain_m is not None and a.elevation_gain_m < 1
    assert a.gap_distance_m == pytest.approx(a.distance_m, rel=0.001)


def test_gap_on_flat_equals_distance() -> None:
    t, (lat, lon), _ = hilly_run()
    a = summarize(
        make_track(t, lat=lat, lon=lon, altitude=np.full(t.size, 55.0)), source_sha256="x"
    )
    assert a.gap_distance_m == pytest.approx(a.distance_m, rel=1e-9)
    assert a.elevation_gain_m == 0 and a.uphill_distance_m == 0 and a.downhill_distance_m == 0


@pytest.mark.parametrize("g", [0.10, -0.10, 0.25])
def test_gap_on_constant_grade(g: float) -> None:
    t, (lat, lon), s = hilly_run()
    a = summarize(make_track(t, lat=lat, lon=lon, altitude=1000 + g * s), source_sha256="x")
    c = 155.4 * g**5 - 30.4 * g**4 - 43.3 * g**3 + 46.3 * g**2 + 19.5 * g + 3.6
    assert a.gap_distance_m == pytest.approx(a.distance_m * c / 3.6, rel=0.01)
    climbed = abs(g) * a.distance_m
    if g > 0:
        assert a.uphill_distance_m == pytest.approx(a.distance_m, rel=0.01)
        assert a.elevation_gain_m == pytest.approx(climbed, rel=0.02)
    else:
        assert a.downhill_distance_m == pytest.approx(a.distance_m, rel=0.01)
        assert a.elevation_loss_m == pytest.approx(climbed, rel=0.02)


def test_minetti_polynomial() -> None:
    assert float(minetti_cost(0.0)) == pytest.approx(3.6)
    assert float(minetti_cost(0.1)) == pytest.approx(5.968214, rel=1e-6)
    assert float(minetti_cost(0.9)) == float(minetti_cost(0.45))  # clipped to the fitted range


def test_play_operator_matches_sequential_definition() -> None:
    x = np.cumsum(np.random.default_rng(3).normal(0, 1.5, 5000))
    y = play_operator(x, 3.0)
    ref = np.empty_like(x)
    ref[0] = x[0]
    for i in range(1, x.size):  # the textbook recursion, as a reference only
        ref[i] = min(max(ref[i - 1], x[i] - 1.5), x[i] + 1.5)
    np.testing.assert_allclose(y, ref, atol=1e-9)


def test_single_gps_spike_does_not_set_max_speed() -> None:
    t = np.arange(0, 1201, dtype=float)
    s = t * PACE_5
    lat, lon = north(s)
    clean = summarize(make_track(t, lat=lat, lon=lon), source_sha256="x")
    # One fix 50 m east: 50 m/s in and out.
    lon2 = lon.copy()
    m_per_deg_lon = M_PER_DEG_LAT * math.cos(math.radians(LAT0)) * 1.0034  # ≈ prime vertical
    lon2[600] += 50.0 / m_per_deg_lon
    spiky = summarize(make_track(t, lat=lat, lon=lon2), source_sha256="x")
    assert clean.max_speed_mps is not None and spiky.max_speed_mps is not None
    assert spiky.max_speed_mps == pytest.approx(clean.max_speed_mps, rel=0.05)
    assert spiky.distance_m == pytest.approx(clean.distance_m, rel=0.001)
    assert spiky.best_1km_s == pytest.approx(clean.best_1km_s, rel=0.01)
    assert any("spike" in w for w in spiky.warnings)


def test_device_speed_spike_does_not_set_max_speed() -> None:
    t = np.arange(0, 1201, dtype=float)
    v = np.full(t.size, PACE_5)
    v[500] = 50.0
    a = summarize(make_track(t, distance=t * PACE_5, speed=v), source_sha256="x")
    assert a.max_speed_mps == pytest.approx(PACE_5, rel=0.05)


def test_zero_zero_fixes_are_dropped() -> None:
    t = np.arange(0, 3001, dtype=float)
    lat, lon = north(t * PACE_5)
    lat[[10, 1000, 1001, 2500]] = 0.0
    lon[[10, 1000, 1001, 2500]] = 0.0
    a = summarize(make_track(t, lat=lat, lon=lon), source_sha256="x")
    assert a.distance_m == pytest.approx(10_000, rel=0.005)
    assert a.max_speed_mps == pytest.approx(PACE_5, rel=0.05)


def test_duplicate_points_add_nothing() -> None:
    t = np.arange(0, 1201, dtype=float)
    lat, lon = north(t * PACE_5)
    rep = np.repeat(np.arange(t.size), 2)
    a = summarize(make_track(t[rep], lat=lat[rep], lon=lon[rep]), source_sha256="x")
    assert a.distance_m == pytest.approx(4000, rel=0.005)
    assert a.moving_time_s == pytest.approx(1200, rel=0.02)


def test_gap_between_segments_is_not_counted() -> None:
    """Two 2 km tracks 5 km apart, an hour between them."""
    t1 = np.arange(0, 601, dtype=float)
    t2 = t1 + 4200
    s = np.concatenate((t1 * PACE_5, 7000 + t1 * PACE_5))
    lat, lon = north(s)
    seg = np.concatenate((np.zeros(t1.size), np.ones(t1.size))).astype(np.int32)
    a = summarize(
        make_track(np.concatenate((t1, t2)), lat=lat, lon=lon, segment=seg), source_sha256="x"
    )
    assert a.distance_m == pytest.approx(4000, rel=0.005)
    assert a.moving_time_s == pytest.approx(1200, rel=0.02)
    assert a.elapsed_time_s == pytest.approx(4800)


def test_best_km_on_a_run_with_one_fast_km() -> None:
    """5 km: 5:00/km except km 3 at 4:00/km."""
    s = np.arange(0, 5001, 5.0)
    pace = np.where((s > 2000) & (s <= 3000), 0.240, 0.300)  # s per metre for each 5 m step
    t = np.concatenate(([0.0], np.cumsum(pace[1:] * 5.0)))
    lat, lon = north(s)
    a = summarize(make_track(t, lat=lat, lon=lon), source_sha256="x")
    assert a.best_1km_s == pytest.approx(240, rel=0.01)
    assert a.max_speed_mps == pytest.approx(1000 / 240, rel=0.03)


def test_fast_distance_and_histogram() -> None:
    t1 = np.arange(0, 1001, dtype=float)
    t2 = np.arange(1, 751, dtype=float)
    s = np.concatenate((t1 * 3.0, 3000 + t2 * 4.0))  # 3 km at 3 m/s then 3 km at 4 m/s
    t = np.concatenate((t1, 1000 + t2))
    lat, lon = north(s)
    a = summarize(make_track(t, lat=lat, lon=lon), source_sha256="x", fast_speed_mps=3.5)
    assert a.fast_distance_m == pytest.approx(3000, rel=0.01)
    assert a.speed_hist_m is not None
    from_hist = sum(a.speed_hist_m[int(3.5 / SPEED_BIN_MPS) :])
    assert from_hist == pytest.approx(a.fast_distance_m, rel=0.01)
    assert a.best_1km_s == pytest.approx(250, rel=0.01)


def test_stream_distance_wins_over_positions_and_survives_a_reset() -> None:
    t = np.arange(0, 1801, dtype=float)
    odo = t * PACE_5
    odo[900:] -= odo[900]  # the device's counter restarts at 3 km
    lat, lon = north(t * PACE_5 * 1.1)  # GPS says 10 % more: the odometer wins
    a = summarize(make_track(t, lat=lat, lon=lon, distance=odo), source_sha256="x")
    assert a.distance_m == pytest.approx(6000, rel=0.002)


def test_odometer_wobbling_backwards_is_not_counted_twice() -> None:
    """A device whose cumulative distance steps back 50 m every minute and catches up."""
    t = np.arange(0, 1801, dtype=float)
    odo = t * PACE_5
    odo[30::60] -= 50.0
    a = summarize(make_track(t, distance=odo), source_sha256="x")
    assert a.distance_m == pytest.approx(6000, rel=0.002)


def test_treadmill_without_gps() -> None:
    t = np.arange(0, 1801, dtype=float)
    hr = np.full(t.size, 150.0)
    hr[100] = 0.0  # strap dropout
    tr = make_track(t, distance=t * PACE_5, heart_rate=hr, sport="treadmill_running")
    a = summarize(tr, source_sha256="x", default_tz="Europe/Ljubljana")
    assert a.distance_m == pytest.approx(6000, rel=0.002)
    assert a.moving_time_s == pytest.approx(1800, rel=0.01)
    assert a.elevation_gain_m is None and a.gap_distance_m is None and a.uphill_distance_m is None
    assert a.avg_hr == pytest.approx(150) and a.max_hr == pytest.approx(150)
    assert a.utc_offset_s == 3600  # default zone, January


def test_device_totals_win() -> None:
    t, (lat, lon, _) = run_with_stop()
    totals = DeviceTotals(
        distance_m=10_050.0,
        timer_time_s=3010.0,
        ascent_m=12.0,
        descent_m=11.0,
        max_speed_mps=4.2,
        avg_hr=151.0,
        max_hr=177.0,
    )
    a = summarize(make_track(t, lat=lat, lon=lon, totals=totals), source_sha256="abc")
    assert (a.distance_m, a.moving_time_s) == (10_050.0, 3010.0)
    assert (a.elevation_gain_m, a.elevation_loss_m, a.max_speed_mps) == (12.0, 11.0, 4.2)
    assert (a.avg_hr, a.max_hr) == (151.0, 177.0)
    # Every total from the device; the sport ("sport" key) is the file's own declaration.
    assert {k: v for k, v in a.totals_source.items() if k != "sport"} == dict.fromkeys(
        SUMMARY_FIELDS, "device"
    )
    assert a.totals_source["sport"] == "file"
    assert a.source_sha256 == "abc"
    # Per-sample figures are rescaled onto the device distance.
    assert a.speed_hist_m is not None and sum(a.speed_hist_m) == pytest.approx(10_050.0)


def test_summary_only_file() -> None:
    empty = make_track(np.zeros(0))
    tr = Track(
        format="fit",
        sport="running",
        samples=empty.samples,
        start_time=T0,
        totals=DeviceTotals(distance_m=5000.0, timer_time_s=1500.0, elapsed_time_s=1600.0),
    )
    a = summarize(tr, source_sha256="x")
    assert (a.distance_m, a.moving_time_s, a.elapsed_time_s) == (5000.0, 1500.0, 1600.0)
    assert a.avg_pace_s_per_km == pytest.approx(300)
    assert a.n_samples == 0 and a.speed_hist_m is None and a.best_1km_s is None
    assert a.elevation_gain_m is None and a.max_speed_mps is None


def test_no_samples_and_no_start_is_not_an_activity() -> None:
    with pytest.raises(NotAnActivity):
        summarize(make_track(np.zeros(0)), source_sha256="x")


def test_all_timestamps_equal() -> None:
    """A clock-less file (every fix stamped 1901-12-13): distance yes, times zero."""
    s = np.arange(0, 2001, 10.0)
    lat, lon = north(s)
    tr = make_track(np.zeros(s.size), lat=lat, lon=lon, start=datetime(1901, 12, 13, tzinfo=UTC))
    a = summarize(tr, source_sha256="x")
    assert a.distance_m == pytest.approx(2000, rel=0.005)
    assert a.elapsed_time_s == 0 and a.moving_time_s == 0 and a.avg_pace_s_per_km is None


@pytest.mark.parametrize(
    ("start", "offset", "expected"),
    [
        (datetime(2024, 1, 15, 8, tzinfo=UTC), None, 3600),
        (datetime(2024, 7, 15, 8, tzinfo=UTC), None, 7200),
        (datetime(2024, 7, 15, 8, tzinfo=UTC), -14400, -14400),  # the device's own offset wins
    ],
)
def test_utc_offset_from_first_fix(start: datetime, offset: int | None, expected: int) -> None:
    t = np.arange(0, 61, dtype=float)
    lat, lon = north(t * PACE_5)
    tr = make_track(t, lat=lat, lon=lon, start=start, utc_offset_s=offset)
    assert summarize(tr, source_sha256="x", default_tz="America/New_York").utc_offset_s == expected


def test_default_zone_without_gps() -> None:
    t = np.arange(0, 61, dtype=float)
    tr = make_track(t, distance=t * PACE_5)
    assert summarize(tr, source_sha256="x", default_tz="America/New_York").utc_offset_s == -18000
