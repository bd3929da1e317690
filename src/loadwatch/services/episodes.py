"""Episodes kept beside the flags: regrouped at every evaluation, announced as events.

The grouping and the lifecycle are pure (``rules.episodes``); this module applies them to the
stored rows in the evaluation's transaction.  An event is what the webhook outbox delivers;
while no hook has been handed an episode's newest event, a later change rewrites that event
instead of adding another, so a coach is told once, with the episode as it stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from loadwatch.rules import episodes as lifecycle
from loadwatch.services.episode_list import episode_out
from loadwatch.store import episodes as rows
from loadwatch.store import flags as flag_rows
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, Episode, EpisodeEvent, Flag
from loadwatch.vocabulary import (
    ACKNOWLEDGED,
    HISTORIC,
    LIVE_EPISODE,
    OPEN,
    RESOLVED,
    WITHDRAWN,
    EpisodeStatus,
    FlagStatus,
    Severity,
)


@dataclass(frozen=True)
class _Member:
    """A stored flag as the pure grouping reads it."""

    id: int
    date: date
    rule: str
    dimension: str
    severity: Severity
    ratio: float
    threshold: float
    message: str
    status: FlagStatus

    @classmethod
    def of(cls, f: Flag) -> _Member:
        return cls(
            f.id, f.date, f.rule, f.dimension, f.severity, f.ratio, f.threshold, f.message, f.status
        )


@dataclass
class EpisodeChanges:
    events: dict[str, int] = field(default_factory=dict)  # kind → how many announced

    def count(self, kind: str) -> None:
        self.events[kind] = self.events.get(kind, 0) + 1


def _fields(g: lifecycle.Episode[_Member], status: EpisodeStatus) -> dict[str, object]:
    return {
        "first": g.first,
        "last": g.last,
        "severity": g.severity,
        "status": status,
        "headline": g.headline,
        "rules": list(g.rules),
        "dimensions": list(g.dimensions),
        "reasons": list(g.reasons),
    }


def keep(session: Session, athlete: Athlete, firing: Sequence[Flag], today: date) -> EpisodeChanges:
    """Regroup the athlete's firing flags (every flag not ``resolved``) into episodes, update
    the stored ones and record what must be announced."""
    stored_rows = {e.id: e for e in rows.of_athlete(session, athlete.id) if e.status != WITHDRAWN}
    return _regroup(session, athlete, firing, stored_rows, today)[0]


@dataclass(frozen=True)
class Kept:
    """What ``keep_from`` did, and what the triage row reads after it."""

    changes: EpisodeChanges
    live: list[Episode]  # the athlete's live episodes, newest first (``of_athletes``' order)
    open_flags: list[Flag]  # the athlete's open flags


def keep_from(session: Session, athlete: Athlete, since: date, today: date) -> Kept | None:
    """``keep`` after an evaluation that changed only flags dated ``since`` or later (the tail
    path, ``services/incremental.py``), regrouping only the flags from the first episode that
    can change; None when the stored episodes are not as ``keep`` left them (``keep`` then).

    Grouping chains flags in date order, so the groups that end before the first flag a
    change can reach are ``keep``'s as stored: their flags (dated before ``since``) did not
    change, and the group holding the last flag before ``since`` is the only one the flags from
    ``since`` can join.  That group, any whose last flag is within a reach of ``since``, and every
    live episode (the only ones whose status moves with the day: ``episode_status``) are
    loaded with every episode after them; the flags from the first of them on are regrouped
    and matched to those, exactly as ``keep`` regroups and matches them.  The episodes before
    are left as they are: ``keep`` would find them unchanged (no field, no event)."""
    near = since - timedelta(days=lifecycle.EPISODE_REACH_DAYS + 1)
    loaded = rows.from_first_near(session, athlete.id, LIVE_EPISODE, near, since)
    nearest = [e.first for e in loaded if e.status in LIVE_EPISODE or e.last >= near]
    start = min(nearest, default=since)
    if any(e.first < start for e in loaded):
        return None  # an episode straddling the first that can change: not keep's grouping
    cut = min(start, since)
    found = flag_rows.firing_or_open(session, athlete.id, cut)
    firing = [f for f in found if f.date >= cut]
    stored_rows = {e.id: e for e in loaded}
    if any(f.episode_id is not None and f.episode_id not in stored_rows for f in firing):
        return None  # a flag from the cut held by an episode before it (or a withdrawn one)
    changes, kept = _regroup(session, athlete, firing, stored_rows, today)
    live = sorted(
        (e for e in kept if e.status in LIVE_EPISODE), key=lambda e: (e.last, e.id), reverse=True
    )
    return Kept(changes, live, [f for f in found if f.status == OPEN])


def _regroup(
    session: Session,
    athlete: Athlete,
    firing: Sequence[Flag],
    stored_rows: dict[int, Episode],
    today: date,
) -> tuple[EpisodeChanges, list[Episode]]:
    """Group ``firing`` into episodes matched to ``stored_rows`` (the stored episodes that may
    hold them, none withdrawn); returns the changes and every group's episode row."""
    changes = EpisodeChanges()
    by_id = {f.id: f for f in firing}
    groups = lifecycle.episodes(_Member.of(f) for f in firing)
    held: dict[int, set[int]] = {}
    for f in firing:
        if f.episode_id in stored_rows:
            held.setdefault(f.episode_id, set()).add(f.id)
    stored = {
        i: lifecycle.Stored(i, frozenset(held.get(i, ())), e.severity, e.status)
        for i, e in stored_rows.items()
    }
    matches, orphans = lifecycle.reconcile(
        [frozenset(f.id for f in g.flags) for g in groups], list(stored.values())
    )
    kept: list[Episode] = []
    for g, match in zip(groups, matches, strict=True):
        status = lifecycle.episode_status([f.status for f in g.flags], g.last, today)
        before = stored.get(match) if match is not None else None
        kind = lifecycle.transition(before, status, g.severity)
        new = _fields(g, status)
        row = stored_rows[match] if match is not None else None
        changed = row is None or any(getattr(row, k) != v for k, v in new.items())
        if row is None:
            row = rows.add(session, Episode(athlete_id=athlete.id, **new))
        elif changed:
            for k, v in new.items():
                setattr(row, k, v)
        kept.append(row)
        group = [by_id[m.id] for m in g.flags]
        for flag in group:
            if flag.episode_id != row.id:
                flag.episode_id = row.id
        if kind is not None or (changed and status == OPEN):
            _announce(session, row, group, athlete, kind, changes)
    for oid in orphans:
        _withdraw(session, stored_rows[oid], athlete, changes)
    return changes, kept


