"""The entities the bridge syncs, as data: one row per entity and direction, read by every layer.

A row says how a record of the entity is keyed (``sku`` or ``id``), where Magento serves one record (``fetch``,
a path relative to ``/V1``) and the list the backfill and the reconciler page (``list``), which mapper turns
it into an ERP document (``mapper``, a ``module:Schema`` name resolved by ``schemas.mapping``), which writer
every ERP backend writes it with (``writer``), the queue that holds its notifications and the consumer
group (the Procfile process) that drains it, whether it is skipped while Magento cannot serve it
(``noncritical``, the default of NONCRITICAL_ENTITIES), and the Adobe I/O observer events that announce it.
Adding an entity is one row here plus its mapper and its writer; tests/core/test_entities.py fails until
every layer knows it (docs/architecture.md, "Entities"). Pure data: nothing outside the standard library.
"""

from __future__ import annotations

import dataclasses

MAGENTO_TO_ERP = "magento_to_erp"
ERP_TO_MAGENTO = "erp_to_magento"
ERP = "erp"  # the ``origin`` of a notification of an ERP change (None: a Magento change)
ORIGINS: tuple[str, ...] = (ERP,)
SKU, ID = "sku", "id"
ACTIONS: tuple[str, ...] = ("save", "delete")
SOURCES: tuple[str, ...] = ("webhook", "adobe-io", "backfill", "reconcile", "replay", "sandbox",
                            "erp-poll", "erp-webhook", "push")
# Another key than the usual one: Adobe I/O stock item events carry the product's numeric id, not its SKU;
# the consumer looks the SKU up (consumers/stock_keys.py).
PRODUCT_ID = "product_id"
# An Odoo automation webhook names the Odoo record that changed (its model and id), not the SKU; the consumer
# resolves it to the product's default_code (= Magento's SKU). Stock notifications from the ERP only.
ODOO_STOCK_QUANT, ODOO_STOCK_MOVE, ODOO_PRODUCT = "odoo:stock.quant", "odoo:stock.move", "odoo:product.product"
ODOO_KEY_TYPES: dict[str, str] = {"stock.quant": ODOO_STOCK_QUANT, "stock.move": ODOO_STOCK_MOVE,
                                  "product.product": ODOO_PRODUCT}  # Odoo model -> key_type
# Suffixes of the Magento model events Adobe I/O forwards (after the model's $_eventPrefix), by action.
OBSERVER_SUFFIXES: dict[str, str] = {
    "save_after": "save", "save_commit_after": "save",
    "delete_after": "delete", "delete_commit_after": "delete",
}


@dataclasses.dataclass(frozen=True)
class ListEndpoint:
    """A list endpoint and how to page it: ``sort_field`` in searchCriteria is ``item_key`` in each item;
    ``updated_field`` the item's change time (None: no such field); ``record_key`` the field holding the
    record's notification key, in a listed item as in the fetched record."""

    path: str
    sort_field: str = "entity_id"
    item_key: str = "entity_id"
    updated_field: str | None = "updated_at"
    record_key: str = "entity_id"


@dataclasses.dataclass(frozen=True)
class Entity:
    """One entity in one direction, and the name each layer knows it by."""

    name: str
    key: str  # SKU or ID: what a notification's key is
    fetch: str  # GET path of one record, relative to /V1: "products/{sku}"
    list: ListEndpoint
    mapper: str  # "schemas.product:ProductSchema": the marshmallow schema from record to ERP document
    writer: str  # the name every ERP backend writes and deletes it by
    queue: str  # the quorum queue of its notifications (dead letters: "<queue>.dead")
    group: str  # the consumer process (Procfile) that drains the queue
    noncritical: bool = False
    adobe_io_prefix: str = ""  # the Magento model's $_eventPrefix: "<prefix>_save_after" and the like
    adobe_io_extra: tuple[str, ...] = ()  # further observer events that mean "save"
    key_types: tuple[str, ...] = ()  # other keys a notification may carry (see PRODUCT_ID)
    direction: str = MAGENTO_TO_ERP

    @property
    def adobe_io_events(self) -> dict[str, str]:
        """``{observer event name: action}`` of every Adobe I/O event that announces a change of this entity."""
        events = {f"{self.adobe_io_prefix}_{suffix}": action for suffix, action in OBSERVER_SUFFIXES.items()
                  if self.adobe_io_prefix}
        return {**events, **{name: "save" for name in self.adobe_io_extra}}

    def fetch_path(self, key: str) -> str:
        """``fetch`` with ``key`` in place (unencoded: for comparisons, not for requests)."""
        return self.fetch.replace("{" + self.key + "}", key)


def _sales(name: str, fetch: str, listed: str, mapper: str, prefix: str, *, noncritical: bool = True,
           extra: tuple[str, ...] = ()) -> Entity:
    """A sales document: keyed by entity_id, listed by entity_id, drained by the sales consumers."""
    return Entity(name, ID, fetch, ListEndpoint(listed), mapper, name, f"magento.{name}", "sales",
                  noncritical=noncritical, adobe_io_prefix=prefix, adobe_io_extra=extra)


