"""The sync-report store: one row per outcome of one message (synced, skipped, retrying, dead).

``ReportStore.record`` stores one row in its own transaction. Consumers report through a ``ReportWriter``:
worker threads hand it rows and go on, and its thread stores them many rows per transaction (one insert
per record would cost a consumer about as much CPU as the rest of its database work). The runner acks a
message only after its report is stored (``ReportWriter.when_stored``), so a killed process (SIGKILL, a
second SIGTERM) loses no report of a message it acked: messages whose reports were still queued were not
acked either, and the broker redelivers them. ``bridgectl reports`` reads with ``query``, ``bridgectl status``
with ``counts_since``; ``prune`` keeps the table bounded: keep 30 days (``DEFAULT_RETENTION``), pruned
daily (``bridgectl reports --prune-older-than 30d`` from cron or the reconciler); on stores with millions
of changes a day, keep 7. A report that cannot be stored is logged in full at ERROR instead: the sync it
describes has already happened, and must not be retried because the report database hiccuped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.outcomes import STATUSES
from store.db import sqlite_write_lock, sync_reports

log = logging.getLogger(__name__)

DEFAULT_RETENTION = dt.timedelta(days=30)
PRUNE_BATCH = 5000
WRITE_BATCH = 500  # rows per transaction of a ReportWriter at most
WRITE_LINGER = 0.02  # seconds a ReportWriter waits for more rows after the first of a batch
MAX_QUEUED = 10_000  # rows a ReportWriter holds before reporters wait (back-pressure, never loss)
_COLUMNS = ("event_id", "entity", "key", "action", "status", "attempts", "duration_ms",
            "error_class", "error", "detail", "at")
# A report's commit need not wait for PostgreSQL's WAL flush: only a crash of the database server itself
# could lose the last fraction of a second of reports, and inserts per second go up several times.
_NO_FLUSH_WAIT = sa.text("SET LOCAL synchronous_commit TO OFF")
_LIMITS = {column.name: column.type.length for column in sync_reports.columns
           if isinstance(column.type, sa.String) and not isinstance(column.type, sa.Text) and column.type.length}


def as_utc(value: dt.datetime) -> dt.datetime:
    """``value`` as an aware UTC datetime; a naive value is taken to be UTC already (SQLite returns those)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _fitted(name: str, value: Any) -> Any:
    """Text cut to its column's length (PostgreSQL refuses longer values); other values unchanged."""
    limit = _LIMITS.get(name)
    if limit and isinstance(value, str) and len(value) > limit:
        return value[:limit - 1] + "…"
    return value


def report_row(*, event_id: str, entity: str, key: str, action: str, status: str, attempts: int,
               duration_ms: float, error_class: str | None = None, error: str | None = None,
               detail: str | None = None, at: dt.datetime | None = None) -> dict[str, Any]:
    """One outcome as a row of ``sync_reports``, fitted to its columns; ValueError for an unknown status."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    row = {"event_id": event_id, "entity": entity, "key": key, "action": action, "status": status,
           "attempts": int(attempts), "duration_ms": max(0, round(duration_ms)),
           "error_class": error_class, "error": error, "detail": detail,
           "at": as_utc(at) if at is not None else dt.datetime.now(dt.UTC)}
    return {name: _fitted(name, value) for name, value in row.items()}


class ReportStore:
    """Sync reports in ``store.db.sync_reports``; thread-safe, one short transaction per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time: queueing in-process is cheaper than its busy-wait back-off.
        self._write_lock = sqlite_write_lock(engine)
        self._relaxed_commit = engine.dialect.name == "postgresql"
        self._failure_lock = threading.Lock()
        self.failures = 0  # reports that could not be stored (each logged at ERROR)

    def record(self, **fields: Any) -> None:
        """Store one outcome (the keywords of ``report_row``); ``error`` is kept in full. A database failure
        is logged, never raised."""
        self.record_many([report_row(**fields)])

    def record_many(self, rows: list[dict[str, Any]]) -> None:
        """Store ``report_row`` rows in one transaction; when that fails, every row is logged in full at ERROR."""
        try:
            with self._write_lock, self.engine.begin() as connection:
                if self._relaxed_commit:
                    connection.execute(_NO_FLUSH_WAIT)
                connection.execute(sync_reports.insert(), rows)
        except sa.exc.SQLAlchemyError as exc:
            with self._failure_lock:
                self.failures += len(rows)
            for row in rows:
                log.error("sync report not stored (%s: %s): %s", type(exc).__name__, getattr(exc, "orig", exc),
                          {name: str(value) for name, value in row.items()})

    def query(self, entity: str | None = None, status: str | None = None, since: dt.datetime | None = None,
              limit: int | None = None) -> list[dict[str, Any]]:
        """Reports matching every given filter, newest first; ``at`` is an aware UTC datetime."""
        table = sync_reports.c
        statement = sa.select(*(table[name] for name in _COLUMNS)).order_by(table.at.desc(), table.id.desc())
        if entity is not None:
            statement = statement.where(table.entity == entity)
        if status is not None:
            statement = statement.where(table.status == status)
        if since is not None:
            statement = statement.where(table.at >= as_utc(since))
        if limit:
            statement = statement.limit(limit)
        with self.engine.connect() as connection:
            rows = connection.execute(statement).mappings().all()
        return [{**row, "at": as_utc(row["at"])} for row in rows]

    def counts_since(self, since: dt.datetime) -> dict[str, dict[str, int]]:
        """Per entity with reports since ``since``: how many are synced, skipped, retrying and dead."""
        table = sync_reports.c
        statement = (sa.select(table.entity, table.status, sa.func.count())
                     .where(table.at >= as_utc(since)).group_by(table.entity, table.status))
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        counts: dict[str, dict[str, int]] = {}
        for entity, status, number in rows:
            per_entity = counts.setdefault(entity, dict.fromkeys(STATUSES, 0))
            per_entity[status] = per_entity.get(status, 0) + number
        return counts

    def prune(self, older_than: dt.datetime | dt.timedelta = DEFAULT_RETENTION) -> int:
        """Delete reports from before ``older_than`` (a moment, or an age); returns how many went."""
        cutoff = (dt.datetime.now(dt.UTC) - older_than if isinstance(older_than, dt.timedelta)
                  else as_utc(older_than))
        table = sync_reports.c
        deleted = 0
        while True:  # in batches, so no single transaction holds the table for long
            batch = sa.select(table.id).where(table.at < cutoff).limit(PRUNE_BATCH)
            with self._write_lock, self.engine.begin() as connection:
                removed = connection.execute(sync_reports.delete().where(table.id.in_(batch))).rowcount
            deleted += removed
            if removed < PRUNE_BATCH:
                break
        log.info("pruned %d sync reports from before %s", deleted, cutoff.isoformat())
        return deleted


