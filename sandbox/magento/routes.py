"""The REST route table (method, path, handler, ACL resource, module) and matching on decoded segments.

Resources are the ones Magento 2.4's ``webapi.xml`` files declare; they name the ACL resource in the
401 body. ``anonymous`` routes (customer account creation) need no token.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

from sandbox.magento import catalog, categories, customers, inventory, reservations, sales
from sandbox.magento.cancel import cancel as cancel_order
from sandbox.magento.http import Call
from sandbox.magento.store_config import list_store_configs

MODULES = ("Magento_Catalog", "Magento_ConfigurableProduct", "Magento_Customer", "Magento_Sales",
           "Magento_CatalogInventory", "Magento_Store", "Magento_InventoryApi", "Magento_InventorySalesApi")


@dataclasses.dataclass(frozen=True)
class Route:
    method: str
    path: str  # "/V1/products/:sku"
    handler: Callable[[Call], Any]
    resource: str
    module: str

    @functools.cached_property
    def parts(self) -> tuple[str, ...]:
        return tuple(part for part in self.path.split("/") if part)

    @functools.cached_property
    def literals(self) -> int:
        return sum(not part.startswith(":") for part in self.parts)

    def match(self, method: str, parts: Sequence[str]) -> dict[str, str] | None:
        """The path parameters when ``method`` and the decoded ``parts`` fit this route, else None."""
        if method != self.method or len(parts) != len(self.parts):
            return None
        params = {}
        for pattern, part in zip(self.parts, parts):
            if pattern.startswith(":"):
                params[pattern[1:]] = part
            elif pattern != part:
                return None
        return params


CATALOG, SALES, INVENTORY = "Magento_Catalog", "Magento_Sales", "Magento_InventoryApi"
R = Route
ROUTES: tuple[Route, ...] = (
    R("GET", "/V1/products", catalog.list_products, "Magento_Catalog::products", CATALOG),
    R("GET", "/V1/products/:sku", catalog.get_product, "Magento_Catalog::products", CATALOG),
    R("POST", "/V1/products", catalog.create_product, "Magento_Catalog::products", CATALOG),
    R("PUT", "/V1/products/:sku", catalog.update_product, "Magento_Catalog::products", CATALOG),
    R("GET", "/V1/products/attribute-sets/sets/list", catalog.list_attribute_sets, "Magento_Catalog::sets", CATALOG),
    R("GET", "/V1/configurable-products/:sku/children", catalog.configurable_children, "Magento_Catalog::products",
      "Magento_ConfigurableProduct"),
    R("GET", "/V1/categories", categories.category_tree, "Magento_Catalog::categories", CATALOG),
    R("GET", "/V1/categories/list", categories.list_categories, "Magento_Catalog::categories", CATALOG),
    R("GET", "/V1/categories/:id", categories.get_category, "Magento_Catalog::categories", CATALOG),
    R("POST", "/V1/categories", categories.create_category, "Magento_Catalog::categories", CATALOG),
    R("PUT", "/V1/categories/:id", categories.update_category, "Magento_Catalog::categories", CATALOG),
    R("GET", "/V1/customers/search", customers.search_customers, "Magento_Customer::customer", "Magento_Customer"),
    R("GET", "/V1/customers/:id", customers.get_customer, "Magento_Customer::customer", "Magento_Customer"),
    R("POST", "/V1/customers", customers.create_customer, "anonymous", "Magento_Customer"),
    R("PUT", "/V1/customers/:id", customers.update_customer, "Magento_Customer::manage", "Magento_Customer"),
    R("GET", "/V1/orders", sales.list_orders, "Magento_Sales::actions_view", SALES),
    R("GET", "/V1/orders/:id", sales.get_order, "Magento_Sales::actions_view", SALES),
    R("POST", "/V1/orders", sales.save_order, "Magento_Sales::create", SALES),
    R("POST", "/V1/orders/:id/comments", sales.add_comment, "Magento_Sales::comment", SALES),
    R("POST", "/V1/orders/:id/cancel", cancel_order, "Magento_Sales::cancel", SALES),
    R("PUT", "/V1/orders/:parent_id", sales.save_order_address, "Magento_Sales::actions_edit", SALES),
    R("GET", "/V1/invoices", sales.list_invoices, "Magento_Sales::sales_invoice", SALES),
    R("GET", "/V1/invoices/:id", sales.get_invoice, "Magento_Sales::sales_invoice", SALES),
    R("POST", "/V1/order/:id/invoice", sales.create_invoice, "Magento_Sales::sales_invoice", SALES),
    R("GET", "/V1/shipments", sales.list_shipments, "Magento_Sales::shipment", SALES),
    R("GET", "/V1/shipment/:id", sales.get_shipment, "Magento_Sales::shipment", SALES),
    R("POST", "/V1/order/:id/ship", sales.create_shipment, "Magento_Sales::ship", SALES),
    R("POST", "/V1/shipment/track", sales.add_track, "Magento_Sales::ship", SALES),
    R("GET", "/V1/creditmemos", sales.list_creditmemos, "Magento_Sales::sales_creditmemo", SALES),
    R("GET", "/V1/creditmemo/:id", sales.get_creditmemo, "Magento_Sales::sales_creditmemo", SALES),
    R("POST", "/V1/order/:id/refund", sales.create_creditmemo, "Magento_Sales::sales_creditmemo", SALES),
    R("GET", "/V1/store/storeConfigs", list_store_configs, "Magento_Backend::store", "Magento_Store"),
    R("GET", "/V1/stockItems/:sku", catalog.get_stock_item, "Magento_CatalogInventory::cataloginventory",
      "Magento_CatalogInventory"),
    R("PUT", "/V1/products/:sku/stockItems/:itemId", catalog.update_stock_item,
      "Magento_CatalogInventory::cataloginventory", "Magento_CatalogInventory"),
    R("GET", "/V1/inventory/sources", inventory.list_sources, "Magento_InventoryApi::source", INVENTORY),
    R("GET", "/V1/inventory/source-items", inventory.list_source_items, "Magento_InventoryApi::source", INVENTORY),
    R("POST", "/V1/inventory/source-items", inventory.save_source_items,
      "Magento_InventoryApi::stock_source_item_assign", INVENTORY),
    R("GET", "/V1/inventory/get-product-salable-quantity/:sku/:stockId", reservations.get_salable_qty,
      "Magento_InventorySalesApi::stock", "Magento_InventorySalesApi"),
)


def find_route(method: str, parts: Sequence[str]) -> tuple[Route, dict[str, str]] | None:
    """The matching route with the most literal segments (``customers/search`` before ``customers/:id``)."""
    best: tuple[Route, dict[str, str]] | None = None
    for route in ROUTES:
        params = route.match(method, parts)
        if params is not None and (best is None or route.literals > best[0].literals):
            best = (route, params)
    return best


def split_store(parts: Sequence[str], stores: Sequence[str]) -> tuple[str, list[str]] | None:
    """``rest/<store>/V1/...`` or ``rest/V1/...`` as (store code, ["V1", ...]); None when not a REST path.

    Like Magento's ``PathProcessor``, an unknown store code stays part of the path, so it matches no route.
    """
    if len(parts) < 2 or parts[0] != "rest":
        return None
    if parts[1] in stores or parts[1] == "all":
        return parts[1], list(parts[2:])
    return "default", list(parts[1:])
