"""Record shapes as Magento 2.4's REST API returns them: products, stock items, categories, merges.

The seed files are compact; these functions expand them into the full GET shapes (the same key order
and value types as real responses: ids as numbers, ``category_links[].category_id`` and the
``category_ids`` custom attribute as strings, multi-selects as ``"5628,5630"``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

STOCK_DEFAULTS: dict[str, Any] = {
    "stock_id": 1, "qty": 0, "is_in_stock": False, "is_qty_decimal": False,
    "show_default_notification_message": False, "use_config_min_qty": True, "min_qty": 0,
    "use_config_min_sale_qty": 1, "min_sale_qty": 1, "use_config_max_sale_qty": True, "max_sale_qty": 10000,
    "use_config_backorders": True, "backorders": 0, "use_config_notify_stock_qty": True, "notify_stock_qty": 1,
    "use_config_qty_increments": True, "qty_increments": 0, "use_config_enable_qty_inc": True,
    "enable_qty_increments": False, "use_config_manage_stock": True, "manage_stock": True,
    "low_stock_date": None, "is_decimal_divided": False, "stock_status_changed_auto": 0,
}
STOCK_BOOLEANS = frozenset(key for key, value in STOCK_DEFAULTS.items() if isinstance(value, bool))
STOCK_NUMBERS = frozenset({"qty", "min_qty", "min_sale_qty", "max_sale_qty", "notify_stock_qty", "qty_increments",
                           "backorders", "stock_id", "use_config_min_sale_qty", "stock_status_changed_auto"})


def stock_item(product_id: int, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A full ``StockItemInterface`` for a product (``item_id`` equals the product id, as in Magento)."""
    item: dict[str, Any] = {"item_id": product_id, "product_id": product_id}
    item.update(copy.deepcopy(STOCK_DEFAULTS))
    item.update(coerce_stock(values or {}))
    return item


def coerce_stock(values: Mapping[str, Any]) -> dict[str, Any]:
    """Stock item input cast the way Magento's DTO setters cast it (``is_in_stock: 1`` -> ``true``)."""
    from sandbox.magento.http import as_number

    coerced: dict[str, Any] = {}
    for key, value in values.items():
        if key in STOCK_BOOLEANS and value is not None:
            coerced[key] = bool(value) if not isinstance(value, str) else value.strip() not in ("", "0", "false")
        elif key in STOCK_NUMBERS and value is not None:
            coerced[key] = as_number(value)
        else:
            coerced[key] = value
    return coerced


def custom_attribute(record: Mapping[str, Any], code: str) -> Any:
    for attribute in record.get("custom_attributes") or ():
        if attribute.get("attribute_code") == code:
            return attribute.get("value")
    return None


