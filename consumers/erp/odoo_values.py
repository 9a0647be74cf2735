"""Pure mapping from ERP documents (docs/erp-documents.md) to Odoo 17 values, and the binding names.

Nothing here talks to Odoo: the backend resolves ids (partners, countries, products) and passes them in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

from core.errors import MappingError

Vals = dict[str, Any]

# (model, binding prefix) of the main Odoo record of each entity; stock has none (it sets quantities).
ENTITY_MODELS: dict[str, tuple[str, str]] = {
    "product": ("product.template", "product"), "category": ("product.category", "category"),
    "customer": ("res.partner", "customer"), "order": ("sale.order", "order"),
    "invoice": ("account.move", "invoice"), "creditmemo": ("account.move", "creditmemo"),
    "shipment": ("stock.picking", "shipment"),
}
VARIANT_PREFIX = "variant"
SHIPPING_PRODUCT = "service_shipping"
PRODUCT_TYPES = {"simple": "product", "virtual": "service", "downloadable": "service",
                 "configurable": "consu", "bundle": "consu", "grouped": "consu"}
CONFIRMED_STATES = frozenset({"processing", "complete", "closed"})
CANCELED_STATES = frozenset({"canceled"})
ROLES = ("invoice", "delivery")
MOVE_TYPES = {"invoice": "out_invoice", "creditmemo": "out_refund"}
MAGENTO_CANCELED = 3
NO_TAXES = [(6, 0, [])]
_PLAIN_KEY = re.compile(r"[a-z0-9_-]{1,64}")


def binding_name(prefix: str, key: str) -> str:
    """The ir.model.data name binding a Magento key: ``product_mh09-xs-blue``, ``order_42``.

    Keys are lower-cased (Magento SKUs are unique regardless of case); a key with other characters than
    letters, digits, ``_`` and ``-`` (or longer than 64) becomes a readable slug plus a digest of the key,
    so every key maps to exactly one valid name without spaces.
    """
    lowered = str(key).lower()
    if _PLAIN_KEY.fullmatch(lowered):
        return f"{prefix}_{lowered}"
    slug = re.sub(r"[^a-z0-9]+", "_", lowered).strip("_")[:40]
    digest = hashlib.sha1(lowered.encode("utf-8")).hexdigest()[:10]
    return f"{prefix}_{slug}_{digest}" if slug else f"{prefix}_{digest}"


def address_name(owner: str, key: str, role: str) -> str:
    """Binding of a child contact: ``address_customer_7_invoice``, ``address_order_42_delivery``."""
    return f"{binding_name(f'address_{owner}', key)}_{role}"


def line_name(item_id: Any) -> str:
    return f"line_order_{item_id}"


def shipping_line_name(order_key: str) -> str:
    return f"shipping_order_{order_key}"


def guest_name(email: str | None, order_key: str) -> str:
    """A guest's partner is shared by every order placed with the same e-mail (case-insensitive)."""
    return binding_name("guest", email.strip()) if email and email.strip() else f"guest_order_{order_key}"


def dependencies(entity: str, document: dict) -> list[tuple[str, str]]:
    """Records that must be in Odoo before ``document`` is written (see ErpBackend.dependencies)."""
    if entity == "order":
        customer = document.get("customer") or {}
        found = [] if customer.get("is_guest") or not customer.get("magento_id") else [
            ("customer", str(customer["magento_id"]))]
        skus = [catalogue_sku(line) for line in document.get("lines") or [] if catalogue_sku(line)]
        return found + [("product", sku) for sku in dict.fromkeys(skus)]
    if entity in ("invoice", "shipment", "creditmemo"):
        return [("order", str(document["order_id"]))] if document.get("order_id") else []
    if entity == "product":
        return [("category", str(cid)) for cid in dict.fromkeys(document.get("category_ids") or [])]
    if entity == "category":
        return [("category", str(document["parent_id"]))] if document.get("parent_id") else []
    if entity == "stock":
        return [("product", document["sku"])] if document.get("sku") else []
    return []


def catalogue_sku(line: dict) -> str | None:
    """The SKU of the catalogue product a line sold (a dynamic-SKU bundle's row SKU is not a product)."""
    return line.get("product_sku") or line.get("sku")


def money(value: Any) -> float:
    """A document's amount or quantity as a float (absent: 0); anything else is a mapping defect."""
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MappingError(f"expected a number in the document, got {value!r}")
    return float(value)


def required(doc: dict, field: str) -> Any:
    """A field the Odoo record cannot do without (``sku``, ``increment_id``, ...)."""
    value = doc.get(field)
    if value is None or value == "":
        raise MappingError(f"the document has no {field}")
    return value


def odoo_date(value: str | None) -> Any:
    return value[:10] if value else False


def person_name(first: Any, last: Any) -> str:
    return " ".join(part.strip() for part in (first, last) if isinstance(part, str) and part.strip())


