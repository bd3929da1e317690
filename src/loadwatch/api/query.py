"""Query conventions shared by every route: unknown parameters refused, one pagination, one
day range.

Lists answer ``{"data": [...], "count": <all matching>, "limit": n, "offset": k}``: ``count``
is the total over every page, so a client pages with ``offset += limit`` while
``offset < count``.  Day ranges are ``from``/``to``, both inclusive, local days of the athlete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from loadwatch.errors import InvalidRequest

# Row ids and offsets are 32-bit on PostgreSQL.
MAX_OFFSET = 2**31 - 1
MAX_LIMIT = 500
DEFAULT_LIMIT = 50

_known: dict[int, frozenset[str]] = {}


def _declared(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _declared(sub)
    return names


def _query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters the route and its dependencies declare (by their public alias)."""
    names = _known.get(id(route))
    if names is None:
        names = _known[id(route)] = frozenset(_declared(route.dependant))
    return names


def reject_unknown_query(request: Request) -> None:
    """Installed once on the app: a query parameter the route does not declare is a typo the
    caller should hear about (``?limt=5`` silently giving 50 rows is worse than a 422)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params.keys()) - _query_names(route))
    if unknown:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": "unknown query parameter"
                    + (
                        f"; this operation takes: {', '.join(sorted(_query_names(route)))}"
                        if _query_names(route)
                        else "; this operation takes none"
                    ),
                    "type": "unknown_query_parameter",
                    "input": request.query_params.get(name),
                }
                for name in unknown
            ]
        )


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


def get_paging(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="at most this many items", examples=[20])
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="skip this many items", examples=[0])
    ] = 0,
) -> Paging:
    return Paging(limit=limit, offset=offset)


PagingDep = Annotated[Paging, Depends(get_paging)]

_T = TypeVar("_T")


def page_of(items: Sequence[_T], paging: Paging) -> list[_T]:
    return list(items[paging.offset : paging.offset + paging.limit])


@dataclass(frozen=True)
class DayRange:
    start: date | None
    end: date | None

    def holds(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def overlaps(self, first: date, last: date | None) -> bool:
        """Whether ``first..last`` (``None``: still open) shares a day with the range."""
        return (self.end is None or first <= self.end) and (
            last is None or self.start is None or last >= self.start
        )


def get_day_range(
    start: Annotated[
        date | None,
        Query(alias="from", description="first local day (inclusive)", examples=["2026-08-01"]),
    ] = None,
    end: Annotated[
        date | None,
        Query(alias="to", description="last local day (inclusive)", examples=["2026-08-31"]),
    ] = None,
) -> DayRange:
    if start is not None and end is not None and start > end:
        raise InvalidRequest(f"from {start} is after to {end}")
    return DayRange(start, end)


DayRangeDep = Annotated[DayRange, Depends(get_day_range)]
