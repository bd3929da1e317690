"""One sport vocabulary and its precedence: relabel > the export's type > the file's sport >
a labelled guess; short recordings are not runs.  Files are generated (``track_fixtures``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

import support.track_fixtures as tf
from loadwatch.ingest import sports
from loadwatch.ingest.formats.csvlog import sport_of
from loadwatch.ingest.formats.fit import decode as fit_decode
from loadwatch.ingest.formats.gpx import decode as gpx_decode
from loadwatch.ingest.sports_choice import SportChoice, decide, too_short_to_run
from loadwatch.ingest.sports_guess import RUN_P95_MAX_MPS, Guess
from loadwatch.services.importing import DecodedFile, analyse
from support.paths import CORPUS_SKIP, HAVE_CORPUS


def _analyse(data: bytes, name: str, **kw: str | None) -> DecodedFile:
    return analyse(data, name, sha256="0" * 64, **kw)  # type: ignore[arg-type]


# --- tokens, not substrings ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "sport"),
    [
        ("Run", "running"),
        ("Trail Run", "trail_running"),
        ("Virtual Run", "treadmill_running"),
        ("VirtualRun", "treadmill_running"),
        ("Ride", "cycling"),
        ("Virtual Ride", "cycling"),
        ("E-Bike Ride", "cycling"),
        ("Mountain Bike Ride", "cycling"),
        ("Gravel Ride", "cycling"),
        ("Walk", "walking"),
        ("Hike", "hiking"),
        ("Swim", "swimming"),
        ("Weight Training", "other"),
        ("Yoga", "other"),
        ("Alpine Ski", "other"),
        ("", None),
        ("Strides", None),  # not a ride
        ("Pride 5k", None),  # not a ride either
    ],
)
def test_export_activity_types_are_exact_tokens(text: str, sport: str | None) -> None:
    assert sports.from_activity_type(text) == sport


@pytest.mark.parametrize(
    ("text", "sport"),
    [
        ("Strides", "running"),  # a runner's log names the workout
        ("Pride 5k", "running"),
        ("Tempo", "running"),
        ("Long run", "running"),
        ("Ride", "cycling"),
        ("Brunch", "other"),  # not a run
        ("", "running"),
        ("cycling", "cycling"),
    ],
)
def test_log_sport_cells(text: str, sport: str) -> None:
    assert sport_of(text) == sport


@pytest.mark.parametrize(
    ("sport", "sub", "expected"),
    [
        ("running", "trail", "trail_running"),
        ("running", None, "running"),
        ("rowing", None, "other"),
        ("generic", "generic", None),
        ("generic", "treadmill", "treadmill_running"),
        (53, 0, None),
        (None, None, None),
    ],
)
def test_fit_declarations(sport: object, sub: object, expected: str | None) -> None:
    assert sports.from_fit(sport, sub) == expected


# --- precedence ----------------------------------------------------------------------------
GUESS = Guess("cycling", "sport cycling guessed from the moving speed")


def test_precedence_order() -> None:
    assert decide(relabel="hiking", export="Run", file="cycling", guessed=GUESS) == (
        SportChoice("hiking", "relabel")
    )
    by_export = decide(export="Run", file="cycling", guessed=GUESS)
    assert (by_export.sport, by_export.source) == ("running", "export")
    assert by_export.note is not None and "not the file's cycling" in by_export.note
    assert decide(export="Run", guessed=GUESS).source == "export"
    assert decide(export="Quidditch", file="cycling").source == "file"  # not understood
    assert decide(file="swimming", guessed=GUESS) == SportChoice("swimming", "file")
    assert decide(guessed=GUESS) == SportChoice("cycling", "guess", GUESS.note)
    with pytest.raises(ValueError, match="unknown sport"):
        decide(relabel="quidditch")


def test_short_recordings_are_not_runs_unless_relabelled() -> None:
    run = SportChoice("running", "file")
    assert too_short_to_run(run, 199.0, 3600.0).sport == "other"
    assert too_short_to_run(run, 5000.0, 119.0).source == "too_short"
    assert too_short_to_run(run, 200.0, 120.0) == run
    ride = SportChoice("cycling", "file")
    assert too_short_to_run(ride, 10.0, 10.0) == ride
    relabelled = SportChoice("running", "relabel")
    assert too_short_to_run(relabelled, 0.0, 41.0) == relabelled


# --- through the decoders and analyse --------------------------------------------------------
# A run whose speeds carry a GPS-glitch tail: 5 % of the fixes jump ahead 40 m and back.
GLITCHY = tf.Line(speed_mps=2.44, n=901, dt_s=2)


def _glitchy_gpx() -> bytes:
    doc = tf.gpx(GLITCHY, heart_rate=False).decode()
    lines = doc.split("\n")
    out = []
    for i, text in enumerate(lines):
        if text.startswith("<trkpt") and i % 20 == 7:
            lat = GLITCHY.lat(i) + 40 / 111_000
            text = f'<trkpt lat="{lat:.9f}"' + text[text.index(" lon=") :]
        out.append(text)
    return "\n".join(out).encode()


def test_declared_run_beats_a_guess_from_a_glitchy_tail() -> None:
    data = _glitchy_gpx()
    (track,) = gpx_decode(data, "activity_1.gpx")
    assert track.sport_guess is not None  # no <type>: the decoder can only guess
    declared = _analyse(data, "activity_1.gpx", declared_sport="Run")
    (act,) = declared.activities
    assert act.summary.sport == "running"
    assert act.summary.totals_source["sport"] == "export"
    assert not any("guessed" in w for w in act.summary.warnings)
    assert not any("guessed" in w for w in declared.warnings)  # what the import prints
    # 6:50 /km: the real numbers survive whatever the label.
    assert act.summary.moving_time_s == pytest.approx(GLITCHY.duration_s, abs=4)


def test_robust_guess_calls_the_glitchy_run_a_run() -> None:
    (track,) = gpx_decode(_glitchy_gpx(), "activity_1.gpx")
    raw = track.samples.select(
        (pl.col("lat").diff().abs() * 111_000 / pl.col("time").diff().dt.total_seconds()).quantile(
            0.95
        )
    ).item()
    assert raw > RUN_P95_MAX_MPS  # a raw 95th percentile would have said "ride"
    (act,) = _analyse(_glitchy_gpx(), "activity_1.gpx").activities
    assert act.summary.sport == "running"
    assert act.summary.totals_source["sport"] == "guess"
    assert any("guessed from the moving speed (median 2.44 m/s" in w for w in act.summary.warnings)


def test_relabel_beats_everything() -> None:
    (act,) = _analyse(tf.fit(), "run.fit", declared_sport="Ride", relabel="hiking").activities
    assert (act.summary.sport, act.summary.totals_source["sport"]) == ("hiking", "relabel")
    assert act.summary.distance_m == pytest.approx(tf.Line().distance_m)


def test_fit_generic_with_running_cadence_and_pace_is_running() -> None:
    line = tf.Line(speed_mps=3.2, cadence=88)
    (track,) = fit_decode(tf.fit(line, sport=0, sub_sport=0), "fenix.fit")
    assert track.sport == "running"
    assert track.sport_guess is not None and "cadence 88/min" in track.sport_guess
    (act,) = _analyse(tf.fit(line, sport=0, sub_sport=0), "fenix.fit").activities
    assert act.summary.sport == "running"
    assert act.summary.totals_source["sport"] == "guess"
    assert act.summary.distance_m == pytest.approx(line.distance_m)
    assert act.summary.moving_time_s == pytest.approx(line.duration_s)


def test_fit_generic_ride_without_running_cadence_is_cycling() -> None:
    line = tf.Line(speed_mps=8.0, cadence=0)
    (track,) = fit_decode(tf.fit(line, sport=0), "generic.fit")
    assert track.sport == "cycling"


def test_declared_fit_sport_is_never_guessed() -> None:
    (track,) = fit_decode(tf.fit(tf.Line(speed_mps=8.0), sport=1), "run.fit")
    assert (track.sport, track.sport_guess) == ("running", None)


def test_a_41_second_recording_is_kept_but_not_a_run() -> None:
    line = tf.Line(speed_mps=0.0, n=42, dt_s=1)
    (act,) = _analyse(tf.fit(line), "oops.fit").activities
    s = act.summary
    assert (s.sport, s.totals_source["sport"]) == ("other", "too_short")
    assert (s.distance_m, s.elapsed_time_s) == (0.0, 41.0)
    assert any("too short to count as a run" in w for w in s.warnings)
    (relabelled,) = _analyse(tf.fit(line), "oops.fit", relabel="running").activities
    assert relabelled.summary.sport == "running"


def test_a_declared_sport_that_is_not_a_run_is_kept() -> None:
    line = tf.Line(speed_mps=1.0, n=61, dt_s=1)  # 60 m in 60 s, declared a walk
    (act,) = _analyse(tf.fit(line, sport=11), "walk.fit").activities
    assert (act.summary.sport, act.summary.totals_source["sport"]) == ("walking", "file")


@pytest.mark.parametrize(
    ("distance_m", "elapsed_s", "said"),
    [
        (0.0, 699_999.0, "0 m is too short to count as a run (under 200 m)"),
        (1_500.0, 90.0, "90 s is too short to count as a run (under 2 min)"),
        (150.0, 90.0, "150 m in 90 s is too short to count as a run (under 200 m and 2 min)"),
    ],
)
def test_too_short_names_what_falls_short(distance_m: float, elapsed_s: float, said: str) -> None:
    """Trial 9 F6: eight days of recording were called too short; only the 0 m was."""
    choice = too_short_to_run(SportChoice("running", "file"), distance_m, elapsed_s)
    assert (choice.sport, choice.note) == ("other", f"{said}: kept as other")


def test_track_vocabulary_is_the_sports_one() -> None:
    from loadwatch.ingest import track

    assert track.SPORTS is sports.SPORTS and track.RUNNING_SPORTS is sports.RUNNING_SPORTS
    t = gpx_decode(tf.gpx(), "x.gpx")[0]
    with pytest.raises(ValueError, match="unknown sport"):
        replace(t, sport="quidditch")


def test_a_guessed_run_too_short_to_count_gets_one_warning_not_two() -> None:
    """Trial item 12: "assumed running" then "kept as other" read as a contradiction; the
    guess and why it was overruled are one sentence."""
    guessed = SportChoice(
        "running", "guess", "sport unknown and no speed to judge by: assumed running"
    )
    assert too_short_to_run(guessed, 0.0, 3821.0).note == (
        "sport unknown and no speed to judge by: assumed running, but 0 m is too "
        "short to count as a run (under 200 m): kept as other"
    )
    line = tf.Line(speed_mps=0.0, n=42, dt_s=1)
    (act,) = _analyse(tf.fit(line, sport=0), "generic.fit").activities
    s = act.summary
    assert (s.sport, s.totals_source["sport"]) == ("other", "too_short")
    assert s.warnings == [
        "FIT sport 'generic'; sport unknown and no speed to judge by: assumed running, but 0 m "
        "in 41 s is too short to count as a run (under 200 m and 2 min): kept as other"
    ]


# --- a declared run faster than any runner ---------------------------------------------------
def test_a_declared_run_faster_than_any_runner_is_counted_as_cycling() -> None:
    """Trial 9 F13: a ride recorded in run mode became 10.1 fast km and alerts."""
    (ride,) = _analyse(tf.fit(tf.Line(speed_mps=7.5, n=600), sport=1), "ride.fit").activities
    assert (ride.summary.sport, ride.summary.totals_source["sport"]) == ("cycling", "guess")
    assert ride.summary.warnings == [
        "declared running, but its median moving speed of 7.50 m/s (2:13/km) is faster than "
        "any runner holds over a recording (the 5,000 m world record averages 6.62 m/s): "
        "counted as cycling; relabel it if it was a run"
    ]
    # A fast runner's 6.5 m/s (2:34/km) stays a run; the user's relabel always wins.
    (fast,) = _analyse(tf.fit(tf.Line(speed_mps=6.5, n=600), sport=1), "fast.fit").activities
    assert (fast.summary.sport, fast.summary.warnings) == ("running", [])
    (kept,) = _analyse(
        tf.fit(tf.Line(speed_mps=7.5, n=600), sport=1), "ride.fit", relabel="running"
    ).activities
    assert kept.summary.sport == "running"


@pytest.mark.skipif(not HAVE_CORPUS, reason=CORPUS_SKIP)
def test_the_forerunner_10_ride_is_cycling_in_both_its_formats(corpus: Path) -> None:
    """The FIT declares running at 10,207.73 m in 1,499.4 s of timer (FIT_TOTALS.csv: 6.81 m/s,
    2:27/km); its GPSBabel GPX, with no sport, was already guessed cycling."""
    sports_of = {
        rel: {a.summary.sport for a in _analyse((corpus / rel).read_bytes(), rel).activities}
        for rel in (
            "fit/gpsbabel_garmin-forerunner-10.fit",
            "gpx/gpsbabel_garmin-forerunner-10-output.gpx",
        )
    }
    assert all(s == {"cycling"} for s in sports_of.values()), sports_of
