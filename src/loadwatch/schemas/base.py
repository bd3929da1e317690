"""The bases every model shares: what a response reads from, what a request refuses, and the
list envelope."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class OutModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class InModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        # PostgreSQL cannot store a NUL in text (SQLite can): refused here, on both, as what it
        # is, a malformed request, rather than a storage error.
        if _has_nul(data):
            raise ValueError("text must not contain a NUL (\\u0000) character")
        return data


class Page(OutModel):
    """The one list envelope (``api/query.py``): ``data`` is this page; page on with
    ``offset += limit`` while ``offset < count``."""

    count: int = Field(description="every item matching the filters, over all pages")
    limit: int = Field(description="the page size asked for")
    offset: int = Field(description="items skipped before this page")