# Stock has no list with an updated_at: a stock change does not touch the product's updated_at, and the
# products list omits extension_attributes.stock_item (magento/magento2#36533). Stock is therefore
# reconciled by a full pass over the products list (SKUs by entity_id), fetching each stock item by SKU.
TABLE: tuple[Entity, ...] = (
    Entity("product", SKU, "products/{sku}", ListEndpoint("products", item_key="id", record_key="sku"),
           "schemas.product:ProductSchema", "product", "magento.product", "catalog",
           adobe_io_prefix="catalog_product"),
    Entity("customer", ID, "customers/{id}", ListEndpoint("customers/search", item_key="id", record_key="id"),
           "schemas.customer:CustomerSchema", "customer", "magento.customer", "customers",
           adobe_io_prefix="customer"),
    Entity("category", ID, "categories/{id}", ListEndpoint("categories/list", item_key="id", record_key="id"),
           "schemas.category:CategorySchema", "category", "magento.category", "catalog", noncritical=True,
           adobe_io_prefix="catalog_category"),
    _sales("order", "orders/{id}", "orders", "schemas.order:OrderSchema", "sales_order", noncritical=False,
           extra=("sales_order_place_after",)),
    _sales("invoice", "invoices/{id}", "invoices", "schemas.sales:InvoiceSchema", "sales_order_invoice"),
    _sales("shipment", "shipment/{id}", "shipments", "schemas.sales:ShipmentSchema", "sales_order_shipment"),
    _sales("creditmemo", "creditmemo/{id}", "creditmemos", "schemas.sales:CreditmemoSchema",
           "sales_order_creditmemo"),
    Entity("stock", SKU, "stockItems/{sku}",
           ListEndpoint("products", item_key="id", updated_field=None, record_key="sku"),
           "schemas.stock:StockSchema", "stock", "magento.stock", "catalog",
           adobe_io_prefix="cataloginventory_stock_item",
           key_types=(PRODUCT_ID, ODOO_STOCK_QUANT, ODOO_STOCK_MOVE, ODOO_PRODUCT)),
)


@dataclasses.dataclass(frozen=True)
class ErpEntity:
    """One entity in the ERP → Magento direction: what announces its changes and where they go."""

    name: str
    key: str  # SKU or ID: what a notification's key is
    erp_read: str  # the HTTP ERP's GET path of one record ("stock/{sku}"); Odoo reads its models
    odoo_models: tuple[str, ...]  # the Odoo models whose changes announce it (poller and webhooks)
    magento_writer: str  # the Magento write the consumer makes ("stock": source items or the stock item)
    queue: str  # "erp.<entity>": the quorum queue of its notifications (dead letters: "<queue>.dead")
    group: str  # the consumer process (Procfile) that drains the queue
    direction: str = ERP_TO_MAGENTO


# The ERP → Magento direction: notifications published to erp.events (origin "erp"), one queue per entity.
FROM_ERP: tuple[ErpEntity, ...] = (
    ErpEntity("stock", SKU, "stock/{sku}", ("stock.quant", "stock.move"), "stock", "erp.stock", "erp-stock"),
)


def rows(direction: str = MAGENTO_TO_ERP) -> tuple[Entity, ...]:
    """The table's rows for one direction, in table order."""
    return tuple(row for row in TABLE if row.direction == direction)


def entity(name: str, direction: str = MAGENTO_TO_ERP) -> Entity:
    """The row of entity ``name``; ValueError naming the known entities when there is none."""
    row = _INDEX.get((direction, name))
    if row is None:
        known = ", ".join(row.name for row in rows(direction))
        raise ValueError(f"unknown entity {name!r}; known: {known}")
    return row


def groups(direction: str = MAGENTO_TO_ERP) -> dict[str, tuple[str, ...]]:
    """``{consumer group: its entities}``, groups and entities in table order (the Procfile's lines)."""
    found: dict[str, tuple[str, ...]] = {}
    for row in rows(direction):
        found[row.group] = found.get(row.group, ()) + (row.name,)
    return found


_INDEX: dict[tuple[str, str], Entity] = {(row.direction, row.name): row for row in TABLE}
ENTITIES: tuple[str, ...] = tuple(row.name for row in rows())
SKU_KEYED: frozenset[str] = frozenset(row.name for row in rows() if row.key == SKU)
# Other keys than the usual one, and the entity each is allowed for.
KEY_TYPES: dict[str, str] = {key_type: row.name for row in rows() for key_type in row.key_types}
NONCRITICAL: tuple[str, ...] = tuple(row.name for row in rows() if row.noncritical)
ERP_ENTITIES: tuple[str, ...] = tuple(row.name for row in FROM_ERP)
QUEUES: dict[str, str] = {**{row.name: row.queue for row in rows()}, **{row.queue: row.queue for row in FROM_ERP}}
# A stream is what one queue carries: a bare entity name for Magento's changes ("stock"), "erp.<entity>" for
# the ERP's ("erp.stock"). `python -m consumers`, the topology, reports and dead letters name streams.
STREAMS: tuple[str, ...] = ENTITIES + tuple(row.queue for row in FROM_ERP)


def stream(origin: str | None, entity: str) -> str:
    """The stream of ``entity``'s changes from ``origin`` (None: Magento)."""
    return entity if origin is None else f"{origin}.{entity}"


def parse_stream(name: str) -> tuple[str | None, str]:
    """``(origin, entity)`` of a stream name ("stock", "magento.stock" or "erp.stock"); ValueError when unknown."""
    origin, _, entity = name.rpartition(".")
    if origin in ("", "magento") and entity in ENTITIES:
        return None, entity
    if origin == ERP and entity in ERP_ENTITIES:
        return ERP, entity
    raise ValueError(f"unknown stream {name!r}; known: {', '.join(STREAMS)}")


def erp_entity(name: str) -> ErpEntity:
    """The ERP → Magento row of entity ``name``; ValueError naming the known ones when there is none."""
    for row in FROM_ERP:
        if row.name == name:
            return row
    raise ValueError(f"unknown entity {name!r} from the ERP; known: {', '.join(ERP_ENTITIES)}")
