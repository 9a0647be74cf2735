"""Sales REST handlers: orders (get, list, save, comments, address) and invoice/shipment/credit memo reads.

Orders are stored with flat ``items``; reads render them the way Magento returns them: each child row
embeds a copy of its ``parent_item``, and ``extension_attributes.shipping_assignments[0].items``
repeats the items (``OrderRepository::setShippingAssignments``).
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.magento import invoicing as magento_invoicing
from sandbox.magento import shipping as magento_shipping
from sandbox.magento.http import ADDRESS_NOT_SAVED, Call, as_int, bad_request, entity_missing, required
from sandbox.magento.order_build import status_history
from sandbox.magento.search import search_by_id
from sandbox.magento.store import Store

# A partial order save answers these fields (see a real POST /V1/orders response) plus the given ones.
SAVE_ECHO = ("billing_address_id", "created_at", "entity_id", "protect_code", "state", "status", "updated_at")


def render_order(order: dict[str, Any]) -> dict[str, Any]:
    """The order as ``GET /V1/orders/{id}`` returns it."""
    rendered = copy.deepcopy(order)
    rendered["items"] = render_items(rendered["items"])
    assignments = rendered.get("extension_attributes", {}).get("shipping_assignments")
    if assignments:
        assignments[0]["items"] = rendered["items"]
    return rendered


def render_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {item["item_id"]: item for item in items}
    for item in items:
        parent = by_id.get(item.get("parent_item_id"))
        if parent is not None:
            item["parent_item"] = {key: value for key, value in parent.items() if key != "parent_item"}
    return items


def _order(store: Store, raw_id: Any) -> dict[str, Any]:
    order = store.orders.get(as_int(raw_id))
    if order is None:
        raise entity_missing()
    return order


def get_order(call: Call) -> dict[str, Any]:
    return render_order(_order(call.store, call.params["id"]))


def list_orders(call: Call) -> dict[str, Any]:
    return search_by_id(call.store.orders, call.query, render_order)


def save_order(call: Call) -> dict[str, Any]:
    """``POST /V1/orders`` ``{"entity": {...}}``: save the given fields; answers the partial order."""
    store, entity = call.store, call.body_object("entity")
    scalars = {key: value for key, value in entity.items() if not isinstance(value, (dict, list))}
    if entity.get("entity_id") in (None, ""):
        order = _new_order(store, scalars)
    else:
        order = _order(store, entity["entity_id"])
        scalars.pop("entity_id")
        order.update(scalars)
        store.touch(order)
    store.changed("order", "save", order["entity_id"])
    echo = {key: order.get(key) for key in SAVE_ECHO}
    echo.update({key: order.get(key) for key in scalars})
    echo.update(base_grand_total=None, grand_total=None, customer_email=None, base_total_due=0, total_due=0)
    view = dict(sorted(echo.items()))
    view.update(items=render_items(copy.deepcopy(order["items"])), billing_address=order.get("billing_address"),
                payment=order.get("payment"), status_histories=order.get("status_histories", []))
    return view


def _new_order(store: Store, fields: dict[str, Any]) -> dict[str, Any]:
    order_id, now = store.next_id("order"), store.now_text()
    order = {"entity_id": order_id, "increment_id": store.next_increment_id("order_increment"), "state": "new",
             "status": "pending", "store_id": 1, "created_at": now, **fields, "updated_at": now, "items": [],
             "status_histories": [], "extension_attributes": {}}
    order["entity_id"] = order_id
    store.orders[order_id] = order
    return order


def add_comment(call: Call) -> bool:
    """``POST /V1/orders/{id}/comments``: adds a status history entry; the order's status cannot change
    this way (Magento keeps the order's status on the entry); answers ``true``."""
    store, order = call.store, _order(call.store, call.params["id"])
    entry = call.body_object("status_history")
    history = status_history(store, order["entity_id"], {**entry, "created_at": store.now_text(),
                                                          "status": order["status"]})
    order["status_histories"].insert(0, history)
    store.touch(order)
    store.changed("order", "save", order["entity_id"])
    return True


def save_order_address(call: Call) -> dict[str, Any]:
    """``PUT /V1/orders/{parent_id}`` saves an order *address* (``{"entity": {address}}``), not the order."""
    store, order = call.store, _order(call.store, call.params["parent_id"])
    values = call.body_object("entity")
    if values.get("entity_id") in (None, ""):
        raise required("entity_id")
    address = _order_addresses(order).get(as_int(values["entity_id"], "entity_id"))
    if address is None:
        raise bad_request(ADDRESS_NOT_SAVED)
    address.update({key: value for key, value in values.items() if key not in ("entity_id", "parent_id")})
    store.changed("order", "save", order["entity_id"])
    return address


def _order_addresses(order: dict[str, Any]) -> dict[int, dict[str, Any]]:
    addresses = [order.get("billing_address")]
    for assignment in order.get("extension_attributes", {}).get("shipping_assignments") or []:
        addresses.append(assignment.get("shipping", {}).get("address"))
    return {int(address["entity_id"]): address for address in addresses if address}


def create_invoice(call: Call) -> str:
    return magento_invoicing.invoice_order(call.store, as_int(call.params["id"]), call.body())


def create_shipment(call: Call) -> str:
    return magento_shipping.ship_order(call.store, as_int(call.params["id"]), call.body())


def create_creditmemo(call: Call) -> str:
    return magento_invoicing.refund_order(call.store, as_int(call.params["id"]), call.body())


def add_track(call: Call) -> dict[str, Any]:
    return magento_shipping.add_track(call.store, call.body_object("entity"))


def _document_reader(table: str):
    def get(call: Call) -> dict[str, Any]:
        record = getattr(call.store, table).get(as_int(call.params["id"]))
        if record is None:
            raise entity_missing()
        return record

    def listing(call: Call) -> dict[str, Any]:
        return search_by_id(getattr(call.store, table), call.query)

    return get, listing


get_invoice, list_invoices = _document_reader("invoices")
get_shipment, list_shipments = _document_reader("shipments")
get_creditmemo, list_creditmemos = _document_reader("creditmemos")
