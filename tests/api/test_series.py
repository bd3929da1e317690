"""The series answer is written from the frame's own JSON (``routers/series.series_json``):
byte for byte what ``SeriesOut`` wrote, with real values, for day and week rows, an empty
range, and an athlete with no runs (no rows, every column named)."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from loadwatch.schemas.status import SeriesOut
from loadwatch.services.pending import is_evaluating
from loadwatch.services.series_out import named_for_output
from loadwatch.services.views import series_and_fitness
from support.api_env import API, Env, _today_7am, gpx_run, upload


def _as_model(env: Env, athlete_id: int, period: str, **params: str) -> bytes:
    """What the route answered before: a dict per row, validated into ``SeriesOut``."""
    with env.store.sessions() as s:
        start = params.get("from")
        end = params.get("to")
        frame, fitness = series_and_fitness(
            s,
            athlete_id,
            period,  # type: ignore[arg-type]
            None if start is None else pl.Series([start]).str.to_date()[0],
            None if end is None else pl.Series([end]).str.to_date()[0],
        )
        busy = is_evaluating(s, athlete_id)
    frame = named_for_output(frame)  # the unfloored ratio named apart (docs/rules.md)
    floats = [c for c, t in frame.schema.items() if t.is_float()]
    frame = frame.with_columns(pl.col(floats).fill_nan(None)) if floats else frame
    model = SeriesOut(
        athlete_id=athlete_id,
        period=period,  # type: ignore[arg-type]
        columns=frame.columns,
        data=frame.to_dicts(),
        fitness=fitness,
        evaluating=busy,
    )
    return model.model_dump_json().encode()


def test_the_series_bytes_are_what_the_model_wrote(env: Env) -> None:
    today = _today_7am()
    runs = [(f"run{i}.gpx", gpx_run(today - timedelta(days=30 - 3 * i), 5.0)) for i in range(10)]
    assert upload(env, runs).status_code == 200
    yesterday = (today - timedelta(days=3)).date()
    cases = [
        ("day", {}),
        ("week", {}),
        ("day", {"from": yesterday.isoformat(), "to": yesterday.isoformat()}),
        ("day", {"from": "2001-01-01", "to": "2001-01-31"}),  # before any run: no rows
    ]
    for period, extra in cases:
        params = {"period": period, **extra}
        r = env.client.get(
            f"{API}/athletes/{env.athlete_id}/series", params=params, headers=env.coach
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/json"
        assert r.content == _as_model(env, env.athlete_id, period, **extra), params
    one = env.client.get(
        f"{API}/athletes/{env.athlete_id}/series",
        params={"period": "day", "from": yesterday.isoformat(), "to": yesterday.isoformat()},
        headers=env.coach,
    ).json()
    (row,) = one["data"]
    assert row["date"] == yesterday.isoformat()
    assert row["distance_km"] == pytest.approx(5.0, rel=0.005)  # gpx_run's 5 km
    assert one["columns"] == list(row)


def test_an_athlete_without_runs_has_no_rows_and_every_column(env: Env) -> None:
    r = env.client.post(f"{API}/athletes", json={"name": "Idle Ida"}, headers=env.coach)
    assert r.status_code == 201, r.text
    idle = r.json()["id"]
    for period in ("day", "week"):
        got = env.client.get(
            f"{API}/athletes/{idle}/series", params={"period": period}, headers=env.coach
        )
        assert got.status_code == 200, got.text
        assert got.content == _as_model(env, idle, period)
        body = got.json()
        assert body["data"] == [] and body["fitness"] is None
        assert body["columns"][:3] == (
            ["date", "week_start", "runs"] if period == "day" else ["week_start", "days", "runs"]
        )
