"""The service products of the lines that are not catalogue products: gift cards, store credit, reward
points, credit memo adjustments, rounding (names from settings), and shipping. Created on first use, untaxed,
bound as ``service_<kind>``, with the type fields of the server's version."""

from __future__ import annotations

import threading

from core.errors import ErpRejected
from core.settings import Settings
from erp.odoo.bindings import ALL_RECORDS, Writer
from erp.odoo.rpc import OdooRpc
from erp.odoo.version import Server

TEMPLATE = "product.template"
DEFAULT_NAMES = {"shipping": "Shipping (Magento)", "gift_card": "Gift card (Magento)",
                 "store_credit": "Store credit (Magento)",
                 "reward": "Reward points (Magento)", "adjustment": "Refund adjustment (Magento)",
                 "rounding": "Rounding (Magento)", "discount": "Discount (Magento)"}
SETTINGS = {"gift_card": "odoo_gift_card_product", "store_credit": "odoo_store_credit_product",
            "reward": "odoo_reward_product", "adjustment": "odoo_adjustment_product",
            "rounding": "odoo_rounding_product"}


def names_from_settings(settings: Settings) -> dict[str, str]:
    return {**DEFAULT_NAMES, **{kind: getattr(settings, attr) for kind, attr in SETTINGS.items()
                                if getattr(settings, attr, None)}}


class Services:
    """product.product ids of the service products, created once per process when missing."""

    def __init__(self, rpc: OdooRpc, writer: Writer, server: Server, names: dict[str, str] | None = None) -> None:
        self.rpc, self.writer, self.server = rpc, writer, server
        self.names = {**DEFAULT_NAMES, **(names or {})}
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()

    def product(self, kind: str) -> int:
        if kind not in self._ids:
            vals = {"name": self.names[kind], "default_code": f"MAGENTO-{kind.upper().replace('_', '-')}",
                    "sale_ok": True, "list_price": 0.0, "taxes_id": [(6, 0, [])],
                    **self.server.dialect.product_type_vals("service")}
            # shipping keeps the catalogue's binding (values.SHIPPING_PRODUCT = service_shipping)
            template, _ = self.writer.upsert(TEMPLATE, f"service_{kind}", {"active": True}, create_vals=vals)
            rows = self.rpc.execute_kw(TEMPLATE, "read", [[template]], {"fields": ["product_variant_id"],
                                                                       **ALL_RECORDS})
            if not rows or not rows[0]["product_variant_id"]:
                raise ErpRejected(f"the service product {self.names[kind]!r} (product.template {template}) has "
                                  "no variant in Odoo")
            with self._lock:
                self._ids[kind] = rows[0]["product_variant_id"][0]
        return self._ids[kind]
