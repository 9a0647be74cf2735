"""The decisions of the stock push to Magento, pure (no I/O): what to write where, and what the echo guard keeps.

With MAGENTO_SOURCES each mapped source gets the quantity of its ERP location; a source item whose quantity
and status already match is not written. The status is in stock (1) when the quantity is above 0 or the
product's stock item allows backorders. Without MAGENTO_SOURCES the legacy stock item gets the ERP's whole
quantity (``qty`` and ``is_in_stock`` by the same rule). Echo fingerprints: the ERP side is the quantities
read per location (``erp_state``); the Magento side is the quantity Magento's stock item shows after the
write (the ``default`` source's, or the legacy item's), which is what a Magento stock notification fetches.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from core import parsing
from core.settings import Settings
from erp.base import ALL_LOCATIONS
from schemas.notification import Notification

DEFAULT_SOURCE = "default"  # Magento's default source: its item is the legacy stock item
LEGACY = None  # the ``source`` of a change of the legacy stock item
WEBHOOK_SOURCE = "erp-webhook"


@dataclasses.dataclass(frozen=True)
class StockConfig:
    """What the push needs from the settings: MAGENTO_SOURCES, STOCK_QUANTITY, MAGENTO_MAX_ITEMS, the first
    retry delay (the webhook's look-again) and STOCK_OWNER."""

    sources: Mapping[str, str] = dataclasses.field(default_factory=dict)
    measure: str = "on_hand"
    max_items: int = 20
    first_retry_delay: float = 5.0
    owner: str = "magento"

    @classmethod
    def from_settings(cls, settings: Settings) -> StockConfig:
        return cls(dict(settings.magento_sources), settings.stock_quantity, settings.magento_max_items,
                   float(settings.retry_delays[0]), settings.stock_owner)

    @property
    def locations(self) -> list[str]:
        """The ERP locations read: the mapped ones (each once), or the whole ERP without MAGENTO_SOURCES."""
        return list(dict.fromkeys(self.sources.values())) if self.sources else [ALL_LOCATIONS]

    @property
    def skus_per_chunk(self) -> int:
        """SKUs whose source items fit one save of at most MAGENTO_MAX_ITEMS items."""
        return max(1, self.max_items // max(1, len(self.sources)))


@dataclasses.dataclass(frozen=True)
class Change:
    """One write: ``source`` (None: the legacy stock item), Magento's quantity now (None: no item) and the ERP's."""

    sku: str
    source: str | None
    magento_qty: float | None
    erp_qty: float
    in_stock: bool
    item_id: Any = None  # the legacy stock item's id, when known

    def line(self) -> str:
        """``SKU source: magento_qty -> erp_qty`` (what ``--dry-run`` prints)."""
        return f"{self.sku} {self.source or 'stock-item'}: {_shown(self.magento_qty)} -> {_shown(self.erp_qty)}"

    def source_item(self) -> dict[str, Any]:
        return {"sku": self.sku, "source_code": self.source, "quantity": self.erp_qty, "status": int(self.in_stock)}


def in_stock(quantity: float, backorders: bool) -> bool:
    return quantity > 0 or backorders


def backorders_allowed(product: Mapping[str, Any]) -> bool:
    """Whether the product's stock item allows backorders (``backorders`` 1 or 2)."""
    item = (product.get("extension_attributes") or {}).get("stock_item") or {}
    return bool(_float(item.get("backorders")))


def stock_item(product: Mapping[str, Any]) -> dict[str, Any]:
    return dict((product.get("extension_attributes") or {}).get("stock_item") or {})


def source_changes(sku: str, levels: Mapping[str, float], items: Mapping[str, Mapping[str, Any]],
                   sources: Mapping[str, str], backorders: bool) -> list[Change]:
    """The source items of ``sku`` to write: each mapped source whose item differs from its location's quantity."""
    changes = []
    for code, location in sources.items():
        quantity, item = levels[location], items.get(code)
        status = in_stock(quantity, backorders)
        current = None if item is None else _float(item.get("quantity"))
        if item is None or current != quantity or bool(int(item.get("status") or 0)) != status:
            changes.append(Change(sku, code, current, quantity, status))
    return changes


def legacy_change(sku: str, quantity: float, item: Mapping[str, Any], backorders: bool) -> Change | None:
    """The legacy stock item's write, or None when its ``qty`` and ``is_in_stock`` already match."""
    status = in_stock(quantity, backorders)
    current = _float(item.get("qty")) if item.get("qty") is not None else None
    if current == quantity and bool(item.get("is_in_stock")) == status:
        return None
    return Change(sku, LEGACY, current, quantity, status, item.get("item_id"))


def erp_state(levels: Mapping[str, float]) -> dict[str, Any]:
    """The fields the ERP-side fingerprint of a SKU's stock is taken of: its quantity per read location."""
    return {"quantities": dict(levels)}


def magento_state(sku_levels: Mapping[str, float], sources: Mapping[str, str]) -> dict[str, Any] | None:
    """What Magento's stock item shows once the push is written (``qty``, the field a Magento stock
    notification's document carries); None when no pushed source is the stock item (no ``default`` mapped)."""
    if not sources:
        return {"qty": sku_levels[ALL_LOCATIONS]}
    if DEFAULT_SOURCE in sources:
        return {"qty": sku_levels[sources[DEFAULT_SOURCE]]}
    return None


def chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[start:start + size]) for start in range(0, len(items), size)]


def summary(changes: Sequence[Change]) -> str:
    """The report's detail of a synced SKU: ``default 3 -> 5, berlin none -> 2``."""
    return ", ".join(change.line().split(" ", 1)[1].replace(":", "", 1) for change in changes)


def first_look(notifications: Sequence[Notification], attempt: int | None, delay: float,
               now: dt.datetime | None = None) -> bool:
    """Whether an ERP webhook's notification is on its first look, so "nothing new" earns one more look after
    the first retry delay: attempt 1 when the engine says, else announced less than ``delay`` seconds ago."""
    hinted = [n for n in notifications if n.source == WEBHOOK_SOURCE]
    if not hinted:
        return False
    if attempt is not None:
        return attempt <= 1
    latest = hinted[-1].occurred_at
    if not latest:
        return False
    try:
        age = ((now or parsing.utc_now()) - parsing.utc_datetime(latest)).total_seconds()
    except ValueError:
        return False
    return age < delay


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _shown(quantity: float | None) -> str:
    return "none" if quantity is None else f"{quantity:g}"
