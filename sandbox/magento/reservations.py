"""Reservations, salable quantity and the source deduction on shipment (MSI's InventorySales and
InventoryShipping, as in Magento 2.4).

Placing an order appends, per ordered SKU, a reservation of minus the ordered quantity on the website's
stock (``inventory_reservation``: ``quantity`` and a JSON ``metadata`` naming the event and the order).
A shipment deducts the shipped quantity from its source (``arguments.extension_attributes.source_code``,
else ``default``) and appends the compensation (plus the shipped quantity); a cancellation compensates
what it canceled, a credit memo what it refunded before shipping.
``GET /V1/inventory/get-product-salable-quantity/{sku}/{stockId}`` answers the stock's
quantity plus the reservations minus ``min_qty`` (0 when the product is not salable on that stock).
Only the order rows of types that have source items count (a configurable's child, a bundle's parts).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from sandbox.magento.http import Call, MagentoHttpError, as_int, product_missing
from sandbox.magento.inventory import (
    DEFAULT_SOURCE,
    DEFAULT_STOCK,
    SOURCE_TYPES,
    quantity,
    source_items_for,
    write_item,
)
from sandbox.magento.store import Store

NO_SOURCE_ITEMS = "Can't check requested quantity for products without Source Items support."


@contextlib.contextmanager
def paused(store: Store) -> Iterator[None]:
    """No reservations nor deductions inside (replaying a seed's or a scenario's history)."""
    was, store.inventory.live = store.inventory.live, False
    try:
        yield
    finally:
        store.inventory.live = was


def _rows(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in order["items"] if item.get("product_type") in SOURCE_TYPES]


def _append(store: Store, order: dict[str, Any], sku: str, qty: float, event: str) -> None:
    metadata = {"event_type": event, "object_type": "order", "object_id": str(order["entity_id"]),
                "object_increment_id": order.get("increment_id")}
    store.inventory.reservations.append({
        "reservation_id": store.next_id("reservation"), "stock_id": store.inventory.website_stock, "sku": sku,
        "quantity": quantity(qty), "metadata": json.dumps(metadata, separators=(",", ":"))})


def place(store: Store, order: dict[str, Any]) -> None:
    """``order_placed``: minus the ordered quantity of each row that has source items."""
    if not store.inventory.live:
        return
    for item in _rows(order):
        _append(store, order, item["sku"], -float(item["qty_ordered"]), "order_placed")


def open_quantity(item: dict[str, Any]) -> float:
    """What an order row still holds: ordered, less shipped, canceled and refunded before shipping."""
    shipped = float(item.get("qty_shipped") or 0)
    refunded_unshipped = max(float(item.get("qty_refunded") or 0) - shipped, 0)
    return max(float(item["qty_ordered"]) - shipped - float(item.get("qty_canceled") or 0) - refunded_unshipped, 0)


def adopt_open_orders(store: Store, order_ids: Iterable[int] | None = None) -> None:
    """After a seed (or a scenario, for ``order_ids``): one reservation per open row, as placing the order and
    the documents since would have left."""
    for order_id in sorted(store.orders if order_ids is None else order_ids):
        order = store.orders[order_id]
        for item in _rows(order):
            if open_quantity(item) > 0:
                _append(store, order, item["sku"], -open_quantity(item), "order_placed")


def shipment_source(body: Any) -> str:
    """The source a ShipOrder request names (``arguments.extension_attributes.source_code``), else default."""
    arguments = body.get("arguments") if isinstance(body, dict) else None
    extension = arguments.get("extension_attributes") if isinstance(arguments, dict) else None
    code = extension.get("source_code") if isinstance(extension, dict) else None
    return str(code) if code else DEFAULT_SOURCE


def on_shipment(store: Store, order: dict[str, Any], shipment: dict[str, Any], source_code: str) -> None:
    """Deduct each shipped row from ``source_code`` and compensate its reservation (``shipment_created``)."""
    if not store.inventory.live:
        return
    types = {item["item_id"]: item.get("product_type") for item in order["items"]}
    for row in shipment["items"]:
        if types.get(row["order_item_id"]) in SOURCE_TYPES and float(row["qty"]) > 0:
            deduct(store, source_code, row["sku"], float(row["qty"]))
            _append(store, order, row["sku"], float(row["qty"]), "shipment_created")
            store.changed("stock", "save", row["sku"])


def open_quantities(order: dict[str, Any]) -> dict[int, float]:
    """What each row that has source items holds now (taken before a document changes the order)."""
    return {item["item_id"]: open_quantity(item) for item in _rows(order)}


def on_refund(store: Store, order: dict[str, Any], held: dict[int, float]) -> None:
    """``creditmemo_created``: give back what a credit memo refunded before it was shipped."""
    if not store.inventory.live:
        return
    for item in _rows(order):
        released = held.get(item["item_id"], 0) - open_quantity(item)
        if released > 0:
            _append(store, order, item["sku"], released, "creditmemo_created")


def on_cancel(store: Store, order: dict[str, Any], canceled: dict[int, float]) -> None:
    """``order_canceled``: give back what the cancellation took off each row."""
    if not store.inventory.live:
        return
    for item in _rows(order):
        qty = canceled.get(item["item_id"], 0)
        if qty > 0:
            _append(store, order, item["sku"], qty, "order_canceled")


def deduct(store: Store, source_code: str, sku: str, qty: float) -> None:
    """``SourceDeductionService``: lower the source item, out of stock at or below ``min_qty`` without
    backorders; the default source's change reaches the legacy stock item as a source-item save does."""
    product = store.product(sku)
    if product is None:
        return
    current = next((item for item in source_items_for(store, product) if item["source_code"] == source_code), None)
    if current is None:
        return
    stock = product["extension_attributes"]["stock_item"]
    left = float(current["quantity"]) - qty
    sellable = left > float(stock.get("min_qty") or 0) or bool(stock.get("backorders"))
    write_item(store, {"sku": product["sku"], "source_code": source_code, "quantity": left,
                       "status": int(bool(current["status"]) and sellable)})


