"""Sandbox models of Odoo 17's base and product modules: companies, currencies, countries, users, partners,
external identifiers, product categories, templates, variants and pricelists."""

from __future__ import annotations

from typing import Any

from sandbox.odoo.errors import UserError, ValidationError
from sandbox.odoo.fields import (
    Boolean,
    Char,
    Field,
    Float,
    Integer,
    Many2many,
    Many2one,
    One2many,
    Selection,
    Text,
)
from sandbox.odoo.model import Model
from sandbox.odoo.orm import register
from sandbox.odoo.uom import default_unit

PRODUCT_TYPES = ("consu", "service", "product")
PRODUCT_TYPES_V18 = ("consu", "service", "combo")
PARTNER_TYPES = ("contact", "invoice", "delivery", "other")
ADDRESS_LABELS = {"invoice": "Invoice Address", "delivery": "Delivery Address", "other": "Other Address"}


@register
class Country(Model):
    _name, _description = "res.country", "Country"
    _declared = {"name": Char("Country Name", required=True), "code": Char("Country Code", index=True),
                 "state_ids": One2many("res.country.state", "country_id", "States")}


@register
class CountryState(Model):
    _name, _description = "res.country.state", "Country state"
    _declared = {"name": Char("State Name", required=True), "code": Char("State Code", required=True),
                 "country_id": Many2one("res.country", "Country", required=True)}


@register
class Partner(Model):
    _name, _description = "res.partner", "Contact"
    _order = "display_name asc, id desc"
    _declared = {
        "name": Char("Name", index=True), "type": Selection(PARTNER_TYPES, "Address Type", default="contact"),
        "parent_id": Many2one("res.partner", "Related Company"),
        "child_ids": One2many("res.partner", "parent_id", "Contact"),
        "is_company": Boolean("Is a Company"), "company_name": Char("Company Name"),
        "email": Char("Email", index=True), "phone": Char("Phone"), "mobile": Char("Mobile"),
        "street": Char("Street"), "street2": Char("Street2"), "city": Char("City"), "zip": Char("Zip"),
        "state_id": Many2one("res.country.state", "State", ondelete="restrict"),
        "country_id": Many2one("res.country", "Country", ondelete="restrict"),
        "ref": Char("Reference", index=True), "comment": Text("Notes"), "lang": Char("Language"),
        "vat": Char("Tax ID"), "active": Boolean("Active", default=True),
        "customer_rank": Integer("Customer Rank"), "supplier_rank": Integer("Supplier Rank"),
    }

    def _compute_display_name(self, record: dict) -> Any:
        name = record.get("name") or ADDRESS_LABELS.get(record.get("type"), "")
        parent = self.db.get(self._name, record.get("parent_id"))
        if parent is not None and not record.get("is_company"):
            return f"{self._display(parent)}, {name}" if name else self._display(parent)
        return name or ""

    def _check(self, ids: list[int]) -> None:
        for rid in ids:
            record = self.db.get(self._name, rid)
            if record["type"] == "contact" and not record.get("name"):
                raise ValidationError("The operation cannot be completed: Contacts require a name")


@register
class ModelData(Model):
    _name, _description = "ir.model.data", "Model Data"
    _rec_name = "name"
    _order = "module, model, name"
    _declared = {
        "name": Char("External Identifier", required=True, index=True),
        "module": Char("Module", required=True, index=True), "model": Char("Model Name", required=True, index=True),
        "res_id": Integer("Record ID", index=True), "noupdate": Boolean("Non Updatable"),
        "complete_name": Char("Complete ID", compute="_compute_complete_name"),
    }
    _unique = ((("module", "name"), 'The operation cannot be completed: duplicate key value violates unique '
                'constraint "ir_model_data_module_name_uniq_index"\nDETAIL:  Key (module, name)=({values}) '
                "already exists.\n"),)

    def _compute_complete_name(self, record: dict) -> str:
        return f"{record['module']}.{record['name']}"

    def _compute_display_name(self, record: dict) -> Any:
        return self._compute_complete_name(record)

    def _check(self, ids: list[int]) -> None:
        for rid in ids:
            if " " in (self.db.get(self._name, rid).get("name") or ""):
                raise ValidationError("The operation cannot be completed: External IDs cannot contain spaces")


