"""Notification channels: Apprise URLs (email, ntfy, Matrix, Slack, Telegram...) that are told,
in a sentence and a link, what webhooks are told in JSON: every episode event of the athletes
the owner can see, and the weekly summaries (``services/webhooks.py``).

Any signed-in user may register one, an athlete included: the weekly summary is theirs too.
The server each URL connects to passes the same guard as webhooks, now and at every send.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from loadwatch.api.deps import ChannelDep, CurrentUser, ResolverDep, SessionDep, StateDep
from loadwatch.api.query import PagingDep, page_of
from loadwatch.schemas.notifications import ChannelCreate, ChannelList, ChannelOut
from loadwatch.schemas.webhooks import DeliveryHealth
from loadwatch.services.apprise_channel import describe
from loadwatch.services.webhooks import (
    delivery_health,
    register_channel,
    remove_webhook,
    webhooks_of,
)
from loadwatch.store.models import Webhook

router = APIRouter(tags=["notifications"])
APPRISE = "apprise"


def _out(hook: Webhook, health: DeliveryHealth | None = None) -> ChannelOut:
    service, shown = describe(hook.url)
    return ChannelOut(
        id=hook.id,
        service=service,
        url=shown,
        active=hook.active,
        created_at=hook.created_at,
        delivery=health or DeliveryHealth(),
    )


@router.post(
    "/notifications",
    response_model=ChannelOut,
    status_code=status.HTTP_201_CREATED,
    responses={422: {"description": "the URL is refused (unsupported, unencrypted or private)"}},
)
def create_channel(
    body: ChannelCreate,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
    resolve: ResolverDep,
) -> ChannelOut:
    """Register an Apprise URL; it is shown back with its secrets masked, and never in full."""
    hook, _ = register_channel(session, user.id, body.url, state.settings, resolve)
    return _out(hook)


@router.get("/notifications", response_model=ChannelList)
def list_channels(user: CurrentUser, session: SessionDep, paging: PagingDep) -> ChannelList:
    """The caller's own channels, secrets masked, one page at a time."""
    rows = webhooks_of(session, user.id, APPRISE)
    shown = page_of(rows, paging)
    health = delivery_health(session, shown)
    return ChannelList(
        data=[_out(h, health[h.id]) for h in shown],
        count=len(rows),
        limit=paging.limit,
        offset=paging.offset,
    )


@router.delete("/notifications/{channel_id}", response_model=ChannelOut)
def delete_channel(hook: ChannelDep, session: SessionDep) -> ChannelOut:
    """Unregister the channel: nothing more is sent to it."""
    out = _out(hook)
    remove_webhook(session, hook)
    return out
