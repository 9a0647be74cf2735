"""What the consumer fetches for each notification, and how the backfill and reconcile list each entity.

``fetch_record(client, entity, key)`` returns the full Magento record, with the ``_bridge`` extras of
docs/erp-documents.md: for a product ``children_skus`` (configurables), ``weight_unit`` and
``weight_unit_source`` (MAGENTO_WEIGHT_UNIT, else the store config), and ``store_code``/``store_name`` when the
notification named a store view (``fetch_record(..., store_code=...)``); ``sku`` for a stock item.
``list_endpoint(entity)`` says which list to page, by which unique key, and which field is ``updated_at``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import logging

from core.errors import MagentoNotFound, MalformedMessage
from core.notification import ENTITIES, key_problem
from consumers.magento.paging import ListEndpoint
from consumers.magento.store_config import store_config

log = logging.getLogger(__name__)
WEIGHT_UNITS = ("lbs", "kgs")
ALL_STORE_VIEWS = frozenset({"all", "admin"})  # not a store view: the default values are the main fetch's

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


def fetch_record(client: Any, entity: str, key: str, *, store_code: str | None = None) -> dict[str, Any]:
    """The full Magento record of ``entity`` ``key`` (SKU for product and stock, numeric id otherwise);
    ``store_code``: the store view a notification named (used for products' store-view names)."""
    if entity not in _FETCHERS:
        raise MalformedMessage(f"unknown entity {entity!r}; known: {', '.join(ENTITIES)}")
    problem = key_problem(entity, key)
    if problem:
        raise MalformedMessage(f"{entity} key {key!r} {problem}")
    if entity == "product":
        return _product(client, str(key), store_code)
    return _FETCHERS[entity](client, str(key))


def _product(client: Any, sku: str, store_code: str | None = None) -> dict[str, Any]:
    record = client.get_product(sku)
    bridge: dict[str, Any] = {}
    if record.get("type_id") == "configurable":
        children = client.configurable_children(sku)
        bridge["children_skus"] = [child["sku"] for child in children if child.get("sku")]
    bridge.update(weight_unit(client))
    bridge.update(_store_view_name(client, sku, store_code, record))
    if bridge:
        record["_bridge"] = bridge
    return record


def weight_unit(client: Any) -> dict[str, str | None]:
    """``{weight_unit, weight_unit_source}``: MAGENTO_WEIGHT_UNIT when set, else the read store view's config
    (``lbs``/``kgs``); ``{}`` when neither says (the weight is then passed on as Magento has it)."""
    configured = client.settings.magento_weight_unit
    if configured:
        return {"weight_unit": configured, "weight_unit_source": "setting"}
    config = store_config(client, code=client.settings.magento_store_code) or {}
    unit = config.get("weight_unit")
    if unit in WEIGHT_UNITS:
        return {"weight_unit": unit, "weight_unit_source": "store_config"}
    if unit is not None:
        log.warning("Magento's store config has weight unit %r (expected lbs or kgs); weights passed on as is", unit)
    return {}


def _store_view_name(client: Any, sku: str, store_code: str | None, record: dict[str, Any]) -> dict[str, Any]:
    """``{store_code, store_name}``: the product's name in the store view a notification named, if any."""
    if not store_code or store_code in ALL_STORE_VIEWS:
        return {}
    if store_code == client.settings.magento_store_code:
        return {"store_code": store_code, "store_name": record.get("name")}
    try:
        name = client.get_product(sku, store=store_code).get("name")
    except MagentoNotFound as error:
        log.warning("product %s: no name in store view %r (%s)", sku, store_code, error.message)
        name = None
    return {"store_code": store_code, "store_name": name}


def _stock(client: Any, sku: str) -> dict[str, Any]:
    record = client.get_stock_item(sku)
    record["_bridge"] = {"sku": sku}
    return record


_FETCHERS: dict[str, Callable[[Any, str], dict[str, Any]]] = {
    "product": lambda client, key: _product(client, key),
    "customer": lambda client, key: client.get_customer(key),
    "category": lambda client, key: client.get_category(key),
    "order": lambda client, key: client.get_order(key),
    "invoice": lambda client, key: client.get_invoice(key),
    "shipment": lambda client, key: client.get_shipment(key),
    "creditmemo": lambda client, key: client.get_creditmemo(key),
    "stock": _stock,
}
