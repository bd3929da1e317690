"""The webhook outbox: new flags → one delivery row per (hook, flag) → POSTed with retries.

Deliveries are *derived* from the flags table rather than written by whoever created the flag:
``enqueue_new`` adds a row for every flag a hook's owner can see that was created after the hook
and has no row yet, once the athlete's uploads have settled (nothing pending, no upload for
``webhook_quiet_s``), so a flag that a half-synced history raised and the full one withdrew
never reaches a coach.  So a crash between evaluating and enqueuing loses nothing, and the unique
(webhook_id, flag_id) constraint means nothing is enqueued twice.  Delivery is at-least-once;
each request carries an ``Idempotency-Key`` so a receiver can drop the rare repeat after a crash
between its 2xx and our commit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from loadwatch.clock import as_utc, utcnow
from loadwatch.config import Settings
from loadwatch.netguard import Resolver, TargetPolicy, system_resolver
from loadwatch.services import webhook_http
from loadwatch.store import webhooks as outbox
from loadwatch.store.db import Session, Store
from loadwatch.store.models import Athlete, Delivery, Flag, Webhook

log = logging.getLogger(__name__)

EVENT = "flag.created"


def flag_payload(flag: Flag, athlete: Athlete, key: str) -> dict[str, Any]:
    return {
        "event": EVENT,
        "idempotency_key": key,
        "athlete": {"id": athlete.id, "name": athlete.name},
        "flag": {
            "id": flag.id,
            "date": flag.date.isoformat(),
            "dimension": flag.dimension,
            "rule": flag.rule,
            "severity": flag.severity,
            "value": flag.value,
            "baseline": flag.baseline,
            "ratio": flag.ratio,
            "threshold": flag.threshold,
            "message": flag.message,
        },
    }


def enqueue_new(session: Session, *, quiet_s: float = 0.0) -> int:
    """Create the missing delivery rows for athletes whose uploads have settled; returns how
    many."""
    rows = outbox.undelivered(session, utcnow() - timedelta(seconds=quiet_s))
    for hook, flag, athlete in rows:
        key = hashlib.sha256(f"loadwatch:{hook.id}:{flag.id}".encode()).hexdigest()[:32]
        outbox.add_delivery(
            session,
            Delivery(
                webhook_id=hook.id,
                flag_id=flag.id,
                idempotency_key=key,
                payload=flag_payload(flag, athlete, key),
                next_attempt_at=utcnow(),
            ),
        )
    return len(rows)


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
        body = json.dumps(d.payload, separators=(",", ":"), sort_keys=True).encode()
        attempt = _post(client, hook, d, body, settings, resolve)
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
    body: bytes,
    settings: Settings,
    resolve: Resolver,
) -> webhook_http.Attempt:
    """One attempt, through the SSRF guard (see ``webhook_http``)."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "loadwatch-webhooks",
        "Idempotency-Key": d.idempotency_key,
        "X-Loadwatch-Event": EVENT,
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