@register
class ProductCategory(Model):
    _name, _description = "product.category", "Product Category"
    _order = "complete_name"
    _declared = {
        "name": Char("Name", required=True, index=True),
        "parent_id": Many2one("product.category", "Parent Category", ondelete="cascade"),
        "child_id": One2many("product.category", "parent_id", "Child Categories"),
        "complete_name": Char("Complete Name", compute="_compute_complete_name"),
        "parent_path": Char("Parent Path", compute="_compute_parent_path"),
        "product_count": Integer("# Products", compute="_compute_product_count"),
    }

    def _ancestors(self, record: dict) -> list[dict]:
        chain, seen = [record], {record["id"]}
        while chain[-1].get("parent_id") and chain[-1]["parent_id"] not in seen:
            parent = self.db.get(self._name, chain[-1]["parent_id"])
            if parent is None:
                break
            seen.add(parent["id"])
            chain.append(parent)
        return list(reversed(chain))

    def _compute_complete_name(self, record: dict) -> str:
        return " / ".join(item["name"] for item in self._ancestors(record))

    def _compute_display_name(self, record: dict) -> str:
        return self._compute_complete_name(record)

    def _compute_parent_path(self, record: dict) -> str:
        return "".join(f"{item['id']}/" for item in self._ancestors(record))

    def _compute_product_count(self, record: dict) -> int:
        return len(self.env["product.template"].with_context(active_test=False)
                   .search([("categ_id", "child_of", record["id"])]))

    def _check(self, ids: list[int]) -> None:
        for rid in ids:
            seen, current = set(), self.db.get(self._name, rid)
            while current is not None and current.get("parent_id"):
                if current["id"] in seen:
                    raise ValidationError("You cannot create recursive categories.")
                seen.add(current["id"])
                current = self.db.get(self._name, current["parent_id"])

    def _before_unlink(self, ids: list[int]) -> None:
        if self.env.ref("product.product_category_all") in ids:
            raise UserError("You cannot delete this product category, it is the default generic category.")


def _default_category(model: Model) -> int:
    return model.env.ref("product.product_category_all")


def _default_sale_taxes(model: Model) -> list[int]:
    """The company's default sale tax (``account_sale_tax_id``), as Odoo defaults ``taxes_id``."""
    company = model.db.get("res.company", model.env.ref("base.main_company"))
    return [company["account_sale_tax_id"]] if company and company.get("account_sale_tax_id") else []


@register
class ProductTemplate(Model):
    _name, _description = "product.template", "Product"
    _order = "name"
    _declared = {
        "name": Char("Name", required=True, index=True), "default_code": Char("Internal Reference", index=True),
        "detailed_type": Selection(PRODUCT_TYPES, "Product Type", default="consu", required=True, versions=(17,)),
        "type": Selection(PRODUCT_TYPES, "Type", compute="_compute_type"),
        "list_price": Float("Sales Price", default=1.0), "standard_price": Float("Cost"),
        "weight": Float("Weight"), "barcode": Char("Barcode"), "description_sale": Text("Sales Description"),
        "categ_id": Many2one("product.category", "Product Category", required=True, default=_default_category),
        "uom_id": Many2one("uom.uom", "Unit of Measure", required=True, default=default_unit),
        "uom_po_id": Many2one("uom.uom", "Purchase Unit", required=True, default=default_unit),
        "active": Boolean("Active", default=True), "sale_ok": Boolean("Can be Sold", default=True),
        "purchase_ok": Boolean("Can be Purchased", default=True),
        "taxes_id": Many2many("account.tax", "Customer Taxes", default=_default_sale_taxes),
        "product_variant_ids": One2many("product.product", "product_tmpl_id", "Products"),
        "product_variant_id": Many2one("product.product", "Product", compute="_compute_product_variant_id"),
        "product_variant_count": Integer("# Product Variants", compute="_compute_product_variant_count"),
        "qty_available": Float("Quantity On Hand", compute="_compute_qty_available"),
    }
    _declared_v18 = {  # Odoo 18: detailed_type is gone; type is stored and "storable" is a flag of the stock module
        "type": Selection(PRODUCT_TYPES_V18, "Product Type", default="consu", required=True),
        "is_storable": Boolean("Track Inventory"),
    }

    def _compute_type(self, record: dict) -> str:
        return record.get("detailed_type") or "consu"

    def _variants(self, record: dict) -> list[int]:
        return sorted(self.db.lookup("product.product", "product_tmpl_id", record["id"]) or ())

    def _compute_product_variant_id(self, record: dict) -> Any:
        active = [vid for vid in self._variants(record) if self.db.get("product.product", vid)["active"]]
        return (active or self._variants(record) or [False])[0]

    def _compute_product_variant_count(self, record: dict) -> int:
        return len(self._variants(record))

    def _compute_qty_available(self, record: dict) -> float:
        variants = self.env["product.product"]
        return sum(variants._compute_qty_available(self.db.get("product.product", vid))
                   for vid in self._variants(record))

    def _after_create(self, rid: int, vals: dict) -> None:
        record = self.db.get(self._name, rid)
        if not self._variants(record):
            self.env["product.product"]._create_one({
                "product_tmpl_id": rid, "default_code": record.get("default_code"), "active": record["active"]})

    def _after_write(self, ids: list[int], vals: dict) -> None:
        shared = {key: vals[key] for key in ("default_code", "active") if key in vals}
        for rid in ids if shared else []:
            variants = self._variants(self.db.get(self._name, rid))
            if "default_code" in shared and len(variants) != 1:
                shared.pop("default_code")
            if variants and shared:
                self.env["product.product"]._write_plain(variants, shared)


