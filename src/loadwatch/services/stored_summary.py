"""The summaries evaluation stored with each athlete's view (``services/stored_view.py`` writes
them with the view's rows), read back without the rows: what status and the triage read on
every call, in SQL and pydantic alone - no polars, no rules - so that ``loadwatch status`` and
``flags`` start in a fraction of a second (issue #19)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from pydantic import ValidationError

from loadwatch.clock import local_today
from loadwatch.schemas.status import VIEW_VERSION, Summary
from loadwatch.store import pending
from loadwatch.store import views as view_rows
from loadwatch.store.athlete_rows import AthleteLike

if TYPE_CHECKING:
    from loadwatch.store.db import Reads


def parse_summary(data: dict[str, object]) -> Summary | None:
    if data.get("version") != VIEW_VERSION:
        return None
    try:
        return Summary.model_validate(data)
    except ValidationError:
        return None


def stored_summaries(
    session: Reads, athletes: Sequence[AthleteLike], today: date | None = None
) -> dict[int, Summary]:
    """The stored summaries that are current for each athlete (for ``today``, or each one's
    local today), in two queries; an athlete missing from the answer needs a live view."""
    ids = [a.id for a in athletes]
    busy = pending.waiting(session, ids)
    out: dict[int, Summary] = {}
    stored = view_rows.summaries(session, ids)
    for a in athletes:
        data = stored.get(a.id)
        if data is None or a.id in busy:
            continue
        summary = parse_summary(data)
        if summary is not None and summary.as_of == (today or local_today(a.timezone)):
            out[a.id] = summary
    return out


def kept_summaries(session: Reads, athletes: Sequence[AthleteLike]) -> dict[int, Summary]:
    """The stored summaries of these athletes whatever their day, except where an evaluation
    is pending (their numbers are about to change)."""
    ids = [a.id for a in athletes]
    busy = pending.waiting(session, ids)
    out: dict[int, Summary] = {}
    for aid, data in view_rows.summaries(session, ids).items():
        summary = parse_summary(data) if aid not in busy else None
        if summary is not None:
            out[aid] = summary
    return out
