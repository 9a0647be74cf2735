"""``POST /V1/order/{id}/ship`` (Magento's ShipOrder) and ``POST /V1/shipment/track``."""

from __future__ import annotations

from typing import Any

from sandbox.magento import quantities as q
from sandbox.magento import reservations
from sandbox.magento.http import TRACK_NOT_SAVED, as_int, bad_request, document_validation
from sandbox.magento.invoicing import finish_document, order_or_404, shipping_address_id
from sandbox.magento.order_build import money
from sandbox.magento.store import Store


def ship_order(store: Store, order_id: int, body: dict[str, Any]) -> str:
    """Create a shipment (answering its id as a string, ``"3"``) or 400 with ShipOrder's messages."""
    order = order_or_404(store, order_id)
    qtys = q.plan(order, q.requested(body.get("items")), q.qty_to_ship, shipment=True)
    messages = _can_ship_messages(order) + _quantity_messages(order, qtys)
    if messages:
        raise document_validation("Shipment", messages)
    shipment = _shipment(store, order, qtys, body)
    for item in order["items"]:
        if qtys.get(item["item_id"], 0) > 0:
            item["qty_shipped"] = money(item["qty_shipped"] + qtys[item["item_id"]])
    finish_document(store, order, "shipment", shipment, store.shipments)
    reservations.on_shipment(store, order, shipment, reservations.shipment_source(body))
    return str(shipment["entity_id"])


def _can_ship_messages(order: dict[str, Any]) -> list[str]:
    """``Order\\Validation\\CanShip`` (its first message has no final full stop in Magento either)."""
    if order["state"] in ("payment_review", "holded", "canceled") or order.get("is_virtual"):
        return [f"A shipment cannot be created when an order has a status of {order['status']}"]
    if not q.can_ship(order):
        return ["The order does not allow a shipment to be created."]
    return []


def _quantity_messages(order: dict[str, Any], qtys: dict[int, float]) -> list[str]:
    """``Shipment\\Validation\\QuantityValidator``."""
    messages, total = [], 0.0
    for item in order["items"]:
        qty = qtys.get(item["item_id"], 0)
        if qty <= 0 and item["item_id"] not in qtys:
            continue
        if qty > q.qty_to_ship(order, item) and not q.is_dummy(order, item, shipment=True):
            messages.append(f"We found an invalid quantity to ship for item \"{item['name']}\".")
        else:
            total += qty
    if total <= 0:
        messages.append("You can't create a shipment without products.")
    return messages


def _shipment(store: Store, order: dict[str, Any], qtys: dict[int, float], body: dict[str, Any]) -> dict[str, Any]:
    shipment_id, now = store.next_id("shipment"), store.now_text()
    rows = [{"entity_id": store.next_id("shipment_item"), "name": item["name"], "parent_id": shipment_id,
             "price": item["price"] if not q.is_dummy(order, item, shipment=True) else 0,
             "product_id": item["product_id"], "sku": item["sku"], "weight": item.get("weight"),
             "order_item_id": item["item_id"], "qty": qtys[item["item_id"]]}
            for item in order["items"] if qtys.get(item["item_id"], 0) > 0]
    shipment = {"billing_address_id": order["billing_address_id"], "created_at": now,
                "customer_id": order.get("customer_id"), "email_sent": int(bool(body.get("notify"))) or None,
                "entity_id": shipment_id, "increment_id": store.next_increment_id("shipment_increment"),
                "order_id": order["entity_id"], "packages": [], "shipping_address_id": shipping_address_id(order),
                "store_id": order["store_id"],
                "total_qty": money(sum(qtys[item["item_id"]] for item in order["items"]
                                       if qtys.get(item["item_id"], 0) > 0
                                       and not q.is_dummy(order, item, shipment=True))),
                "updated_at": now, "items": rows, "tracks": [], "comments": []}
    for track in body.get("tracks") or []:
        if isinstance(track, dict):
            shipment["tracks"].append(_track(store, shipment, track))
    comment = body.get("comment")
    if isinstance(comment, dict) and comment.get("comment"):
        shipment["comments"].append({"comment": comment["comment"], "created_at": now,
                                     "entity_id": store.next_id("document_comment"),
                                     "is_customer_notified": int(bool(body.get("notify"))),
                                     "is_visible_on_front": int(comment.get("is_visible_on_front") or 0),
                                     "parent_id": shipment_id})
    return shipment


def _track(store: Store, shipment: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    now = store.now_text()
    return {"order_id": shipment["order_id"], "created_at": now, "entity_id": store.next_id("shipment_track"),
            "parent_id": shipment["entity_id"], "updated_at": now, "weight": values.get("weight"),
            "qty": values.get("qty"), "description": values.get("description"),
            "track_number": values.get("track_number"), "title": values.get("title"),
            "carrier_code": values.get("carrier_code")}


def add_track(store: Store, entity: dict[str, Any]) -> dict[str, Any]:
    """``ShipmentTrackRepository::save``: attach a track to shipment ``parent_id``; answers the track."""
    shipment = store.shipments.get(as_int(entity.get("parent_id"), "parent_id")) if entity.get("parent_id") else None
    if shipment is None or not entity.get("track_number"):
        raise bad_request(TRACK_NOT_SAVED)
    track = _track(store, shipment, entity)
    shipment["tracks"].append(track)
    store.changed("shipment", "save", shipment["entity_id"])
    return track
