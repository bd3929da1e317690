"""Notification channels (Apprise URLs) as they are registered and listed."""

from __future__ import annotations

from pydantic import Field

from loadwatch.clock import UtcDatetime
from loadwatch.schemas.base import InModel, OutModel, Page
from loadwatch.schemas.webhooks import DeliveryHealth


class ChannelCreate(InModel):
    url: str = Field(
        min_length=8,
        max_length=2000,
        description="an Apprise URL: mailtos://, ntfys://, matrixs://, gotifys://, jsons://, "
        "slack://, discord://, tgram://, msteams:// or pover:// (see docs/notifications.md); "
        "self-hosted servers must be on public addresses unless the admin allows in-house ones",
    )


class ChannelOut(OutModel):
    id: int
    service: str = Field(description="email, ntfy, matrix, slack, telegram...")
    url: str = Field(description="the URL with its secrets masked")
    active: bool
    created_at: UtcDatetime
    delivery: DeliveryHealth = Field(default_factory=DeliveryHealth)


class ChannelList(Page):
    data: list[ChannelOut]
