"""Webhooks and their outbox (one delivery row per hook and episode event, or per hook and
plan alert)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from loadwatch.store.models import (
    Activity,
    Athlete,
    Delivery,
    Episode,
    EpisodeEvent,
    PendingEvaluation,
    PlanAlert,
    User,
    Webhook,
    WeeklySummary,
)
from loadwatch.store.users import may_see


# --- hooks --------------------------------------------------------------------------------
def add(session: Session, hook: Webhook) -> Webhook:
    """Insert (flushed and refreshed, so server defaults are loaded)."""
    session.add(hook)
    session.flush()
    session.refresh(hook)
    return hook


def get(session: Session, hook_id: int) -> Webhook | None:
    return session.get(Webhook, hook_id)


def of_owner(session: Session, owner_id: int, kind: str = "webhook") -> list[Webhook]:
    """The owner's hooks of one kind (``webhook`` or ``apprise``), by id."""
    return list(
        session.scalars(
            select(Webhook)
            .where(Webhook.owner_id == owner_id, Webhook.kind == kind)
            .order_by(Webhook.id)
        )
    )


def remove(session: Session, hook: Webhook) -> None:
    session.delete(hook)


@dataclass(frozen=True)
class HookDeliveries:
    """What a hook's outbox rows say about whether its messages arrive."""

    delivered: int = 0
    dead: int = 0
    retrying: int = 0  # pending, tried at least once
    last_delivered_at: datetime | None = None
    last_error: str | None = None  # of the newest delivery that carries one
    newest_failed: bool = False  # the newest delivery tried has not arrived


def deliveries_of(session: Session, hook_ids: Sequence[int]) -> dict[int, HookDeliveries]:
    """Per hook, counted from its delivery rows (two queries, whatever the outbox's size)."""
    if not hook_ids:
        return {}
    tried = Delivery.attempts > 0
    rows = session.execute(
        select(
            Delivery.webhook_id,
            func.count().filter(Delivery.status == "delivered"),
            func.count().filter(Delivery.status == "dead"),
            func.count().filter(and_(Delivery.status == "pending", tried)),
            func.max(Delivery.delivered_at),
            func.max(case((Delivery.last_error.is_not(None), Delivery.id))),
            func.max(case((tried, Delivery.id))),
        )
        .where(Delivery.webhook_id.in_(hook_ids))
        .group_by(Delivery.webhook_id)
    ).all()
    error_ids = [r[5] for r in rows if r[5] is not None]
    found = session.execute(
        select(Delivery.id, Delivery.last_error).where(Delivery.id.in_(error_ids))
    )
    errors = {delivery_id: error for delivery_id, error in found}
    return {
        hook: HookDeliveries(
            delivered=delivered,
            dead=dead,
            retrying=retrying,
            last_delivered_at=last_at,
            last_error=errors.get(error_id) if error_id is not None else None,
            newest_failed=newest is not None and newest == error_id,
        )
        for hook, delivered, dead, retrying, last_at, error_id, newest in rows
    }


# --- the outbox ---------------------------------------------------------------------------
def _visible_to_owner() -> Any:
    """The event's athlete is visible to the hook's owner (the rule ``auth`` applies)."""
    return may_see(User.id, User.role, User.athlete_id, EpisodeEvent.athlete_id)


def _settled(quiet_since: datetime, athlete: Any = EpisodeEvent.athlete_id) -> Any:
    """The event's athlete has nothing pending and no upload since ``quiet_since``."""
    recent_upload = exists().where(
        and_(Activity.athlete_id == athlete, Activity.created_at > quiet_since)
    )
    pending = exists().where(PendingEvaluation.athlete_id == athlete)
    return and_(~recent_upload, ~pending)


def undelivered(
    session: Session, quiet_since: datetime
) -> list[tuple[Webhook, EpisodeEvent, Athlete]]:
    """Each active hook with each event its owner can see, of an episode that began after the
    hook (a new hook hears of new episodes, not the end of one it never heard of), of an
    athlete whose uploads have settled, that has no delivery row yet; by event id.  Events
    exist only for what is news: history is never announced (services.episodes)."""
    already = exists().where(
        and_(Delivery.webhook_id == Webhook.id, Delivery.event_id == EpisodeEvent.id)
    )
    rows = session.execute(
        select(Webhook, EpisodeEvent, Athlete)
        .join(User, User.id == Webhook.owner_id)
        .join(Episode, Episode.created_at >= Webhook.created_at)
        .join(EpisodeEvent, EpisodeEvent.episode_id == Episode.id)
        .join(Athlete, Athlete.id == EpisodeEvent.athlete_id)
        .where(Webhook.active, _visible_to_owner(), _settled(quiet_since), ~already)
        .order_by(EpisodeEvent.id)
    ).all()
    return [(h, e, a) for h, e, a in rows]


def undelivered_summaries(session: Session) -> list[tuple[Webhook, WeeklySummary, Athlete]]:
    """Each active hook with each weekly summary its owner can see, composed after the hook was
    registered, that has no delivery row yet; by summary id."""
    already = exists().where(
        and_(Delivery.webhook_id == Webhook.id, Delivery.summary_id == WeeklySummary.id)
    )
    visible = may_see(User.id, User.role, User.athlete_id, WeeklySummary.athlete_id)
    rows = session.execute(
        select(Webhook, WeeklySummary, Athlete)
        .join(User, User.id == Webhook.owner_id)
        .join(WeeklySummary, WeeklySummary.created_at >= Webhook.created_at)
        .join(Athlete, Athlete.id == WeeklySummary.athlete_id)
        .where(Webhook.active, visible, ~already)
        .order_by(WeeklySummary.id, Webhook.id)
    ).all()
    return [(h, w, a) for h, w, a in rows]


def undelivered_plan_alerts(
    session: Session, quiet_since: datetime
) -> list[tuple[Webhook, PlanAlert, Athlete]]:
    """As ``undelivered``, for ``plan.at_risk`` alerts raised after the hook."""
    already = exists().where(
        and_(Delivery.webhook_id == Webhook.id, Delivery.plan_alert_id == PlanAlert.id)
    )
    visible = may_see(User.id, User.role, User.athlete_id, PlanAlert.athlete_id)
    rows = session.execute(
        select(Webhook, PlanAlert, Athlete)
        .join(User, User.id == Webhook.owner_id)
        .join(PlanAlert, PlanAlert.created_at >= Webhook.created_at)
        .join(Athlete, Athlete.id == PlanAlert.athlete_id)
        .where(Webhook.active, visible, _settled(quiet_since, PlanAlert.athlete_id), ~already)
        .order_by(PlanAlert.id)
    ).all()
    return [(h, a, at) for h, a, at in rows]


def add_delivery(session: Session, delivery: Delivery) -> None:
    session.add(delivery)


def due_ids(session: Session, now: datetime) -> list[int]:
    """Pending deliveries whose time has come, oldest first."""
    return list(
        session.scalars(
            select(Delivery.id)
            .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id)
        )
    )


def get_delivery(session: Session, delivery_id: int) -> Delivery | None:
    return session.get(Delivery, delivery_id)
