"""Training logs: upload CSV logs (a runner's spreadsheet, Strava's ``activities.csv``), the
API's door to what ``loadwatch import-log`` does (``services.csv_import.import_log``)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from loadwatch.api.deps import AthleteDep, SessionDep, StateDep
from loadwatch.api.state import AppState
from loadwatch.api.uploads import in_import_slot, multipart_files_body, read_files
from loadwatch.errors import IngestError, one_line
from loadwatch.schemas.uploads import LogFileResult, LogRowError, LogUploadResult
from loadwatch.services.changes import Reevaluation, notify
from loadwatch.services.csv_import import CsvImportReport, import_log
from loadwatch.services.pending import is_evaluating
from loadwatch.services.upload_budget import start_budget

router = APIRouter(tags=["activities"])

_LOG_BODY = multipart_files_body("CSV training logs: one activity per row")


def _result(rep: CsvImportReport) -> LogFileResult:
    new = rep.imported > 0 or bool(rep.symptom_days)
    readable = bool(rep.rows) or bool(rep.symptom_days)
    status = "imported" if new else "duplicate" if readable else "failed"
    return LogFileResult(
        file=rep.file,
        status=status,
        reason=None if readable else "no readable rows",
        imported=rep.imported,
        duplicates=rep.duplicates,
        activity_ids=rep.activity_ids,
        errors=[LogRowError(line=e.line, message=e.message) for e in rep.errors],
        columns=rep.columns,
        from_date=rep.from_date,
        symptom_days=rep.symptom_days,
    )


def _failed(name: str, why: str) -> LogFileResult:
    return LogFileResult(
        file=name,
        status="failed",
        reason=why,
        imported=0,
        duplicates=0,
        activity_ids=[],
        errors=[],
        columns={},
        from_date=None,
        symptom_days=[],
    )


async def _import_in_slot(
    state: AppState, athlete_id: int, data: bytes, name: str
) -> CsvImportReport:
    return await in_import_slot(state, lambda: import_log(state.store, athlete_id, data, name))


@router.post(
    "/athletes/{athlete_id}/logs",
    response_model=LogUploadResult,
    openapi_extra=_LOG_BODY,
    responses={
        413: {
            "description": "a file or the request is over its size limit, or the athlete's "
            "storage quota is full"
        }
    },
)
async def upload_logs(
    request: Request, athlete: AthleteDep, session: SessionDep, state: StateDep
) -> LogUploadResult:
    """Import CSV training logs: one activity per row (date, distance, time; sport, name and
    pain columns when present), as ``loadwatch import-log`` does.  Rows already stored are
    counted as duplicates; bad rows are listed with their line; a file that is not a training
    log is reported as ``failed`` and never stops the others.  Flags are re-evaluated from the
    earliest new day."""
    athlete_id = athlete.id
    # Release the connection: the body may take minutes to arrive.
    await run_in_threadpool(session.commit)
    await run_in_threadpool(start_budget, state.store, state.settings, athlete_id)
    results: list[LogFileResult] = []
    days: list[date] = []
    async for upload_file in read_files(request, state.settings):
        data = await upload_file.read()
        name = upload_file.filename or "log.csv"
        try:
            rep = await _import_in_slot(state, athlete_id, data, name)
        except IngestError as e:
            results.append(_failed(name, one_line(e)))
            continue
        results.append(_result(rep))
        if rep.from_date is not None:
            days.append(rep.from_date)
    result = LogUploadResult.of(results)
    if days:
        await run_in_threadpool(notify, state.on_import, Reevaluation(athlete_id, min(days)))
        result.evaluation_pending = await run_in_threadpool(is_evaluating, session, athlete_id)
    return result
