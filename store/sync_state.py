"""What the ERP was last given for each record: the staleness guard, the unchanged check, per-record leases.

Every write is one atomic statement (``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` on SQLite 3.35+ and
PostgreSQL, or ``UPDATE ... WHERE``), so consumer processes on several machines sharing one PostgreSQL database
never move a record's version backwards and never hold one record's lease at the same time. Versions are Magento's
``updated_at`` in its own UTC form ``YYYY-MM-DD HH:MM:SS``, which sorts as text.

The pipeline's hot path is two statements per record: taking the lease also reads the state the decision
needs (``lease(...).state``), and ``Lease.remember_and_release`` stores the new state and gives the lease up
together. Statements run on autocommit connections kept open between calls, and on SQLite a process
queues its writes on one lock per database file rather than in SQLite's sleeping busy handler.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core import parsing
from core.errors import RecordBusy
from store.db import KeptConnections, sqlite_write_lock, sync_state
from store.sync_state_sql import DIALECTS, statements

log = logging.getLogger(__name__)

Decision = Literal["write", "stale", "unchanged"]


def _length(column: sa.Column[Any]) -> int:
    """The declared length of a text column."""
    length = cast(sa.String, column.type).length
    assert length is not None
    return length


_ID_LENGTH = _length(sync_state.c.erp_id)
_OWNER_LENGTH = _length(sync_state.c.lease_owner)


def stored_owner(owner: str) -> str:
    """The owner as stored: names longer than the column keep their start plus a hash of the whole name."""
    if not owner:
        raise ValueError("a lease owner must not be empty")
    if len(owner) <= _OWNER_LENGTH:
        return owner
    digest = hashlib.sha256(owner.encode()).hexdigest()[:16]
    return f"{owner[:_OWNER_LENGTH - 17]}~{digest}"


def canonical_version(version: str | None) -> str | None:
    """A version as Magento's sortable ``YYYY-MM-DD HH:MM:SS`` (UTC); ISO 8601 is converted.

    A version that is no date-time is logged and treated as absent: the record still syncs, unguarded.
    """
    if version is None or version.strip() == "":
        return None
    try:
        return parsing.magento_timestamp(parsing.utc_datetime(version))
    except ValueError:
        log.warning("ignoring version %r: not a date-time, so no staleness check for this write", version)
        return None


def decision(state: Mapping[str, Any] | None, version: str | None, doc_hash: str) -> Decision:
    """``stale`` when a newer version was written, ``unchanged`` when this exact document was; else ``write``."""
    if state is None:
        return "write"
    version = canonical_version(version)
    if version is not None and state["version"] is not None and state["version"] > version:
        return "stale"
    if state["doc_hash"] == doc_hash and not state["deleted"]:
        return "unchanged"
    return "write"


def synced_versions(engine: Engine, backend: str, entity: str, keys: Sequence[str]) -> dict[str, str]:
    """The version ``backend`` holds for each of ``keys`` (records written with a version and not deleted)."""
    if not keys:
        return {}
    table = sync_state.c
    statement = sa.select(table.key, table.version).where(
        table.backend == backend, table.entity == entity, table.key.in_(keys),
        table.version.is_not(None), table.deleted.is_(False))
    with engine.connect() as connection:
        return {key: version for key, version in connection.execute(statement)}


class SyncStateStore:
    """Per-record sync state of one ERP backend (``backend_name``) in ``store.db.sync_state``; thread-safe."""

    def __init__(self, engine: Engine, backend_name: str, clock: Callable[[], float] = time.time) -> None:
        if engine.dialect.name not in DIALECTS:
            raise ValueError(f"sync state needs SQLite or PostgreSQL, not {engine.dialect.name}")
        self.engine = engine
        # Each call is one statement, atomic on its own: autocommit saves BEGIN and COMMIT round trips.
        self._connections = KeptConnections(engine)
        self._write_lock = sqlite_write_lock(engine)
        self._sql = statements(engine.dialect.name)
        self.backend = backend_name
        self.clock = clock
        self._held: collections.Counter[tuple[str, str, str]] = collections.Counter()  # leases held, by depth
        self._held_lock = threading.Lock()

    def close(self) -> None:
        """Close the connections kept open; the store opens new ones if it is used again."""
        self._connections.close()

    def _run(self, statement: Any, entity: str, key: str, **values: Any) -> Any:
        """Execute one prepared write for (entity, key) in autocommit; the row count, or the first row."""
        params = {"pk_backend": self.backend, "pk_entity": entity, "pk_key": key, **values}
        with self._write_lock:
            return self._connections.execute(statement, params)

    def get(self, entity: str, key: str) -> dict[str, Any] | None:
        """The stored state of (entity, key), or None when the bridge never wrote it."""
        params = {"pk_backend": self.backend, "pk_entity": entity, "pk_key": key}
        row = self._connections.execute(self._sql.get, params)  # a read: SQLite's readers never wait
        if row is None:
            return None
        state = dict(row)
        if state["synced_at"] is not None and state["synced_at"].tzinfo is None:
            state["synced_at"] = state["synced_at"].replace(tzinfo=dt.UTC)
        return state

    def decide(self, entity: str, key: str, version: str | None, doc_hash: str) -> Decision:
        """``stale`` when a newer version was written, ``unchanged`` when this exact document was; else ``write``."""
        return decision(self.get(entity, key), version, doc_hash)

    def remember(self, entity: str, key: str, *, version: str | None, doc_hash: str | None,
                 erp_id: str | None, deleted: bool = False) -> bool:
        """Record what the ERP now holds, unless a newer version is stored; True when stored.

        A None ``version`` or ``erp_id`` keeps the stored one.
        """
        return self._remember(self._sql.remember, entity, key, version, doc_hash, erp_id, deleted)

    def _remember(self, statement: Any, entity: str, key: str, version: str | None, doc_hash: str | None,
                  erp_id: str | None, deleted: bool, **extra: Any) -> bool:
        version = canonical_version(version)
        stored = self._run(statement, entity, key, version=version, doc_hash=doc_hash,
                           erp_id=None if erp_id is None else str(erp_id)[:_ID_LENGTH], deleted=deleted,
                           synced_at=dt.datetime.fromtimestamp(self.clock(), dt.UTC), **extra) is not None
        if not stored:
            log.info("kept the newer state of %s %r: %s is older", entity, key, version)
        return stored

    def forget(self, entity: str, key: str) -> None:
        self._run(self._sql.forget, entity, key)

    @contextlib.contextmanager
    def lease(self, entity: str, key: str, owner: str, ttl: float) -> Iterator[Lease]:
        """Hold (entity, key) for ``owner`` for up to ``ttl`` seconds; RecordBusy when another owner has it.

        Re-entrant: a nested lease of the same owner on the same record leaves the release to the outer one.
        Released on the way out, also when the work failed, unless ``remember_and_release`` released it.
        """
        if ttl <= 0:
            raise ValueError("a lease's ttl must be more than 0 seconds")
        held = Lease(self, entity, key, stored_owner(owner), ttl)
        with self._held_lock:
            held.nested = self._held[held.ident] > 0
            self._held[held.ident] += 1
        try:
            if not held.nested and not held.renew():
                raise self._busy(entity, key)
            yield held
        finally:
            with self._held_lock:
                self._held[held.ident] -= 1
                outermost = self._held[held.ident] == 0
                if outermost:
                    del self._held[held.ident]
            if outermost and not held.nested and not held.released:
                held.release()

    def take_over(self, entity: str, key: str, from_owner: str, owner: str, ttl: float) -> bool:
        """Move the lease from ``from_owner`` (known to be gone) to ``owner``; False when it is not theirs now."""
        return bool(self._run(self._sql.take_over, entity, key, from_owner=stored_owner(from_owner),
                              new_owner=stored_owner(owner), until=self.clock() + ttl) == 1)

    def _acquire(self, entity: str, key: str, owner: str, ttl: float) -> dict[str, Any] | None:
        """Take or extend the lease in one statement (free, expired, or already ours); the state, or None."""
        now = self.clock()
        row = self._run(self._sql.acquire, entity, key, owner=owner, until=now + ttl, now=now)
        return None if row is None else dict(row)

    def _release(self, entity: str, key: str, owner: str) -> None:
        self._run(self._sql.release, entity, key, owner=owner)

    def _busy(self, entity: str, key: str) -> RecordBusy:
        state = self.get(entity, key) or {}
        holder, until = state.get("lease_owner") or "released a moment ago", state.get("lease_until")
        remaining = max(0.0, until - self.clock()) if until is not None else None
        wait = f" for up to {remaining:.1f} s more" if remaining is not None else ""
        log.info("%s %r is busy: leased by %s%s", entity, key, holder, wait)
        return RecordBusy(f"{entity} {key!r} is being handled by another consumer ({holder}){wait}; "
                          "it will be retried", retry_after=remaining)


class Lease:
    """A held per-record lease; ``renew`` extends it during long work (False when it was lost).

    ``state`` is the record's sync state (version, doc_hash, deleted) as read when the lease was taken,
    which ``decide`` uses instead of reading it again; a nested lease reads it when asked.
    """

    def __init__(self, store: SyncStateStore, entity: str, key: str, owner: str, ttl: float) -> None:
        self.store, self.entity, self.key, self.owner, self.ttl = store, entity, key, owner, ttl
        self.ident = (entity, key, owner)
        self.nested = False
        self.released = False
        self.state: dict[str, Any] | None = None

    def renew(self, ttl: float | None = None) -> bool:
        self.state = self.store._acquire(self.entity, self.key, self.owner, ttl or self.ttl)
        return self.state is not None

    def release(self) -> None:
        self.store._release(self.entity, self.key, self.owner)
        self.released = True

    def decide(self, version: str | None, doc_hash: str) -> Decision:
        """The store's ``decide`` for this record, from the state read when the lease was taken."""
        if self.nested or self.state is None:
            return self.store.decide(self.entity, self.key, version, doc_hash)
        return decision(self.state, version, doc_hash)

    def remember_and_release(self, *, version: str | None, doc_hash: str | None, erp_id: str | None,
                             deleted: bool = False) -> bool:
        """``remember``, and give the lease up in the same statement (a nested lease only remembers)."""
        if self.nested:
            return self.store.remember(self.entity, self.key, version=version, doc_hash=doc_hash,
                                       erp_id=erp_id, deleted=deleted)
        stored = self.store._remember(self.store._sql.remember_and_release, self.entity, self.key, version,
                                      doc_hash, erp_id, deleted, owner=self.owner)
        if not stored:  # the compare-and-set kept a newer version: the row was not touched, so release apart
            self.store._release(self.entity, self.key, self.owner)
        self.released = True
        return stored