# ---- catalogue
def product_vals(doc: dict, categ_id: int | None) -> Vals:
    """product.template values written at every sync (the type only at creation, see product_create_vals)."""
    sku = required(doc, "sku")
    vals: Vals = {"name": doc.get("name") or sku, "default_code": sku,
                  "list_price": money(doc.get("price")), "weight": money(doc.get("weight")),
                  "sale_ok": doc.get("status", 1) == 1, "active": True}
    if categ_id:
        vals["categ_id"] = categ_id
    return vals


def product_create_vals(doc: dict) -> Vals:
    return {"detailed_type": PRODUCT_TYPES.get(doc.get("type") or "", "consu")}


def shipping_product_vals() -> Vals:
    return {"name": "Shipping (Magento)", "default_code": "MAGENTO-SHIPPING", "detailed_type": "service",
            "list_price": 0.0, "sale_ok": True, "taxes_id": NO_TAXES}


def category_vals(doc: dict, parent_id: int | None, parent_known: bool) -> Vals:
    """product.category values; the parent is left alone when Magento names one Odoo does not hold yet."""
    vals: Vals = {"name": doc.get("name") or f"Category {doc['magento_id']}"}
    if parent_known:
        vals["parent_id"] = parent_id or False
    return vals


def deepest_category(category_ids: Iterable[int], paths: dict[int, str]) -> int | None:
    """Among Odoo categories (``{id: parent_path}``), the deepest one; ties go to the first listed."""
    best, depth = None, -1
    for cid in category_ids:
        if cid in paths and paths[cid].count("/") > depth:
            best, depth = cid, paths[cid].count("/")
    return best


# ---- partners
def location_vals(address: dict, country_id: int | None, state_id: int | None) -> Vals:
    street = [line.strip() for line in address.get("street") or [] if isinstance(line, str) and line.strip()]
    return {"street": street[0] if street else False, "street2": ", ".join(street[1:]) or False,
            "city": address.get("city") or False, "zip": address.get("postcode") or False,
            "phone": address.get("telephone") or False, "country_id": country_id or False,
            "state_id": state_id or False}


def address_vals(address: dict, *, role: str, parent_id: int, country_id: int | None, state_id: int | None,
                 email: str | None = None) -> Vals:
    """A child contact of type ``invoice`` or ``delivery`` holding one Magento address."""
    return {"type": role, "parent_id": parent_id, "is_company": False, "active": True,
            "name": person_name(address.get("firstname"), address.get("lastname")) or False,
            "company_name": address.get("company") or False, "email": address.get("email") or email or False,
            **location_vals(address, country_id, state_id)}


def default_address(doc: dict, role: str) -> dict | None:
    flag = "default_billing" if role == "invoice" else "default_shipping"
    return next((address for address in doc.get("addresses") or [] if address.get(flag)), None)


def customer_vals(doc: dict, billing: dict | None, country_id: int | None, state_id: int | None) -> Vals:
    """The customer's main contact; it carries the default billing address too, for the contact card."""
    vals: Vals = {"name": person_name(doc.get("firstname"), doc.get("lastname")) or doc.get("email")
                  or f"Magento customer {doc['magento_id']}",
                  "email": doc.get("email") or False, "type": "contact", "is_company": False, "active": True}
    if billing:
        vals.update(location_vals(billing, country_id, state_id))
    return vals


def guest_vals(doc: dict) -> Vals:
    customer = doc.get("customer") or {}
    billing = doc.get("billing_address") or {}
    name = (person_name(customer.get("firstname"), customer.get("lastname"))
            or person_name(billing.get("firstname"), billing.get("lastname")) or customer.get("email")
            or f"Guest of order {doc.get('increment_id')}")
    return {"name": name, "email": customer.get("email") or billing.get("email") or False, "type": "contact",
            "is_company": False, "active": True}


# ---- orders
def order_target_state(magento_state: str | None) -> str | None:
    """``sale`` (confirm), ``cancel``, or None (a quotation until Magento moves on)."""
    if magento_state in CONFIRMED_STATES:
        return "sale"
    if magento_state in CANCELED_STATES:
        return "cancel"
    return None


def order_vals(doc: dict, *, partner_id: int, invoice_id: int, shipping_id: int) -> Vals:
    vals: Vals = {"partner_id": partner_id, "partner_invoice_id": invoice_id, "partner_shipping_id": shipping_id,
                  "client_order_ref": required(doc, "increment_id"),
                  "note": (f"Magento order {doc['increment_id']} ({doc.get('status') or doc.get('state')}), "
                           f"payment: {doc.get('payment_method') or 'unknown'}")}
    if doc.get("created_at"):
        vals["date_order"] = doc["created_at"]
    return vals