def merge_custom_attributes(current: list[dict[str, Any]], updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Magento saves custom attributes by code: given codes are replaced, the others kept."""
    merged = {attribute["attribute_code"]: attribute for attribute in current}
    for attribute in updates:
        if isinstance(attribute, dict) and attribute.get("attribute_code"):
            merged[attribute["attribute_code"]] = {"attribute_code": attribute["attribute_code"],
                                                   "value": attribute.get("value")}
    return list(merged.values())


def expand_product(compact: Mapping[str, Any], product_id_of: Callable[[str], int]) -> dict[str, Any]:
    """A full product from a seed entry (``category_ids``, ``stock``, ``configurable``, ``bundle``, ``media``)."""
    product_id = int(compact["id"])
    categories = [str(category) for category in compact.get("category_ids", [])]
    product: dict[str, Any] = {key: compact.get(key) for key in (
        "id", "sku", "name", "attribute_set_id", "price", "status", "visibility", "type_id", "created_at",
        "updated_at")}
    if compact.get("weight") is not None:
        product["weight"] = compact["weight"]
    extension: dict[str, Any] = {
        "website_ids": [1],
        "category_links": [{"position": 0, "category_id": category} for category in categories],
        "stock_item": stock_item(product_id, compact.get("stock")),
    }
    if "configurable" in compact:
        extension.update(_configurable(product_id, compact["configurable"], product_id_of))
    if "bundle" in compact:
        extension["bundle_product_options"] = _bundle_options(compact["sku"], compact["bundle"])
    product["extension_attributes"] = extension
    product["product_links"] = [{"sku": compact["sku"], **link} for link in compact.get("product_links", [])]
    product["options"] = []
    product["media_gallery_entries"] = _media(product_id, compact.get("media", []))
    product["tier_prices"] = []
    attributes = [{"attribute_code": code, "value": value} for code, value in compact.get("attributes", {}).items()]
    attributes.append({"attribute_code": "category_ids", "value": categories})
    product["custom_attributes"] = attributes
    return product


def _configurable(product_id: int, spec: Mapping[str, Any], product_id_of: Callable[[str], int]) -> dict[str, Any]:
    options = [{"id": index + 1, "attribute_id": str(option["attribute_id"]), "label": option["label"],
                "position": option.get("position", index),
                "values": [{"value_index": value} for value in option["values"]], "product_id": product_id}
               for index, option in enumerate(spec["options"])]
    return {"configurable_product_options": options,
            "configurable_product_links": [product_id_of(sku) for sku in spec["children"]]}


def _bundle_options(sku: str, options: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    bundle, link_id = [], 0
    for number, option in enumerate(options, start=1):
        links = []
        for position, link in enumerate(option["links"], start=1):
            link_id += 1
            links.append({"id": str(link_id), "sku": link["sku"], "option_id": number, "qty": link.get("qty", 1),
                          "position": position, "is_default": link.get("is_default", position == 1),
                          "price": None, "price_type": None, "can_change_quantity": 1})
        bundle.append({"option_id": number, "title": option["title"], "required": option.get("required", True),
                       "type": option.get("type", "radio"), "position": number, "sku": sku,
                       "product_links": links})
    return bundle


def _media(product_id: int, files: list[str]) -> list[dict[str, Any]]:
    return [{"id": product_id * 10 + index, "media_type": "image", "label": "", "position": index + 1,
             "disabled": False, "types": ["image", "small_image", "thumbnail"] if index == 0 else [], "file": file}
            for index, file in enumerate(files)]


def new_product(product_id: int, sku: str, now: str) -> dict[str, Any]:
    """A product as Magento creates it when a save names only its SKU (attribute set 4, simple, enabled)."""
    return expand_product({"id": product_id, "sku": sku, "name": sku, "attribute_set_id": 4, "price": 0,
                           "status": 1, "visibility": 4, "type_id": "simple", "created_at": now,
                           "updated_at": now}, lambda child: 0)


def expand_category(compact: Mapping[str, Any], parent: Mapping[str, Any] | None) -> dict[str, Any]:
    """A full category: ``path``, ``level`` and the custom attributes Magento derives from the parent."""
    category_id = int(compact["id"])
    path = f"{parent['path']}/{category_id}" if parent else str(category_id)
    url_key = compact.get("url_key") or compact["name"].lower().replace(" ", "-")
    parent_url = custom_attribute(parent, "url_path") if parent else None
    category = {"id": category_id, "parent_id": int(parent["id"]) if parent else 0, "name": compact["name"],
                "is_active": bool(compact.get("is_active", True)), "position": int(compact.get("position", 1)),
                "level": path.count("/"), "children": "", "created_at": compact["created_at"],
                "updated_at": compact["updated_at"], "path": path, "available_sort_by": [],
                "include_in_menu": bool(compact.get("include_in_menu", True))}
    attributes = [{"attribute_code": "is_anchor", "value": "1"}, {"attribute_code": "path", "value": path},
                  {"attribute_code": "children_count", "value": "0"}]
    if category["level"] >= 2:
        attributes.append({"attribute_code": "url_key", "value": url_key})
        attributes.append({"attribute_code": "url_path",
                           "value": f"{parent_url}/{url_key}" if parent_url else url_key})
    category["custom_attributes"] = attributes
    return category


def set_custom_attribute(record: dict[str, Any], code: str, value: Any) -> None:
    record["custom_attributes"] = merge_custom_attributes(record.get("custom_attributes") or [],
                                                          [{"attribute_code": code, "value": value}])
