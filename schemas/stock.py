"""Stock: a Magento stock item (``GET /V1/stockItems/{sku}``) as the ERP ``stock`` document.

Magento's stock item does not carry its SKU; the fetcher adds it as ``_bridge.sku`` (docs/erp-documents.md).
``manage_stock`` false means Magento does not count this item: its ``qty`` is meaningless and an ERP must not
set its own quantity from it. ``qty`` is never truncated (``is_qty_decimal`` items have fractional quantities).
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load

from schemas.common import Flag, Int, MagentoSchema, Number, Text, optional, required

STOCK_FIELDS: tuple[str, ...] = ("sku", "item_id", "product_id", "qty", "is_in_stock", "manage_stock",
                                  "is_qty_decimal", "backorders")


class _BridgeSku(MagentoSchema):
    sku = Text(required=True, error_messages={
        "required": "Missing: Magento's stock item has no SKU, the fetcher must add it as _bridge.sku."})


class StockSchema(MagentoSchema):
    document_fields = STOCK_FIELDS  # the keys of the ERP document it loads
    item_id = required(Int)
    product_id = optional(Int)
    qty = optional(Number)
    is_in_stock = required(Flag)
    manage_stock = optional(Flag)
    is_qty_decimal = optional(Flag)
    backorders = optional(Int)
    bridge = fields.Nested(_BridgeSku, data_key="_bridge", required=True, error_messages={
        "required": "Missing: Magento's stock item has no SKU, the fetcher must add it as _bridge.sku."})

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {"sku": data["bridge"]["sku"], "item_id": data["item_id"], "product_id": data["product_id"],
                "qty": data["qty"], "is_in_stock": data["is_in_stock"], "manage_stock": data["manage_stock"],
                "is_qty_decimal": data["is_qty_decimal"], "backorders": data["backorders"]}
