"""CSV training logs: parsing (pure) and import through the store (idempotent, local days)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from loadwatch.errors import CorruptFile
from loadwatch.ingest.formats.csvlog import parse_log, resolve_start, sport_of
from loadwatch.services.csv_import import import_log
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store
from loadwatch.store.models import Activity, PendingEvaluation, SourceFile
from support.databases import at_head


def test_daily_log_with_units_in_headers() -> None:
    data = (
        b"Date,Distance (km),Duration,Climbing (m),Fast km,Sport\n"
        b"2026-11-02,10.5,0:52:30,120,2.0,Run\n"
        b"2026-11-03,8,45:00,,,\n"
        b"2026-11-04,20,3600,50,,Ride\n"
    )
    log = parse_log(data)
    assert log.errors == []
    a, b, c = log.rows
    assert (a.line, a.start, a.time_known) == (2, datetime(2026, 11, 2, 12, 0), False)
    assert a.distance_m == pytest.approx(10_500.0)
    assert a.moving_time_s == 52 * 60 + 30
    assert a.elevation_gain_m == 120.0
    assert a.fast_distance_m == pytest.approx(2000.0)
    assert a.sport == "running"
    assert (b.distance_m, b.moving_time_s, b.elevation_gain_m, b.sport) == (
        8000.0,
        2700.0,
        None,
        "running",
    )
    assert (c.moving_time_s, c.sport) == (3600.0, "cycling")
    assert log.columns["distance"] == "Distance (km)"


def test_metres_miles_feet_and_minutes_columns() -> None:
    log = parse_log(b"day;distance_mi;duration_min;climb_ft;time\n2026-01-05;6,2;50;1000;06:30\n")
    (r,) = log.rows
    assert r.distance_m == pytest.approx(6.2 * 1609.344)
    assert r.moving_time_s == 3000.0
    assert r.elevation_gain_m == pytest.approx(304.8)
    assert (r.start, r.time_known) == (datetime(2026, 1, 5, 6, 30), True)
    log_m = parse_log(b"date,distance_m,seconds\n2026-01-05,12345,3000\n")
    assert log_m.rows[0].distance_m == 12345.0


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_kept() -> None:
    data = (
        b"date,distance,duration\n"
        b"2026-11-02,10,50:00\n"
        b"yesterday,10,50:00\n"
        b"2026-11-04,ten,50:00\n"
        b"\n"
        b"2026-11-06,10,0:30\n"  # 10 km in 30 s: a unit mistake
        b"2026-11-07,-3,20:00\n"
        b"2026-11-08,5,25:00\n"
    )
    log = parse_log(data)
    assert [r.line for r in log.rows] == [2, 8]
    assert [e.line for e in log.errors] == [3, 4, 6, 7]
    assert "yesterday" in log.errors[0].message
    assert "'ten' is not a number" in log.errors[1].message
    assert "faster than 10 m/s" in log.errors[2].message
    assert str(log.errors[0]).startswith("line 3: ")


def test_unrecognisable_csv_is_one_clear_error() -> None:
    with pytest.raises(CorruptFile, match="need a date column and a distance column"):
        parse_log(b"name,colour\nbob,red\n")
    with pytest.raises(CorruptFile, match="binary"):
        parse_log(b"\x0e\x10\x00\x00.FIT" + bytes(20))
    with pytest.raises(CorruptFile, match="empty"):
        parse_log(b"")


STRAVA = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,"
    "Distance,Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,"
    "Athlete Weight,Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,Average Speed,"
    "Elevation Gain,Elevation Loss\n"
    '101,"Nov 15, 2026, 6:30:00 AM",Long run,Run,"hilly,\nfelt good",7300,21.10,,,false,,,'
    "activities/101.fit.gz,,,7300.0,7100.0,21100.4,,,540.0,530.0\n"
    '102,"Nov 16, 2026, 5:00:00 PM",Pool,Swim,,1900,1500,,,false,,,,,,1900.0,1800.0,1500.0,,,0,0\n'
)


def test_strava_activities_csv() -> None:
    log = parse_log(STRAVA.encode())
    assert log.strava and log.errors == []
    run, swim = log.rows
    # The second Distance column is metres; the first (km) is ignored.
    assert run.distance_m == pytest.approx(21100.4)
    assert run.moving_time_s == 7100.0 and run.elapsed_time_s == 7300.0
    assert run.elevation_gain_m == 540.0
    assert run.start == datetime(2026, 11, 15, 6, 30, tzinfo=UTC)
    assert (run.sport, run.name) == ("running", "Long run")
    assert swim.line == 4  # the description's newline makes the first record two lines long
    assert (swim.sport, swim.distance_m) == ("swimming", 1500.0)


def test_sport_words() -> None:
    assert sport_of("Trail Run") == "trail_running"
    assert sport_of("VirtualRun") == "treadmill_running"
    assert sport_of("Hike") == "hiking"
    assert sport_of("Yoga") == "other"
    assert sport_of("") == "running"


def test_resolve_start_uses_the_athlete_zone_for_naive_times() -> None:
    (r,) = parse_log(b"date,time,distance\n2026-07-01,23:30,10\n").rows
    plus10 = timedelta(hours=10)
    start, off = resolve_start(r, lambda _naive: plus10)
    assert start == datetime(2026, 7, 1, 13, 30, tzinfo=UTC)
    assert off == 36000
    (z,) = parse_log(b"date,distance\n2026-07-01T23:30:00+02:00,10\n").rows
    assert resolve_start(z, lambda _n: plus10) == (datetime(2026, 7, 1, 21, 30, tzinfo=UTC), 7200)


# --- through the store ---------------------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(at_head(f"sqlite:///{tmp_path / 'db.sqlite'}"), tmp_path)
    yield s
    s.close()


def _athlete(store: Store, name: str = "Ana", tz: str = "Australia/Brisbane") -> int:
    with store.transaction() as s:
        return athlete_store.get_or_create_athlete(s, name, tz).id


LOG = (
    b"date,time,distance_km,duration,climbing_m,fast_km\n"
    b"2026-07-01,23:30,10,50:00,100,1.5\n"
    b"2026-07-03,,12,1:00:00,,\n"
    b"2026-07-03,,12,1:00:00,,\n"  # the same run logged twice that day: two activities
    b"bad,,1,,,\n"
)


def test_import_log_is_idempotent_and_lands_on_local_days(store: Store) -> None:
    aid = _athlete(store)
    rep = import_log(store, aid, LOG, "log.csv")
    assert (rep.imported, rep.duplicates, [e.line for e in rep.errors]) == (3, 0, [5])
    assert rep.from_date == date(2026, 7, 1)
    again = import_log(store, aid, LOG, "log.csv")
    assert (again.imported, again.duplicates) == (0, 3)
    longer = import_log(store, aid, LOG + b"2026-07-05,,8,40:00,,\n", "log-v2.csv")
    assert (longer.imported, longer.duplicates, longer.from_date) == (1, 3, date(2026, 7, 5))
    with store.sessions() as s:
        acts = list(s.scalars(select(Activity).order_by(Activity.start_time, Activity.id)))
        assert [(a.source, a.format, a.sport) for a in acts] == [("csv", "csv", "running")] * 4
        first = acts[0]
        # 23:30 in Brisbane (UTC+10, no DST) is 13:30 UTC the same day.
        assert first.start_time.replace(tzinfo=UTC) == datetime(2026, 7, 1, 13, 30, tzinfo=UTC)
        assert first.utc_offset_s == 36000
        assert (first.distance_m, first.moving_time_s, first.elevation_gain_m) == (
            10000.0,
            3000.0,
            100.0,
        )
        assert first.fast_distance_m == pytest.approx(1500.0)
        assert first.avg_pace_s_per_km == pytest.approx(300.0)
        assert [a.session_index for a in acts[1:3]] == [0, 1]
        pending = s.get(PendingEvaluation, aid)
        assert pending is not None and pending.from_date == date(2026, 7, 1)
        files = list(s.scalars(select(SourceFile)))
        assert {f.format for f in files} == {"csv"} and len(files) == 2
        frame = activity_store.activity_frame(s, aid)
    from loadwatch.analytics.daily import daily_frame

    daily = daily_frame(frame, tz="Australia/Brisbane", fast_speed_mps=None)
    assert daily.filter(daily["runs"] > 0)["date"].to_list() == [
        date(2026, 7, 1),
        date(2026, 7, 3),
        date(2026, 7, 5),
    ]
    assert daily.filter(daily["date"] == date(2026, 7, 3))["distance_km"].item() == pytest.approx(
        24.0
    )


def test_a_decimal_comma_in_a_comma_separated_log_is_read_or_refused_with_a_hint() -> None:
    """trial9 F24: "12,50" (quoted, in a comma-separated file) was read as 1250; a comma that
    groups thousands still does, one with one or two digits after it is a decimal comma, and
    any other comma is refused with the hint."""
    from loadwatch.ingest.formats.csvlog_values import RowProblem, number

    assert number("12,50", False) == 12.5
    assert number("5,0", False) == 5.0
    assert number("1,234.5", False) == 1234.5
    assert number("1,234", False) == 1234.0
    with pytest.raises(RowProblem, match=r"'12,5000' is not a number \(a decimal comma\? use"):
        number("12,5000", False)
    assert number("12,50", True) == 12.5  # a ';' file: the comma is the decimal mark anyway
    data = b'Date,Distance (km)\n2026-11-10,"12,50"\n2026-11-11,"1,2,3"\n'
    log = parse_log(data)
    assert [(r.line, r.distance_m) for r in log.rows] == [(2, 12500.0)]
    assert [(e.line, e.message) for e in log.errors] == [
        (3, "'1,2,3' is not a number (a decimal comma? use a decimal point)")
    ]
