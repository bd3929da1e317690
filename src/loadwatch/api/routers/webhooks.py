"""Webhooks: a URL of the caller's that is told of every episode event (created, escalated,
resolved, withdrawn) of the athletes they can see (``services/webhooks.py``).

Only admins and coaches may register one (an athlete gets 403): a hook makes the server send
requests into the network, and a coach is who needs the notifications.  The URL must pass the
SSRF guard (``loadwatch.netguard``) now, and passes it again at every delivery.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from loadwatch.api.deps import (
    CurrentUser,
    ResolverDep,
    SessionDep,
    StaffUser,
    StateDep,
    WebhookDep,
    get_resolver,
)
from loadwatch.api.query import PagingDep, page_of
from loadwatch.schemas.webhooks import WebhookCreate, WebhookCreated, WebhookList, WebhookOut
from loadwatch.services.webhooks import delivery_health, register, remove_webhook, webhooks_of

router = APIRouter(tags=["webhooks"])
__all__ = ["get_resolver", "router"]  # tests override the resolver through this module


@router.post(
    "/webhooks",
    response_model=WebhookCreated,
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {"description": "athletes may not register webhooks"},
        422: {"description": "the URL is refused (not https, or not a public address)"},
    },
)
def create_webhook(
    body: WebhookCreate,
    user: StaffUser,
    session: SessionDep,
    state: StateDep,
    resolve: ResolverDep,
) -> WebhookCreated:
    """Register an https URL on a public address; the signing secret is in this response and
    never again."""
    hook = register(session, user.id, str(body.url), state.settings, resolve)
    return WebhookCreated.model_validate(hook)


@router.get("/webhooks", response_model=WebhookList)
def list_webhooks(user: CurrentUser, session: SessionDep, paging: PagingDep) -> WebhookList:
    """The caller's own webhooks (never their secrets), one page at a time."""
    rows = webhooks_of(session, user.id)
    shown = page_of(rows, paging)
    health = delivery_health(session, shown)
    return WebhookList(
        data=[
            WebhookOut.model_validate(h).model_copy(update={"delivery": health[h.id]})
            for h in shown
        ],
        count=len(rows),
        limit=paging.limit,
        offset=paging.offset,
    )


@router.delete("/webhooks/{webhook_id}", response_model=WebhookOut)
def delete_webhook(hook: WebhookDep, session: SessionDep) -> WebhookOut:
    """Unregister the webhook: nothing more is sent to its URL."""
    out = WebhookOut.model_validate(hook)
    remove_webhook(session, hook)
    return out
