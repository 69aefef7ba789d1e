"""Operational state: alerts, work orders, rule state and the email outbox.

The state database is SQLAlchemy Core over the embedded SQLite file by default (the same file
as the readings: one file to back up, on connections of its own, WAL letting the ingest
writer and the scheduler work side by side), or PostgreSQL when `[database] url` names one.
Its schema is the Alembic migrations in `migrations/versions`, applied on every connect that
finds the database behind; a database written by the first release (no version table yet) is
adopted by migration 0001 in place.

Every state change is a row in a transitions table (old state, new state, reason, actor,
time): the audit trail a regulator can read.
"""

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url

from .files import private_database

log = logging.getLogger("wastewatch.store")

MIGRATIONS = Path(__file__).with_name("migrations")

# The key of the PostgreSQL advisory lock that serialises read-then-write transactions, as
# BEGIN IMMEDIATE does on SQLite ("wwst" in ASCII).
WRITER_LOCK = 0x77777374


class Rows:
    """A statement's result, read whole before its connection goes back to the pool.
    Rows are mappings: row["column"]."""

    __slots__ = ("rows", "rowcount")

    def __init__(self, result):
        self.rows = list(result.mappings()) if result.returns_rows else []
        self.rowcount = result.rowcount

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list:
        return self.rows

    def scalar(self):
        """The first column of the first row, or None without rows."""
        return next(iter(self.rows[0].values())) if self.rows else None

    def __iter__(self):
        return iter(self.rows)


@lru_cache(maxsize=1024)
def _statement(sql: str, lists: frozenset = frozenset()):
    return text(sql).bindparams(*(bindparam(name, expanding=True) for name in lists))


def statement(sql: str, params: dict | None = None):
    """The compiled-once statement for `sql`; a list or tuple parameter fills `IN :name`."""
    lists = frozenset(k for k, v in (params or {}).items() if isinstance(v, (list, tuple)))
    return _statement(sql, lists)


class State:
    """The state database. `execute` runs one statement in a transaction of its own, or in
    the caller's when it is inside `with transaction(db):` on the same thread."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._held = threading.local()

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql": for the few statements the two spell differently."""
        return self.engine.dialect.name

    def execute(self, sql: str, params: dict | None = None) -> Rows:
        with self._connection() as connection:
            return Rows(connection.execute(statement(sql, params), params or {}))

    def executemany(self, sql: str, rows: list[dict]) -> None:
        if rows:
            with self._connection() as connection:
                connection.execute(statement(sql), rows)

    @contextmanager
    def _connection(self):
        """The connection of this thread's transaction, or one for this statement alone."""
        held = getattr(self._held, "connection", None)
        if held is not None:
            yield held
        else:
            with self.engine.begin() as connection:
                yield connection

    @contextmanager
    def holding(self, **options):
        """Everything this thread executes inside runs in one transaction on one connection,
        opened with `options`; yields that connection, or None when already inside one (the
        outer transaction is the one that counts)."""
        if getattr(self._held, "connection", None) is not None:
            yield None
            return
        with self.engine.connect() as connection:
            connection.execution_options(**options)
            with connection.begin():
                self._held.connection = connection
                self._held.changes = []
                try:
                    yield connection
                    if self._held.changes:
                        # A change whose emails and orders nobody applied would commit silently.
                        raise Unreacted(self._held.changes)
                finally:
                    self._held.connection = None
                    self._held.changes = []

    @property
    def changes(self) -> list["Change"]:
        """The state changes this thread's transaction wrote that nothing has reacted to yet:
        the lifecycles append them (`changed`), maintenance/reaction.py takes them before the
        commit, which refuses to happen while any is left."""
        if getattr(self._held, "connection", None) is None:
            return []
        return self._held.changes

    def changed(self, change: "Change") -> "Change":
        if getattr(self._held, "connection", None) is None:
            raise RuntimeError(f"{change.subject} {change.id} changed outside a transaction")
        self._held.changes.append(change)
        return change

    def close(self) -> None:
        self.engine.dispose()


@dataclass
class Change:
    """One state change a lifecycle made (alerts/lifecycle.py, maintenance/work_orders/): the
    seam between changing state and what the change causes (muting, work orders, notices).

    `event` says what happened to `subject` `id` ("opened", "over", "resolved", "chased", …),
    `row` is its row just after, `facts` what the reaction needs beyond it (the finding, the
    note, the deadline)."""

    subject: str
    id: int | str
    event: str
    at: int
    row: Any = None
    facts: dict = field(default_factory=dict)


class Unreacted(RuntimeError):
    def __init__(self, changes: list[Change]):
        first = changes[0]
        super().__init__(
            f"{len(changes)} state change(s) nobody reacted to, the first {first.subject} {first.id} "
            f"{first.event}: commit them through maintenance.reaction.changing"
        )


def answers(db: State) -> None:
    """Ask the database for nothing: raises when it does not answer (for /readyz)."""
    db.execute("SELECT 1").scalar()


