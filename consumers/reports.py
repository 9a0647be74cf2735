"""The sync-report store: one row per outcome of one message (synced, skipped, retrying, dead).

Consumer worker threads call ``record``; ``bridgectl reports`` reads with ``query``, ``bridgectl status``
with ``counts_since``; ``prune`` keeps the table bounded: keep 30 days (``DEFAULT_RETENTION``), pruned
daily (``bridgectl reports --prune-older-than 30d`` from cron or the reconciler); on stores with millions
of changes a day, keep 7. A report that cannot be stored is logged in full at ERROR instead: the sync it
describes has already happened, and must not be retried because the report database hiccuped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.db import sync_reports

log = logging.getLogger(__name__)

STATUSES: tuple[str, ...] = ("synced", "skipped", "retrying", "dead")
DEFAULT_RETENTION = dt.timedelta(days=30)
PRUNE_BATCH = 5000
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
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def _fitted(name: str, value: Any) -> Any:
    """Text cut to its column's length (PostgreSQL refuses longer values); other values unchanged."""
    limit = _LIMITS.get(name)
    if limit and isinstance(value, str) and len(value) > limit:
        return value[:limit - 1] + "…"
    return value


class ReportStore:
    """Sync reports in ``core.db.sync_reports``; thread-safe, one short transaction per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time: queueing in-process is cheaper than its busy-wait back-off.
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        self._relaxed_commit = engine.dialect.name == "postgresql"
        self._failure_lock = threading.Lock()
        self.failures = 0  # reports that could not be stored (each logged at ERROR)

    def record(self, *, event_id: str, entity: str, key: str, action: str, status: str, attempts: int,
               duration_ms: float, error_class: str | None = None, error: str | None = None,
               detail: str | None = None, at: dt.datetime | None = None) -> None:
        """Store one outcome; ``error`` is kept in full. A database failure is logged, never raised."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        row = {"event_id": event_id, "entity": entity, "key": key, "action": action, "status": status,
               "attempts": int(attempts), "duration_ms": max(0, round(duration_ms)),
               "error_class": error_class, "error": error, "detail": detail,
               "at": as_utc(at) if at is not None else dt.datetime.now(dt.timezone.utc)}
        row = {name: _fitted(name, value) for name, value in row.items()}
        try:
            with self._write_lock, self.engine.begin() as connection:
                if self._relaxed_commit:
                    connection.execute(_NO_FLUSH_WAIT)
                connection.execute(sync_reports.insert(), row)
        except sa.exc.SQLAlchemyError as exc:
            with self._failure_lock:
                self.failures += 1
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
        cutoff = (dt.datetime.now(dt.timezone.utc) - older_than if isinstance(older_than, dt.timedelta)
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
