"""The sandbox's in-memory Magento database: one lock, an injectable clock, id sequences, a change log.

Every REST handler runs under ``Store.lock``; records are plain dicts in Magento's REST shape. A write
calls ``changed(entity, action, key)``; the dispatcher drains those changes after releasing the lock and
hands them to the change feed, so the feed never runs under the lock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

from sandbox.magento.inventory import Inventory
from sandbox.times import magento_time, utc_now

Clock = Callable[[], dt.datetime]


class SandboxClock:
    """UTC time that tests (or ``POST /__sandbox/clock``) can freeze, set and advance."""

    def __init__(self, base: Clock | None = None) -> None:
        self._base = base or utc_now
        self._frozen: dt.datetime | None = None
        self._offset = dt.timedelta()
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            now = self._frozen if self._frozen is not None else self._base() + self._offset
        return now.astimezone(dt.UTC)

    def freeze(self, at: dt.datetime) -> None:
        with self._lock:
            self._frozen = at if at.tzinfo else at.replace(tzinfo=dt.UTC)

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += dt.timedelta(seconds=seconds)
            else:
                self._offset += dt.timedelta(seconds=seconds)

    def release(self) -> None:
        """Back to the base clock, keeping no offset."""
        with self._lock:
            self._frozen = None
            self._offset = dt.timedelta()

    @property
    def frozen(self) -> bool:
        return self._frozen is not None


@dataclasses.dataclass(frozen=True)
class Change:
    """One record change, in the bridge's terms: entity, ``save`` or ``delete``, key, and when."""

    entity: str
    action: str
    key: str
    occurred_at: dt.datetime


class Store:
    """Tables of records keyed by Magento id (products by case-folded SKU, as MySQL compares them)."""

    def __init__(self, clock: Clock) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.products: dict[str, dict[str, Any]] = {}
        self.product_skus: dict[int, str] = {}
        self.categories: dict[int, dict[str, Any]] = {}
        self.customers: dict[int, dict[str, Any]] = {}
        self.orders: dict[int, dict[str, Any]] = {}
        self.invoices: dict[int, dict[str, Any]] = {}
        self.shipments: dict[int, dict[str, Any]] = {}
        self.creditmemos: dict[int, dict[str, Any]] = {}
        self.attribute_sets: list[dict[str, Any]] = []
        self.store_configs: list[dict[str, Any]] = []
        self.scenarios: dict[str, Any] = {}  # what sandbox.magento.scenarios added, by scenario set
        self.inventory = Inventory()  # MSI: sources, stocks, non-default source items, reservations
        self._sequences: dict[str, int] = {}
        self._changes: list[Change] = []

    # time and ids
    def now(self) -> dt.datetime:
        return self.clock()

    def now_text(self) -> str:
        """Magento's own UTC timestamp form, ``YYYY-MM-DD HH:MM:SS``."""
        return magento_time(self.clock())

    def next_id(self, sequence: str) -> int:
        self._sequences[sequence] = self._sequences.get(sequence, 0) + 1
        return self._sequences[sequence]

    def bump_sequence(self, sequence: str, at_least: int) -> None:
        """Make the next id of ``sequence`` greater than ``at_least`` (after loading seeded records)."""
        self._sequences[sequence] = max(self._sequences.get(sequence, 0), at_least)

    def next_increment_id(self, sequence: str) -> str:
        """A sales document number like ``000000104``."""
        return f"{self.next_id(sequence):09d}"

    # products
    def product(self, sku: str) -> dict[str, Any] | None:
        return self.products.get(sku.casefold())

    def product_by_id(self, product_id: int) -> dict[str, Any] | None:
        sku = self.product_skus.get(product_id)
        return self.products.get(sku) if sku is not None else None

    def put_product(self, product: dict[str, Any]) -> None:
        self.products[product["sku"].casefold()] = product
        self.product_skus[int(product["id"])] = product["sku"].casefold()

    def drop_product(self, product: dict[str, Any]) -> None:
        self.products.pop(product["sku"].casefold(), None)
        self.product_skus.pop(int(product["id"]), None)

    # changes
    def changed(self, entity: str, action: str, key: Any) -> None:
        self._changes.append(Change(entity, action, str(key), self.clock()))

    def drain_changes(self) -> list[Change]:
        changes, self._changes = self._changes, []
        return changes

    def touch(self, record: dict[str, Any]) -> str:
        """Move ``updated_at`` to now, as every save does; returns the new value."""
        record["updated_at"] = self.now_text()
        return record["updated_at"]

    # generic access, for the admin endpoints and the feed
    def table(self, entity: str) -> dict[Any, dict[str, Any]]:
        tables: dict[str, dict[Any, dict[str, Any]]]
        tables = {"product": self.products, "stock": self.products, "category": self.categories,
                  "customer": self.customers, "order": self.orders, "invoice": self.invoices,
                  "shipment": self.shipments, "creditmemo": self.creditmemos}
        if entity not in tables:
            raise KeyError(entity)
        return tables[entity]

    def find(self, entity: str, key: str) -> dict[str, Any] | None:
        """The record of ``entity`` with this key (a SKU for product/stock, a numeric id otherwise)."""
        if entity in ("product", "stock"):
            return self.product(key)
        if not key.strip().isdigit():
            return None
        return self.table(entity).get(int(key))

    def keys(self, entity: str) -> Iterator[str]:
        """Every record key of ``entity``, in id order."""
        if entity in ("product", "stock"):
            for product in sorted(self.products.values(), key=lambda p: p["id"]):
                yield product["sku"]
        else:
            yield from (str(key) for key in sorted(self.table(entity)))
