"""Personal check-in links: a coach (or an admin) hands an athlete a long-lived link carrying
a token scoped to that athlete, which can only check in and read the check-in view, and can
revoke it (docs/checkin.md).  The token is shown once and stored only as its SHA-256, like
users' tokens (``auth.py``)."""

from __future__ import annotations

from loadwatch import auth
from loadwatch.clock import utcnow
from loadwatch.errors import NotFound
from loadwatch.schemas.checkin import CheckinLinkCreated, CheckinLinkOut
from loadwatch.store import checkin_links as link_store
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, CheckinLink

PAGE_PATH = "/checkin"


def link_path(athlete_id: int, token: str) -> str:
    # The token rides in the fragment: browsers never send a fragment to a server, nor in a
    # Referer, so it stays out of access logs and proxies.
    return f"{PAGE_PATH}#athlete={athlete_id}&token={token}"


def link_out(link: CheckinLink) -> CheckinLinkOut:
    return CheckinLinkOut(
        id=link.id,
        athlete_id=link.athlete_id,
        label=link.label,
        created_at=link.created_at,
        last_used_at=link.last_used_at,
        revoked_at=link.revoked_at,
        active=link.revoked_at is None,
    )


def create_link(
    session: Session, athlete: Athlete, *, label: str | None = None, by: int | None = None
) -> CheckinLinkCreated:
    token = auth.new_checkin_token()
    link = link_store.add(
        session,
        CheckinLink(
            athlete_id=athlete.id,
            token_hash=auth.hash_token(token),
            label=label or None,
            created_by=by,
            created_at=utcnow(),
        ),
    )
    return CheckinLinkCreated(
        **link_out(link).model_dump(), token=token, path=link_path(athlete.id, token)
    )


def links_of(session: Session, athlete: Athlete) -> list[CheckinLinkOut]:
    """Newest first, revoked ones too."""
    return [link_out(x) for x in link_store.of_athlete(session, athlete.id)]


def revoke_link(session: Session, athlete: Athlete, link_id: int) -> CheckinLinkOut:
    """Revoke at once (idempotent: a revoked link stays revoked at its first time)."""
    link = link_store.get(session, athlete.id, link_id)
    if link is None:
        raise NotFound(f"no check-in link {link_id} for {athlete.name}")
    if link.revoked_at is None:
        link_store.mark(session, link, revoked=utcnow())
    return link_out(link)


def note_use(session: Session, token: str) -> None:
    """Record when the link was last used to check in (on writes only: reads stay reads)."""
    link = link_store.by_token_hash(session, auth.hash_token(token))
    if link is not None:
        link_store.mark(session, link, used=utcnow())