def aging(
    session: Session, athlete: Athlete, since: date, today: date, any_live: bool = True
) -> list[Episode] | None:
    """The athlete's live episodes as ``keep`` leaves them when only the day moved from
    ``since`` to ``today`` and no flag changed (the roll of an unchanged athlete), without
    regrouping every firing flag; None when time changes one and ``keep`` must run.

    With the same firing flags the groups and their matches are the stored ones, so only an
    episode's status can move, and only through ``episode_status``' one term that reads the
    day: a live episode whose last flag leaves the current window resolves.  Historic and
    resolved episodes stay as they are while the day moves on, unless dated after ``since``
    (an evaluation of a past day left them): those go to ``keep``.  ``any_live``: False when
    the caller knows there are none of either (``store.roll_state``), and none is read."""
    if not any_live:
        return []
    return aged(rows.live_or_after(session, athlete.id, LIVE_EPISODE, since), since, today)


def live_after(
    session: Session, athlete: Athlete, since: date, any_live: bool = True
) -> list[Episode]:
    """What ``aging`` reads, for callers that judge several days (``aged``): one read."""
    return rows.live_or_after(session, athlete.id, LIVE_EPISODE, since) if any_live else []


def aged(found: list[Episode], since: date, today: date) -> list[Episode] | None:
    """``aging`` of the rows it read (``live_after``) on ``today``."""
    for e in found:
        if e.last > since or not lifecycle.is_current(e.last, today):
            return None
    return found


def _payload(row: Episode, flags: Sequence[Flag], athlete: Athlete) -> dict[str, object]:
    session_free = episode_out(row, flags, athlete.name)
    return session_free.model_dump(mode="json", exclude={"created_at", "updated_at"})


def _announce(
    session: Session,
    row: Episode,
    flags: Sequence[Flag],
    athlete: Athlete,
    kind: lifecycle.EventKind | None,
    changes: EpisodeChanges,
) -> None:
    """Record ``kind`` for the episode, or refresh the event nobody has been handed yet."""
    session.flush()  # the episode's id, timestamps and its new flags' ids
    payload = _payload(row, flags, athlete)
    pending = rows.unannounced_event(session, row.id)
    if (
        kind in (None, "escalated")
        and pending is not None
        and pending.kind in ("created", "escalated")
    ):
        pending.payload = payload  # told once, as it stands now
        return
    if kind is None:
        return
    rows.add_event(
        session, EpisodeEvent(episode_id=row.id, athlete_id=athlete.id, kind=kind, payload=payload)
    )
    changes.count(kind)


def _withdraw(session: Session, row: Episode, athlete: Athlete, changes: EpisodeChanges) -> None:
    """No flag of the episode fires any more.  Told if anyone was told of it; else it never
    happened as far as anyone knows, and goes."""
    if row.status != HISTORIC and rows.announced(session, row.id):
        row.status = WITHDRAWN
        kept = rows.flags_of(session, [row.id])
        rows.add_event(
            session,
            EpisodeEvent(
                episode_id=row.id,
                athlete_id=athlete.id,
                kind="withdrawn",
                payload=_payload(row, kept, athlete),
            ),
        )
        changes.count("withdrawn")
        return
    for f in rows.flags_of(session, [row.id]):
        f.episode_id = None
    rows.remove(session, row)


def restatus(session: Session, episode_ids: Sequence[int]) -> None:
    """After a coach acknowledged flags: an open episode whose every live flag is answered is
    acknowledged (nothing to announce)."""
    ids = sorted(set(episode_ids))
    by_episode: dict[int, list[Flag]] = {}
    for f in rows.flags_of(session, ids):
        by_episode.setdefault(f.episode_id or 0, []).append(f)
    for i in ids:
        ep = rows.get(session, i)
        if ep is None or ep.status != OPEN:
            continue
        live = [f.status for f in by_episode.get(i, []) if f.status not in (HISTORIC, RESOLVED)]
        if live and all(s == ACKNOWLEDGED for s in live):
            ep.status = ACKNOWLEDGED
