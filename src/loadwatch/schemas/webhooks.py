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


class WebhookOut(OutModel):
    id: int
    url: str
    active: bool
    created_at: UtcDatetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="HMAC-SHA256 signing secret, shown only this once")


class WebhookList(Page):
    data: list[WebhookOut]
