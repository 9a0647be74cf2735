"""What the consumer fetches for each notification, and how the backfill and reconcile list each entity.

``fetch_record(client, entity, key)`` returns the full Magento record, with the ``_bridge`` extras of
docs/erp-documents.md: ``children_skus`` for a configurable product, ``sku`` for a stock item.
``list_endpoint(entity)`` says which list to page, by which unique key, and which field is ``updated_at``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.errors import MalformedMessage
from core.notification import ENTITIES, key_problem
from consumers.magento.paging import ListEndpoint

ATTRIBUTE_SETS = ListEndpoint("products/attribute-sets/sets/list", sort_field="attribute_set_id",
                              item_key="attribute_set_id", updated_field=None, record_key="attribute_set_id")

# Stock has no list with an updated_at: a stock change does not touch the product's updated_at, and the
# products list omits extension_attributes.stock_item (magento/magento2#36533). Stock is therefore
# reconciled by a full pass over the products list (SKUs by entity_id), fetching each stock item by SKU.
_LIST_ENDPOINTS: dict[str, ListEndpoint] = {
    "product": ListEndpoint("products", item_key="id", record_key="sku"),
    "customer": ListEndpoint("customers/search", item_key="id", record_key="id"),
    "category": ListEndpoint("categories/list", item_key="id", record_key="id"),
    "order": ListEndpoint("orders"),
    "invoice": ListEndpoint("invoices"),
    "shipment": ListEndpoint("shipments"),
    "creditmemo": ListEndpoint("creditmemos"),
    "stock": ListEndpoint("products", item_key="id", updated_field=None, record_key="sku"),
}


def list_endpoint(entity: str) -> ListEndpoint:
    """How to page ``entity``'s records: list path, unique sort key, item key, updated field, record key."""
    try:
        return _LIST_ENDPOINTS[entity]
    except KeyError:
        raise ValueError(f"unknown entity {entity!r}; known: {', '.join(ENTITIES)}") from None


def fetch_record(client: Any, entity: str, key: str) -> dict[str, Any]:
    """The full Magento record of ``entity`` ``key`` (SKU for product and stock, numeric id otherwise)."""
    if entity not in _FETCHERS:
        raise MalformedMessage(f"unknown entity {entity!r}; known: {', '.join(ENTITIES)}")
    problem = key_problem(entity, key)
    if problem:
        raise MalformedMessage(f"{entity} key {key!r} {problem}")
    return _FETCHERS[entity](client, str(key))


def _product(client: Any, sku: str) -> dict[str, Any]:
    record = client.get_product(sku)
    if record.get("type_id") == "configurable":
        children = client.configurable_children(sku)
        record["_bridge"] = {"children_skus": [child["sku"] for child in children if child.get("sku")]}
    return record


def _stock(client: Any, sku: str) -> dict[str, Any]:
    record = client.get_stock_item(sku)
    record["_bridge"] = {"sku": sku}
    return record


_FETCHERS: dict[str, Callable[[Any, str], dict[str, Any]]] = {
    "product": _product,
    "customer": lambda client, key: client.get_customer(key),
    "category": lambda client, key: client.get_category(key),
    "order": lambda client, key: client.get_order(key),
    "invoice": lambda client, key: client.get_invoice(key),
    "shipment": lambda client, key: client.get_shipment(key),
    "creditmemo": lambda client, key: client.get_creditmemo(key),
    "stock": _stock,
}
