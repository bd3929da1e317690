"""Webhooks: a URL of the caller's that receives every new flag they can see.

Only admins and coaches may register one (an athlete gets 403): a hook makes the server send
requests into the network, and a coach is who needs the notifications.  The URL must pass the
SSRF guard (``loadwatch.netguard``) now, and passes it again at every delivery.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, status

from loadwatch.api.deps import CurrentUser, SessionDep, StaffUser, StateDep, WebhookDep
from loadwatch.api.query import PagingDep, page_of
from loadwatch.api.schemas import WebhookCreate, WebhookCreated, WebhookList, WebhookOut
from loadwatch.netguard import Resolver, check_url, system_resolver
from loadwatch.services.webhooks import target_policy
from loadwatch.store import webhooks as hooks
from loadwatch.store.models import Webhook

router = APIRouter(tags=["webhooks"])


def get_resolver() -> Resolver:
    """The DNS resolver the guard uses; tests override this dependency (no network)."""
    return system_resolver


ResolverDep = Annotated[Resolver, Depends(get_resolver)]


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
    url = str(body.url)
    check_url(url, target_policy(state.settings), resolve)
    hook = Webhook(owner_id=user.id, url=url, secret=secrets.token_hex(32), active=True)
    hooks.add(session, hook)
    return WebhookCreated.model_validate(hook)


@router.get("/webhooks", response_model=WebhookList)
def list_webhooks(user: CurrentUser, session: SessionDep, paging: PagingDep) -> WebhookList:
    """The caller's own webhooks (never their secrets), one page at a time."""
    rows = hooks.of_owner(session, user.id)
    return WebhookList(
        data=[WebhookOut.model_validate(h) for h in page_of(rows, paging)],
        count=len(rows),
        limit=paging.limit,
        offset=paging.offset,
    )


@router.delete("/webhooks/{webhook_id}", response_model=WebhookOut)
def delete_webhook(hook: WebhookDep, session: SessionDep) -> WebhookOut:
    """Unregister the webhook: nothing more is sent to its URL."""
    out = WebhookOut.model_validate(hook)
    hooks.remove(session, hook)
    return out
