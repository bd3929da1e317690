"""Engine and sessions: one code path for SQLite (WAL, busy timeout) and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from loadwatch.errors import ConfigError, SchemaTooNew
from loadwatch.store.errors import translated

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.orm import Session as Session  # re-exported: a unit of work's type
    from sqlalchemy.orm import sessionmaker

    from loadwatch.store.streams import StreamStore

    # What a read runs its Core queries on: a unit of work's session, or the plain connection
    # of ``Store.reading()`` (the data commands: no ORM loaded at all).
    Reads: TypeAlias = Session | Connection


def __getattr__(name: str) -> Any:
    # ``Session`` is the ORM's, loaded when a module asks for it at run time: the data
    # commands read on a plain connection and never import the ORM (~35 ms, issue #19).
    if name == "Session":
        from sqlalchemy.orm import Session

        return Session
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def orm_session(reads: Reads) -> Session:
    """A session over what a read holds, for the few reads that need mapped objects (a
    summary computed live, the effort of an athlete with RPEs): itself when it is one, else
    one on the plain connection, inside the transaction the connection began."""
    from sqlalchemy.orm import Session

    if isinstance(reads, Session):
        return reads
    return Session(bind=reads, expire_on_commit=False)


log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 0x10AD_3A7C  # any fixed 64-bit key; "loadwatch migrate"
# Execution option marking a connection that will write: on SQLite it begins IMMEDIATE.
WRITE_OPTION = "loadwatch_write"


def _normalise(url: str) -> str:
    # Users write postgresql://...; we ship psycopg 3, not psycopg2.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, pool: PoolLimits | None = None) -> Engine:
    url = _normalise(url)
    try:
        parsed = make_url(url)
    except Exception as e:
        raise ConfigError(f"invalid database URL: {e}") from e
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: pysqlite's own implicit BEGIN (before DML only, never before
        # DDL or reads) is switched off and we emit BEGIN ourselves, so every transaction,
        # a migration's DDL included, is one real SQLite transaction.
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False, "isolation_level": None},
            **_pool_args(pool),
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # The busy timeout first: switching a new file to WAL needs a lock that another
            # starting process may hold.
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A writer takes SQLite's write lock when it begins (IMMEDIATE), so writers queue
            # on the busy timeout instead of failing when a deferred read lock cannot be
            # upgraded; readers stay deferred and never block anyone under WAL.
            immediate = conn.get_execution_options().get(WRITE_OPTION, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, **_pool_args(pool))


def display_url(url: str) -> str:
    """``url`` fit to print: its password masked."""
    try:
        return make_url(_normalise(url)).render_as_string(hide_password=True)
    except Exception:  # printing must not fail on a URL make_engine will refuse anyway
        return "<unparsable URL>"


def _pool_args(pool: PoolLimits | None) -> dict[str, Any]:
    p = pool or PoolLimits()
    return {"pool_size": p.size, "max_overflow": p.overflow, "pool_timeout": p.timeout_s}


class _OnlyUpgrades(logging.Filter):
    """Of Alembic's INFO lines, only an actual schema change is news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO or str(record.msg).startswith("Running ")


def quiet_alembic() -> None:
    """Every start would log Alembic's seven plugin lines and its dialect at INFO (``serve``
    configures INFO): keep its warnings and the "Running upgrade" lines only.  Called before
    alembic is imported (it logs its plugins as it loads them), which is why alembic is
    imported where it is used."""
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    migration = logging.getLogger("alembic.runtime.migration")
    if not any(isinstance(f, _OnlyUpgrades) for f in migration.filters):
        migration.addFilter(_OnlyUpgrades())


def _alembic_config(conn: Any = None) -> Config:
    quiet_alembic()
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def known_revisions() -> set[str]:
    """Every schema revision this code's migrations know, the 0.1.0 baseline (0001) first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    return {r.revision for r in script.walk_revisions()}


def head_revision() -> str:
    """The newest schema revision this code knows (never assume it is 0001: every schema
    change since 0.1.0 is a revision on top)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:
        raise ConfigError("no schema revisions found under store/migrations")
    return head


def newest_on_disk() -> str:
    """The newest revision by its file name alone (``0003_….py`` is revision ``0003``; the
    chain is linear and numbered, which tests/store/test_migrations.py checks against Alembic):
    no Alembic import, for the check every command makes."""
    names = (p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))
    return max(names)


def at_head(engine: Engine) -> bool:
    """Whether the database is already at this code's newest revision, read with one plain
    query: the common case of every command and request process, which then needs neither
    Alembic (about a third of a data command's start-up) nor the migration's write lock."""
    try:
        with engine.connect() as conn:
            found = list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except DBAPIError:
        return False  # no version table yet: an empty or a pre-Alembic database
    return found == [newest_on_disk()]


def current_revision(conn: Connection) -> str | None:
    """The database's schema revision; None for a database loadwatch never migrated."""
    quiet_alembic()
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def check_known(revision: str | None) -> None:
    """``SchemaTooNew`` unless this code's migrations know ``revision`` (None: empty)."""
    if revision is not None and revision not in known_revisions():
        from loadwatch import __version__

        raise SchemaTooNew(
            f"the database is at schema revision {revision}, which loadwatch {__version__} "
            f"does not know (its newest is {head_revision()}): a newer loadwatch wrote it; "
            "upgrade loadwatch to open it"
        )