def reserved(store: Store, sku: str, stock_id: int) -> float:
    """The sum of the reservations of ``sku`` on ``stock_id`` (negative while orders are open)."""
    return sum(float(entry["quantity"]) for entry in store.inventory.reservations
               if entry["stock_id"] == stock_id and entry["sku"].casefold() == sku.casefold())


def salable_qty(store: Store, sku: str, stock_id: int) -> float | int:
    """``GetProductSalableQty::execute``."""
    product = store.product(sku)
    if product is None:
        raise product_missing()
    if product.get("type_id") not in SOURCE_TYPES:
        raise MagentoHttpError(400, NO_SOURCE_ITEMS)
    on_hand = stock_quantity(store, product, stock_id)
    if on_hand is None:
        return 0
    min_qty = float(product["extension_attributes"]["stock_item"].get("min_qty") or 0)
    return quantity(on_hand + reserved(store, sku, stock_id) - min_qty)


def stock_quantity(store: Store, product: dict[str, Any], stock_id: int) -> float | None:
    """The stock index's quantity (None when not salable): the default stock reads the legacy stock status
    (``inventory_stock_1`` is a view on it), another stock sums its enabled sources' in-stock items."""
    if stock_id == DEFAULT_STOCK:
        legacy = product["extension_attributes"]["stock_item"]
        return float(legacy.get("qty") or 0) if legacy.get("is_in_stock") else None
    stock = store.inventory.stocks.get(stock_id)
    if stock is None:
        return None
    enabled = {code for code in stock["sources"] if store.inventory.sources.get(code, {}).get("enabled")}
    in_stock = [float(item["quantity"]) for item in source_items_for(store, product)
                if item["source_code"] in enabled and item["status"] == 1]
    return sum(in_stock) if in_stock else None


def get_salable_qty(call: Call) -> float | int:
    """The REST handler: a bare JSON number."""
    return salable_qty(call.store, call.params["sku"], as_int(call.params["stockId"], "stockId"))
