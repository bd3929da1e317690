"""Personal check-in links: the rows behind ``services/checkin_links.py`` (docs/checkin.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loadwatch.store.models import CheckinLink


def add(session: Session, link: CheckinLink) -> CheckinLink:
    session.add(link)
    session.flush()
    return link


def by_token_hash(session: Session, digest: str) -> CheckinLink | None:
    return session.scalars(
        select(CheckinLink).where(CheckinLink.token_hash == digest)
    ).one_or_none()


def of_athlete(session: Session, athlete_id: int) -> list[CheckinLink]:
    """Newest first, revoked ones too."""
    return list(
        session.scalars(
            select(CheckinLink)
            .where(CheckinLink.athlete_id == athlete_id)
            .order_by(CheckinLink.id.desc())
        )
    )


def get(session: Session, athlete_id: int, link_id: int) -> CheckinLink | None:
    link = session.get(CheckinLink, link_id)
    return link if link is not None and link.athlete_id == athlete_id else None


def mark(
    session: Session,
    link: CheckinLink,
    *,
    used: datetime | None = None,
    revoked: datetime | None = None,
) -> None:
    if used is not None:
        link.last_used_at = used
    if revoked is not None:
        link.revoked_at = revoked
    session.flush()
