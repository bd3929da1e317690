"""Webhooks as they are registered and listed."""

from __future__ import annotations

from pydantic import AnyHttpUrl, Field, field_validator

from loadwatch.clock import UtcDatetime
from loadwatch.schemas.base import InModel, OutModel, Page


class WebhookCreate(InModel):
    url: AnyHttpUrl = Field(
        description="https URL on a public address that receives a POST per new flag "
        "(plain http and in-house addresses only as the admin allows; see docs/webhooks.md)"
    )

    @field_validator("url")
    @classmethod
    def _no_credentials(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        if url.username or url.password:
            raise ValueError("put no credentials in the URL; verify the signature instead")
        return url


class DeliveryHealth(OutModel):
    """Whether the hook's messages arrive, from its outbox rows: a receiver that refuses them,
    or one the server refuses to send to, shows here (docs/webhooks.md)."""

    failing: bool = Field(
        default=False,
        description="the newest message tried has not arrived (given up on, or retrying)",
    )
    delivered: int = Field(default=0, description="messages that arrived")
    dead: int = Field(default=0, description="messages given up on: they will not arrive")
    retrying: int = Field(default=0, description="messages failed so far, to be tried again")
    last_delivered_at: UtcDatetime | None = Field(
        default=None, description="when a message last arrived"
    )
    last_error: str | None = Field(default=None, description="why the newest failed message failed")


class WebhookOut(OutModel):
    id: int
    url: str
    active: bool = Field(description="registered and sent to; see delivery for whether it works")
    created_at: UtcDatetime
    delivery: DeliveryHealth = Field(default_factory=DeliveryHealth)


class WebhookCreated(WebhookOut):
    secret: str = Field(description="HMAC-SHA256 signing secret, shown only this once")


class WebhookList(Page):
    data: list[WebhookOut]
