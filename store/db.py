"""The bridge's own database (SQLAlchemy Core): accepted event ids, sync reports, sync state, positions.

SQLite by default (WAL mode, so readers never wait for the writer), PostgreSQL in production.
Tables are created idempotently at start-up with ``ensure_schema``.

``store/`` owns the database: only its modules import SQLAlchemy or these tables (tests/store/test_ownership.py
checks it). Other packages open an engine with ``make_engine``, create the tables with ``ensure_schema``, name
the engine's type ``Engine``, catch ``DatabaseError`` and read and write through the stores.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

# The names other packages use, so that only store/ imports SQLAlchemy: the handle they pass to the stores,
# and what a store raises when the database fails (cannot connect, refuses a statement).
Engine = sa.engine.Engine
DatabaseError = sa.exc.SQLAlchemyError

metadata = sa.MetaData()

# Event ids the receiver accepted (published and confirmed), for duplicate detection.
seen_events = sa.Table(
    "seen_events", metadata,
    sa.Column("event_id", sa.String(255), primary_key=True),
    sa.Column("accepted_at", sa.Float, nullable=False, index=True),  # unix seconds
)

# One row per outcome of one message: synced, skipped, retrying or dead.
sync_reports = sa.Table(
    "sync_reports", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(255), nullable=False, index=True),
    sa.Column("entity", sa.String(32), nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # synced | skipped | retrying | dead
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("error_class", sa.String(64), nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("detail", sa.String(255), nullable=True),  # e.g. "unchanged", "stale", "deleted"
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_sync_reports_at", "at"),
    sa.Index("ix_sync_reports_entity_status_at", "entity", "status", "at"),
    sa.Index("ix_sync_reports_entity_key_at", "entity", "key", "at"),  # a record's history (dead letters)
)

# What the ERP was last given for each record: the staleness guard and the unchanged check.
sync_state = sa.Table(
    "sync_state", metadata,
    sa.Column("backend", sa.String(16), primary_key=True),
    sa.Column("entity", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("erp_id", sa.String(64), nullable=True),
    sa.Column("version", sa.String(64), nullable=True),  # Magento updated_at, UTC text, sortable
    sa.Column("doc_hash", sa.String(64), nullable=True),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
    # A short lease so that consumer processes on several machines never handle one record at once.
    sa.Column("lease_owner", sa.String(255), nullable=True),
    sa.Column("lease_until", sa.Float, nullable=True),  # unix seconds
)

# Backfill progress per entity, so an interrupted backfill resumes after the last finished page.
backfill_positions = sa.Table(
    "backfill_positions", metadata,
    sa.Column("entity", sa.String(32), primary_key=True),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("since", sa.String(32), nullable=True),
    sa.Column("until", sa.String(32), nullable=True),
    sa.Column("batch_size", sa.Integer, nullable=False),
    sa.Column("last_key", sa.String(255), nullable=True),  # the unique sort key of the last record published
    sa.Column("pages_done", sa.Integer, nullable=False, default=0),
    sa.Column("published", sa.Integer, nullable=False, default=0),
    sa.Column("failed_pages", sa.Integer, nullable=False, default=0),
    sa.Column("finished", sa.Boolean, nullable=False, default=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Reconcile watermark per entity: the newest updated_at published and confirmed.
reconcile_watermarks = sa.Table(
    "reconcile_watermarks", metadata,
    sa.Column("entity", sa.String(32), primary_key=True),
    sa.Column("watermark", sa.String(32), nullable=False),  # Magento updated_at, UTC "YYYY-MM-DD HH:MM:SS"
    sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("published", sa.Integer, nullable=False, default=0),
)

# The echo guard: per record and side ("erp" or "magento"), the fingerprint of what the bridge last wrote there.
echo_fingerprints = sa.Table(
    "echo_fingerprints", metadata,
    sa.Column("entity", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("side", sa.String(16), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),  # sha256 hex, schemas.fingerprint
    sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_echo_fingerprints_written_at", "written_at"),  # pruning
)

# ERP poll watermark per source ("odoo:stock.quant", "http:changes"): Odoo's newest write_date seen, or a cursor.
erp_watermarks = sa.Table(
    "erp_watermarks", metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("write_date", sa.String(19), nullable=True),  # Odoo's clock, "YYYY-MM-DD HH:MM:SS", sortable text
    sa.Column("seen", sa.Text, nullable=False, default="{}"),  # JSON {model: {write_date: [ids]}} in the overlap
    sa.Column("cursor", sa.String(255), nullable=True),  # the HTTP ERP change feed's opaque cursor
    sa.Column("published", sa.Integer, nullable=False, default=0),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Where a full push (bridgectl push stock --all) is: the last SKU whose chunk Magento confirmed, per job.
push_positions = sa.Table(
    "push_positions", metadata,
    sa.Column("job", sa.String(32), primary_key=True),  # "stock"
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("last_sku", sa.String(255), nullable=True),
    sa.Column("chunks_done", sa.Integer, nullable=False, default=0),
    sa.Column("pushed", sa.Integer, nullable=False, default=0),
    sa.Column("skipped", sa.Integer, nullable=False, default=0),
    sa.Column("finished", sa.Boolean, nullable=False, default=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and its folder created."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def in_memory(url: str) -> bool:
    """Whether ``url`` names a database that lives in one process's memory (SQLite without a file)."""
    return sa.engine.make_url(url).database in (None, "", ":memory:")


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    database = sa.engine.make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def ensure_schema(engine: Engine) -> None:
    """Create the bridge's tables when they are missing (idempotent, safe from several processes)."""
    try:
        metadata.create_all(engine, checkfirst=True)
    except sa.exc.OperationalError:
        metadata.create_all(engine, checkfirst=True)  # another process created them between check and create
    except sa.exc.IntegrityError:
        metadata.create_all(engine, checkfirst=True)
    _add_missing_indexes(engine)


