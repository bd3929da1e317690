"""ORM models.  Schema changes go through Alembic (``store/migrations``).  The tables the CLI's
data commands read are Core tables (``tables.py``) that these classes are mapped onto."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from loadwatch.clock import utcnow
from loadwatch.store import tables
from loadwatch.store.athlete_rows import name_key
from loadwatch.vocabulary import EpisodeStatus, FlagStatus, Severity


# Timestamps come from the application's clock (``loadwatch.clock``), not the database server's:
# the quiet period, "first raised" and "historic" compare them with ``utcnow()``, which a server
# whose clock drifts from the application's (or a pinned test clock) would make disagree.  The
# server default stays for rows written outside the ORM.
class Base(DeclarativeBase):
    # The naming convention, and the tables the data commands read in Core (tables.py).
    metadata = tables.metadata
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads it as a class attribute
        dict[str, Any]: JSON,
        list[float]: JSON,
        datetime: DateTime(timezone=True),
    }


class Athlete(Base):
    __table__ = tables.athletes

    id: Mapped[int]
    name: Mapped[str]
    # One athlete per person: the name trimmed and case-folded, unique, so "bea " beside "Bea"
    # is refused by the database itself, whichever process creates it.  Kept in Python rather
    # than an index on lower(name): SQLite's lower() folds ASCII only ("Éva" and "éva").
    name_key: Mapped[str]
    timezone: Mapped[str]
    # Coach-set fast threshold (m/s); null = derived from the athlete's own running.
    fast_speed_mps: Mapped[float | None]
    # The athlete's local day the coach set it: the derived threshold holds before (null: the
    # coach's threshold holds for the whole history, as when given at creation).
    fast_speed_since: Mapped[date | None]
    # The Sunday-evening summary to the athlete and their coaches (services/weekly_summary.py).
    weekly_summary: Mapped[bool]
    # Per-athlete rule overrides: {"session_spike": {"caution": 1.1, ...}, ...}
    thresholds: Mapped[dict[str, Any]]
    # Revision 0005 (docs/hr-load.md): the coach's heart rates for TRIMP; null = estimated.
    resting_hr: Mapped[float | None]
    max_hr: Mapped[float | None]
    sex: Mapped[str | None]
    created_at: Mapped[datetime]
    # Revision 0009 (docs/scale.md): the UTC instant the athlete's stored view stops being for
    # their local today (their next local midnight), set after each evaluation; null = due now
    # (never evaluated, or the zone changed).  The sweep is one indexed range query on it.
    due_at: Mapped[datetime | None]

    activities: Mapped[list[Activity]] = relationship(
        back_populates="athlete", cascade="all, delete-orphan"
    )

    @validates("name")
    def _keep_key(self, _key: str, name: str) -> str:
        self.name_key = name_key(name)
        return name

    @validates("timezone")
    def _zone_moves_the_day(self, _key: str, timezone: str) -> str:
        # Another zone ends the local day at another instant: due now, whichever path moved it.
        if self.timezone is not None and timezone != self.timezone:
            self.due_at = None
        return timezone


class SourceFile(Base):
    """One file as received for an athlete: its bytes live at blobs/<sha256[:2]>/<sha256>."""

    __tablename__ = "files"
    __table_args__ = (UniqueConstraint("athlete_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(Text)  # display path, e.g. export.zip/activities/1.fit.gz
    size: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str | None] = mapped_column(String(8))
    # imported | duplicate | superseded (a better copy replaced its activities) | not_activity |
    # failed
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=func.now(), onupdate=utcnow
    )


class Activity(Base):
    __table__ = tables.activities

    id: Mapped[int]
    athlete_id: Mapped[int]
    file_id: Mapped[int | None]
    source: Mapped[str]
    format: Mapped[str]
    sport: Mapped[str]
    # The user's relabel (``loadwatch activity set``, PATCH): a declaration that beats the
    # export's type, the file's sport and any guess whenever the activity is analysed again.
    sport_relabel: Mapped[str | None]
    name: Mapped[str | None]
    start_time: Mapped[datetime]
    utc_offset_s: Mapped[int | None]
    elapsed_time_s: Mapped[float]
    moving_time_s: Mapped[float]
    # Standing still while the timer ran (part of moving_time_s); 0 for logged activities.
    stopped_time_s: Mapped[float]
    distance_m: Mapped[float]
    elevation_gain_m: Mapped[float | None]
    elevation_loss_m: Mapped[float | None]
    avg_pace_s_per_km: Mapped[float | None]
    gap_distance_m: Mapped[float | None]
    uphill_distance_m: Mapped[float | None]
    downhill_distance_m: Mapped[float | None]
    fast_distance_m: Mapped[float | None]
    max_speed_mps: Mapped[float | None]
    best_1km_s: Mapped[float | None]
    avg_hr: Mapped[float | None]
    max_hr: Mapped[float | None]
    n_samples: Mapped[int]
    device: Mapped[str | None]
    source_sha256: Mapped[str]
    session_index: Mapped[int]
    totals_source: Mapped[dict[str, Any]]
    speed_hist_m: Mapped[list[float] | None]
    gap_speed_hist_m: Mapped[list[float] | None]
    # Revision 0002 (docs/fast.md): null for activities analysed before it.
    sustained_speed_hist_m: Mapped[list[float] | None]
    flat_speed_hist_m: Mapped[list[float] | None]
    # Revision 0004 (docs/checkin.md): the athlete's session RPE (CR-10, 0-10); null: not given.
    rpe: Mapped[float | None]
    # Revision 0005 (docs/hr-load.md): seconds per whole bpm, and the TRIMP it gives with the
    # athlete's heart rates now (services/hr_load.py keeps it current); null without heart rate.
    hr_time_hist_s: Mapped[list[float] | None]
    hr_load: Mapped[float | None]
    hr_peak_bpm: Mapped[float | None]
    stream_path: Mapped[str | None]
    created_at: Mapped[datetime]
    # Revision 0017: ``ingest.derivation.DERIVATION`` as it stood when the figures were
    # derived; null: older (``loadwatch reprocess`` brings them up to date), or a log row.
    derivation: Mapped[int | None]

    athlete: Mapped[Athlete] = relationship(back_populates="activities")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | coach | athlete
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    athlete_id: Mapped[int | None] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class CheckinLink(Base):
    """A personal check-in link (revision 0004, docs/checkin.md): a long-lived token scoped to
    one athlete, which may only check in and read that athlete.  Only its SHA-256 is kept, as
    for users' tokens; a revoked link stays listed (who made it, when it was last used)."""

    __tablename__ = "checkin_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class CoachAthlete(Base):
    __tablename__ = "coach_athletes"

    coach_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True
    )


