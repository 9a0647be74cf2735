"""Every Magento REST endpoint the bridge uses, as methods on top of one ``request`` primitive (pure).

``MagentoClient`` (client.py) inherits these and supplies ``request``; reads go to MAGENTO_STORE_CODE and
writes to MAGENTO_WRITE_STORE_CODE (``all``), decided there by the HTTP method. ``idempotent`` says whether
the client may resend a write after an ambiguous failure (see retry.py): PUTs and the upserting POSTs
(product by SKU, order by entity_id) are; creating a customer, a category, an invoice, a shipment, a track,
a refund or a comment is not. Stock has two write paths: MSI source items (``save_source_items``, at most
MAGENTO_MAX_ITEMS per call) and the legacy stock item (``update_stock_item`` / ``set_stock_quantity``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from magento import source_items as msi
from magento.responses import Answer, SearchResult
from magento.search_criteria import SearchCriteria
from magento.urls import path

JsonObject = dict[str, Any]


class Endpoints:
    """The endpoint methods; subclasses implement ``request``."""

    def request(self, method: str, relative_path: str, *, params: list[tuple[str, str]] | None = None,
                body: Any = None, store: str | None = None, idempotent: bool | None = None) -> Answer:
        raise NotImplementedError

    def search(self, relative_path: str, criteria: SearchCriteria | None = None) -> SearchResult:
        """One page of any searchCriteria list endpoint."""
        return self.request("GET", relative_path, params=(criteria or SearchCriteria()).to_params()).search()

    # Products
    def list_products(self, criteria: SearchCriteria | None = None) -> SearchResult:
        return self.search("products", criteria)

    def get_product(self, sku: str, store: str | None = None) -> JsonObject:
        """The product as the read store view (MAGENTO_STORE_CODE) or ``store`` shows it."""
        return self.request("GET", path("products", sku), store=store).object()

    def create_product(self, product: JsonObject) -> JsonObject:
        """POST /V1/products; Magento saves by SKU, so a resend updates rather than duplicates."""
        return self.request("POST", "products", body={"product": product}, idempotent=True).object()

    def update_product(self, sku: str, product: JsonObject) -> JsonObject:
        body = {"product": {**product, "sku": product.get("sku", sku)}}
        return self.request("PUT", path("products", sku), body=body).object()

    def configurable_children(self, sku: str) -> list[JsonObject]:
        return self.request("GET", path("configurable-products", sku, "children")).objects()

    def product_skus(self, product_ids: list[int], chunk: int = 100) -> dict[str, str]:
        """``{"<product id>": sku}`` of the given products: one search per ``chunk`` ids (``entity_id in``), ids and
        SKUs only; a product Magento no longer has is simply absent."""
        ids, skus = sorted(set(product_ids)), {}
        for start in range(0, len(ids), chunk):
            part = ids[start:start + chunk]
            criteria = SearchCriteria().where("entity_id", part, "in").page(len(part)).project(
                "items[id,sku],total_count")
            skus.update({str(item["id"]): item["sku"] for item in self.list_products(criteria).items
                         if item.get("id") is not None and isinstance(item.get("sku"), str)})
        return skus

    def list_attribute_sets(self, criteria: SearchCriteria | None = None) -> SearchResult:
        return self.search("products/attribute-sets/sets/list", criteria)

    # Stores
    def store_configs(self) -> list[JsonObject]:
        """GET /V1/store/storeConfigs: each store view's locale, time zone, currencies and weight unit."""
        return self.request("GET", "store/storeConfigs").objects()

    # Customers
    def search_customers(self, criteria: SearchCriteria | None = None) -> SearchResult:
        return self.search("customers/search", criteria)

    def get_customer(self, customer_id: int | str) -> JsonObject:
        return self.request("GET", path("customers", customer_id)).object()

    def create_customer(self, customer: JsonObject, password: str | None = None) -> JsonObject:
        body: JsonObject = {"customer": customer}
        if password is not None:
            body["password"] = password
        return self.request("POST", "customers", body=body, idempotent=False).object()

    def update_customer(self, customer_id: int | str, customer: JsonObject) -> JsonObject:
        body = {"customer": {**customer, "id": customer.get("id", int(customer_id))}}
        return self.request("PUT", path("customers", customer_id), body=body).object()

    # Categories
    def category_tree(self, root_id: int | None = None, depth: int | None = None) -> JsonObject:
        params = [(name, str(value)) for name, value in (("rootCategoryId", root_id), ("depth", depth))
                  if value is not None]
        return self.request("GET", "categories", params=params or None).object()

    def list_categories(self, criteria: SearchCriteria | None = None) -> SearchResult:
        return self.search("categories/list", criteria)

    def get_category(self, category_id: int | str) -> JsonObject:
        return self.request("GET", path("categories", category_id)).object()

    def create_category(self, category: JsonObject) -> JsonObject:
        return self.request("POST", "categories", body={"category": category}, idempotent=False).object()

    def update_category(self, category_id: int | str, category: JsonObject) -> JsonObject:
        body = {"category": {**category, "id": category.get("id", int(category_id))}}
        return self.request("PUT", path("categories", category_id), body=body).object()

    # Orders (PUT /V1/orders/{id} saves an order *address*, so it is deliberately absent)
    def list_orders(self, criteria: SearchCriteria | None = None) -> SearchResult:
        return self.search("orders", criteria)

    def get_order(self, order_id: int | str) -> JsonObject:
        return self.request("GET", path("orders", order_id)).object()

    def save_order(self, entity: JsonObject) -> JsonObject:
        """POST /V1/orders ``{"entity": ...}``; with an ``entity_id`` it saves that order (a resend is safe)."""
        return self.request("POST", "orders", body={"entity": entity},
                            idempotent="entity_id" in entity).object()

    def add_order_comment(self, order_id: int | str, status_history: JsonObject) -> bool:
        return self.request("POST", path("orders", order_id, "comments"),
                            body={"statusHistory": status_history}, idempotent=False).true()

    # Invoices
    def list_invoices(self, criteria: SearchCriteria | None = None) -> SearchResult:
        return self.search("invoices", criteria)

    def get_invoice(self, invoice_id: int | str) -> JsonObject:
        return self.request("GET", path("invoices", invoice_id)).object()

    def create_invoice(self, order_id: int | str, request: JsonObject | None = None) -> int:
        """POST /V1/order/{id}/invoice (``{"capture": true, "notify": true, "items": [...]}``); the new id."""
        return self.request("POST", path("order", order_id, "invoice"), body=request or {},
                            idempotent=False).id()

    # Shipments
    def list_shipments(self, criteria: SearchCriteria | None = None) -> SearchResult:
        return self.search("shipments", criteria)

    def get_shipment(self, shipment_id: int | str) -> JsonObject:
        return self.request("GET", path("shipment", shipment_id)).object()

    def create_shipment(self, order_id: int | str, request: JsonObject | None = None) -> int:
        """POST /V1/order/{id}/ship (``{"items": [...], "tracks": [...], "notify": ...}``); the new id."""
        return self.request("POST", path("order", order_id, "ship"), body=request or {},
                            idempotent=False).id()

    def add_shipment_track(self, track: JsonObject) -> JsonObject:
        """POST /V1/shipment/track ``{"entity": {order_id, parent_id, track_number, carrier_code, ...}}``."""
        return self.request("POST", "shipment/track", body={"entity": track}, idempotent=False).object()

    # Credit memos
    def list_creditmemos(self, criteria: SearchCriteria | None = None) -> SearchResult:
        return self.search("creditmemos", criteria)

    def get_creditmemo(self, creditmemo_id: int | str) -> JsonObject:
        return self.request("GET", path("creditmemo", creditmemo_id)).object()

    def refund_order(self, order_id: int | str, request: JsonObject | None = None) -> int:
        """POST /V1/order/{id}/refund (``{"items": [...], "notify": ..., "arguments": {...}}``); the memo id."""
        return self.request("POST", path("order", order_id, "refund"), body=request or {},
                            idempotent=False).id()

    # Stock
    def get_stock_item(self, sku: str) -> JsonObject:
        return self.request("GET", path("stockItems", sku)).object()

    def update_stock_item(self, sku: str, item_id: int | str, stock_item: JsonObject) -> int:
        """PUT /V1/products/{sku}/stockItems/{itemId} ``{"stockItem": ...}``; Magento answers the item id."""
        return self.request("PUT", path("products", sku, "stockItems", item_id),
                            body={"stockItem": stock_item}).id()

    def set_stock_quantity(self, sku: str, qty: float, is_in_stock: bool, item_id: int | str | None = None) -> int:
        """The legacy write of one SKU's quantity (stores without MSI): ``qty`` and ``is_in_stock`` on its stock
        item, whose id is read with ``GET /V1/stockItems/{sku}`` unless given; answers the item id."""
        if item_id is None:
            item_id = self.get_stock_item(sku).get("item_id")
            if item_id in (None, ""):
                raise ValueError(f"Magento's stock item of {sku!r} has no item_id")
        return self.update_stock_item(sku, item_id, {"qty": qty, "is_in_stock": bool(is_in_stock)})

    # Inventory (MSI)
    max_items = 20  # MAGENTO_MAX_ITEMS; the client sets it from its settings

    def list_sources(self, criteria: SearchCriteria | None = None) -> SearchResult:
        return self.search("inventory/sources", criteria)

    def list_source_items(self, criteria: SearchCriteria | None = None) -> SearchResult:
        """One page of ``GET /V1/inventory/source-items`` (``{"sku", "source_code", "quantity", "status"}``)."""
        return self.search(msi.PATH, criteria)

    def source_items(self, skus: Iterable[str], source_codes: Iterable[str] | None = None,
                     page_size: int = 100) -> list[JsonObject]:
        """Every source item of ``skus`` (of ``source_codes`` only, when given), by SKU then source: one search
        per 50 SKUs, paged by ``page_size``. A SKU Magento has no source item for is simply absent."""
        items: list[JsonObject] = []
        for criteria in msi.source_item_searches(skus, source_codes):
            first = self.list_source_items(criteria.page(page_size, 1))
            items.extend(first.items)
            for number in range(2, msi.last_page(first.total_count, page_size) + 1):
                items.extend(self.list_source_items(criteria.page(page_size, number)).items)
        return items

    def save_source_items(self, items: Sequence[JsonObject]) -> None:
        """POST /V1/inventory/source-items ``{"sourceItems": [{"sku", "source_code", "quantity", "status"}]}``.

        Refuses more than MAGENTO_MAX_ITEMS items with ``MagentoTooManyItems`` before sending (the caller
        chunks); an empty list sends nothing. The save sets absolute values, so a resend is safe."""
        msi.check_batch(items, self.max_items)
        if items:
            msi.saved(self.request("POST", msi.PATH, body={"sourceItems": list(items)}, idempotent=True))

    def salable_quantity(self, sku: str, stock_id: int = 1) -> float:
        """GET /V1/inventory/get-product-salable-quantity/{sku}/{stockId}: on hand less open orders' reservations."""
        return msi.as_quantity(self.request("GET", path("inventory", "get-product-salable-quantity", sku, stock_id)))
