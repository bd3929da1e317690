"""Database errors become loadwatch errors here, and nowhere else.

Everything above the store sees ``Conflict`` (a unique or foreign key said no), ``StoreBusy``
(no connection or lock within the wait: overload, worth a retry) or ``StoreError`` (the
database failed); never a SQLAlchemy or driver exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc

from loadwatch.errors import (
    Conflict,
    InvalidRequest,
    LoadwatchError,
    StoreBusy,
    StoreError,
    one_line,
)

# Driver wording for "waited for the lock and gave up": SQLite's busy timeout, PostgreSQL's
# lock_timeout / statement_timeout / a deadlock victim.
_BUSY_WORDS = (
    "database is locked",
    "database table is locked",
    "lock timeout",
    "canceling statement due to statement timeout",
    "deadlock detected",
    "could not serialize access",
)


def translate(e: exc.SQLAlchemyError) -> LoadwatchError:
    """The loadwatch error for a database exception."""
    if isinstance(e, exc.TimeoutError):  # the pool: every connection in use for pool_timeout
        return StoreBusy("every database connection is in use")
    detail = one_line(getattr(e, "orig", None) or e)
    if isinstance(e, exc.DataError) and "nul" in detail.lower():
        # PostgreSQL refuses a NUL in text: the caller's input, not a failing database.
        return InvalidRequest(f"text must not contain a NUL character: {detail}")
    if isinstance(e, exc.IntegrityError):
        return Conflict(f"the change clashes with stored data: {detail}")
    if isinstance(e, exc.OperationalError | exc.InternalError) and any(
        w in detail.lower() for w in _BUSY_WORDS
    ):
        return StoreBusy(f"the database is busy: {detail}")
    return StoreError(f"database error: {detail}")


@contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except exc.SQLAlchemyError as e:
        raise translate(e) from e
