"""The webhook outbox: episode events → one delivery row per (hook, event) → POSTed with retries.

A coach is told about episodes, not flags (services/episodes.py): ``episode.created``,
``episode.escalated``, ``episode.resolved`` and ``episode.withdrawn``.  Deliveries are
*derived* from the events rather than written by whoever recorded the event: ``enqueue_new``
adds a row for every event a hook's owner can see that was recorded after the hook and has no
row yet, once the athlete's uploads have settled (nothing pending, no upload for
``webhook_quiet_s``); until then a change to the episode rewrites its unannounced event, so a
half-synced history's episode that the full one withdrew never reaches a coach.  A crash
between evaluating and enqueuing loses nothing, and the unique (webhook_id, event_id)
constraint means nothing is enqueued twice.  Delivery is at-least-once; each request carries
an ``Idempotency-Key`` so a receiver can drop the rare repeat after a crash between its 2xx
and our commit.

``plan.at_risk`` (docs/planning.md) goes the same way: a planned session to come that the
pre-flight check flags is recorded once per session version (``services.preflight``), and
each such alert gets one delivery row per hook.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import httpx

from loadwatch.clock import as_utc, utcnow
from loadwatch.config import Settings
from loadwatch.errors import NotFound
from loadwatch.netguard import Resolver, TargetPolicy, check_url, system_resolver
from loadwatch.schemas.webhooks import DeliveryHealth
from loadwatch.services import apprise_channel, notify_text, webhook_http, weekly_summary
from loadwatch.services.apprise_channel import Channel
from loadwatch.store import webhooks as outbox
from loadwatch.store.db import Session, Store
from loadwatch.store.models import Athlete, Delivery, EpisodeEvent, Webhook

log = logging.getLogger(__name__)

EVENT_PREFIX = "episode."


def event_payload(event: EpisodeEvent, athlete: Athlete, key: str) -> dict[str, Any]:
    return {
        "event": EVENT_PREFIX + event.kind,
        "idempotency_key": key,
        "athlete": {"id": athlete.id, "name": athlete.name},
        "episode": event.payload,
    }


def _key(hook: Webhook, what: str, row_id: int) -> str:
    return hashlib.sha256(f"loadwatch:{hook.id}:{what}:{row_id}".encode()).hexdigest()[:32]


def _keyed(body: dict[str, Any]) -> Callable[[str], dict[str, Any]]:
    """A stored payload (a summary, a plan alert) with the delivery's key added."""
    return lambda key: {**body, "idempotency_key": key}


def _add(
    session: Session,
    hook: Webhook,
    what: str,
    row_id: int,
    payload: Callable[[str], dict[str, Any]],
    **told: int,
) -> None:
    """One delivery row of ``hook`` for the thing ``told`` names (``event_id``,
    ``summary_id`` or ``plan_alert_id``), keyed for the receiver's idempotency."""
    key = _key(hook, what, row_id)
    delivery = Delivery(
        webhook_id=hook.id,
        idempotency_key=key,
        payload=payload(key),
        next_attempt_at=utcnow(),
        **told,
    )
    outbox.add_delivery(session, delivery)


def enqueue_new(session: Session, *, quiet_s: float = 0.0) -> int:
    """Create the missing delivery rows: episode events and planned sessions at risk of
    athletes whose uploads have settled, and weekly summaries; returns how many."""
    settled_since = utcnow() - timedelta(seconds=quiet_s)
    events = outbox.undelivered(session, settled_since)
    for hook, event, athlete in events:
        _add(
            session,
            hook,
            "event",
            event.id,
            partial(event_payload, event, athlete),
            event_id=event.id,
        )
    weekly = outbox.undelivered_summaries(session)
    for hook, summary, _ in weekly:
        _add(
            session,
            hook,
            "summary",
            summary.id,
            _keyed(summary.payload),
            summary_id=summary.id,
        )
    alerts = outbox.undelivered_plan_alerts(session, settled_since)
    for hook, alert, _ in alerts:
        _add(
            session,
            hook,
            "plan",
            alert.id,
            _keyed(alert.payload),
            plan_alert_id=alert.id,
        )
    return len(events) + len(weekly) + len(alerts)


def target_policy(settings: Settings) -> TargetPolicy:
    """Which webhook targets the admin's settings allow beyond public https (netguard)."""
    return TargetPolicy.build(
        allow_http=settings.webhook_allow_http, allow=settings.webhook_allow_hosts
    )


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int, settings: Settings) -> timedelta:
    """Exponential back-off after the n-th failed attempt, capped."""
    delay = settings.webhook_base_delay_s * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(delay, settings.webhook_max_delay_s))


@dataclass(frozen=True)
class DeliveryStats:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


