"""Products (product.template + its product.product variant), categories (product.category, hierarchy
kept) and stock (quantities of the main stock location) in Odoo 17 or 18.

The server's version picks the type fields (``Server.dialect``), and optional fields a database lacks
(``description``, ``description_sale``, ``standard_price``; ``Server.fields``) are left out, said in the log.
"""

from __future__ import annotations

import logging
from typing import Any

from core.errors import ErpRejected
from erp.odoo import values
from erp.odoo.bindings import ALL_RECORDS, Bindings, Writer
from erp.odoo.reference import Reference
from erp.odoo.rpc import OdooRpc
from erp.odoo.version import Server

log = logging.getLogger(__name__)
TEMPLATE, VARIANT, CATEGORY = "product.template", "product.product", "product.category"
INVENTORY_MODE = {"context": {"inventory_mode": True}}
QUANTITY_PRECISION = "Product Unit of Measure"
DEFAULT_QUANTITY_DIGITS = 2  # Odoo's own default for that decimal precision


class Catalog:
    def __init__(self, rpc: OdooRpc, bindings: Bindings, writer: Writer, reference: Reference,
                 server: Server | None = None) -> None:
        self.rpc, self.bindings, self.writer, self.reference = rpc, bindings, writer, reference
        self.server = server or Server(rpc)
        self._quantity_digits: int | None = None

    # ---- products
    def upsert_product(self, key: str, doc: dict[str, Any]) -> int:
        """product.template bound as ``product_<sku>``; an unbound product with the same SKU is adopted."""
        vals = self._known(values.product_vals(doc, self._category_for(doc.get("category_ids") or [])))
        template, outcome = self.writer.upsert(
            TEMPLATE, values.binding_name("product", key), vals,
            create_vals=values.product_create_vals(doc, self.server.dialect),
            adopt=[("default_code", "=", doc["sku"])])
        if outcome != "updated":
            self._bind_variant(key, template)
        return template

    def delete_product(self, key: str) -> None:
        """Archive the template (Odoo archives its variants with it); orders keep referring to it."""
        template = self.writer.find(TEMPLATE, values.binding_name("product", key))
        if template is not None and self.writer.write(TEMPLATE, template, {"active": False}):
            log.info("archived product.template %s (SKU %s deleted in Magento)", template, key)

    def variant_ids(self, skus: list[str]) -> dict[str, int]:
        """product.product ids of the SKUs Odoo holds (bound as ``variant_<sku>``), missing ones left out."""
        names = {values.binding_name(values.VARIANT_PREFIX, sku): sku for sku in dict.fromkeys(skus)}
        found = {names[name]: binding.res_id for name, binding in self.bindings.find_many(VARIANT, list(names)).items()}
        missing = [sku for sku in names.values() if sku not in found]
        if missing:
            found.update(self._variants_of_templates(missing))
        return found

    def _known(self, vals: dict[str, Any]) -> dict[str, Any]:
        """``vals`` without the optional fields this Odoo's product.template lacks (logged at debug level)."""
        fields = self.server.fields(TEMPLATE)
        missing = [name for name in values.OPTIONAL_PRODUCT_FIELDS if name in vals and name not in fields]
        if missing:
            log.debug("Odoo's product.template has no %s; those Magento values are not written", ", ".join(missing))
        return {name: value for name, value in vals.items() if name not in missing}

    def _variants_of_templates(self, skus: list[str]) -> dict[str, int]:
        names = {values.binding_name("product", sku): sku for sku in skus}
        templates = self.bindings.find_many(TEMPLATE, list(names))
        if not templates:
            return {}
        rows = self.rpc.execute_kw(TEMPLATE, "read", [[b.res_id for b in templates.values()]],
                                   {"fields": ["product_variant_id"], **ALL_RECORDS})
        variant_of = {row["id"]: row["product_variant_id"][0] for row in rows if row["product_variant_id"]}
        found = {names[name]: variant_of[b.res_id] for name, b in templates.items() if b.res_id in variant_of}
        self.bindings.ensure_bound(VARIANT, [(values.binding_name(values.VARIANT_PREFIX, sku), vid)
                                             for sku, vid in found.items()])
        return found

    def _bind_variant(self, key: str, template: int) -> None:
        name = values.binding_name(values.VARIANT_PREFIX, key)
        rows = self.rpc.execute_kw(TEMPLATE, "read", [[template]], {"fields": ["product_variant_id"]})
        variant = rows[0]["product_variant_id"][0] if rows and rows[0]["product_variant_id"] else None
        existing = self.bindings.find(VARIANT, name)
        if existing is not None and existing.res_id != variant:
            self.bindings.drop(existing)
            existing = None
        if variant is not None and existing is None:
            self.writer.bind(VARIANT, name, variant, {})

    def _category_for(self, category_ids: list[int]) -> int | None:
        """The deepest of the product's categories that Odoo holds (Odoo keeps one category per product)."""
        names = {values.binding_name("category", str(cid)): cid for cid in category_ids}
        found = self.bindings.find_many(CATEGORY, list(names))
        if not found:
            return None
        ordered = [b.res_id for name, b in sorted(found.items(), key=lambda item: category_ids.index(names[item[0]]))]
        rows = self.rpc.execute_kw(CATEGORY, "read", [ordered], {"fields": ["parent_path"]})
        return values.deepest_category(ordered, {row["id"]: row["parent_path"] or "" for row in rows})

    # ---- categories
    def upsert_category(self, key: str, doc: dict[str, Any]) -> int:
        """product.category bound as ``category_<id>``, under its parent's Odoo category (a root: none)."""
        parent_key = doc.get("parent_id")
        parent = self.writer.find(CATEGORY, values.binding_name("category", str(parent_key))) if parent_key else None
        if parent_key and parent is None:
            log.warning("category %s: parent category %s is not in Odoo yet; its parent is left as it is", key,
                        parent_key)
        vals = values.category_vals(doc, parent, parent_known=not parent_key or parent is not None)
        category, _ = self.writer.upsert(CATEGORY, values.binding_name("category", key), vals)
        return category

    def delete_category(self, key: str) -> None:
        """Delete the category and its subcategories (as Magento does); their products move to its parent
        (or Odoo's generic category), since an Odoo product must have a category."""
        binding = self.bindings.find(CATEGORY, values.binding_name("category", key))
        if binding is None:
            return
        rows = self.rpc.execute_kw(CATEGORY, "read", [[binding.res_id]], {"fields": ["parent_id"]})
        if rows:
            home = rows[0]["parent_id"][0] if rows[0]["parent_id"] else self.reference.default_category_id()
            products = self.rpc.execute_kw(TEMPLATE, "search", [[("categ_id", "child_of", binding.res_id)]],
                                           ALL_RECORDS)
            if products:
                self.rpc.execute_kw(TEMPLATE, "write", [products, {"categ_id": home}])
            self.rpc.execute_kw(CATEGORY, "unlink", [[binding.res_id]])
            log.info("deleted product.category %s (Magento category %s); %d products moved to %s",
                     binding.res_id, key, len(products), home)
        self.bindings.drop(binding)

    # ---- stock
    def upsert_stock(self, key: str, doc: dict[str, Any]) -> int | None:
        """Set the SKU's quantity from a stock document; an item Magento does not manage (``manage_stock``
        false) never sets Odoo's quantity, and a quantity Odoo would round is refused (both figures given)."""
        if doc.get("manage_stock") is False:
            log.info("stock of SKU %s not set: Magento does not manage its stock (manage_stock false)", key)
            return None
        return self.set_stock(key, values.stock_quantity(doc, self.quantity_digits()))

    def quantity_digits(self) -> int:
        """Decimals Odoo keeps in quantities (decimal precision "Product Unit of Measure"), read once."""
        if self._quantity_digits is None:
            try:
                rows = self.rpc.execute_kw("decimal.precision", "search_read", [[("name", "=", QUANTITY_PRECISION)]],
                                           {"fields": ["digits"], "limit": 1})
            except ErpRejected as error:
                log.info("Odoo's quantity precision is unreadable (%s); taking Odoo's default of %d decimals",
                         error.message, DEFAULT_QUANTITY_DIGITS)
                rows = []
            self._quantity_digits = rows[0]["digits"] if rows else DEFAULT_QUANTITY_DIGITS
        return self._quantity_digits

    def set_stock(self, key: str, quantity: float) -> int | None:
        """Set the on-hand quantity of the SKU in the main stock location, as an Odoo inventory adjustment
        (``stock.quant`` in inventory mode, then ``action_apply_inventory``); None for non-storable products."""
        variant = self.variant_ids([key]).get(key)
        if variant is None:
            raise ErpRejected(f"stock of SKU {key!r}: the product is not in Odoo (it must be imported first)")
        dialect = self.server.dialect
        kind = self.rpc.execute_kw(VARIANT, "read", [[variant]], {"fields": dialect.storable_fields, **ALL_RECORDS})
        if not kind or not dialect.is_storable(kind[0]):
            log.info("stock of SKU %s not set: Odoo product %s is not storable (type %s)", key, variant,
                     kind[0]["type"] if kind else "unknown")
            return None
        quant: int = self.rpc.execute_kw("stock.quant", "create", [{
            "product_id": variant, "location_id": self.reference.stock_location_id(),
            "inventory_quantity": quantity}], INVENTORY_MODE)
        self.rpc.execute_kw("stock.quant", "action_apply_inventory", [[quant]], INVENTORY_MODE)
        log.debug("set stock of SKU %s to %s (stock.quant %s)", key, quantity, quant)
        return quant

    def count_stock(self) -> int:
        """Bound products with a quantity in the main stock location."""
        variants = self.bindings.res_ids(VARIANT, values.VARIANT_PREFIX)
        if not variants:
            return 0
        return int(self.rpc.execute_kw("stock.quant", "search_count", [[
            ("location_id", "=", self.reference.stock_location_id()), ("product_id", "in", variants)]]))
