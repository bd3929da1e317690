"""Planned sessions: enter (one, a week, a CSV), edit, delete and list them (docs/planning.md).

Every change asks for an evaluation from the changed day (never before the athlete's today):
evaluation ends with the pre-flight check of the stored sessions to come, which is where a
``plan.at_risk`` webhook is raised (``services.preflight.keep_at_risk``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from pydantic import ValidationError

from loadwatch.clock import local_today
from loadwatch.errors import InvalidRequest, NotFound
from loadwatch.rules.planned import PlannedRun, defaults
from loadwatch.schemas.planned import MAX_SESSIONS, PlannedIn, PlannedOut, PlannedPatch
from loadwatch.store import pending
from loadwatch.store import planned as planned_store
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, PlannedSession

CSV_COLUMNS = ("date", "distance_km", "fast_km", "climb_m", "type", "note")
MAX_CSV_BYTES = 256 * 1024


def planned_out(row: PlannedSession) -> PlannedOut:
    return PlannedOut(
        id=row.id,
        date=row.date,
        distance_km=row.distance_km,
        fast_km=row.fast_km,
        climb_m=row.climb_m,
        type=row.kind,
        note=row.note,
        version=row.version,
    )


def to_run(row: PlannedSession | PlannedIn) -> PlannedRun:
    if isinstance(row, PlannedSession):
        return PlannedRun(row.date, row.distance_km, row.fast_km, row.climb_m, row.kind, row.id)
    fast, climb = defaults(row.type, row.distance_km)
    return PlannedRun(
        row.date,
        row.distance_km,
        row.fast_km if row.fast_km is not None else fast,
        row.climb_m if row.climb_m is not None else climb,
        row.type,
    )


def past_note(athlete: Athlete, days: Sequence[date]) -> str | None:
    """What to tell whoever plans a day already lived (a typo, or a session entered late to
    compare with what was run): kept, shown on the calendar, but the pre-flight check only
    judges days to come.  Worded like the symptom log's refusal of a day to come."""
    today = local_today(athlete.timezone)
    past = sorted(d for d in days if d < today)
    if not past:
        return None
    what = f"{past[0]} is" if len(past) == 1 else f"{len(past)} sessions (from {past[0]}) are"
    return (
        f"{what} in the past (today is {today} for the athlete): kept for the calendar, not checked"
    )


def _request(session: Session, athlete: Athlete, days: Sequence[date]) -> None:
    """Re-judge from the earliest day touched (not before today: the past is not planned)."""
    today = local_today(athlete.timezone)
    pending.request_evaluation(session, athlete.id, max(min(days), today))


def add_sessions(
    session: Session, athlete: Athlete, entries: Sequence[PlannedIn], *, by: int | None = None
) -> list[PlannedSession]:
    if not entries:
        raise InvalidRequest("no planned sessions given")
    if len(entries) > MAX_SESSIONS:
        raise InvalidRequest(f"at most {MAX_SESSIONS} planned sessions at once")
    rows = []
    for e in entries:
        run = to_run(e)
        rows.append(
            planned_store.add(
                session,
                PlannedSession(
                    athlete_id=athlete.id,
                    date=run.date,
                    distance_km=run.distance_km,
                    fast_km=run.fast_km,
                    climb_m=run.climb_m,
                    kind=e.type,
                    note=e.note,
                    version=1,
                    created_by=by,
                ),
            )
        )
    _request(session, athlete, [r.date for r in rows])
    return rows


def planned_of(session: Session, athlete: Athlete, planned_id: int) -> PlannedSession:
    """The athlete's planned session; another athlete's is as missing as none."""
    row = planned_store.get(session, planned_id)
    if row is None or row.athlete_id != athlete.id:
        raise NotFound(f"no planned session with id {planned_id}")
    return row


def edit_session(
    session: Session, athlete: Athlete, row: PlannedSession, patch: PlannedPatch
) -> PlannedSession:
    """Change the fields given; a new type re-fills what was not given with its defaults."""
    before = row.date
    given = patch.model_fields_set
    if "date" in given and patch.date is not None:
        row.date = patch.date
    if "distance_km" in given and patch.distance_km is not None:
        row.distance_km = patch.distance_km
    if "type" in given:
        row.kind = patch.type
        fast, climb = defaults(patch.type, row.distance_km)
        row.fast_km = fast if "fast_km" not in given else row.fast_km
        row.climb_m = climb if "climb_m" not in given else row.climb_m
    if "fast_km" in given:
        row.fast_km = patch.fast_km or 0.0
    if "climb_m" in given:
        row.climb_m = patch.climb_m or 0.0
    if "note" in given:
        row.note = patch.note
    if row.fast_km > row.distance_km:
        raise InvalidRequest("fast_km cannot be more than distance_km")
    row.version += 1
    planned_store.flush(session)
    _request(session, athlete, [before, row.date])
    return row


def delete_session(session: Session, athlete: Athlete, row: PlannedSession) -> None:
    day = row.date
    planned_store.remove(session, row)
    _request(session, athlete, [day])


def list_sessions(
    session: Session, athlete: Athlete, start: date | None = None, end: date | None = None
) -> list[PlannedSession]:
    return planned_store.of_athlete(session, athlete.id, start, end)


def parse_csv(data: bytes) -> list[PlannedIn]:
    """``date,distance_km,fast_km,climb_m[,type][,note]`` with a header row; empty cells take
    the type's defaults.  Every bad row is named in one error, nothing is half-read."""
    if len(data) > MAX_CSV_BYTES:
        raise InvalidRequest(f"a plan CSV is at most {MAX_CSV_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidRequest("the plan CSV is not UTF-8 text") from e
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "date" not in header or "distance_km" not in header:
        raise InvalidRequest(
            "the plan CSV needs a header with at least date,distance_km "
            "(optional: fast_km, climb_m, type, note)"
        )
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise InvalidRequest(f"unknown plan CSV column(s): {', '.join(unknown)}")
    out: list[PlannedIn] = []
    errors: list[str] = []
    for line, raw in enumerate(reader, start=2):
        row = {
            (k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None
        }
        if not any(row.values()):
            continue
        data_ = {k: v for k, v in row.items() if v != ""}
        if "type" in data_:
            data_["type"] = data_["type"].lower()
        try:
            out.append(PlannedIn.model_validate(data_))
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "row"
            errors.append(f"line {line}: {where}: {err['msg']}")
    if errors:
        raise InvalidRequest("; ".join(errors[:5]) + (" …" if len(errors) > 5 else ""))
    if not out:
        raise InvalidRequest("the plan CSV holds no sessions")
    if len(out) > MAX_SESSIONS:
        raise InvalidRequest(f"at most {MAX_SESSIONS} planned sessions at once")
    return out
