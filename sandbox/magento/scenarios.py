"""Money scenario records for end-to-end tests: ``seed_money_cases(store)`` adds one order per case (with its
invoices, credit memos, shipments, cancellation) to a demo-seeded store and answers their ids.

The cases (``MONEY_CASES``, specs in ``sandbox/magento/seed/money_cases.json``) are the ones issue #9 lists:
multi-rate tax, tax-included prices, a dynamic bundle with a coupon, a fixed bundle, a configurable invoiced
and refunded, shipping with tax and a shipping discount, a partially canceled line, an order in EUR on a USD
base, gift card + store credit + reward points, a refund to store credit with adjustments, custom options,
an unmanaged stock item, a B2B customer with a VAT number, a shipment with two tracks and a partial quantity.
Documents are made by the same code as the REST endpoints, at the recorded times. Calling it again answers
the same ids without adding anything. See docs/sandbox-magento.md for the return shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.magento import reservations
from sandbox.magento.cancel import cancel_order
from sandbox.magento.invoicing import invoice_order, refund_order
from sandbox.magento.order_build import build_order
from sandbox.magento.shapes import expand_product
from sandbox.magento.shipping import ship_order
from sandbox.magento.store import Store
from sandbox.magento.store_config import update_store_config
from sandbox.times import utc_datetime

SEED_DIR = Path(__file__).resolve().parent / "seed"
MONEY_CASES = ("multi_rate_tax", "tax_included_prices", "dynamic_bundle_coupon", "fixed_bundle",
               "configurable_invoice_refund", "shipping_tax_discount", "partially_canceled", "eur_on_usd_base",
               "gift_card_store_credit", "store_credit_refund", "custom_options", "unmanaged_stock", "b2b_vat",
               "two_tracks_partial_shipment")
# The second store view the EUR-on-USD order is placed in (a USD website weighing in pounds).
US_STORE = {"code": "us", "website_id": 2, "base_currency_code": "USD", "default_display_currency_code": "EUR",
            "timezone": "America/Chicago", "weight_unit": "lbs", "locale": "en_US"}


def _read(name: str) -> Any:
    return json.loads((SEED_DIR / f"{name}.json").read_text(encoding="utf-8"))


def seed_money_cases(store: Store) -> dict[str, dict[str, Any]]:
    """Add every money case to ``store`` (seeded with "demo") once; answers ``{case: ids}`` (see module doc).

    Raises ValueError when the store lacks the demo catalogue. The changes are not sent to the feed
    (``POST /__sandbox/scenarios/money`` with ``{"emit": true}`` sends them)."""
    with store.lock:
        if store.scenarios.get("money"):
            return store.scenarios["money"]
        if store.product("NW-STOVE") is None or 3 not in store.customers:
            raise ValueError("seed_money_cases needs a store loaded with the demo seed")
        _products(store)
        update_store_config(store, dict(US_STORE))
        with reservations.paused(store):  # recorded history: no reservations nor source deductions
            cases = {spec["case"]: _case(store, spec) for spec in _read("money_cases")}
        reservations.adopt_open_orders(store, [ids["order_id"] for ids in cases.values()])
        store.scenarios["money"] = cases
        return cases


def _products(store: Store) -> None:
    for entry in _read("money_products"):
        if store.product(entry["sku"]) is not None:
            continue
        product = expand_product({**entry, "id": store.next_id("product")},
                                 lambda sku: int(store.product(sku)["id"]))
        product["options"] = [{"product_sku": entry["sku"], **option} for option in entry.get("custom_options", ())]
        store.put_product(product)


def _case(store: Store, spec: dict[str, Any]) -> dict[str, Any]:
    order_id = store.next_id("order")
    order_spec = {key: value for key, value in spec.items() if key not in ("case", "documents")}
    order_spec.update(entity_id=order_id, increment_id=store.next_increment_id("order_increment"),
                      updated_at=spec["created_at"], store_name=_store_name(spec))
    store.orders[order_id] = build_order(order_spec, store)
    result: dict[str, Any] = {"order_id": order_id, "increment_id": store.orders[order_id]["increment_id"],
                              "customer_id": spec.get("customer_id"), "invoice_ids": [], "creditmemo_ids": [],
                              "shipment_ids": [], "skus": [line["sku"] for line in spec["lines"]]}
    for operation in spec["documents"]:
        made = _at(store, operation["at"], lambda: _document(store, order_id, operation))  # noqa: B023 (called now)
        if made is not None:
            result[f"{operation['op'].replace('refund', 'creditmemo').replace('ship', 'shipment')}_ids"].append(made)
    store.drain_changes()
    return result


def _store_name(spec: dict[str, Any]) -> str:
    if int(spec.get("store_id", 1)) == 2:
        return "US Website\nUS Store\nUS English"
    return "Main Website\nMain Website Store\nDefault Store View"


def _at(store: Store, stamp: str, action: Callable[[], Any]) -> Any:
    clock, at = store.clock, utc_datetime(stamp)
    store.clock = lambda: at
    try:
        return action()
    finally:
        store.clock = clock


def _document(store: Store, order_id: int, operation: dict[str, Any]) -> int | None:
    """Run one ``invoice``/``refund``/``ship``/``cancel`` operation; answers the new document's id."""
    if operation["op"] == "cancel":
        cancel_order(store, store.orders[order_id])
        return None
    body = {key: value for key, value in operation.items() if key not in ("op", "at")}
    body["items"] = _items_by_sku(store, order_id, body.get("items"))
    arguments = body.get("arguments") or {}
    returned = (arguments.get("extension_attributes") or {}).get("return_to_stock_items")
    if returned:
        top = _top_rows(store, order_id)
        arguments["extension_attributes"]["return_to_stock_items"] = [top[sku] for sku in returned]
    run = {"invoice": invoice_order, "refund": refund_order, "ship": ship_order}[operation["op"]]
    return int(run(store, order_id, json.loads(json.dumps(body))))


def _top_rows(store: Store, order_id: int) -> dict[str, int]:
    return {item["sku"]: item["item_id"] for item in store.orders[order_id]["items"] if "parent_item_id" not in item}


def _items_by_sku(store: Store, order_id: int, items: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    top = _top_rows(store, order_id)
    return [{"order_item_id": top[entry["sku"]], "qty": entry["qty"]} for entry in items or ()]
