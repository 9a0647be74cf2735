"""Category REST handlers: the tree (``GET /V1/categories``), list, get, create and update."""

from __future__ import annotations

import copy
from typing import Any

from sandbox.magento.http import Call, MagentoHttpError, as_int, entity_by_id
from sandbox.magento.search import search_by_id
from sandbox.magento.shapes import expand_category, merge_custom_attributes, set_custom_attribute
from sandbox.magento.store import Store

STORE_ROOT = 2  # "Default Category", the default store's root: where the tree starts without rootCategoryId
EMPTY_NAME = "The \"%1\" attribute value is empty. Set the attribute and try again."
EDITABLE = ("name", "is_active", "position", "include_in_menu", "available_sort_by")


def _category(store: Store, raw_id: Any) -> dict[str, Any]:
    return entity_by_id(store.categories, raw_id, "id")


def get_category(call: Call) -> dict[str, Any]:
    return _category(call.store, call.params["id"])


def list_categories(call: Call) -> dict[str, Any]:
    return search_by_id(call.store.categories, call.query)


def category_tree(call: Call) -> dict[str, Any]:
    """``GET /V1/categories?rootCategoryId=&depth=``: nested ``children_data`` (all levels without depth)."""
    root = _category(call.store, call.arg("rootCategoryId") or call.arg("root_category_id") or STORE_ROOT)
    depth_text = call.arg("depth")
    depth = as_int(depth_text, "depth") if depth_text not in (None, "") else None
    counts = _product_counts(call.store)
    return _node(call.store, root, depth, counts)


def _node(store: Store, category: dict[str, Any], depth: int | None, counts: dict[str, int]) -> dict[str, Any]:
    children = []
    if depth is None or depth > 0:
        below = None if depth is None else depth - 1
        children = [_node(store, child, below, counts) for child in _children(store, category["id"])]
    return {"id": category["id"], "parent_id": category["parent_id"], "name": category["name"],
            "is_active": category["is_active"], "position": category["position"], "level": category["level"],
            "product_count": counts.get(str(category["id"]), 0), "children_data": children}


def _children(store: Store, category_id: int) -> list[dict[str, Any]]:
    children = [category for category in store.categories.values() if category["parent_id"] == category_id]
    return sorted(children, key=lambda category: (category["position"], category["id"]))


def _product_counts(store: Store) -> dict[str, int]:
    counts: dict[str, int] = {}
    for product in store.products.values():
        for link in product["extension_attributes"].get("category_links") or []:
            counts[link["category_id"]] = counts.get(link["category_id"], 0) + 1
    return counts


def create_category(call: Call) -> dict[str, Any]:
    """``POST /V1/categories`` ``{"category": {...}}`` under ``parent_id`` (the store root by default)."""
    store, values = call.store, call.body_object("category")
    if not str(values.get("name") or "").strip():
        raise MagentoHttpError(400, EMPTY_NAME, ["Name"])
    parent = _category(store, values.get("parent_id") or STORE_ROOT)
    now = store.now_text()
    siblings = _children(store, parent["id"])
    category = expand_category({"id": store.next_id("category"), "name": values["name"], "created_at": now,
                                "updated_at": now, "url_key": values.get("url_key"),
                                "position": values.get("position") or len(siblings) + 1,
                                "is_active": values.get("is_active", True),
                                "include_in_menu": values.get("include_in_menu", True)}, parent)
    _apply(category, values)
    store.categories[category["id"]] = category
    link_children(store)
    store.changed("category", "save", category["id"])
    return category


def update_category(call: Call) -> dict[str, Any]:
    store, category = call.store, copy.deepcopy(_category(call.store, call.params["id"]))
    _apply(category, call.body_object("category"))
    store.categories[category["id"]] = category
    store.touch(category)
    store.changed("category", "save", category["id"])
    return category


def _apply(category: dict[str, Any], values: dict[str, Any]) -> None:
    for field in EDITABLE:
        if values.get(field) is not None:
            category[field] = values[field]
    for field in ("is_active", "include_in_menu"):
        category[field] = bool(category[field]) if not isinstance(category[field], str) else \
            category[field] not in ("0", "false", "")
    category["position"] = as_int(category["position"], "position")
    if isinstance(values.get("custom_attributes"), list):
        category["custom_attributes"] = merge_custom_attributes(category["custom_attributes"],
                                                                values["custom_attributes"])


def link_children(store: Store) -> None:
    """Refresh every category's ``children`` ("4,5") and ``children_count`` (all descendants)."""
    for category in store.categories.values():
        direct = _children(store, category["id"])
        category["children"] = ",".join(str(child["id"]) for child in direct)
        descendants = [other for other in store.categories.values()
                       if other["path"].startswith(category["path"] + "/")]
        set_custom_attribute(category, "children_count", str(len(descendants)))