@register
class ProductProduct(Model):
    _name, _description = "product.product", "Product Variant"
    _order = "default_code, id"
    _declared = {
        "product_tmpl_id": Many2one("product.template", "Product Template", required=True, ondelete="cascade"),
        "default_code": Char("Internal Reference", index=True), "barcode": Char("Barcode"),
        "active": Boolean("Active", default=True),
        "qty_available": Float("Quantity On Hand", compute="_compute_qty_available"),
        "free_qty": Float("Free To Use Quantity", compute="_compute_free_qty"),
        "virtual_available": Float("Forecasted Quantity", compute="_compute_virtual_available"),
        **{name: Field(kind, label, related=f"product_tmpl_id.{name}", comodel=comodel)
           for name, kind, label, comodel in (
               ("name", "char", "Name", None), ("list_price", "float", "Sales Price", None),
               ("type", "selection", "Type", None),
               ("weight", "float", "Weight", None), ("sale_ok", "boolean", "Can be Sold", None),
               ("categ_id", "many2one", "Product Category", "product.category"),
               ("uom_id", "many2one", "Unit of Measure", "uom.uom"),
               ("taxes_id", "many2many", "Customer Taxes", "account.tax"))},
        "lst_price": Field("float", "Sales Price", related="product_tmpl_id.list_price"),
        "detailed_type": Field("selection", "Product Type", related="product_tmpl_id.detailed_type", versions=(17,)),
    }
    _declared_v18 = {"is_storable": Field("boolean", "Track Inventory", related="product_tmpl_id.is_storable")}

    def _is_storable(self, record: dict) -> bool:
        """Whether stock is tracked: Odoo 17 ``detailed_type == "product"``, Odoo 18 ``is_storable``."""
        if self.db.version >= 18:
            return bool(self._value(record, "is_storable"))
        return self._value(record, "detailed_type") == "product"

    def _is_goods(self, record: dict) -> bool:
        """Whether the product is delivered (storable or consumable): it gets a stock move."""
        return self._is_storable(record) or self._value(record, "type") == "consu"

    def _compute_display_name(self, record: dict) -> str:
        name = self._value(record, "name") or ""
        return f"[{record['default_code']}] {name}" if record.get("default_code") else name

    def _compute_qty_available(self, record: dict) -> float:
        """On hand in the context's ``location``/``warehouse`` (ids or names), else in every internal location."""
        return self.env["stock.quant"]._on_hand(record["id"])

    def _compute_free_qty(self, record: dict) -> float:
        return self.env["stock.quant"]._on_hand(record["id"], free=True)

    def _compute_virtual_available(self, record: dict) -> float:
        return self.env["stock.quant"]._on_hand(record["id"]) + self.env["stock.move"]._expected(record["id"])

    def _delegated(self, vals: dict) -> dict:
        """Values of the template's fields (Odoo's ``_inherits``): written on the template."""
        return {key: vals.pop(key) for key in list(vals)
                if (self._fields[key].related or "").startswith("product_tmpl_id.")}

    def _create_one(self, vals: dict) -> int:
        vals = dict(vals)
        self._check_names(vals)
        template_vals = self._delegated(vals)
        if vals.get("product_tmpl_id"):
            rid = super()._create_one(vals)
            if template_vals:
                self.env["product.template"].write([vals["product_tmpl_id"]], template_vals)
            return rid
        template = self.env["product.template"]._create_one({**template_vals, "default_code": vals.get("default_code")})
        rid = self.env["product.template"]._variants(self.db.get("product.template", template))[0]
        self._write_plain([rid], vals)
        return rid

    def _prepare_write(self, ids: list[int], vals: dict) -> dict:
        template_vals = self._delegated(vals)
        if template_vals:
            templates = sorted({self.db.get(self._name, rid)["product_tmpl_id"] for rid in ids})
            self.env["product.template"].write(templates, template_vals)
        return vals

    def _write_plain(self, ids: list[int], vals: dict) -> None:
        for rid in ids:
            self._write_one(rid, vals)
