"""Magento payloads of our own, shaped like real Magento 2.4 answers (own values, same shapes)."""

from __future__ import annotations

from typing import Any

SIMPLE_PRODUCT = {
    "id": 301, "sku": "TSHIRT-RED-M", "name": "Red T-shirt M", "attribute_set_id": 9, "price": 19.5,
    "status": 1, "visibility": 1, "type_id": "simple", "created_at": "2024-03-01 08:00:00",
    "updated_at": "2024-03-02 09:30:00", "weight": 0.2,
    "extension_attributes": {"website_ids": [1], "category_links": [{"position": 0, "category_id": "12"}],
                             "stock_item": {"item_id": 301, "product_id": 301, "stock_id": 1, "qty": 14,
                                            "is_in_stock": True}},
    "custom_attributes": [{"attribute_code": "color", "value": "58"}],
}
CONFIGURABLE_PRODUCT = {
    **SIMPLE_PRODUCT, "id": 300, "sku": "TSHIRT", "name": "T-shirt", "type_id": "configurable", "price": 0,
    "visibility": 4,
    "extension_attributes": {"website_ids": [1], "configurable_product_links": [301, 302],
                             "stock_item": {"item_id": 300, "product_id": 300, "stock_id": 1, "qty": 0,
                                            "is_in_stock": True}},
}
STOCK_ITEM = {"item_id": 301, "product_id": 301, "stock_id": 1, "qty": 14, "is_in_stock": True,
              "is_qty_decimal": False, "manage_stock": True, "low_stock_date": None}


def search_envelope(items: list[dict[str, Any]], total_count: int | None = None,
                    criteria: dict[str, Any] | None = None) -> dict[str, Any]:
    """A searchCriteria answer as Magento shapes it."""
    return {"items": items, "search_criteria": criteria or {"filter_groups": []},
            "total_count": len(items) if total_count is None else total_count}