def discount_percent(line: dict) -> float:
    gross = money(line.get("price")) * money(line.get("qty"))
    discount = abs(money(line.get("discount_amount")))
    return round(discount / gross * 100, 6) if gross and discount else 0.0


def line_label(line: dict) -> str:
    label = f"[{line.get('sku')}] {line.get('name') or line.get('sku')}"
    components = line.get("components") or []
    return label + "".join(f"\n- {sku}" for sku in components)


def order_lines(doc: dict, variants: dict[str, int], shipping_product: int | None) -> list[tuple[str, Vals]]:
    """(binding name, sale.order.line values) for each line, then shipping as a service line."""
    wanted = []
    for index, line in enumerate(doc.get("lines") or [], start=1):
        wanted.append((line_name(required(line, "magento_item_id")), {
            "product_id": variants[catalogue_sku(line) or required(line, "sku")], "name": line_label(line),
            "sequence": index * 10,
            "product_uom_qty": money(line.get("qty")), "price_unit": money(line.get("price")),
            "discount": discount_percent(line), "tax_id": NO_TAXES}))
    if shipping_product and money(doc.get("shipping_amount")):
        wanted.append((shipping_line_name(str(required(doc, "magento_id"))), {
            "product_id": shipping_product, "name": "Shipping", "sequence": (len(wanted) + 1) * 10,
            "product_uom_qty": 1.0, "price_unit": money(doc.get("shipping_amount")), "discount": 0.0,
            "tax_id": NO_TAXES}))
    return wanted


def plan_line_commands(wanted: list[tuple[str, Vals]], bound: dict[str, int], current: list[int],
                       confirmed: bool) -> tuple[list[tuple], list[str]]:
    """order_line commands that never duplicate: bound lines are updated, new ones created, and lines no
    longer in Magento are removed (a quotation) or set to quantity 0 (a confirmed order, as Odoo demands).
    Returns the commands and the binding names of the lines they create."""
    commands: list[tuple] = []
    created: list[str] = []
    kept: set[int] = set()
    for name, vals in wanted:
        rid = bound.get(name)
        if rid in current:
            commands.append((1, rid, vals))
            kept.add(rid)
        else:
            commands.append((0, 0, vals))
            created.append(name)
    for rid in current:
        if rid not in kept:
            commands.append((1, rid, {"product_uom_qty": 0.0}) if confirmed else (2, rid, 0))
    return commands, created


# ---- invoices and credit memos
def move_target_state(magento_state: Any) -> str:
    return "cancel" if magento_state == MAGENTO_CANCELED else "posted"


def move_vals(doc: dict, *, move_type: str, partner_id: int, origin: str | None, currency_id: int | None) -> Vals:
    vals: Vals = {"move_type": move_type, "partner_id": partner_id, "ref": required(doc, "increment_id"),
                  "invoice_origin": origin or False, "invoice_date": odoo_date(doc.get("created_at"))}
    if currency_id:
        vals["currency_id"] = currency_id
    return vals


def move_line_vals(line: dict, product_id: int | None, sale_line_id: int | None) -> Vals:
    vals: Vals = {"name": line_label(line), "quantity": money(line.get("qty")),
                  "price_unit": money(line.get("price")), "tax_ids": NO_TAXES}
    if product_id:
        vals["product_id"] = product_id
    if sale_line_id:
        vals["sale_line_ids"] = [(6, 0, [sale_line_id])]
    return vals


def move_extra_lines(doc: dict, shipping_product: int | None, shipping_sale_line: int | None) -> list[Vals]:
    """Shipping, discount and (credit memos) adjustment lines, so Odoo's untaxed total is Magento's."""
    extra: list[Vals] = []
    if money(doc.get("shipping_amount")):
        shipping = {"name": "Shipping", "quantity": 1.0, "price_unit": money(doc["shipping_amount"]),
                    "tax_ids": NO_TAXES}
        if shipping_product:
            shipping["product_id"] = shipping_product
        if shipping_sale_line:
            shipping["sale_line_ids"] = [(6, 0, [shipping_sale_line])]
        extra.append(shipping)
    for label, amount in (("Discount", -abs(money(doc.get("discount_amount")))),
                          ("Adjustment refund", abs(money(doc.get("adjustment_positive")))),
                          ("Adjustment fee", -abs(money(doc.get("adjustment_negative"))))):
        if amount:
            extra.append({"name": label, "quantity": 1.0, "price_unit": amount, "tax_ids": NO_TAXES})
    return extra


# ---- shipments
def tracking_reference(existing: Any, tracks: Iterable[dict]) -> str | None:
    """The picking's tracking reference with this shipment's numbers added once (comma separated)."""
    current = [part.strip() for part in (existing or "").split(",") if part.strip()]
    numbers = [str(track["number"]).strip() for track in tracks if track.get("number")]
    merged = list(dict.fromkeys(current + numbers))
    return ",".join(merged) or None
