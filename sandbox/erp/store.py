"""The HTTP ERP sandbox's in-memory storage: records, per-record write/delete counters, the change log, and
faults to inject.

``sandbox.erp.app`` serves it over HTTP; tests read it through ``store_of`` to prove "written exactly once".
Every write (a client's PUT/DELETE or the ERP's own edit, ``edit``/``remove``) is logged in order with a
cursor that only grows, even across resets, and handed to the ``listeners`` (the outgoing webhook).
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import datetime as dt
import threading
from collections.abc import Callable
from typing import Any


@dataclasses.dataclass
class Fault:
    """The next ``times`` calls (of ``entity``, or any) hang ``hang`` seconds, then answer ``status``."""

    times: int
    status: int | None = None
    retry_after: int | None = None
    body: str | None = None
    entity: str | None = None
    hang: float = 0.0


@dataclasses.dataclass(frozen=True)
class Change:
    """One write to the ERP: its cursor (a growing number), the record, ``save`` or ``delete``, and when."""

    cursor: int
    entity: str
    key: str
    action: str
    occurred_at: dt.datetime


# The resources of the HTTP ERP contract (docs/http-erp.md), written out here rather than taken from the
# bridge, so that an entity the bridge sends and the contract lacks fails a test (tests/sandbox/erp).
ENTITIES: tuple[str, ...] = (
    "product", "customer", "category", "order", "invoice", "shipment", "creditmemo", "stock",
)

class ErpStore:
    """The sandbox's records, per-record write/delete counters, the change log, and the faults still to inject."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.listeners: list[Callable[[Change], None]] = []
        self.last_cursor = 0
        self.reset()

    def reset(self) -> None:
        """Forget records, counters and faults; calls still hanging answer 503 at once."""
        with self.lock:
            released = getattr(self, "released", None)
            self.records: dict[tuple[str, str], dict[str, Any]] = {}
            self.writes: collections.Counter[tuple[str, str]] = collections.Counter()
            self.deletes: collections.Counter[tuple[str, str]] = collections.Counter()
            self.calls = 0
            self.next_id = 1
            self.latency_ms = 0.0
            self.faults: list[Fault] = []
            self.changes: list[Change] = []
            self.released = threading.Event()
        if released is not None:
            released.set()

    def put(self, entity: str, key: str, document: dict[str, Any]) -> tuple[int, bool]:
        """Store a client's document (counted as a write); (record id, whether it was created)."""
        with self.lock:
            self.writes[(entity, key)] += 1
        return self.edit(entity, key, document)

    def edit(self, entity: str, key: str, document: dict[str, Any]) -> tuple[int, bool]:
        """Store the document as the ERP's own users would (not counted as a client's write), logged as a change."""
        with self.lock:
            record = self.records.get((entity, key))
            created = record is None
            if record is None:
                record = self.records[(entity, key)] = {"id": self.next_id}
                self.next_id += 1
            record["document"] = document
            change = self._log(entity, key, "save")
        self._tell(change)
        return record["id"], created

    def remove(self, entity: str, key: str) -> bool:
        """Delete as the ERP's own users would (not counted); whether the record existed (then logged)."""
        with self.lock:
            existed = self.records.pop((entity, key), None) is not None
            change = self._log(entity, key, "delete") if existed else None
        if change is not None:
            self._tell(change)
        return existed

    def changes_after(self, cursor: int, limit: int) -> list[Change]:
        """The changes logged after ``cursor``, oldest first, at most ``limit``."""
        with self.lock:
            start = bisect.bisect_right(self.changes, cursor, key=lambda change: change.cursor)
            return self.changes[start:start + limit]

    def _log(self, entity: str, key: str, action: str) -> Change:
        self.last_cursor += 1
        change = Change(self.last_cursor, entity, key, action, dt.datetime.now(dt.UTC))
        self.changes.append(change)
        return change

    def _tell(self, change: Change) -> None:
        for listener in list(self.listeners):
            listener(change)

    def get(self, entity: str, key: str) -> dict[str, Any] | None:
        with self.lock:
            record = self.records.get((entity, key))
            return None if record is None else {"id": record["id"], "entity": entity, "key": key,
                                                "document": record["document"]}

    def delete(self, entity: str, key: str) -> bool:
        """A client's DELETE (counted even when the record is missing); whether it existed."""
        with self.lock:
            self.deletes[(entity, key)] += 1
        return self.remove(entity, key)

    def listing(self, entity: str, offset: int = 0, limit: int | None = None) -> dict[str, Any]:
        with self.lock:
            keys = [key for (kind, key) in self.records if kind == entity]
            chosen = keys[offset:None if limit is None else offset + limit]
            items = [{"id": self.records[(entity, key)]["id"], "key": key,
                      "document": self.records[(entity, key)]["document"]} for key in chosen]
        return {"count": len(keys), "offset": offset, "items": items}

    def counters(self) -> dict[str, Any]:
        with self.lock:
            records = sorted(set(self.writes) | set(self.deletes))
            return {"calls": self.calls, "records": [
                {"entity": entity, "key": key, "writes": self.writes[(entity, key)],
                 "deletes": self.deletes[(entity, key)]} for entity, key in records]}

    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def begin_call(self) -> float:
        """Count a call; the latency (ms) it must wait."""
        with self.lock:
            self.calls += 1
            return self.latency_ms

    def take_fault(self, entity: str | None) -> tuple[Fault | None, threading.Event]:
        """The fault this call uses up (or None), and the event that ends hangs on reset."""
        with self.lock:
            fault = next((f for f in self.faults if f.entity in (None, entity)), None)
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
            return fault, self.released
