"""The echo guard's memory: per ``(entity, key, side)`` the fingerprint of what the bridge last wrote there.

After the bridge writes a record on one side (``erp`` or ``magento``) it calls ``remember_written`` with the
fields it wrote. When that side later announces a change of the record, the consumer fetches the record,
projects it onto the fields it would carry to the other side, and asks ``is_echo``: True when the fetched
state's fingerprint (``schemas.fingerprint``) equals what the bridge itself last wrote there, so the change
is the bridge's own write coming back and is reported as skipped (echo), never written back.

Writes are one atomic upsert each (``INSERT ... ON CONFLICT DO UPDATE``, SQLite 3.35+ and PostgreSQL), so
consumer processes writing one record at once never fail on each other's insert: the last statement wins,
whole. Losing that race only costs one unnecessary write-back, which the other side's unchanged check
absorbs; it can never hide a real change, since a fingerprint only matches a state equal to the one written.
Rows older than the retention are pruned (``prune``, driven by ``store.retention.Pruner``): an old write
cannot come back as an echo any more, and a pruned one only means one unnecessary write-back at worst.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from schemas.fingerprint import QUANTITY_FIELDS, fingerprint
from store.db import KeptConnections, echo_fingerprints, sqlite_write_lock

log = logging.getLogger(__name__)

SIDES: tuple[str, ...] = ("erp", "magento")
PRUNE_BATCH = 5000
_INSERTS: dict[str, Any] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
_KEY_LENGTH: int = echo_fingerprints.c.key.type.length  # type: ignore[attr-defined]
_TABLE = echo_fingerprints.c
_RECORD = sa.and_(_TABLE.entity == sa.bindparam("entity"), _TABLE.key == sa.bindparam("key"))


@dataclasses.dataclass(frozen=True)
class Written:
    """What the bridge last wrote on one side of a record: its fingerprint and when."""

    fingerprint: str
    written_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class _Statements:
    get: Any
    remember: Any
    forget_side: Any
    forget_record: Any


@functools.cache
def _statements(dialect: str) -> _Statements:
    """The store's statements for ``dialect``, built once (building is the slow part)."""
    insert = _INSERTS[dialect](echo_fingerprints).values(
        entity=sa.bindparam("entity"), key=sa.bindparam("key"), side=sa.bindparam("side"),
        fingerprint=sa.bindparam("fingerprint"), written_at=sa.bindparam("written_at"))
    upsert = insert.on_conflict_do_update(
        index_elements=["entity", "key", "side"],
        set_={"fingerprint": insert.excluded.fingerprint, "written_at": insert.excluded.written_at})
    side = _TABLE.side == sa.bindparam("side")
    return _Statements(
        get=sa.select(_TABLE.fingerprint, _TABLE.written_at).where(_RECORD, side),
        remember=upsert,
        forget_side=echo_fingerprints.delete().where(_RECORD, side),
        forget_record=echo_fingerprints.delete().where(_RECORD))


class FingerprintStore:
    """``echo_fingerprints`` read and written by every consumer process; thread-safe.

    ``numeric`` names the fields whose text values are quantities (``"10.0000"`` equals ``10``).
    """

    def __init__(self, engine: Engine, *, numeric: Collection[str] = QUANTITY_FIELDS,
                 clock: Callable[[], float] = time.time) -> None:
        if engine.dialect.name not in _INSERTS:
            raise ValueError(f"the echo guard needs SQLite or PostgreSQL, not {engine.dialect.name}")
        self.engine = engine
        self.numeric = frozenset(numeric)
        self.clock = clock
        self._connections = KeptConnections(engine)
        self._write_lock = sqlite_write_lock(engine)
        self._sql = _statements(engine.dialect.name)

    def close(self) -> None:
        """Close the connections kept open; the store opens new ones if it is used again."""
        self._connections.close()

    def fingerprint(self, fields: Mapping[str, Any]) -> str:
        """The fingerprint of ``fields`` with this store's numeric fields."""
        return fingerprint(fields, self.numeric)

    def remember_written(self, entity: str, key: str, side: str, fields: Mapping[str, Any]) -> str:
        """Record that the bridge just wrote ``fields`` to (entity, key) on ``side``; returns the fingerprint."""
        return self.remember_fingerprint(entity, key, side, self.fingerprint(fields))

    def remember_fingerprint(self, entity: str, key: str, side: str, print_: str) -> str:
        """Record an already computed fingerprint as the last write on ``side`` (last statement wins)."""
        params = {**self._params(entity, key, side), "fingerprint": print_, "written_at": self._now()}
        with self._write_lock:
            self._connections.execute(self._sql.remember, params)
        return print_

    def last_written(self, entity: str, key: str, side: str) -> Written | None:
        """What the bridge last wrote on ``side`` of (entity, key), or None (never, forgotten or pruned)."""
        row = self._connections.execute(self._sql.get, self._params(entity, key, side))
        if row is None:
            return None
        return Written(row["fingerprint"], _as_utc(row["written_at"]))

    def is_echo(self, entity: str, key: str, side: str, fetched_fields: Mapping[str, Any]) -> bool:
        """True when ``fetched_fields`` (read from ``side``) are exactly what the bridge last wrote there."""
        written = self.last_written(entity, key, side)
        return written is not None and written.fingerprint == self.fingerprint(fetched_fields)

    def forget(self, entity: str, key: str, side: str | None = None) -> None:
        """Forget the bridge's last write on ``side`` of the record, or on both sides when ``side`` is None."""
        if side is None:
            statement, params = self._sql.forget_record, {"entity": entity, "key": _stored_key(key)}
        else:
            statement, params = self._sql.forget_side, self._params(entity, key, side)
        with self._write_lock:
            self._connections.execute(statement, params)

    def prune(self, older_than: dt.datetime | dt.timedelta) -> int:
        """Delete fingerprints written before ``older_than`` (a moment, or an age), in batches; how many went."""
        cutoff = (self._now() - older_than if isinstance(older_than, dt.timedelta) else _as_utc(older_than))
        record = sa.tuple_(_TABLE.entity, _TABLE.key, _TABLE.side)
        deleted = 0
        while True:  # in batches, so no single transaction holds the table for long
            batch = sa.select(_TABLE.entity, _TABLE.key, _TABLE.side).where(_TABLE.written_at < cutoff) \
                .limit(PRUNE_BATCH)
            with self._write_lock, self.engine.begin() as connection:
                removed = connection.execute(echo_fingerprints.delete().where(record.in_(batch))).rowcount
            deleted += removed
            if removed < PRUNE_BATCH:
                break
        if deleted:
            log.info("pruned %d echo fingerprints written before %s", deleted, cutoff.isoformat())
        return deleted

    def _params(self, entity: str, key: str, side: str) -> dict[str, Any]:
        if side not in SIDES:
            raise ValueError(f"side must be one of {', '.join(SIDES)}, not {side!r}")
        return {"entity": entity, "key": _stored_key(key), "side": side}

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock(), dt.UTC)


def _stored_key(key: Any) -> str:
    """The record key as stored (text); one longer than the column is refused rather than cut (cuts collide)."""
    text = str(key)
    if len(text) > _KEY_LENGTH:
        raise ValueError(f"record key longer than {_KEY_LENGTH} characters: {text[:40]}...")
    return text


def _as_utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