@contextmanager
def savepoint(db: State, name: str = "step"):
    """`with savepoint(db):` inside a transaction: on an exception, what the block wrote is
    undone (its changes too) and the exception goes on; the transaction stays usable."""
    mark = len(db.changes)
    db.execute(f"SAVEPOINT {name}")
    try:
        yield db
    except BaseException:
        db.execute(f"ROLLBACK TO {name}")
        db.execute(f"RELEASE {name}")
        del db.changes[mark:]
        raise
    db.execute(f"RELEASE {name}")


def connect(target: str | Path) -> State:
    """The state database at a SQLite path or an SQLAlchemy URL, migrated to the newest
    schema when it is behind."""
    if isinstance(target, str) and "://" in target:
        url = make_url(target)
        engine = create_engine(url, pool_pre_ping=True)
    else:
        path = Path(target)
        private_database(path)
        engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    upgrade(engine)
    return State(engine)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLAlchemy emits BEGIN itself (_sqlite_begin): the driver's own transaction handling off.
    dbapi_connection.isolation_level = None
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        dbapi_connection.execute(f"PRAGMA {pragma}")


def _sqlite_begin(connection) -> None:
    # IMMEDIATE takes the write lock up front, so a read-then-write (claiming an email) cannot
    # be interleaved with another writer's; a lone statement or a read begins deferred and
    # does not wait on the ingest writer.
    immediate = connection.get_execution_options().get("wastewatch_lock", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def head() -> str:
    """The newest migration. Revisions are numbered like their files (0001_first_wave.py is
    revision "0001"), so this needs no Alembic import: a command that finds the database
    current starts without it."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def _revision(connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def revision(db: State) -> str | None:
    with db.engine.connect() as connection:
        return _revision(connection)


def upgrade(engine: Engine) -> None:
    with engine.connect() as connection:
        if _revision(connection) == head():
            return
    from alembic import command
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        connection.execution_options(wastewatch_lock=True)
        if engine.dialect.name == "postgresql":
            # Two processes starting at once: one migrates, the other waits and finds it done.
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": WRITER_LOCK})
            connection.commit()
        try:
            config.attributes["connection"] = connection
            before = _revision(connection)
            command.upgrade(config, "head")
            log.info("state database migrated from %s to %s", before or "none", head())
            connection.commit()
        finally:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": WRITER_LOCK})
                connection.commit()


@contextmanager
def snapshot(db: State):
    """`with snapshot(db):` many reads in one read-only transaction: every figure of a report
    from the same moment (REPEATABLE READ on PostgreSQL; a WAL read snapshot on SQLite, which
    takes no lock), and one BEGIN/COMMIT instead of one per statement (a console page reads
    some thirty times). Only around code that does not await: the transaction is this
    thread's, and on an event loop another request's code would run in it."""
    if db.dialect == "postgresql":
        with db.holding(isolation_level="REPEATABLE READ", postgresql_readonly=True):
            yield db
        return
    with db.holding() as connection:
        if connection is None:  # inside a transaction already: that one counts
            yield db
            return
        # Read-only as on PostgreSQL: a write inside fails at once, rather than upgrading a
        # read snapshot that another writer may have outdated (SQLITE_BUSY_SNAPSHOT).
        connection.exec_driver_sql("PRAGMA query_only = ON")
        try:
            yield db
        finally:
            connection.exec_driver_sql("PRAGMA query_only = OFF")


@contextmanager
def transaction(db: State, lock: bool = True):
    """`with transaction(db):` every statement in one transaction, committed at the end or
    rolled back on an exception. With `lock` (the default) it takes the writer lock first —
    BEGIN IMMEDIATE on SQLite, a transaction-scoped advisory lock on PostgreSQL — so a
    read-then-write cannot interleave with another writer's. The outbox claim passes
    lock=False on PostgreSQL and locks its rows with FOR UPDATE SKIP LOCKED instead."""
    with db.holding(wastewatch_lock=True) as connection:
        if connection is not None and lock and db.dialect == "postgresql":
            connection.execute(statement("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK})
        yield db


def paged(db: State, table: str, where: list[str], params: dict, key: str, after, limit: int) -> list:
    """The rows of `table` matching every clause of `where`, in `key` order, the first `limit`
    after the cursor `after` (None: from the first): a stable order to page through, for the
    owner of the table to call (the read API's lists)."""
    clauses = [*where, *([f"{key} > :after"] if after is not None else [])]
    sql = f"SELECT * FROM {table}" + (f" WHERE {' AND '.join(clauses)}" if clauses else "")
    sql += f" ORDER BY {key} LIMIT :limit"
    # Only the parameters the clauses name: a list names an expanding parameter, which must be used.
    used = {name: value for name, value in params.items() if f":{name}" in sql}
    if any(isinstance(value, (list, tuple)) and not value for value in used.values()):
        return []  # IN over nothing matches nothing (and PostgreSQL cannot type an empty list)
    return db.execute(sql, {**used, "after": after, "limit": limit}).fetchall()
