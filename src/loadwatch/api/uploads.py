"""Reading a multipart upload within the limits, before anything is imported.

Starlette's own form parsing has no per-file or per-request byte limit, so the body is read
here: the declared Content-Length is refused early, and the bytes actually received are counted
while reading (a client can lie about, or omit, Content-Length), per request and per file.
Files are spooled to disk by the parser, never held whole in memory until imported.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from loadwatch.config import Settings
from loadwatch.errors import InputTooLarge, InvalidRequest, Overloaded

if TYPE_CHECKING:
    from loadwatch.api.state import AppState

T = TypeVar("T")

FIELD = "files"
_MAX_FIELDS = 16  # plain form fields: we use none, a few are tolerated


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


class _LimitedParser(MultiPartParser):
    """Counts each file part's bytes as they arrive and stops at ``max_file_bytes``."""

    def __init__(
        self,
        headers: Headers,
        stream: AsyncGenerator[bytes, None],
        *,
        max_files: int,
        max_file_bytes: int,
    ) -> None:
        super().__init__(headers, stream, max_files=max_files, max_fields=_MAX_FIELDS)
        self.max_file_bytes = max_file_bytes
        self._part_bytes = 0

    def on_part_begin(self) -> None:
        super().on_part_begin()
        self._part_bytes = 0

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._current_part.file is not None:
            self._part_bytes += end - start
            if self._part_bytes > self.max_file_bytes:
                raise InputTooLarge(
                    f"a file is over {_mib(self.max_file_bytes)} (limit max_file_bytes)"
                )
        super().on_part_data(data, start, end)


async def _counted(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise InputTooLarge(f"upload is over {_mib(limit)} (limit max_upload_bytes)")
        yield chunk


def check_declared_length(request: Request, settings: Settings) -> None:
    declared = request.headers.get("content-length")
    if declared is None:
        return
    try:
        length = int(declared)
    except ValueError:
        raise InvalidRequest("invalid Content-Length header") from None
    if length > settings.max_upload_bytes:
        raise InputTooLarge(
            f"upload is {_mib(length)}, over {_mib(settings.max_upload_bytes)} "
            "(limit max_upload_bytes)"
        )


async def read_files(request: Request, settings: Settings) -> AsyncIterator[UploadFile]:
    """The uploaded files of field ``files``, in order, each within the limits.

    Raises ``InputTooLarge`` (413) for bytes over a limit and ``InvalidRequest`` (422) for too
    many files or a body that is not multipart with at least one file.
    """
    check_declared_length(request, settings)
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise InvalidRequest(f"send the files as multipart/form-data in field {FIELD!r}")
    parser = _LimitedParser(
        request.headers,
        _counted(request, settings.max_upload_bytes),
        max_files=settings.max_files_per_upload,
        max_file_bytes=settings.max_file_bytes,
    )
    try:
        form = await parser.parse()
    except MultiPartException as e:
        # The only client mistakes left here: too many files, or a malformed body.
        hint = " (limit max_files_per_upload)" if e.message.startswith("Too many files") else ""
        raise InvalidRequest(e.message + hint) from e
    files = [v for k, v in form.multi_items() if k == FIELD and isinstance(v, UploadFile)]
    try:
        if not files:
            raise InvalidRequest(f"no files in multipart field {FIELD!r}")
        for f in files:
            yield f
    finally:
        await form.close()


async def in_import_slot(state: AppState, work: Callable[[], T]) -> T:
    """Run ``work`` in a worker thread once one of the process's import slots is free (files
    and training logs share them): a busy server answers ``Overloaded`` (503 with
    Retry-After) after ``import_wait_s`` instead of queueing for ever."""
    try:
        with anyio.fail_after(state.settings.import_wait_s):
            await state.import_slots.acquire()
    except TimeoutError:
        raise Overloaded("too many uploads at once; retry shortly") from None
    try:
        return await run_in_threadpool(work)
    finally:
        state.import_slots.release()


def multipart_files_body(description: str) -> dict[str, Any]:
    """The OpenAPI request body of an upload: one or many files in the ``files`` field (the
    route reads the stream itself, so FastAPI cannot describe it)."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": [FIELD],
                        "properties": {
                            FIELD: {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                                "description": description,
                            }
                        },
                    }
                }
            },
        }
    }