def deliver_due(
    store: Store,
    settings: Settings,
    client: httpx.Client,
    *,
    resolve: Resolver = system_resolver,
) -> DeliveryStats:
    """POST every pending delivery whose time has come.  Each outcome commits on its own, so a
    crash mid-batch repeats at most the one request that was in flight.  A target the SSRF
    guard refuses now (its DNS changed, or the admin's settings did) is given up at once."""
    with store.transaction() as s:
        weekly_summary.compose_due(s)
        enqueue_new(s, quiet_s=settings.webhook_quiet_s)
    now = utcnow()
    with store.sessions() as s:
        due = outbox.due_ids(s, now)
    delivered = retrying = dead = 0
    for delivery_id in due:
        with store.sessions() as s:
            d = outbox.get_delivery(s, delivery_id)
            hook = outbox.get(s, d.webhook_id) if d else None
        if d is None or hook is None or d.status != "pending":
            continue
        # The POST runs outside any transaction: a slow receiver must not hold the
        # database (on SQLite, its one write lock) for its timeout.
        attempt = SENDERS[hook.kind](client, hook, d, settings, resolve)
        error = attempt.error
        with store.transaction() as s:
            row = outbox.get_delivery(s, delivery_id)
            if row is None or row.status != "pending":
                continue  # the hook was deleted meanwhile
            row.attempts += 1
            if error is None:
                row.status, row.delivered_at, row.last_error = "delivered", utcnow(), None
                delivered += 1
            elif attempt.final or row.attempts >= settings.webhook_max_attempts:
                row.status, row.last_error = "dead", error
                dead += 1
                log.warning("webhook %s: giving up on delivery %s: %s", hook.id, row.id, error)
            else:
                row.last_error = error
                row.next_attempt_at = as_utc(utcnow()) + backoff(row.attempts, settings)
                retrying += 1
    return DeliveryStats(delivered, retrying, dead)


def _post(
    client: httpx.Client,
    hook: Webhook,
    d: Delivery,
    settings: Settings,
    resolve: Resolver,
) -> webhook_http.Attempt:
    """One attempt, through the SSRF guard (see ``webhook_http``)."""
    body = json.dumps(d.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "loadwatch-webhooks",
        "Idempotency-Key": d.idempotency_key,
        "X-Loadwatch-Event": str(d.payload.get("event", "")),
        "X-Loadwatch-Signature": signature(hook.secret, body),
    }
    return webhook_http.post(
        client,
        hook.url,
        body,
        headers,
        policy=target_policy(settings),
        timeout_s=settings.webhook_timeout_s,
        max_response_bytes=settings.webhook_max_response_bytes,
        resolve=resolve,
    )


def _notify(
    client: httpx.Client,
    hook: Webhook,
    d: Delivery,
    settings: Settings,
    resolve: Resolver,
) -> webhook_http.Attempt:
    """One message through Apprise, through the same guard (see ``apprise_channel``)."""
    title, text = notify_text.message(d.payload, settings.public_url)
    return apprise_channel.send(
        hook.url,
        title,
        text,
        policy=target_policy(settings),
        timeout_s=settings.webhook_timeout_s,
        resolve=resolve,
    )


# How each kind of hook is told: a signed JSON POST, or a message through Apprise.
SENDERS = {"webhook": _post, "apprise": _notify}


def register(
    session: Session, owner_id: int, url: str, settings: Settings, resolve: Resolver
) -> Webhook:
    """A new active hook for ``url`` once it passes the SSRF guard, with a fresh signing
    secret (shown to its owner once)."""
    check_url(url, target_policy(settings), resolve)
    hook = Webhook(owner_id=owner_id, url=url, secret=secrets.token_hex(32), active=True)
    return outbox.add(session, hook)


def register_channel(
    session: Session, owner_id: int, url: str, settings: Settings, resolve: Resolver
) -> tuple[Webhook, Channel]:
    """A new active Apprise channel for ``url`` once it names a supported service whose server
    passes the guard (``apprise_channel.check``)."""
    channel = apprise_channel.check(url, target_policy(settings), resolve)
    hook = Webhook(owner_id=owner_id, url=url, secret="", kind="apprise", active=True)
    return outbox.add(session, hook), channel


def webhooks_of(session: Session, owner_id: int, kind: str = "webhook") -> list[Webhook]:
    return outbox.of_owner(session, owner_id, kind)


def delivery_health(session: Session, hooks: Sequence[Webhook]) -> dict[int, DeliveryHealth]:
    """Per hook, whether its messages arrive: what every listing of hooks and channels shows,
    so an owner sees that alerts are not reaching them (trial F19)."""
    found = outbox.deliveries_of(session, [h.id for h in hooks])
    out: dict[int, DeliveryHealth] = {}
    for h in hooks:
        d = found.get(h.id, outbox.HookDeliveries())
        out[h.id] = DeliveryHealth(
            failing=d.newest_failed,
            delivered=d.delivered,
            dead=d.dead,
            retrying=d.retrying,
            last_delivered_at=d.last_delivered_at,
            last_error=d.last_error,
        )
    return out


def webhook_of(session: Session, owner_id: int, webhook_id: int, kind: str = "webhook") -> Webhook:
    """The owner's hook of that kind; another user's is as missing as one that never was."""
    hook = outbox.get(session, webhook_id)
    if hook is None or hook.owner_id != owner_id or hook.kind != kind:
        noun = "webhook" if kind == "webhook" else "notification channel"
        raise NotFound(f"no {noun} with id {webhook_id}")
    return hook


def remove_webhook(session: Session, hook: Webhook) -> None:
    outbox.remove(session, hook)
