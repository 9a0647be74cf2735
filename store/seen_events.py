"""Duplicate detection: event ids accepted within the window, shared by every worker through the database.

``SeenEvents`` keeps accepted ids in ``store.db.seen_events`` (SQLite WAL or PostgreSQL), so every gunicorn
worker, and every receiver process on the same database, answers a redelivery as a duplicate. An id is
recorded only after the broker confirmed its message: the request thread puts it in this process's memory
(so this worker answers a redelivery as a duplicate at once) and hands it to the process's writer thread,
which commits every waiting id in one transaction a few milliseconds later; the request does not wait for
that commit. Until it lands, another worker may publish a redelivery of the same id once more: consumers
are idempotent, and senders retry after seconds, not milliseconds. Lookups run one statement compiled once
by SQLAlchemy for the engine's dialect, on a DBAPI connection each thread keeps (SQLAlchemy's per-call
overhead costs more than the query). The writer prunes rows older than the window every ``prune_interval``
seconds, so the table holds at most one window of ids.

The store fails open: when the database cannot be read or written, notifications are still published
(the bridge is at-least-once), and the outage is logged once. Until its schema exists (``bridge.dedup``
creates it in the background when the database is unreachable at start-up) only this worker's memory of
recent ids is consulted.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler

from store.db import seen_events

log = logging.getLogger(__name__)


class _Statement:
    """A SQLAlchemy statement compiled once for a dialect, run on a raw DBAPI cursor."""

    def __init__(self, statement: sa.sql.ClauseElement, dialect: sa.engine.Dialect) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.sql = str(compiled)
        self._positions = compiled.positiontup

    def params(self, values: Mapping[str, Any]) -> Any:
        return tuple(values[name] for name in self._positions) if self._positions else dict(values)


class SeenEvents:
    """The accepted event ids of the last ``window_seconds``, read and written by every worker."""

    # per process: set by _after_fork
    _cond: threading.Condition
    _local: threading.local
    _queue: list[str]
    _queued: int
    _written: int
    _writer: threading.Thread | None
    _writer_idle: bool
    _connection: PoolProxiedConnection | None
    _closing: bool

    def __init__(self, engine: Engine, window_seconds: float, *, clock: Callable[[], float] = time.time,
                 prune_interval: float = 60.0, linger: float = 0.005, recent_capacity: int = 50_000) -> None:
        self._engine = engine
        self._window = window_seconds
        self._clock = clock
        self._prune_interval = prune_interval
        self._linger = linger
        self._recent_capacity = recent_capacity
        self._recent: collections.OrderedDict[str, float] = collections.OrderedDict()
        self._errors = (sa.exc.SQLAlchemyError, engine.dialect.loaded_dbapi.Error)
        self._select = _Statement(sa.select(seen_events.c.accepted_at).where(
            seen_events.c.event_id == sa.bindparam("event_id")), engine.dialect)
        self._upsert = _Statement(_upsert_statement(engine.dialect.name), engine.dialect)
        self._delete = _Statement(seen_events.delete().where(
            seen_events.c.accepted_at < sa.bindparam("cutoff")), engine.dialect)
        self._healthy = True
        self._problem: str | None = None
        self._schema_problem: str | None = None
        self._closed = threading.Event()
        self._pid = -1
        self._after_fork()

    # ---- request threads ---------------------------------------------------------------------
    def seen(self, event_id: str) -> bool:
        """True when ``event_id`` was accepted less than the window ago (by any worker)."""
        self._after_fork()
        cutoff = self._clock() - self._window
        with self._cond:
            local = self._recent.get(event_id)
        if local is not None and local >= cutoff:
            return True
        if self._schema_problem is not None:  # no table yet: this worker's memory is all there is
            return False
        try:
            accepted_at = self._read(event_id)
        except self._errors as exc:
            self._reader_failed(exc)
            return False
        self._set_health(True)
        return accepted_at is not None and accepted_at >= cutoff

    def record(self, event_id: str) -> None:
        """Remember an accepted id now and queue it for the writer's next commit (the caller does not wait)."""
        self._after_fork()
        with self._cond:
            self._remember(event_id, self._clock())
            if self._schema_problem is not None:
                return
            self._queue.append(event_id)
            self._queued += 1
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name="seen-events-writer", daemon=True)
                self._writer.start()
            if self._writer_idle:  # a busy writer picks the id up without being woken
                self._cond.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every id recorded so far was committed (or its commit failed); False after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            target = self._queued
            while self._written < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._writer is None:
                    return False
                self._cond.wait(remaining)
        return True

    def prune(self) -> int:
        """Delete ids older than the window; returns how many rows went."""
        cutoff = self._clock() - self._window
        with self._engine.begin() as connection:
            removed = connection.exec_driver_sql(self._delete.sql, self._delete.params({"cutoff": cutoff})).rowcount
        with self._cond:
            while self._recent and next(iter(self._recent.values())) < cutoff:
                self._recent.popitem(last=False)
        if removed:
            log.info("pruned %d event ids older than %g s", removed, self._window)
        return removed

    def health(self) -> str | None:
        """Why duplicates may pass now (no schema yet, or the database failing), or None while checks work."""
        if self._schema_problem is not None:
            return f"the duplicate-detection database is unreachable ({self._schema_problem}); duplicates pass"
        if not self._healthy:
            return f"the duplicate-detection database is failing ({self._problem}); duplicates pass"
        return None

    def schema_missing(self, reason: str) -> None:
        """The schema could not be created at start-up (``bridge.dedup`` keeps trying)."""
        self._schema_problem = reason

    def schema_ready(self) -> None:
        self._schema_problem = None

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def wait_closed(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds, waking early when the store is closed; True when closed."""
        return self._closed.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Commit what is waiting, then stop the writer."""
        self._closed.set()
        self.flush(timeout)
        with self._cond:
            self._closing = True
            writer = self._writer
            self._cond.notify_all()
        if writer is not None:
            writer.join(timeout)

    # ---- writer thread -----------------------------------------------------------------------
    def _write_loop(self) -> None:
        next_prune = time.monotonic()
        while True:
            with self._cond:
                self._writer_idle = True
                while not self._queue and not self._closing:
                    remaining = next_prune - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)
                self._writer_idle = False
                if self._closing and not self._queue:
                    self._writer = None
                    return
            while self._queue:  # busy: commit every ``linger`` seconds whatever arrived meanwhile
                time.sleep(self._linger)
                self._commit_waiting()
            if time.monotonic() >= next_prune:
                next_prune = time.monotonic() + self._prune_interval
                self._prune_quietly()

    def _commit_waiting(self) -> None:
        with self._cond:
            batch, self._queue = self._queue, []
        self._write(batch)
        with self._cond:
            self._written += len(batch)
            self._cond.notify_all()

    def _write(self, event_ids: list[str]) -> bool:
        now = self._clock()
        rows = [self._upsert.params({"event_id": event_id, "accepted_at": now})
                for event_id in dict.fromkeys(event_ids)]
        try:
            if self._connection is None:
                self._connection = self._engine.raw_connection()
            cursor = self._connection.cursor()
            try:
                cursor.executemany(self._upsert.sql, rows)
            finally:
                cursor.close()
            self._connection.commit()
        except self._errors as exc:
            connection, self._connection = self._connection, None
            if connection is not None:
                connection.invalidate()
            self._set_health(False, exc)
            return False
        self._set_health(True)
        return True

    def _prune_quietly(self) -> None:
        try:
            self.prune()
        except self._errors as exc:
            self._set_health(False, exc)

    # ---- helpers -----------------------------------------------------------------------------
    def _read(self, event_id: str) -> float | None:
        connection = getattr(self._local, "reader", None)
        if connection is None:
            connection = self._local.reader = self._engine.raw_connection()
            if self._engine.dialect.name == "postgresql":
                driver = connection.driver_connection
                assert driver is not None  # a fresh connection from the pool
                driver.autocommit = True  # a lookup must not hold a transaction open
        cursor = connection.cursor()
        try:
            cursor.execute(self._select.sql, self._select.params({"event_id": event_id}))
            row = cursor.fetchone()
        finally:
            cursor.close()
        return row[0] if row else None

    def _reader_failed(self, error: BaseException) -> None:
        connection, self._local.reader = getattr(self._local, "reader", None), None
        if connection is not None:
            connection.invalidate()
        self._set_health(False, error)

    def _remember(self, event_id: str, at: float) -> None:
        self._recent[event_id] = at
        self._recent.move_to_end(event_id)
        if len(self._recent) > self._recent_capacity:
            self._recent.popitem(last=False)

    def _after_fork(self) -> None:
        """Fresh per-process state: a forked child must not use its parent's connections or writer."""
        if self._pid == os.getpid():
            return
        if self._pid != -1:
            self._engine.dispose(close=False)
        self._pid = os.getpid()
        self._cond = threading.Condition()
        self._local = threading.local()
        self._queue = []
        self._queued = self._written = 0
        self._writer = None
        self._writer_idle = False
        self._connection = None
        self._closing = False

    def _set_health(self, healthy: bool, error: BaseException | None = None) -> None:
        if not healthy:
            self._problem = str(error).splitlines()[0] if error else "unknown error"
        if healthy != self._healthy:
            self._healthy = healthy
            if healthy:
                log.info("duplicate-detection database is answering again")
            else:
                reason = str(error).splitlines()[0] if error else "unknown error"
                log.error("duplicate-detection database failed (%s); accepting without duplicate checks", reason)


def _upsert_statement(dialect: str) -> sa.sql.ClauseElement:
    """INSERT ... ON CONFLICT (event_id) DO UPDATE SET accepted_at, for SQLite and PostgreSQL."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(seen_events).values(event_id=sa.bindparam("event_id"),
                                           accepted_at=sa.bindparam("accepted_at"))
    return statement.on_conflict_do_update(index_elements=[seen_events.c.event_id],
                                           set_={"accepted_at": statement.excluded.accepted_at})
