"""Webhooks: a URL of the caller's that receives every new flag they can see."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, status

from loadwatch.api.deps import CurrentUser, SessionDep, WebhookDep
from loadwatch.api.schemas import WebhookCreate, WebhookCreated, WebhookList, WebhookOut
from loadwatch.store import webhooks as hooks
from loadwatch.store.models import Webhook

router = APIRouter(tags=["webhooks"])


@router.post("/webhooks", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED)
def create_webhook(body: WebhookCreate, user: CurrentUser, session: SessionDep) -> WebhookCreated:
    """Register a URL; the signing secret is in this response and never again."""
    hook = Webhook(owner_id=user.id, url=str(body.url), secret=secrets.token_hex(32), active=True)
    hooks.add(session, hook)
    return WebhookCreated.model_validate(hook)


@router.get("/webhooks", response_model=WebhookList)
def list_webhooks(user: CurrentUser, session: SessionDep) -> WebhookList:
    rows = hooks.of_owner(session, user.id)
    return WebhookList(data=[WebhookOut.model_validate(h) for h in rows])


@router.delete("/webhooks/{webhook_id}", response_model=WebhookOut)
def delete_webhook(hook: WebhookDep, session: SessionDep) -> WebhookOut:
    out = WebhookOut.model_validate(hook)
    hooks.remove(session, hook)
    return out