class Flag(Base):
    __table__ = tables.flags

    id: Mapped[int]
    athlete_id: Mapped[int]
    date: Mapped[date]
    rule: Mapped[str]
    dimension: Mapped[str]
    severity: Mapped[Severity]
    value: Mapped[float]
    baseline: Mapped[float]
    ratio: Mapped[float]
    threshold: Mapped[float]
    message: Mapped[str]
    # The column is plain text (no CHECK, no enum type): the vocabulary is the type.
    status: Mapped[FlagStatus]
    episode_id: Mapped[int | None]
    acked_by: Mapped[int | None]
    acked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    own_baseline: Mapped[float | None]
    spike_value: Mapped[float | None]
    spike_baseline: Mapped[float | None]


class PendingEvaluation(Base):
    """Athletes whose flags must be re-evaluated from ``from_date`` (local) on: written by an
    import in the same transaction as its activities, drained by the scheduler, so a crash
    between the two loses nothing."""

    __table__ = tables.pending_evaluations

    athlete_id: Mapped[int]
    from_date: Mapped[date]
    requested_at: Mapped[datetime]


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(128))
    # "webhook": a signed JSON POST; "apprise": a message through Apprise (its URL in ``url``).
    kind: Mapped[str] = mapped_column(String(16), default="webhook", server_default="webhook")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class Episode(Base):
    """One event a coach is told about: an athlete's flags on touching days (rules.episodes).
    Kept by evaluation; its flags point at it."""

    __table__ = tables.episodes

    id: Mapped[int]
    athlete_id: Mapped[int]
    first: Mapped[date]
    last: Mapped[date]
    severity: Mapped[Severity]
    status: Mapped[EpisodeStatus]
    headline: Mapped[str]
    rules: Mapped[list[str]]
    dimensions: Mapped[list[str]]
    reasons: Mapped[list[str]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class EpisodeEvent(Base):
    """What a webhook announces: an episode created, escalated, resolved or withdrawn.  The
    payload is the episode as it stood then."""

    __tablename__ = "episode_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True
    )
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # created | escalated | resolved | withdrawn
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class Delivery(Base):
    """The webhook outbox: one row per hook and thing told (an episode event, a planned session
    at risk, a weekly summary), delivered at least once, keyed for the receiver's
    idempotency."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        UniqueConstraint("webhook_id", "summary_id"),
        UniqueConstraint("webhook_id", "plan_alert_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), index=True
    )
    # One of: an episode event, a weekly summary (0006), a planned session at risk (0003).
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("episode_events.id", ondelete="CASCADE"), index=True
    )
    summary_id: Mapped[int | None] = mapped_column(
        ForeignKey("weekly_summaries.id", ondelete="CASCADE"), index=True
    )
    plan_alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_alerts.id", ondelete="CASCADE"), index=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column()


class WeeklySummary(Base):
    """One athlete's week as told on Sunday evening: composed once, delivered through the
    outbox like an episode event."""

    __tablename__ = "weekly_summaries"
    __table_args__ = (UniqueConstraint("athlete_id", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column(Date)  # its Monday
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class InboxEntry(Base):
    """A file seen in the inbox, by path and content: never imported twice."""

    __tablename__ = "inbox_entries"
    __table_args__ = (UniqueConstraint("athlete_id", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    # What the import of it reported (ImportReport.summary): files and manual entries per
    # status, every skipped member and recovered file with its reason.
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class AthleteView(Base):
    """What the views read, written by evaluation in the flags' transaction
    (services/views.py): the summary the dashboard and status show, and the day and week rows
    series return.  ``as_of`` is the evaluation's today."""

    __table__ = tables.athlete_views

    athlete_id: Mapped[int]
    as_of: Mapped[date]
    summary: Mapped[dict[str, Any]]
    # The day rows the nightly roll appended after ``AthleteViewDays.days`` (Arrow IPC stream,
    # lz4; null: none), services/stored_view.py.
    days_tail: Mapped[bytes | None]
    weeks: Mapped[bytes]
    fast_window: Mapped[bytes | None]
    computed_at: Mapped[datetime]
    forecast: Mapped[int | None]  # the batch of forecasts this view is the chain of (0016)


