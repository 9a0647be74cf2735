"""Stock read from Odoo for the push to Magento: quantities per SKU and location, Odoo records to SKUs, SKUs.

Quantities are product.product's computed fields read with ``search_read`` by ``default_code`` (Magento's SKU),
once per ERP location with the context ``{"location": <id or complete name such as "WH/Stock">}`` (Odoo then
counts that location and every location below it; no location: every internal location), ``active_test``
off so that an archived product still answers. STOCK_QUANTITY picks the field: ``on_hand`` is
``qty_available``, ``free`` is ``free_qty`` (on hand less what is reserved), ``forecast`` is
``virtual_available`` (with the incoming and outgoing moves).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from core.entities import ODOO_KEY_TYPES
from core.errors import ErpRejected
from erp.base import ALL_LOCATIONS, StockLevels
from erp.odoo.rpc import OdooRpc

VARIANT = "product.product"
FIELDS: dict[str, str] = {"on_hand": "qty_available", "free": "free_qty", "forecast": "virtual_available"}
SKUS_PER_READ = 200
_ALL = {"active_test": False}


class StockReads:
    """Reads on one JSON-RPC client; thread-safe as the client is."""

    def __init__(self, rpc: OdooRpc) -> None:
        self.rpc = rpc

    def levels(self, skus: Sequence[str], locations: Sequence[str] = (ALL_LOCATIONS,),
               measure: str = "on_hand") -> StockLevels:
        """``{sku: {location: quantity}}`` for the SKUs Odoo has a product for (one read per location and
        200 SKUs); a SKU held by several products (an archived duplicate) takes the active one, else the oldest."""
        if measure not in FIELDS:
            raise ValueError(f"STOCK_QUANTITY must be one of {', '.join(FIELDS)}, not {measure!r}")
        unique = list(dict.fromkeys(skus))
        levels: StockLevels = {}
        for start in range(0, len(unique), SKUS_PER_READ):
            part = unique[start:start + SKUS_PER_READ]
            for location in locations:
                for sku, quantity in self._read(part, location, FIELDS[measure]).items():
                    levels.setdefault(sku, {})[location] = quantity
        return levels

    def _read(self, skus: list[str], location: str, field: str) -> dict[str, float]:
        context: dict[str, Any] = dict(_ALL)
        if location != ALL_LOCATIONS:
            context["location"] = int(location) if location.isdigit() else location
        rows = self.rpc.execute_kw(VARIANT, "search_read", [[("default_code", "in", skus)]], {
            "fields": ["default_code", "active", field], "order": "id", "context": context})
        chosen: dict[str, dict[str, Any]] = {}
        for row in rows:
            sku = row.get("default_code")
            if isinstance(sku, str) and (sku not in chosen or (row.get("active") and not chosen[sku].get("active"))):
                chosen[sku] = row
        return {sku: float(row.get(field) or 0.0) for sku, row in chosen.items()}

    def sku_of(self, key_type: str, record_id: str) -> str | None:
        """The SKU (default_code) of the product an Odoo stock.quant, stock.move or product.product is about;
        None when the record or its product is gone, or the product has no internal reference."""
        if key_type not in ODOO_KEY_TYPES.values():
            raise ErpRejected(f"the Odoo backend does not know records keyed by {key_type!r}")
        if not record_id.isdigit():
            raise ErpRejected(f"{key_type} id {record_id!r} is not a positive number")
        model = key_type.removeprefix("odoo:")
        product_id: int | None = int(record_id)
        if model != VARIANT:
            product_id = self._product_of(model, int(record_id))
        if product_id is None:
            return None
        rows = self.rpc.execute_kw(VARIANT, "search_read", [[("id", "=", product_id)]],
                                   {"fields": ["default_code"], "context": _ALL})
        sku = rows[0].get("default_code") if rows else None
        return sku if isinstance(sku, str) and sku else None

    def _product_of(self, model: str, record_id: int) -> int | None:
        rows = self.rpc.execute_kw(model, "search_read", [[("id", "=", record_id)]],
                                   {"fields": ["product_id"], "context": _ALL})
        product = rows[0].get("product_id") if rows else None
        return int(product[0]) if isinstance(product, list) and product else None

    def skus(self, page_size: int = 500) -> Iterator[list[str]]:
        """Every product's internal reference (archived ones too), by id in pages of ``page_size``."""
        last = 0
        while True:
            rows = self.rpc.execute_kw(VARIANT, "search_read", [[("default_code", "!=", False), ("id", ">", last)]],
                                       {"fields": ["default_code"], "order": "id", "limit": page_size,
                                        "context": _ALL})
            if not rows:
                return
            yield [row["default_code"] for row in rows if isinstance(row.get("default_code"), str)]
            if len(rows) < page_size:
                return
            last = rows[-1]["id"]
