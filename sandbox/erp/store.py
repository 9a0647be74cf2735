"""The HTTP ERP sandbox's in-memory storage: records, per-record write/delete counters, and faults to inject.

``sandbox.erp.app`` serves it over HTTP; tests read it through ``store_of`` to prove "written exactly once".
"""

from __future__ import annotations

import collections
import dataclasses
import threading
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


class ErpStore:
    """The sandbox's records, per-record write/delete counters, and the faults still to inject."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
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
            self.released = threading.Event()
        if released is not None:
            released.set()

    def put(self, entity: str, key: str, document: dict[str, Any]) -> tuple[int, bool]:
        """Store the document; (record id, whether it was created)."""
        with self.lock:
            self.writes[(entity, key)] += 1
            record = self.records.get((entity, key))
            created = record is None
            if record is None:
                record = self.records[(entity, key)] = {"id": self.next_id}
                self.next_id += 1
            record["document"] = document
            return record["id"], created

    def get(self, entity: str, key: str) -> dict[str, Any] | None:
        with self.lock:
            record = self.records.get((entity, key))
            return None if record is None else {"id": record["id"], "entity": entity, "key": key,
                                                "document": record["document"]}

    def delete(self, entity: str, key: str) -> bool:
        with self.lock:
            self.deletes[(entity, key)] += 1
            return self.records.pop((entity, key), None) is not None

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