class HrBasisChange(Base):
    """A basis the athlete's heart-rate loads were recomputed with (revision 0013,
    docs/hr-load.md): the resting and maximum heart rate, whether the maximum is the coach's or
    estimated, the maximum before (null: the first basis recorded) and, for an estimate, the
    run that held it.  The latest row is the basis in force."""

    __tablename__ = "hr_basis_changes"
    __table_args__ = (Index("ix_hr_basis_changes_athlete_id", "athlete_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    recorded_on: Mapped[date] = mapped_column(Date)  # the athlete's local day
    rest_bpm: Mapped[float] = mapped_column(Float)
    max_bpm: Mapped[float] = mapped_column(Float)
    max_source: Mapped[str] = mapped_column(String(16))  # settings | estimated
    prev_max_bpm: Mapped[float | None] = mapped_column(Float)
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL")
    )
    run_day: Mapped[date | None] = mapped_column(Date)
    run_name: Mapped[str | None] = mapped_column(Text)


class AthleteViewDays(Base):
    """The day rows of the athlete's view up to its tail (Arrow IPC stream, lz4), written by a
    full evaluation and when the roll folds the tail in.  Apart from the view's row, which
    the nightly roll updates: SQLite rewrites a whole record on UPDATE."""

    __table__ = tables.athlete_view_days

    athlete_id: Mapped[int]
    days: Mapped[bytes]


class AthleteTriage(Base):
    """The athlete's row of the coach's triage, ready-serialised by evaluation
    (services/dashboard.py): a dashboard request reads these bytes and concatenates them.

    ``sort_key`` orders the triage (most concerning first) bytewise, the same on SQLite and
    PostgreSQL (a text key would follow the database's collation); ``concern`` is what the
    triage filters by (``alert``, ``caution``, ``quiet``).  ``as_of`` is the athlete's today
    the row was computed for: a row of an earlier day is not shown as current."""

    __tablename__ = "athlete_triage"

    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True
    )
    as_of: Mapped[date] = mapped_column(Date)
    concern: Mapped[str] = mapped_column(String(16), index=True)
    sort_key: Mapped[bytes] = mapped_column(LargeBinary, index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # one DashboardRow as JSON
    computed_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=func.now(), onupdate=utcnow
    )


