"""What the consumer fetches for each notification, and how the backfill and reconcile list each entity.

``fetch_record(client, entity, key)`` returns the full Magento record, with the ``_bridge`` extras of
docs/erp-documents.md: for a product ``children_skus`` (configurables), ``weight_unit`` and
``weight_unit_source`` (MAGENTO_WEIGHT_UNIT, else the store config), and ``store_code``/``store_name`` when the
notification named a store view (``fetch_record(..., store_code=...)``); ``sku`` for a stock item; for sales
documents the store's ``timezone``, the order's rows (``order_items``, invoices, credit memos, shipments) and
``product_skus`` (``{product id: SKU}`` of their rows' products). A failing extra call raises like any Magento
call, except that a 404 on a related record is ``MagentoRelatedMissing`` (never read as "this record was
deleted"), and a store without the storeConfigs route gives no time zone and no weight unit.
``list_endpoint(entity)`` says which list to page, by which unique key, and which field is ``updated_at``.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from core import entities
from core.entities import ENTITIES, ListEndpoint
from core.errors import MagentoAuthError, MagentoForbidden, MagentoNotFound, MagentoRelatedMissing, MalformedMessage
from magento.store_configs import StoreConfigCache
from schemas.notification import key_problem

if TYPE_CHECKING:
    from magento.client import MagentoClient

log = logging.getLogger(__name__)
WEIGHT_UNITS = ("lbs", "kgs")
ALL_STORE_VIEWS = frozenset({"all", "admin"})  # not a store view: the default values are the main fetch's

ATTRIBUTE_SETS = ListEndpoint("products/attribute-sets/sets/list", sort_field="attribute_set_id",
                              item_key="attribute_set_id", updated_field=None, record_key="attribute_set_id")

Fetcher = Callable[["MagentoClient", str, str | None], dict[str, Any]]


def list_endpoint(entity: str) -> ListEndpoint:
    """How to page ``entity``'s records (the entity table's ``list``): list path, unique sort key, item key,
    updated field, record key."""
    return entities.entity(entity).list


def fetch_record(client: MagentoClient, entity: str, key: str, *, store_code: str | None = None) -> dict[str, Any]:
    """The full Magento record of ``entity`` ``key`` (SKU for product and stock, numeric id otherwise);
    ``store_code``: the store view a notification named (used for products' store-view names)."""
    if entity not in ENTITIES:
        raise MalformedMessage(f"unknown entity {entity!r}; known: {', '.join(ENTITIES)}")
    problem = key_problem(entity, key)
    if problem:
        raise MalformedMessage(f"{entity} key {key!r} {problem}")
    return FETCHERS[entities.entity(entity).fetch](client, str(key), store_code)


def _product(client: MagentoClient, sku: str, store_code: str | None = None) -> dict[str, Any]:
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


def weight_unit(client: MagentoClient) -> dict[str, str | None]:
    """``{weight_unit, weight_unit_source}``: MAGENTO_WEIGHT_UNIT when set, else the read store view's config
    (``lbs``/``kgs``); ``{}`` when neither says (the weight is then passed on as Magento has it)."""
    configured = client.settings.magento_weight_unit
    if configured:
        return {"weight_unit": configured, "weight_unit_source": "setting"}
    unit = _read_store_view_config(client).get("weight_unit")
    if unit in WEIGHT_UNITS:
        return {"weight_unit": unit, "weight_unit_source": "store_config"}
    if unit is not None:
        log.warning("Magento's store config has weight unit %r (expected lbs or kgs); weights passed on as is", unit)
    return {}


def _read_store_view_config(client: MagentoClient) -> dict[str, Any]:
    """The store config of the read store view (MAGENTO_STORE_CODE), else the first; ``{}`` when none."""
    cache = store_configs(client)
    code = client.settings.magento_store_code
    return next((entry for entry in cache.configs() if entry.get("code") == code), None) or cache.entry(None) or {}


def _store_view_name(client: MagentoClient, sku: str, store_code: str | None, record: dict[str, Any]) -> dict[str, Any]:
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


def _stock(client: MagentoClient, sku: str, store_code: str | None = None) -> dict[str, Any]:
    record = client.get_stock_item(sku)
    record["_bridge"] = {"sku": sku}
    return record


_STORE_CONFIGS: weakref.WeakKeyDictionary[MagentoClient, StoreConfigCache] = weakref.WeakKeyDictionary()
_STORE_CONFIGS_LOCK = threading.Lock()


def store_configs(client: MagentoClient) -> StoreConfigCache:
    """The client's store configurations, fetched once per client (one client per consumer process)."""
    with _STORE_CONFIGS_LOCK:
        cache = _STORE_CONFIGS.get(client)
        if cache is None:
            held = weakref.ref(client)  # the cache must not keep its own key alive
            # the cache is the client's while the client lives, so the client is there when the cache loads
            cache = _STORE_CONFIGS[client] = StoreConfigCache(
                lambda: _load_store_configs(cast("MagentoClient", held())))
        return cache


def _load_store_configs(client: MagentoClient) -> list[dict[str, Any]]:
    """The store configs; none (dates in UTC, weight unit unknown) when Magento has no such route or the
    integration may not read it, which is said once: neither is a reason to refuse every record."""
    try:
        return client.store_configs()
    except MagentoNotFound as error:
        if not error.route_missing:
            raise
        log.warning("magento has no store/storeConfigs route: dates stay in UTC (%s)", error.message)
    except (MagentoAuthError, MagentoForbidden) as error:
        log.warning("the integration may not read store/storeConfigs (grant it Stores > Settings > All Stores, "
                    "or set MAGENTO_WEIGHT_UNIT): dates stay in UTC, weights unknown in kilograms (%s)",
                    error.message)
    return []


def _timezone(client: MagentoClient, record: dict[str, Any]) -> str | None:
    entry = store_configs(client).entry(record.get("store_id"))
    return (entry or {}).get("timezone") or None


def _product_skus(client: MagentoClient, rows: list[dict[str, Any]]) -> dict[str, str]:
    ids = sorted({row["product_id"] for row in rows if isinstance(row.get("product_id"), int)})
    return client.product_skus(ids) if ids else {}


def _order(client: MagentoClient, key: str, store_code: str | None = None) -> dict[str, Any]:
    record = client.get_order(key)
    rows = [row for row in record.get("items") or [] if isinstance(row, dict)]
    record["_bridge"] = {"timezone": _timezone(client, record), "product_skus": _product_skus(client, rows)}
    return record


def _order_rows(client: MagentoClient, entity: str, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the order a sales document belongs to (without their embedded ``parent_item`` copies)."""
    order_id: int | str = record["order_id"]  # callers check that the record has one
    try:
        order = client.get_order(order_id)
    except MagentoNotFound as error:
        if error.route_missing:
            raise
        raise MagentoRelatedMissing(f"{entity} {record.get('entity_id')}'s order {order_id} is not in Magento: "
                                    f"{error.message}", status=error.status, body=error.body,
                                    details=error.details) from None
    return [{name: value for name, value in row.items() if name != "parent_item"}
            for row in order.get("items") or [] if isinstance(row, dict)]


def _sales_document(entity: str, get: Callable[[MagentoClient, str], dict[str, Any]], *, dated: bool = True) -> Fetcher:
    """A fetcher of an invoice, credit memo or shipment with its order's rows, product SKUs and time zone."""
    def fetch(client: MagentoClient, key: str, store_code: str | None = None) -> dict[str, Any]:
        record = get(client, key)
        rows = _order_rows(client, entity, record) if record.get("order_id") is not None else None
        bridge: dict[str, Any] = {"order_items": rows, "product_skus": _product_skus(client, rows or [])}
        if dated:
            bridge["timezone"] = _timezone(client, record)
        record["_bridge"] = bridge
        return record
    return fetch


def _as_is(get: Callable[[MagentoClient, str], dict[str, Any]]) -> Fetcher:
    """A fetcher of a record that needs no extras (a customer, a category)."""
    def fetch(client: MagentoClient, key: str, store_code: str | None = None) -> dict[str, Any]:
        return get(client, key)
    return fetch


# The fetcher of each Magento GET path the entity table names as an entity's ``fetch`` (store_code: the store
# view a notification named; only products use it).
FETCHERS: dict[str, Fetcher] = {
    "products/{sku}": _product,
    "customers/{id}": _as_is(lambda client, key: client.get_customer(key)),
    "categories/{id}": _as_is(lambda client, key: client.get_category(key)),
    "orders/{id}": _order,
    "invoices/{id}": _sales_document("invoice", lambda client, key: client.get_invoice(key)),
    "shipment/{id}": _sales_document("shipment", lambda client, key: client.get_shipment(key), dated=False),
    "creditmemo/{id}": _sales_document("creditmemo", lambda client, key: client.get_creditmemo(key)),
    "stockItems/{sku}": _stock,
}