@dataclasses.dataclass(frozen=True)
class _Marker:
    """A call the writer makes once every row queued before it is stored."""

    callback: Callable[[], None]
    urgent: bool = False  # ends the batch at once (flush, stop) instead of waiting out the linger


_STOP = _Marker(lambda: None, urgent=True)


class ReportWriter:
    """Stores reports on a thread of its own, up to ``batch`` rows per transaction, in the order given.

    ``record`` (the keywords of ``report_row``) checks the row and queues it; when ``max_queued`` rows wait,
    it waits too. A batch starts with the first row queued and takes what follows within ``linger``
    seconds, so a busy consumer writes tens of rows per transaction and an idle one stores a row within
    ``linger``. ``when_stored(callback)`` has the writer call ``callback`` once the rows recorded before it
    are stored (the runner acks a message only then, so a killed process loses no report of an acked
    message); ``flush`` waits for that; ``close`` flushes and stops the thread, and rows recorded after
    that are stored at once.
    """

    def __init__(self, store: ReportStore, *, batch: int = WRITE_BATCH, linger: float = WRITE_LINGER,
                 max_queued: int = MAX_QUEUED) -> None:
        self.store = store
        self._batch = batch
        self._linger = linger
        self._queue: queue.Queue[dict[str, Any] | _Marker] = queue.Queue(max_queued)
        self._closed = False
        self._closing = threading.Lock()  # nothing is queued behind the stop marker
        self._urgent = threading.Event()  # set while a flush or stop is queued: no lingering then
        self._urgent_lock = threading.Lock()
        self._urgent_count = 0
        self._thread = threading.Thread(target=self._write_forever, name="report-writer", daemon=True)
        self._thread.start()

    def record(self, **fields: Any) -> None:
        row = report_row(**fields)
        with self._closing:
            if not self._closed:
                self._queue.put(row)
                return
        self.store.record_many([row])

    def when_stored(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on the writer's thread) once every row recorded so far is stored."""
        self._enqueue(_Marker(callback))

    def flush(self, timeout: float | None = None) -> bool:
        """Store the rows queued so far now; False when that took more than ``timeout`` seconds."""
        done = threading.Event()
        self._enqueue(_Marker(done.set, urgent=True))
        return done.wait(timeout)

    def close(self) -> None:
        """Store every queued row, then stop the writer's thread."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
            self._urgent_queued()
        self._thread.join()

    def _enqueue(self, marker: _Marker) -> None:
        with self._closing:
            if not self._closed:
                self._queue.put(marker)
                if marker.urgent:
                    self._urgent_queued()
                return
        marker.callback()  # closed: every row is stored already

    def _write_forever(self) -> None:
        while True:
            items = self._next_items()
            rows = [item for item in items if isinstance(item, dict)]
            if rows:
                self._store(rows)
            for item in items:
                if isinstance(item, _Marker):
                    item.callback()
            if items[-1] is _STOP:
                return

    def _store(self, rows: list[dict[str, Any]]) -> None:
        try:
            self.store.record_many(rows)  # logs what the database refuses, never raises for it
        except Exception:  # a bug: keep writing the next rows, and say which ones were lost
            log.exception("report writer failed; %d sync reports not stored: %s", len(rows), rows)

    def _next_items(self) -> list[dict[str, Any] | _Marker]:
        """The next queued item (waiting for one) and what was queued behind it within the linger, up to a
        batch of rows or an urgent marker (flush, stop).

        The writer sleeps through the linger rather than waking for every row (a flush or stop wakes it).
        """
        items = [self._queue.get()]
        if not _is_urgent(items[0]) and self._queue.qsize() < self._batch:
            self._urgent.wait(self._linger)
        rows = int(isinstance(items[0], dict))
        while rows < self._batch and not _is_urgent(items[-1]):
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
            rows += isinstance(items[-1], dict)
        if _is_urgent(items[-1]):
            self._urgent_taken()
        return items

    def _urgent_queued(self) -> None:
        with self._urgent_lock:
            self._urgent_count += 1
            self._urgent.set()

    def _urgent_taken(self) -> None:
        with self._urgent_lock:
            self._urgent_count -= 1
            if self._urgent_count == 0:
                self._urgent.clear()


def _is_urgent(item: dict[str, Any] | _Marker) -> bool:
    return isinstance(item, _Marker) and item.urgent
