"""Load the demo seed (``sandbox/magento/seed/*.json``) into a Store, and generate synthetic products.

The seed holds a configurable product with four children, a bundle, simple/virtual/disabled products
(one SKU with a slash), a category tree, customers with zero, one and two addresses, and orders: a
canceled original and its edited replacement (``000000101-1``), a guest order that is invoiced and
shipped, a bundle order that is invoiced and partly refunded, and a new order not yet invoiced.
Invoices, shipments and credit memos are created by replaying ``documents.json`` through the same code
the REST endpoints use, at the recorded times.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sandbox.magento import reservations
from sandbox.magento.categories import link_children
from sandbox.magento.inventory import DEFAULT_SOURCE, source_record
from sandbox.magento.invoicing import invoice_order, refund_order
from sandbox.magento.order_build import build_order
from sandbox.magento.shapes import expand_category, expand_product
from sandbox.magento.shipping import ship_order
from sandbox.magento.store import Store
from sandbox.magento.store_config import default_configs
from sandbox.times import utc_datetime

SEED_DIR = Path(__file__).resolve().parent / "seed"
SEEDS = ("demo", "empty")
EUROPE_STOCK = 2  # the demo's second stock: the default source and the Berlin warehouse


def _read(name: str) -> Any:
    return json.loads((SEED_DIR / f"{name}.json").read_text(encoding="utf-8"))


def load(store: Store, seed: str) -> None:
    """Fill an empty store with ``seed`` ("demo" or "empty"; the empty store still has attribute sets and
    the two root categories, as a fresh Magento install has)."""
    if seed not in SEEDS:
        raise ValueError(f"seed must be one of {', '.join(SEEDS)}")
    with store.lock, reservations.paused(store):
        store.attribute_sets = _read("attribute_sets")
        store.store_configs = default_configs()
        categories = _read("categories")
        _load_categories(store, categories if seed == "demo" else categories[:2])
        if seed == "demo":
            _load_products(store, _read("products"))
            for customer in _read("customers"):
                store.customers[customer["id"]] = customer
            for spec in _read("orders"):
                store.orders[spec["entity_id"]] = build_order(spec, store)
        _bump_sequences(store)
        if seed == "demo":
            _replay_documents(store, _read("documents"))
            store.inventory.add_source(source_record("berlin", "Berlin Warehouse", country_id="DE",
                                                     postcode="10115"), [EUROPE_STOCK])
            store.inventory.stocks[EUROPE_STOCK]["name"] = "Europe"
            store.inventory.stocks[EUROPE_STOCK]["sources"].insert(0, DEFAULT_SOURCE)
        store.drain_changes()
    reservations.adopt_open_orders(store)


def _load_categories(store: Store, entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        parent = store.categories.get(entry["parent_id"]) if entry.get("parent_id") else None
        category = expand_category(entry, parent)
        store.categories[category["id"]] = category
    link_children(store)


def _load_products(store: Store, entries: list[dict[str, Any]]) -> None:
    ids = {entry["sku"]: int(entry["id"]) for entry in entries}
    for entry in entries:
        store.put_product(expand_product(entry, ids.__getitem__))


def _bump_sequences(store: Store) -> None:
    orders = store.orders.values()
    highest = {
        "product": max(store.product_skus, default=0), "category": max(store.categories, default=0),
        "customer": max(store.customers, default=0), "order": max(store.orders, default=0),
        "customer_address": max((a["id"] for c in store.customers.values() for a in c["addresses"]), default=0),
        "order_increment": max((int(o["increment_id"].split("-")[0]) for o in orders), default=0),
    }
    for sequence, value in highest.items():
        store.bump_sequence(sequence, value)
    store.bump_sequence("invoice_increment", 0)


def _stopped_at(moment: dt.datetime) -> Callable[[], dt.datetime]:
    return lambda: moment


def _replay_documents(store: Store, operations: list[dict[str, Any]]) -> None:
    clock = store.clock
    try:
        for operation in operations:
            at = utc_datetime(operation["at"])
            store.clock = _stopped_at(at)
            body = {key: value for key, value in operation.items() if key not in ("op", "order", "at")}
            body["items"] = _items_by_sku(store, operation["order"], body.get("items"))
            {"invoice": invoice_order, "ship": ship_order, "refund": refund_order}[operation["op"]](
                store, operation["order"], body)
    finally:
        store.clock = clock


def _items_by_sku(store: Store, order_id: int, items: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Seed documents name order items by SKU; the REST body names them by ``order_item_id``."""
    if not items:
        return []
    top = {item["sku"]: item["item_id"] for item in store.orders[order_id]["items"] if "parent_item_id" not in item}
    return [{"order_item_id": top[entry["sku"]], "qty": entry["qty"]} for entry in items]


def synthetic_products(store: Store, count: int, prefix: str = "SYN-", updated_at: str | None = None,
                       emit: bool = False) -> dict[str, Any]:
    """Add ``count`` simple products quickly (backfill and benchmark tests); SKU = prefix + 6-digit product id."""
    if count < 1 or count > 100_000:
        raise ValueError("count must be between 1 and 100000")
    stamp = updated_at or store.now_text()
    first = None
    for product in _synthetic(store, count, prefix, stamp):
        first = first or product["id"]
        store.put_product(product)
        if emit:
            store.changed("product", "save", product["sku"])
    return {"created": count, "first_id": first, "last_id": first + count - 1, "updated_at": stamp}


def _synthetic(store: Store, count: int, prefix: str, stamp: str) -> Iterator[dict[str, Any]]:
    for _ in range(count):
        product_id = store.next_id("product")
        sku = f"{prefix}{product_id:06d}"
        if store.product(sku) is not None:
            raise ValueError(f"SKU {sku} exists already")
        yield expand_product({"id": product_id, "sku": sku, "name": f"Synthetic product {product_id}",
                              "attribute_set_id": 4, "price": round(5 + (product_id % 400) * 0.25, 2), "status": 1,
                              "visibility": 4, "type_id": "simple", "weight": 0.5, "created_at": stamp,
                              "updated_at": stamp, "category_ids": [3],
                              "stock": {"qty": product_id % 50, "is_in_stock": product_id % 50 > 0},
                              "attributes": {"url_key": f"synthetic-product-{product_id}", "tax_class_id": "2"}},
                             lambda child: 0)


def parse_stamp(text: str) -> str:
    """A Magento timestamp from ISO 8601 or Magento's own form; raises ValueError."""
    return utc_datetime(text).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
