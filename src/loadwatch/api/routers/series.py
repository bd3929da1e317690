"""Load series (JSON or CSV) and the athlete's current status."""

from __future__ import annotations

import json
from typing import Literal

import polars as pl
from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from loadwatch.api.deps import AthleteDep, SessionDep, StateDep
from loadwatch.api.query import DayRangeDep
from loadwatch.schemas.fitness import FitnessOut
from loadwatch.schemas.status import AthleteStatus, SeriesOut
from loadwatch.services.series_out import named_for_output
from loadwatch.services.status import athlete_status
from loadwatch.services.views import series_view

router = APIRouter(tags=["series"])

EVALUATING_HEADER = "Loadwatch-Evaluating"


def wants_csv(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return any(part.split(";")[0].strip() == "text/csv" for part in accept.split(","))


def series_json(
    athlete_id: int,
    period: str,
    frame: pl.DataFrame,
    fitness: FitnessOut | None,
    evaluating: bool,
) -> bytes:
    """``SeriesOut`` as JSON, byte for byte, without building a dict per row and validating
    it twice (once into the model, once as the response model): polars writes the rows as
    the JSON array they are (dates ISO, NaN and infinities as null, as pydantic writes them),
    and the envelope is joined around them (benchmarks/service.py, "one request profiled")."""
    envelope = json.dumps(
        {"athlete_id": athlete_id, "period": period, "columns": frame.columns},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    rows = frame.write_json().encode()
    return b"".join(
        (
            envelope[:-1].encode(),
            b',"data":',
            rows,
            b',"fitness":',
            fitness.model_dump_json().encode() if fitness is not None else b"null",
            b',"evaluating":',
            b"true" if evaluating else b"false",
            b"}",
        )
    )


@router.get(
    "/athletes/{athlete_id}/series",
    response_model=SeriesOut,
    responses={
        200: {"content": {"text/csv": {}}, "description": "JSON, or CSV for Accept: text/csv"}
    },
)
def get_series(
    request: Request,
    athlete: AthleteDep,
    session: SessionDep,
    days: DayRangeDep,
    period: Literal["day", "week"] = "week",
) -> Response:
    """The athlete's load per local day or week over ``from``..``to`` (``to`` defaults to the
    athlete's today), one row per period with the columns named in ``columns``; as JSON or,
    with ``Accept: text/csv``, as a CSV download.  Day rows carry ``fitness_load``,
    ``fitness``, ``fatigue`` and ``form`` (Banister, 42 and 7 days): performance context, not
    injury risk; ``fitness`` says what they are made of (TRIMP, sRPE or km)."""
    # One pending check answers both "is the stored view current" and "evaluating".
    frame, fitness, busy = series_view(session, athlete, period, days.start, days.end)
    frame = named_for_output(frame)
    if wants_csv(request):
        return PlainTextResponse(
            frame.write_csv(),
            media_type="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="athlete-{athlete.id}-{period}.csv"',
                # A CSV has no field for it: a header says the flags are being re-evaluated.
                EVALUATING_HEADER: "true" if busy else "false",
            },
        )
    body = series_json(athlete.id, period, frame, fitness, busy)
    return Response(content=body, media_type="application/json")


@router.get("/athletes/{athlete_id}/status", response_model=AthleteStatus)
def get_status(athlete: AthleteDep, session: SessionDep, state: StateDep) -> AthleteStatus:
    """Where the athlete stands today: the window ratios, the headroom for the next run per
    dimension, live episodes, the plan in force and the fast threshold with its source."""
    return athlete_status(session, athlete.id, blobs=state.store.blobs)
