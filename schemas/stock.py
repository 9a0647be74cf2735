"""Stock: a Magento stock item (``GET /V1/stockItems/{sku}``) as the ERP ``stock`` document.

Magento's stock item does not carry its SKU; the fetcher adds it as ``_bridge.sku`` (docs/erp-documents.md).
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load

from schemas.common import Flag, Int, MagentoSchema, Number, Text, optional, required

STOCK_FIELDS: tuple[str, ...] = ("sku", "item_id", "product_id", "qty", "is_in_stock")


class _BridgeSku(MagentoSchema):
    sku = Text(required=True, error_messages={
        "required": "Missing: Magento's stock item has no SKU, the fetcher must add it as _bridge.sku."})


class StockSchema(MagentoSchema):
    item_id = required(Int)
    product_id = optional(Int)
    qty = optional(Number)
    is_in_stock = required(Flag)
    bridge = fields.Nested(_BridgeSku, data_key="_bridge", required=True, error_messages={
        "required": "Missing: Magento's stock item has no SKU, the fetcher must add it as _bridge.sku."})

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {"sku": data["bridge"]["sku"], "item_id": data["item_id"], "product_id": data["product_id"],
                "qty": data["qty"], "is_in_stock": data["is_in_stock"]}
