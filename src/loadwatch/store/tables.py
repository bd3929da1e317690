"""The tables the CLI's data commands read (``athletes``, ``status``, ``flags``, ``report``), as
SQLAlchemy Core ``Table``s: their ORM classes in ``models.py`` are mapped onto these, and the
stores' row readers (``athlete_rows.py``, ``flag_rows.py``, ``episode_rows.py``, the counts, the
pending requests, the stored views) query them without the ORM's mapper.  Importing every
declarative model and configuring its mappers costs a data command ~80 ms of start-up; these
tables cost a fifth of it (issue #19).  Foreign keys carry their type: the tables they name
may not be loaded.  Schema changes still go through Alembic; the other
tables are declared with their classes in ``models.py``, on the same metadata."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
)

from loadwatch.clock import utcnow
from loadwatch.vocabulary import OPEN

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# Timestamps come from the application's clock (``loadwatch.clock``), not the database server's
# (models.py says why); the server default stays for rows written outside the application.
STAMP = DateTime(timezone=True)


def _created() -> Column[object]:
    return Column("created_at", STAMP, nullable=False, default=utcnow, server_default=func.now())


def _stamped(name: str) -> Column[object]:
    """A timestamp set on insert and on every update."""
    return Column(
        name, STAMP, nullable=False, default=utcnow, server_default=func.now(), onupdate=utcnow
    )


def _athlete_fk(*, primary_key: bool = False, index: bool = False) -> Column[int]:
    return Column(
        "athlete_id",
        Integer,
        ForeignKey("athletes.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
        index=index,
    )


athletes = Table(
    "athletes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    # One athlete per person: the name trimmed and case-folded, unique (models.name_key).
    Column("name_key", String(200), nullable=False, unique=True),
    Column("timezone", String(64), nullable=False, default="UTC"),
    # Coach-set fast threshold (m/s); null = derived from the athlete's own running.
    Column("fast_speed_mps", Float),
    # The athlete's local day the coach set it (null: for the whole history).
    Column("fast_speed_since", Date),
    Column("weekly_summary", Boolean, nullable=False, default=False, server_default=false()),
    # Per-athlete rule overrides: {"session_spike": {"caution": 1.1, ...}, ...}
    Column("thresholds", JSON, nullable=False, default=dict),
    # Revision 0005 (docs/hr-load.md): the coach's heart rates for TRIMP; null = estimated.
    Column("resting_hr", Float),
    Column("max_hr", Float),
    Column("sex", String(8)),  # male | female; null: unspecified
    _created(),
    # Revision 0009 (docs/scale.md): the UTC instant the athlete's stored view stops being for
    # their local today; null = due now.  The sweep is one indexed range query on it.
    Column("due_at", STAMP, index=True),
)

activities = Table(
    "activities",
    metadata,
    Column("id", Integer, primary_key=True),
    _athlete_fk(index=True),
    Column("file_id", Integer, ForeignKey("files.id", ondelete="SET NULL")),
    Column("source", String(8), nullable=False, default="file"),  # file | csv
    Column("format", String(8), nullable=False),
    Column("sport", String(32), nullable=False, index=True),
    # The user's relabel (``loadwatch activity set``, PATCH): beats the export's type, the
    # file's sport and any guess whenever the activity is analysed again.
    Column("sport_relabel", String(32)),
    Column("name", Text),
    Column("start_time", STAMP, nullable=False, index=True),
    Column("utc_offset_s", Integer),
    Column("elapsed_time_s", Float, nullable=False),
    Column("moving_time_s", Float, nullable=False),  # the timer: elapsed minus pauses
    # Standing still while the timer ran (part of moving_time_s); 0 for logged activities.
    Column("stopped_time_s", Float, nullable=False, default=0.0),
    Column("distance_m", Float, nullable=False),
    Column("elevation_gain_m", Float),
    Column("elevation_loss_m", Float),
    Column("avg_pace_s_per_km", Float),
    Column("gap_distance_m", Float),
    Column("uphill_distance_m", Float),
    Column("downhill_distance_m", Float),
    Column("fast_distance_m", Float),
    Column("max_speed_mps", Float),
    Column("best_1km_s", Float),
    Column("avg_hr", Float),
    Column("max_hr", Float),
    Column("n_samples", Integer, nullable=False, default=0),
    Column("device", Text),
    Column("source_sha256", String(64), nullable=False, index=True),
    Column("session_index", Integer, nullable=False, default=0),
    Column("totals_source", JSON, nullable=False, default=dict),
    Column("speed_hist_m", JSON),
    Column("gap_speed_hist_m", JSON),
    # Revision 0002 (docs/fast.md): null for activities analysed before it.
    Column("sustained_speed_hist_m", JSON),
    Column("flat_speed_hist_m", JSON),
    # Revision 0004 (docs/checkin.md): the athlete's session RPE (CR-10, 0-10); null: not given.
    Column("rpe", Float),
    # Revision 0005 (docs/hr-load.md): seconds per whole bpm, and the TRIMP it gives with the
    # athlete's heart rates now (services/hr_load.py keeps it current); null without heart rate.
    Column("hr_time_hist_s", JSON),
    Column("hr_load", Float),
    Column("hr_peak_bpm", Float),  # held a minute: the max estimate
    Column("stream_path", Text),  # relative to the stream dir
    _created(),
    # Revision 0017 (ingest/derivation.py): the derivation version that produced the sport and
    # the numbers; null: stored before the revision (older, unknown), or a training-log row's
    # (what the athlete wrote: nothing derived from a file).
    Column("derivation", Integer),
    UniqueConstraint("athlete_id", "source_sha256", "session_index"),
    # Revision 0010: an athlete's activities in id order ("the first with a heart-rate
    # histogram") without walking every athlete's rows along the primary key.
    Index("ix_activities_athlete_id_id", "athlete_id", "id"),
    # Revision 0017: how many of an athlete's activities from files an older derivation made
    # (status, the dashboard) from the index alone, without reading the rows.
    Index("ix_activities_athlete_id_source_derivation", "athlete_id", "source", "derivation"),
    sqlite_autoincrement=True,  # ids never reused (revision 0014)
)

flags = Table(
    "flags",
    metadata,
    Column("id", Integer, primary_key=True),
    _athlete_fk(index=True),
    Column("date", Date, nullable=False, index=True),  # the athlete's local calendar day
    Column("rule", String(32), nullable=False),
    Column("dimension", String(16), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("value", Float, nullable=False),
    Column("baseline", Float, nullable=False),
    Column("ratio", Float, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("message", Text, nullable=False),
    # The column is plain text (no CHECK, no enum type): the vocabulary is the type.
    Column("status", String(16), nullable=False, default=OPEN),
    Column("episode_id", Integer, ForeignKey("episodes.id", ondelete="SET NULL"), index=True),
    # The rule's own baseline before a floor raised it (null: none kept, or stored before
    # revision 0015): 0 for a spike with nothing in its window, whose evidence cites no band.
    Column("own_baseline", Float),
    # A return's flag: the run and baseline of the same day's spike it carried (null: none, or
    # stored before revision 0018), the spike's step-back cap (rules.spike_limit).
    Column("spike_value", Float),
    Column("spike_baseline", Float),
    Column("acked_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("acked_at", STAMP),
    _created(),
    _stamped("updated_at"),
    UniqueConstraint("athlete_id", "rule", "dimension", "date"),
    sqlite_autoincrement=True,  # ids never reused (revision 0014)
)

pending_evaluations = Table(
    "pending_evaluations",
    metadata,
    _athlete_fk(primary_key=True),
    Column("from_date", Date, nullable=False),
    Column("requested_at", STAMP, nullable=False, default=utcnow, server_default=func.now()),
)

episodes = Table(
    "episodes",
    metadata,
    Column("id", Integer, primary_key=True),
    _athlete_fk(index=True),
    Column("first", Date, nullable=False),
    Column("last", Date, nullable=False, index=True),
    Column("severity", String(16), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("headline", Text, nullable=False),
    Column("rules", JSON, nullable=False),
    Column("dimensions", JSON, nullable=False),
    Column("reasons", JSON, nullable=False),
    _created(),
    _stamped("updated_at"),
    sqlite_autoincrement=True,  # ids never reused (revision 0014)
)

athlete_views = Table(
    "athlete_views",
    metadata,
    _athlete_fk(primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("summary", JSON, nullable=False),
    # The day rows the nightly roll appended after ``athlete_view_days.days`` (Arrow IPC
    # stream, lz4; null: none), services/stored_view.py.
    Column("days_tail", LargeBinary),
    Column("weeks", LargeBinary, nullable=False),
    # Revision 0012: the fast threshold's window of the day after ``as_of``, which the nightly
    # roll carries (``analytics.fast.Window``; null: none), services/roll.py.
    Column("fast_window", LargeBinary),
    _stamped("computed_at"),
    # Revision 0016: the batch of ``athlete_forecasts`` this view is the chain of (the view a
    # roll computed them from, or one a roll served from them); null: none.  Every other write
    # of the view nulls it, which is what invalidates a forecast (services/forecast.py).
    Column("forecast", Integer),
)

# Revision 0016: what the nightly roll of an unchanged athlete will store on each of the next
# days, computed in one batch (services/forecast.py): the view's summary, day-row tail, week
# rows and fast window, and the triage row, ready-serialised.  Current only while the view's
# ``forecast`` names the same ``basis``.
athlete_forecasts = Table(
    "athlete_forecasts",
    metadata,
    _athlete_fk(primary_key=True),
    Column("day", Date, primary_key=True),
    Column("basis", Integer, nullable=False),
    Column("key", Text, nullable=False),  # what the batch read of the athlete (forecast.key)
    Column("summary", JSON, nullable=False),
    Column("days_tail", LargeBinary, nullable=False),
    Column("weeks", LargeBinary, nullable=False),
    Column("fast_window", LargeBinary),
    Column("concern", String(16), nullable=False),
    Column("sort_key", LargeBinary, nullable=False),
    Column("body", LargeBinary, nullable=False),
)

athlete_view_days = Table(
    "athlete_view_days",
    metadata,
    _athlete_fk(primary_key=True),
    Column("days", LargeBinary, nullable=False),
)
