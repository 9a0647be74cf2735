"""Catalog REST handlers: products, configurable children, attribute sets and stock items.

A product save (POST or PUT) creates the product when its SKU is new and otherwise updates it, merges
``custom_attributes`` by code and ``extension_attributes`` by key, and moves ``updated_at`` every time.
SKUs are matched case-insensitively, as MySQL's collation matches them.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.magento.http import (
    Call,
    MagentoHttpError,
    as_int,
    as_number,
    product_missing,
    required,
    stock_product_missing,
)
from sandbox.magento.inventory import legacy_saved
from sandbox.magento.search import criteria_from_query, record_field, search
from sandbox.magento.shapes import coerce_stock, merge_custom_attributes, new_product, set_custom_attribute
from sandbox.magento.store import Store

INTEGER_FIELDS = ("attribute_set_id", "status", "visibility")
NUMBER_FIELDS = ("price", "weight")
TEXT_FIELDS = ("name", "type_id")
REPLACED_LISTS = ("product_links", "options", "media_gallery_entries", "tier_prices")
EMPTY_ATTRIBUTE = "The \"%1\" attribute value is empty. Set the attribute and try again."


def product_field(record: dict[str, Any], field: str) -> Any:
    """A product column for filters and sorting: ``category_id`` and ``website_id`` come from the links."""
    extension = record.get("extension_attributes") or {}
    if field == "category_id":
        return [link["category_id"] for link in extension.get("category_links") or []]
    if field == "website_id":
        return list(extension.get("website_ids") or [])
    return record_field(record, field)


def _product(store: Store, sku: str) -> dict[str, Any]:
    product = store.product(sku)
    if product is None:
        raise product_missing()
    return product


def get_product(call: Call) -> dict[str, Any]:
    return _product(call.store, call.params["sku"])


def list_products(call: Call) -> dict[str, Any]:
    records = sorted(call.store.products.values(), key=lambda product: product["id"])
    return search(records, criteria_from_query(call.query), product_field)


def create_product(call: Call) -> dict[str, Any]:
    values = call.body_object("product")
    if not str(values.get("sku") or "").strip():
        raise required("sku")
    return save_product(call.store, values)


def update_product(call: Call) -> dict[str, Any]:
    """``PUT /V1/products/{sku}``: the SKU in the path wins over one in the body."""
    values = call.body_object("product")
    existing = call.store.product(call.params["sku"])
    values["sku"] = existing["sku"] if existing else call.params["sku"]
    return save_product(call.store, values)


def save_product(store: Store, values: dict[str, Any]) -> dict[str, Any]:
    """Create or update the product of ``values["sku"]``; records product (and stock) changes."""
    existing = store.product(values["sku"])
    if existing is None and not str(values.get("name") or "").strip():
        raise MagentoHttpError(400, EMPTY_ATTRIBUTE, ["Product Name"])
    # changes go to a copy, swapped in only when all of the input was valid (a save is one transaction)
    product = copy.deepcopy(existing) if existing else new_product(0, values["sku"], store.now_text())
    stock_changed = _apply(product, values)
    if not product["id"]:  # numbered only once the input proved valid, as an insert would be
        product["id"] = store.next_id("product")
        product["extension_attributes"]["stock_item"].update(item_id=product["id"], product_id=product["id"])
    store.touch(product)
    store.put_product(product)
    store.changed("product", "save", product["sku"])
    if stock_changed:
        legacy_saved(store, product["sku"])
        store.changed("stock", "save", product["sku"])
    return product


def _apply(product: dict[str, Any], values: dict[str, Any]) -> bool:
    """Merge a save request into the product; True when its stock item changed."""
    for field in INTEGER_FIELDS:
        if values.get(field) is not None:
            product[field] = as_int(values[field], field)
    for field in NUMBER_FIELDS:
        if field in values:
            product[field] = None if values[field] is None else as_number(values[field])
    for field in TEXT_FIELDS:
        if values.get(field) is not None:
            product[field] = str(values[field])
    for field in REPLACED_LISTS:
        if isinstance(values.get(field), list):
            product[field] = values[field]
    if isinstance(values.get("custom_attributes"), list):
        product["custom_attributes"] = merge_custom_attributes(product["custom_attributes"],
                                                               values["custom_attributes"])
    return _apply_extension(product, values.get("extension_attributes"))


def _apply_extension(product: dict[str, Any], extension: Any) -> bool:
    if not isinstance(extension, dict):
        return False
    current = product["extension_attributes"]
    stock_changed = False
    for key, value in extension.items():
        if key == "stock_item" and isinstance(value, dict):
            current["stock_item"].update(coerce_stock({k: v for k, v in value.items()
                                                       if k not in ("item_id", "product_id")}))
            _verify_stock(current["stock_item"])
            stock_changed = True
        elif key == "category_links" and isinstance(value, list):
            current["category_links"] = [{"position": int(link.get("position") or 0),
                                          "category_id": str(link["category_id"])}
                                         for link in value if isinstance(link, dict) and "category_id" in link]
            set_custom_attribute(product, "category_ids", [link["category_id"] for link in current["category_links"]])
        else:
            current[key] = value
    return stock_changed


def configurable_children(call: Call) -> list[dict[str, Any]]:
    """``GET /V1/configurable-products/{sku}/children``: the child products (``[]`` for other types)."""
    parent = _product(call.store, call.params["sku"])
    links = parent["extension_attributes"].get("configurable_product_links") or []
    children = [call.store.product_by_id(int(product_id)) for product_id in links]
    return [child for child in children if child is not None]


def list_attribute_sets(call: Call) -> dict[str, Any]:
    return search(call.store.attribute_sets, criteria_from_query(call.query), record_field)


def _stock_product(store: Store, sku: str) -> dict[str, Any]:
    product = store.product(sku)
    if product is None:
        raise stock_product_missing(sku)
    return product


def get_stock_item(call: Call) -> dict[str, Any]:
    return _stock_product(call.store, call.params["sku"])["extension_attributes"]["stock_item"]


def update_stock_item(call: Call) -> str:
    """``PUT /V1/products/{sku}/stockItems/{itemId}`` ``{"stockItem": {...}}``; answers the item id as a string."""
    product = _stock_product(call.store, call.params["sku"])
    values = call.body_object("stock_item")
    item = product["extension_attributes"]["stock_item"]
    item.update(coerce_stock({key: value for key, value in values.items() if key not in ("item_id", "product_id")}))
    _verify_stock(item)
    legacy_saved(call.store, product["sku"])
    call.store.changed("stock", "save", product["sku"])
    return str(item["item_id"])


def _verify_stock(item: dict[str, Any]) -> None:
    """``StockStateProvider::verifyStock``: out of stock at or below min_qty without backorders, and back
    in stock when the status was changed automatically and quantity returns."""
    if not item.get("manage_stock"):
        return
    sellable = float(item.get("qty") or 0) > float(item.get("min_qty") or 0) or bool(item.get("backorders"))
    if item.get("is_in_stock") and not sellable:
        item.update(is_in_stock=False, stock_status_changed_auto=1)
    elif not item.get("is_in_stock") and sellable and item.get("stock_status_changed_auto"):
        item.update(is_in_stock=True, stock_status_changed_auto=0)
