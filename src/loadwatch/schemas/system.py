"""Health and the signed-in user."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from loadwatch.schemas.base import OutModel


class Health(OutModel):
    status: Literal["ok"]
    version: str
    database: Literal["ok"]


class Me(OutModel):
    id: int
    name: str
    role: Literal["admin", "coach", "athlete"]
    athlete_id: int | None
    athlete_ids: list[int] = Field(description="the athletes this user can see")