class SymptomEntry(Base):
    """One day's pain log (0-10 during, after, the next morning) of an athlete: one row per
    (athlete, local day), so the next morning's value completes the evening's entry."""

    __tablename__ = "symptoms"
    __table_args__ = (UniqueConstraint("athlete_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[date] = mapped_column(Date)  # the athlete's local day of the run (or rest)
    pain_during: Mapped[int | None] = mapped_column(Integer)
    pain_after: Mapped[int | None] = mapped_column(Integer)
    pain_next_morning: Mapped[int | None] = mapped_column(Integer)  # the morning after `date`
    location: Mapped[str] = mapped_column(String(100), default="unspecified")
    aggravators: Mapped[list[str]] = mapped_column(JSON, default=list)
    sitting_hours: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(8), default="manual")  # manual | csv | api
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=func.now(), onupdate=utcnow
    )


class RehabPlan(Base):
    """A return-to-run plan: caps per week and per run from ``start_date`` until ended; the
    caps in force on a day follow from these and the progression rule (``rules.plan``)."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), index=True
    )
    condition: Mapped[str] = mapped_column(String(200))
    phase: Mapped[int] = mapped_column(Integer, default=1)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # last day in force; null = open
    weekly_km: Mapped[float] = mapped_column(Float)
    longest_run_km: Mapped[float] = mapped_column(Float)
    weekly_fast_km: Mapped[float | None] = mapped_column(Float)  # null: no cap
    weekly_climb_m: Mapped[float | None] = mapped_column(Float)  # 0: avoid hills; null: no cap
    pace_floor_s_per_km: Mapped[float | None] = mapped_column(Float)  # run this slow or slower
    progression_pct: Mapped[float] = mapped_column(Float, default=10.0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class PlannedSession(Base):
    """A run planned for a local day (docs/planning.md): distance, fast km and climbing, the
    named type they came from.  ``version`` counts edits: a ``plan.at_risk`` alert is told
    once per version of a session."""

    __tablename__ = "planned_sessions"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012  # revision 0014

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[date] = mapped_column(Date, index=True)
    distance_km: Mapped[float] = mapped_column(Float)
    fast_km: Mapped[float] = mapped_column(Float, default=0.0)
    climb_m: Mapped[float] = mapped_column(Float, default=0.0)
    kind: Mapped[str | None] = mapped_column(String(16))  # easy | long | intervals | hills
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=func.now(), onupdate=utcnow
    )


class PlanAlert(Base):
    """A planned session the pre-flight check flags, as a webhook announces it
    (``plan.at_risk``): one row per session version (``dedupe_key``), so a coach hears once."""

    __tablename__ = "plan_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(
        ForeignKey("athletes.id", ondelete="CASCADE"), index=True
    )
    planned_id: Mapped[int] = mapped_column(
        ForeignKey("planned_sessions.id", ondelete="CASCADE"), index=True
    )
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
