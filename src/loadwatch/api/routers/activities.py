"""Activities: upload files, list, read, delete, download the original bytes."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from loadwatch.api.deps import ActivityDep, AthleteDep, SessionDep, StateDep
from loadwatch.api.query import DayRangeDep, PagingDep
from loadwatch.api.state import AppState
from loadwatch.api.uploads import in_import_slot, multipart_files_body, read_files
from loadwatch.ingest.containers.sources import SourceNotes, iter_upload
from loadwatch.ingest.formats.registry import FORMAT_NAMES, MEDIA_TYPES
from loadwatch.ingest.sports import SPORTS
from loadwatch.schemas.activities import (
    ActivityDeleted,
    ActivityOut,
    ActivityPage,
    ActivityPatch,
    ActivityRelabelled,
)
from loadwatch.schemas.uploads import UploadResult
from loadwatch.services.activities import (
    activity_page,
    local_start_of,
    relabel_activity,
    source_file,
)
from loadwatch.services.activities import delete_activity as delete_activity_and_file
from loadwatch.services.changes import notify, reevaluate
from loadwatch.services.fast_km import fast_metres_of
from loadwatch.services.import_report import FileOutcome, ImportReport, point_log_elsewhere
from loadwatch.services.importing import import_members
from loadwatch.services.pending import is_evaluating
from loadwatch.services.upload_budget import UploadBudget, start_budget
from loadwatch.services.upload_report import upload_result
from loadwatch.store.models import Activity, SourceFile

router = APIRouter(tags=["activities"])

Sport = Literal[SPORTS]  # type: ignore[valid-type]

_UPLOAD_BODY = multipart_files_body(f"{FORMAT_NAMES} files; .gz and .zip are expanded")


def _import_one(
    state: AppState, athlete_id: int, data: bytes, name: str, budget: UploadBudget
) -> ImportReport:
    if budget.cpu_spent:  # not even opened: the request's CPU budget is gone
        return ImportReport([FileOutcome(name, "failed", budget.cpu_reason())])
    # The notes bring what an archive holds besides activity files: Strava's manual entries
    # (imported from their rows) and every member skipped, with why.
    notes = SourceNotes()
    members = iter_upload(data, name, state.settings, notes)
    report = import_members(state.store, athlete_id, members, notes=notes, budget=budget)
    if not (report.outcomes or report.skipped or report.manual):
        # An archive with nothing inside yields no member to report: the part itself is
        # reported, so every part sent appears in the answer.
        report.outcomes.append(FileOutcome(name, "not_activity", "empty archive: no files in it"))
    return report


async def _import_in_slot(
    state: AppState, athlete_id: int, data: bytes, name: str, budget: UploadBudget
) -> ImportReport:
    """Decode and store one uploaded file once an import slot is free."""
    return await in_import_slot(state, lambda: _import_one(state, athlete_id, data, name, budget))


@router.post(
    "/athletes/{athlete_id}/activities",
    response_model=UploadResult,
    openapi_extra=_UPLOAD_BODY,
    responses={
        413: {
            "description": "a file or the request is over its size limit, or the athlete's "
            "storage quota is full"
        }
    },
)
async def upload(
    request: Request, athlete: AthleteDep, session: SessionDep, state: StateDep
) -> UploadResult:
    """Import one or many files; one result per activity file found (archives are expanded).
    A file that cannot be read is reported and never stops the others; every part sent
    appears in the answer (an empty archive as ``not_activity`` with its reason).  Training
    logs (CSV) go to ``POST /athletes/{athlete_id}/logs``."""
    athlete_id = athlete.id
    # Release the connection: the body may take minutes to arrive.
    await run_in_threadpool(session.commit)
    budget = await run_in_threadpool(start_budget, state.store, state.settings, athlete_id)
    report = ImportReport()
    async for upload_file in read_files(request, state.settings):
        data = await upload_file.read()
        name = upload_file.filename or "upload"
        report.merge(await _import_in_slot(state, athlete_id, data, name, budget))
    await run_in_threadpool(notify, state.on_import, report)
    logs = f"POST {request.url.path.removesuffix('/activities')}/logs"
    for o in report.outcomes:
        point_log_elsewhere(o, logs)
    result = upload_result(report)
    if report.touched:
        result.evaluation_pending = await run_in_threadpool(is_evaluating, session, athlete_id)
    return result


def _activity_out(activity: Activity, fast_m: float | None, tz: str) -> ActivityOut:
    """The activity with its fast metres at its day's threshold and its local start: the day
    its flags and series count it on (trial 11 F13)."""
    local = local_start_of(activity, tz)
    return ActivityOut.model_validate(activity).model_copy(
        update={
            "fast_distance_m": fast_m,
            "local_date": local.local_date,
            "local_start": local.local_start,
        }
    )


@router.get("/athletes/{athlete_id}/activities", response_model=ActivityPage)
def list_activities(
    athlete: AthleteDep,
    session: SessionDep,
    paging: PagingDep,
    days: DayRangeDep,
    sport: Annotated[
        Sport | None, Query(description="only activities of this sport", examples=["running"])
    ] = None,
) -> ActivityPage:
    """The athlete's activities, newest first: those whose ``local_date`` is within
    ``from``..``to`` (the day each shows under: its own UTC offset where it was recorded, else
    the athlete's time zone) and of ``sport`` when given, one page at a time."""
    rows, total = activity_page(
        session,
        athlete.id,
        limit=paging.limit,
        offset=paging.offset,
        first=days.start,
        last=days.end,
        tz=athlete.timezone,
        sport=sport,
    )
    fast = fast_metres_of(session, athlete, [r.id for r in rows])
    data = [_activity_out(r, fast[r.id], athlete.timezone) for r in rows]
    return ActivityPage(data=data, count=total, limit=paging.limit, offset=paging.offset)


@router.get("/activities/{activity_id}", response_model=ActivityOut)
def get_activity(activity: ActivityDep, session: SessionDep) -> ActivityOut:
    """One activity's numbers; ``totals_source`` says which came from the device and which
    were computed from the track; ``fast_distance_m`` is judged at its day's threshold."""
    fast = fast_metres_of(session, activity.athlete, [activity.id])
    return _activity_out(activity, fast[activity.id], activity.athlete.timezone)


@router.patch("/activities/{activity_id}", response_model=ActivityRelabelled)
def patch_activity(
    activity: ActivityDep, body: ActivityPatch, session: SessionDep, state: StateDep
) -> ActivityRelabelled:
    """Relabel the activity's sport (the user's declaration, kept over any later analysis);
    it is analysed again with it and the athlete's flags re-evaluated from its day on."""
    done = relabel_activity(state.store, session, activity, body.sport)
    fast = fast_metres_of(session, done.activity.athlete, [done.activity.id])
    # Before the commit expires it.
    out = _activity_out(done.activity, fast[done.activity.id], done.activity.athlete.timezone)
    reevaluate(state.on_import, session, out.athlete_id, done.reevaluate_from)
    return ActivityRelabelled(
        activity=out, previous_sport=done.previous_sport, reevaluate_from=done.reevaluate_from
    )


@router.delete("/activities/{activity_id}", response_model=ActivityDeleted)
def delete_activity(activity: ActivityDep, session: SessionDep, state: StateDep) -> ActivityDeleted:
    """Delete one activity; the athlete's flags are re-evaluated from its day on."""
    activity_id, athlete_id = activity.id, activity.athlete_id
    day = delete_activity_and_file(session, activity)
    reevaluate(state.on_import, session, athlete_id, day)
    return ActivityDeleted(id=activity_id, athlete_id=athlete_id, reevaluate_from=day)


def _download_name(activity: Activity, source: SourceFile | None) -> str:
    if source is not None:
        name = PurePosixPath(source.name).name
        # The stored bytes are the leaf file: a .gz was unpacked on the way in.
        if name.lower().endswith(".gz"):
            name = name[:-3]
        if name:
            return name
    return f"activity-{activity.id}.{activity.format}"


def _content_disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@router.get(
    "/activities/{activity_id}/file",
    response_class=Response,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}, "description": "bytes"}},
)
def get_file(activity: ActivityDep, session: SessionDep, state: StateDep) -> Response:
    """Download the original bytes of the file the activity came from (unpacked from .gz/.zip)."""
    source = source_file(session, activity)
    data = state.store.blobs.get(activity.source_sha256)
    return Response(
        content=data,
        media_type=MEDIA_TYPES.get(activity.format, "application/octet-stream"),
        headers={"Content-Disposition": _content_disposition(_download_name(activity, source))},
    )