def _add_missing_indexes(engine: Engine) -> None:
    """Create indexes added to tables that existed before them (create_all only indexes new tables)."""
    present = {index["name"] for index in sa.inspect(engine).get_indexes(sync_reports.name)}
    for index in sync_reports.indexes:
        if index.name not in present:
            try:
                index.create(engine, checkfirst=True)
            except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
                log.debug("index %s created meanwhile by another process", index.name)


KEPT_CONNECTIONS = 4  # per store; statements are short, and the engine's default pool holds 5 (+10 overflow)
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def sqlite_write_lock(engine: Engine) -> Any:
    """One lock per SQLite database per process (a no-op context for PostgreSQL).

    SQLite has one writer at a time; threads that queue on a lock are woken the moment it is free, while
    SQLite's busy handler makes them sleep 1, 2, 5, 10 ... ms between tries.
    """
    if engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(str(engine.url), threading.Lock())


class KeptConnections:
    """At most ``limit`` autocommit connections, kept open between statements: checking one out of the pool
    per statement (with its isolation-level switch and reset) costs about as much as the statement."""

    def __init__(self, engine: Engine, limit: int = KEPT_CONNECTIONS) -> None:
        self._engine = engine
        self._slots = threading.BoundedSemaphore(limit)  # statements at once, so connections open at most
        self._idle: queue.SimpleQueue[Connection] = queue.SimpleQueue()

    def execute(self, statement: Any, params: dict[str, Any]) -> Any:
        """Run one statement; after a lost connection, once more on a new one (each is safe to repeat)."""
        try:
            return self._execute_once(statement, params)
        except sa.exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
            log.warning("database connection lost (%s); retrying on a new one", error.orig)
            self.close()
            return self._execute_once(statement, params)

    def _execute_once(self, statement: Any, params: dict[str, Any]) -> Any:
        with self._slots:
            try:
                connection = self._idle.get_nowait()
            except queue.Empty:
                connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                result = connection.execute(statement, params)
                answer = result.rowcount if not result.returns_rows else result.mappings().first()
            except BaseException:
                connection.close()  # whatever went wrong, a fresh connection is the safe next one
                raise
            self._idle.put(connection)
            return answer

    def close(self) -> None:
        """Close every idle connection."""
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
