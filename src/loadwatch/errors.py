"""One exception tree for the whole product.

Every error a user can cause (a bad file, a bad request) is a ``LoadwatchError`` with a message
that reads as one clear line; the CLI prints it and the API maps it to a status in one place
(``loadwatch.api.errors``).  Library errors are wrapped with ``raise ... from e``.
"""

from __future__ import annotations


def one_line(e: BaseException | str) -> str:
    """A message on one line: library messages (XML parsers, fitparse) may embed newlines."""
    text = " ".join(str(e).split())
    return text if text or isinstance(e, str) else type(e).__name__


class LoadwatchError(Exception):
    """Base of everything loadwatch raises on purpose."""


# --- ingest -------------------------------------------------------------------------------
class IngestError(LoadwatchError):
    """A file could not be turned into activities."""


class UnsupportedFormat(IngestError):
    """Neither the name nor the content says FIT, GPX, TCX, gzip or zip."""


class CorruptFile(IngestError):
    """The file claims a format but breaks it (bad CRC, truncated, malformed XML...)."""


class MissingFile(IngestError):
    """An index names a file the source does not hold (a Strava ``activities.csv`` row whose
    ``activities/...`` file is not in the archive or folder): that activity is not imported."""


class NotAnActivity(IngestError):
    """A well-formed file that holds no recorded activity: a course, route, workout, settings,
    monitoring data, or an activity without timestamps."""


class UndatedActivity(IngestError):
    """A recorded activity whose device clock was never set: its samples are real, but it
    cannot be placed in time.  A failed file, not "not an activity": a run is lost unless the
    user logs it (counted, retried, refused by ``--strict``), where a course or a settings
    file loses nothing."""


class UnsafeInput(IngestError):
    """Input refused for safety: zip bomb, path traversal, XML entity expansion."""


class InputTooLarge(UnsafeInput):
    """Over a configured size or count limit."""


# --- store / service ----------------------------------------------------------------------
class StoreError(LoadwatchError):
    """The database or the blob store failed."""


class Overloaded(LoadwatchError):
    """More work at once than this process takes; nothing was lost, try again shortly.  The
    API answers 503 with ``Retry-After``."""

    retry_after_s = 2


class StoreBusy(StoreError, Overloaded):
    """Every connection or the database's write lock stayed taken for longer than we wait:
    overload, not failure."""


class SchedulerStopped(LoadwatchError):
    """This process's background timers no longer do their work (health answers 503 with why:
    a monitor must see it, since every other route still answers)."""


class SchemaTooNew(StoreError):
    """The database's schema revision is unknown to this code: a newer loadwatch wrote it.
    Nothing may open it (an older migration chain cannot read or downgrade it)."""


class NotFound(LoadwatchError):
    """No such object, or not visible to the caller (we never tell the two apart)."""


class Conflict(LoadwatchError):
    """The request clashes with existing state (a name taken...)."""


class InvalidRequest(LoadwatchError):
    """A request or command argument that cannot be honoured."""


class UnsafeTarget(InvalidRequest):
    """A URL loadwatch will not send requests to: not https, or a host that is (or resolves
    to) a loopback, private, link-local, metadata... address (server-side request forgery)."""


class UnresolvableTarget(InvalidRequest):
    """A URL whose host does not resolve (now): may be transient, unlike ``UnsafeTarget``."""


class Unauthorized(LoadwatchError):
    """Missing or unknown credentials."""


class TooManyAttempts(Unauthorized):
    """Too many bad credentials from this client or for this token lately: refused without
    looking (the API answers 429 with ``Retry-After``)."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed logins: retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class Forbidden(LoadwatchError):
    """The caller may see the object but their role may not do this to it (an athlete acking a
    flag).  Never used for objects the caller cannot see: those are ``NotFound``."""


class ConfigError(LoadwatchError):
    """Settings that are unsafe or inconsistent."""


class ServerUnavailable(LoadwatchError):
    """A remote loadwatch server (sync) could not be reached, or kept failing, after retries."""