def migrate(engine: Engine, to: str = "head") -> None:
    """Bring the schema to revision ``to`` (the newest by default; idempotent).  A database
    at a revision this code does not know is refused with ``SchemaTooNew``, untouched."""
    # Processes starting together (API replicas, the scheduler) must not both see an empty
    # database and both create it: one migrates under a lock, the rest wait, then find the
    # schema at head and do nothing.  PostgreSQL: a transaction-scoped advisory lock.
    # SQLite: BEGIN IMMEDIATE, the database's write lock, held until the migration commits.
    with engine.connect() as outer:
        sqlite = outer.dialect.name == "sqlite"
        if sqlite:
            # A revision that rebuilds a table (SQLite's only way to change most of one)
            # drops the old one: with foreign keys on, that is a DELETE that cascades to every
            # row pointing at it.  SQLite's procedure: foreign keys off, outside the
            # transaction (the pragma is a no-op inside one), checked before the commit.
            _pragma(outer, "foreign_keys=OFF")
        try:
            _migrate_on(outer.execution_options(**{WRITE_OPTION: True}), to, sqlite=sqlite)
        finally:
            if sqlite:
                _pragma(outer, "foreign_keys=ON")


def _pragma(conn: Connection, pragma: str) -> None:
    # On the driver's connection, in autocommit: through SQLAlchemy it would begin a
    # transaction first (the "begin" hook), where this pragma does nothing.
    conn.connection.driver_connection.execute(f"PRAGMA {pragma}")  # type: ignore[union-attr]


def _migrate_on(connection: Any, to: str, *, sqlite: bool) -> None:
    with connection.begin():
        conn = connection
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        # Checked here, not left to Alembic: it would fail on the unknown revision with a
        # traceback-shaped CommandError, after a newer process may already have written rows
        # this code misreads.
        check_known(current_revision(conn))
        cfg = _alembic_config(conn)
        from alembic import command

        command.upgrade(cfg, to)
        if sqlite:
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"migration left rows pointing at nothing: {broken[:5]}")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    with translated(), factory() as session, session.begin():
        yield session


@dataclass(frozen=True, slots=True)
class PoolLimits:
    """Connections per process.  Sized with the API's thread limit (``api/app.py``): every
    thread that may hold a session can get a connection, so none waits on another's."""

    size: int = 20
    overflow: int = 10  # slack for the scheduler's job threads, which share the engine
    timeout_s: float = 10.0


class Store:
    """Everything persistent, opened once per process: engine, sessions, raw blobs, streams.

    A unit of work (a request, a job, a command, one imported file) gets one session from
    ``sessions()`` (reads) or ``transaction()`` (writes: committed at the end, and on SQLite
    begun IMMEDIATE so writers queue instead of failing) and passes it down; nothing beneath
    opens another.  Database errors leave both as ``loadwatch.errors`` (``store.errors``).
    """

    def __init__(
        self,
        url: str,
        data_dir: Path,
        *,
        run_migrations: bool = True,
        pool: PoolLimits | None = None,
    ) -> None:
        from loadwatch.store.blobs import BlobStore

        self.pool = pool or PoolLimits()
        self.engine = make_engine(url, self.pool)
        if run_migrations:
            with translated():
                if not at_head(self.engine):
                    migrate(self.engine)
        self.blobs = BlobStore(data_dir / "blobs")
        self._streams_root = data_dir / "streams"

    @cached_property
    def _reads(self) -> sessionmaker[Session]:
        # Made when first used: the ORM, which the data commands never load (``reading()``).
        return session_factory(self.engine)

    @cached_property
    def _writes(self) -> sessionmaker[Session]:
        return session_factory(self.engine.execution_options(**{WRITE_OPTION: True}))

    @cached_property
    def streams(self) -> StreamStore:
        """The decoded sample streams: made when first used, because they need polars, which
        the commands that only read the database (``status``, ``flags``...) never import."""
        from loadwatch.store.streams import StreamStore

        return StreamStore(self._streams_root)

    @contextmanager
    def sessions(self) -> Iterator[Session]:
        """A session for reading; whatever it began is rolled back at the end."""
        with translated(), self._reads() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A plain connection for reading Core tables, without the ORM; whatever it began is
        rolled back at the end.  For reads that may need mapped objects, ``orm_session``."""
        with translated(), self.engine.connect() as conn:
            yield conn

    def transaction(self) -> AbstractContextManager[Session]:
        """A session whose work commits when the block ends normally, else rolls back."""
        return transaction(self._writes)

    @contextmanager
    def unit(self, *, write: bool) -> Iterator[Session]:
        """A session committed when the block ends normally, rolled back otherwise, closed
        either way: for a unit of work whose end a framework drives (the API's request, which
        must commit before its response is sent)."""
        session = self.writer() if write else self.reader()
        with translated():
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def writer(self) -> Session:
        """An open write session for a caller that manages its end itself (the API's request
        session: committed before the response).  Errors from it need ``translated()``."""
        return self._writes()

    def reader(self) -> Session:
        """An open read session, likewise."""
        return self._reads()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def ping(self) -> None:
        """``StoreError`` unless the database answers."""
        with translated(), self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def close(self) -> None:
        self.engine.dispose()


def open_store(settings: Any = None) -> Store:
    """The store the settings name (``LOADWATCH_DATABASE_URL`` / ``LOADWATCH_DATA_DIR``)."""
    from loadwatch.config import get_settings

    s = settings or get_settings()
    new = not s.data_dir.exists()
    store = Store(s.db_url, s.data_dir, pool=PoolLimits(size=s.db_pool_size))
    if new and not s.data_dir_chosen:
        # WARNING so that it reaches stderr even where logging is not configured (the CLI:
        # Python's last-resort handler): a user who never chose a place must learn it.
        log.warning(
            "created a new loadwatch store in %s (set LOADWATCH_DATA_DIR to choose)", s.data_dir
        )
    return store
