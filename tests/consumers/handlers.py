"""Handlers for ``python -m consumers --handler ...`` in tests: a SQLite store keyed by record.

``sqlite_store`` reads ``BRIDGE_TEST_STORE`` (the SQLite file) and ``BRIDGE_TEST_DELAY`` (seconds each
call takes, default 0). Each call records that it started, waits, then in ONE transaction writes the
record (keyed by entity and key) and logs every event of the group not applied before, the way an
idempotent ERP upsert does. An event redelivered after a crash is seen again but not applied twice.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from consumers.dispatch import Outcome, no_report
from schemas.notification import Notification

if TYPE_CHECKING:
    from core.settings import Settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS started (event_id TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS records (entity TEXT NOT NULL, key TEXT NOT NULL, last_event TEXT NOT NULL,
                                    writes INTEGER NOT NULL, PRIMARY KEY (entity, key));
CREATE TABLE IF NOT EXISTS applied (event_id TEXT NOT NULL, entity TEXT NOT NULL, key TEXT NOT NULL);
"""


def connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(SCHEMA)
    return connection


class SqliteStore:
    """The handler: an idempotent upsert of the record plus a log of the events it applied."""

    def __init__(self, path: str, delay: float = 0.0) -> None:
        self.path = path
        self.delay = delay
        connect(path).close()

    def __call__(self, notifications: list[Notification]) -> Outcome:
        connection = connect(self.path)
        try:
            connection.executemany("INSERT INTO started VALUES (?, ?)",
                                   [(note.id, time.time()) for note in notifications])
            time.sleep(self.delay)
            return self._apply(connection, notifications)
        finally:
            connection.close()

    def _apply(self, connection: sqlite3.Connection, notifications: list[Notification]) -> Outcome:
        entity, key = notifications[0].record
        ids = [note.id for note in notifications]
        connection.execute("BEGIN IMMEDIATE")
        try:
            seen = {row[0] for row in connection.execute(
                f"SELECT event_id FROM applied WHERE event_id IN ({','.join('?' * len(ids))})", ids)}
            fresh = [event for event in ids if event not in seen]
            if fresh:
                connection.execute(
                    "INSERT INTO records VALUES (?, ?, ?, 1) ON CONFLICT (entity, key) "
                    "DO UPDATE SET last_event = excluded.last_event, writes = writes + 1",
                    (entity, key, fresh[-1]))
                connection.executemany("INSERT INTO applied VALUES (?, ?, ?)",
                                       [(event, entity, key) for event in fresh])
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return Outcome("synced") if fresh else Outcome("skipped", "unchanged")


def sqlite_store(settings: Settings) -> tuple[SqliteStore, Callable[..., None], Callable[[], None]]:
    """The ``--handler`` factory: (handler, reporter, close)."""
    store = SqliteStore(os.environ["BRIDGE_TEST_STORE"], float(os.environ.get("BRIDGE_TEST_DELAY", "0")))
    return store, no_report, lambda: None
