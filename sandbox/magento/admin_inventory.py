"""``/__sandbox`` endpoints for MSI (registered on the admin blueprint): the inventory state, the REST input
limit, sources, and placing orders the way checkout does (with reservations)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from sandbox.magento import reservations
from sandbox.magento.admin import AdminError, admin, current_sandbox, json_body
from sandbox.magento.inventory import source_record
from sandbox.magento.order_build import build_order
from sandbox.magento.sales import render_order
from sandbox.magento.store import Store


def inventory_view(store: Store) -> dict[str, Any]:
    inventory = store.inventory
    return {"sources": list(inventory.sources.values()),
            "stocks": [{"stock_id": stock_id, **stock} for stock_id, stock in sorted(inventory.stocks.items())],
            "reservations": inventory.reservations, "settings": settings_view(store)}


@admin.get("/inventory")
def inventory_state() -> Response:
    store = current_sandbox().store
    with store.lock:
        return jsonify(inventory_view(store))


SETTINGS = ("input_limit_enabled", "input_limit", "reject_unknown_skus")


def settings_view(store: Store) -> dict[str, Any]:
    return {name: getattr(store.inventory, name) for name in SETTINGS}


@admin.put("/inventory/settings")
def inventory_settings() -> Response:
    """``{"input_limit_enabled": true, "input_limit": 20, "reject_unknown_skus": false}`` (each optional):
    ``webapi/validation/input_limit_enabled``, ``webapi/validation/complex_array_limit`` and the
    ``ExistentSkuValidator`` switch. They survive ``/__sandbox/reset``."""
    body, store = json_body(), current_sandbox().store
    unknown = set(body) - set(SETTINGS)
    if unknown:
        raise AdminError(400, f"unknown settings {sorted(unknown)}; known: {', '.join(SETTINGS)}")
    if "input_limit" in body and (not isinstance(body["input_limit"], int) or body["input_limit"] < 1):
        raise AdminError(400, "input_limit must be a positive integer")
    with store.lock:
        for name in ("input_limit_enabled", "reject_unknown_skus"):
            if name in body:
                setattr(store.inventory, name, bool(body[name]))
        if "input_limit" in body:
            store.inventory.input_limit = body["input_limit"]
        return jsonify(settings_view(store))


@admin.post("/inventory/sources")
def add_source() -> Response:
    """``{"source_code", "name", "enabled", "country_id", "postcode", "stocks": [1]}``: add or replace a source."""
    body, store = json_body(), current_sandbox().store
    code = str(body.get("source_code") or "")
    if not code.strip() or any(char.isspace() for char in code):
        raise AdminError(400, "source_code must be a non-empty code without whitespace")
    record = source_record(code, str(body.get("name") or code), enabled=bool(body.get("enabled", True)),
                           country_id=str(body.get("country_id", "US")), postcode=str(body.get("postcode", "00000")))
    with store.lock:
        store.inventory.add_source(record, [int(stock_id) for stock_id in body.get("stocks", [1])])
        return jsonify(record)


@admin.post("/orders")
def place_order() -> Response:
    """Place an order from a compact spec (the seed's ``orders.json`` form; ids and times are filled in):
    the order is stored, its reservations appended and its save notified. Answers the order."""
    spec, sandbox = json_body(), current_sandbox()
    store = sandbox.store
    with store.lock:
        spec.setdefault("entity_id", store.next_id("order"))
        store.bump_sequence("order", int(spec["entity_id"]))
        spec.setdefault("increment_id", store.next_increment_id("order_increment"))
        spec.setdefault("created_at", store.now_text())
        spec.setdefault("updated_at", spec["created_at"])
        if int(spec["entity_id"]) in store.orders:
            raise AdminError(400, f"order {spec['entity_id']} exists already")
        try:
            order = build_order(spec, store)
        except (KeyError, TypeError) as exc:
            raise AdminError(400, f"bad order spec: {exc!r}") from None
        store.orders[order["entity_id"]] = order
        reservations.place(store, order)
        store.changed("order", "save", order["entity_id"])
        view, emitted = render_order(order), store.drain_changes()
    sandbox.feed.emit(emitted)
    return jsonify(view)


@admin.post("/orders/<int:order_id>/place")
def place_existing(order_id: int) -> Response:
    """Append the ``order_placed`` reservations of an existing order (one saved through ``POST /V1/orders``)."""
    store = current_sandbox().store
    with store.lock:
        order = store.orders.get(order_id)
        if order is None:
            raise AdminError(404, f"no order {order_id}")
        before = len(store.inventory.reservations)
        reservations.place(store, order)
        return jsonify({"reservations": store.inventory.reservations[before:]})

