"""Pure mapping from ERP documents (docs/erp-documents.md) to Odoo 17 values: binding names, dependencies,
the shared field helpers, and catalogue and partner values (sales documents: ``odoo_sales_values``).

Nothing here talks to Odoo: the backend resolves ids (partners, countries, products) and passes them in.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable
from typing import Any

from core.errors import ErpRejected, MappingError
from erp.odoo.version import Dialect

Vals = dict[str, Any]

# (model, binding prefix) of the main Odoo record of each writer (core.entities); stock has none (it sets
# quantities).
ENTITY_MODELS: dict[str, tuple[str, str]] = {
    "product": ("product.template", "product"), "category": ("product.category", "category"),
    "customer": ("res.partner", "customer"), "order": ("sale.order", "order"),
    "invoice": ("account.move", "invoice"), "creditmemo": ("account.move", "creditmemo"),
    "shipment": ("stock.picking", "shipment"),
}
VARIANT_PREFIX = "variant"
SHIPPING_PRODUCT = "service_shipping"
# What Odoo counts of a Magento product type: simple products are storable, containers consumables.
PRODUCT_KINDS = {"simple": "storable", "virtual": "service", "downloadable": "service",
                 "configurable": "consumable", "bundle": "consumable", "grouped": "consumable"}
# Written only when Odoo's product.template has them (the Catalog asks fields_get once).
OPTIONAL_PRODUCT_FIELDS = ("description", "description_sale", "standard_price")
ROLES = ("invoice", "delivery")
NO_TAXES: list[tuple[int, int, list[int]]] = [(6, 0, [])]
_PLAIN_KEY = re.compile(r"[a-z0-9_-]{1,64}")
_DIGEST_LIKE = re.compile(r".*_[0-9a-f]{10}")


def binding_name(prefix: str, key: str) -> str:
    """The ir.model.data name binding a Magento key: ``product_mh09-xs-blue``, ``order_42``.

    Keys are lower-cased (Magento SKUs are unique regardless of case); a key with other characters than
    letters, digits, ``_`` and ``-`` (or longer than 64) becomes a readable slug plus a digest of the key,
    so every key maps to exactly one valid name without spaces (no slug: ``product__<digest>``). A plain
    key that itself looks like that digest form (ending in ``_`` and 10 hex digits) gets the digest form
    too, so a plain name never equals another key's digest name (``a/b`` → ``a_b_3ec69c85a4``, while the
    key ``a_b_3ec69c85a4`` → ``a_b_3ec69c85a4_<its digest>``): one name per key.
    """
    lowered = str(key).lower()
    if _PLAIN_KEY.fullmatch(lowered) and not _DIGEST_LIKE.fullmatch(lowered):
        return f"{prefix}_{lowered}"
    slug = re.sub(r"[^a-z0-9]+", "_", lowered).strip("_")[:40]
    digest = hashlib.sha1(lowered.encode("utf-8")).hexdigest()[:10]
    return f"{prefix}_{slug}_{digest}"


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


def dependencies(entity: str, document: dict[str, Any]) -> list[tuple[str, str]]:
    """Records that must be in Odoo before ``document`` is written (see ErpBackend.dependencies)."""
    if entity == "order":
        customer = document.get("customer") or {}
        found = [] if customer.get("is_guest") or not customer.get("magento_id") else [
            ("customer", str(customer["magento_id"]))]
        skus = [sku for line in document.get("lines") or [] for sku in _line_products(line)]
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


def _line_products(line: dict[str, Any]) -> list[str]:
    """The catalogue SKUs an order line is written with: its product's, or its components' when a dynamic
    bundle's children are taxed at different rates (see odoo_pricing.uses_components)."""
    children = line.get("component_lines") or []
    if children and line.get("price_type") == "dynamic" and line.get("tax_percent") is None:
        return [child["sku"] for child in children if child.get("sku")]
    sku = catalogue_sku(line)
    return [sku] if sku else []


def catalogue_sku(line: dict[str, Any]) -> str | None:
    """The SKU of the catalogue product a line sold (a dynamic-SKU bundle's row SKU is not a product)."""
    return line.get("product_sku") or line.get("sku")


def money(value: Any) -> float:
    """A document's amount or quantity as a float (absent: 0); anything else is a mapping defect."""
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MappingError(f"expected a number in the document, got {value!r}")
    return float(value)


def required(doc: dict[str, Any], field: str) -> Any:
    """A field the Odoo record cannot do without (``sku``, ``increment_id``, ...)."""
    value = doc.get(field)
    if value is None or value == "":
        raise MappingError(f"the document has no {field}")
    return value


def person_name(first: Any, last: Any) -> str:
    return " ".join(part.strip() for part in (first, last) if isinstance(part, str) and part.strip())


# ---- catalogue
def product_vals(doc: dict[str, Any], categ_id: int | None) -> Vals:
    """product.template values written at every sync (the type only at creation, see product_create_vals).

    ``weight`` is the document's ``weight_kg`` (left alone when the store's weight unit is unknown);
    ``standard_price`` is Magento's ``cost`` (left alone when
    Magento has none); ``description`` the HTML description, ``description_sale`` the short one as text.
    """
    sku = required(doc, "sku")
    vals: Vals = {"name": doc.get("name") or sku, "default_code": sku,
                  "list_price": money(doc.get("price")),
                  "sale_ok": doc.get("status", 1) == 1, "active": True,
                  "description": doc.get("description") or False,
                  "description_sale": plain_text(doc.get("short_description")) or False}
    if doc.get("weight_kg") is not None or doc.get("weight") is None:
        vals["weight"] = money(doc.get("weight_kg"))
    if doc.get("cost") is not None:
        vals["standard_price"] = money(doc["cost"])
    if categ_id:
        vals["categ_id"] = categ_id
    return vals


def product_create_vals(doc: dict[str, Any], dialect: Dialect) -> Vals:
    """The type fields, set when the product is created, in the server version's names."""
    return dialect.product_type_vals(PRODUCT_KINDS.get(doc.get("type") or "", "consumable"))


def plain_text(markup: Any) -> str:
    """Magento's HTML text (``<p>Warm &amp; dry.</p>``) as plain text (``Warm & dry.``), paragraphs kept."""
    if not isinstance(markup, str):
        return ""
    text = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>|</li\s*>", "\n", markup)
    text = html.unescape(re.sub(r"<[^>]*>", "", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def stock_quantity(doc: dict[str, Any], digits: int) -> float:
    """The quantity to set in Odoo, which keeps ``digits`` decimals: a quantity Odoo would round is refused
    (decimal quantities, ``is_qty_decimal``, are kept as they are, never truncated)."""
    quantity = money(doc.get("qty"))
    rounded = round(quantity, digits)
    if abs(rounded - quantity) > 1e-9:
        raise ErpRejected(f"stock of SKU {doc.get('sku')!r}: Magento's quantity {quantity!r} has more decimals "
                          f"than Odoo keeps ({digits}): Magento {quantity!r}, Odoo would get {rounded!r}")
    return quantity


def category_vals(doc: dict[str, Any], parent_id: int | None, parent_known: bool) -> Vals:
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
def location_vals(address: dict[str, Any], country_id: int | None, state_id: int | None) -> Vals:
    street = [line.strip() for line in address.get("street") or [] if isinstance(line, str) and line.strip()]
    return {"street": street[0] if street else False, "street2": ", ".join(street[1:]) or False,
            "city": address.get("city") or False, "zip": address.get("postcode") or False,
            "phone": address.get("telephone") or False, "country_id": country_id or False,
            "state_id": state_id or False}


def address_vals(address: dict[str, Any], *, role: str, parent_id: int, country_id: int | None, state_id: int | None,
                 email: str | None = None) -> Vals:
    """A child contact of type ``invoice``, ``delivery`` or ``other`` holding one Magento address."""
    return {"type": role, "parent_id": parent_id, "is_company": False, "active": True,
            "name": person_name(address.get("firstname"), address.get("lastname")) or False,
            "company_name": address.get("company") or False, "email": address.get("email") or email or False,
            **location_vals(address, country_id, state_id)}


def default_address(doc: dict[str, Any], role: str) -> dict[str, Any] | None:
    flag = "default_billing" if role == "invoice" else "default_shipping"
    return next((address for address in doc.get("addresses") or [] if address.get(flag)), None)


def address_type(address: dict[str, Any]) -> str:
    """The contact type of a customer address: the default billing one ``invoice``, the default shipping one
    ``delivery`` (an address that is both: ``invoice``; the customer's own contact is at the same place),
    every other one ``other``."""
    if address.get("default_billing"):
        return "invoice"
    return "delivery" if address.get("default_shipping") else "other"


def customer_address_name(key: str, address: dict[str, Any]) -> str:
    """Binding of a customer's address contact, by Magento's address id: ``address_customer_7_12``."""
    address_id = address.get("magento_id")
    if address_id is None:
        raise MappingError(f"customer {key}: an address has no id, so it cannot be kept apart from the others")
    return address_name("customer", key, str(address_id))


def company_name(billing: dict[str, Any] | None) -> str | None:
    """The company of the default billing address, which makes the customer a business (B2B)."""
    name = (billing or {}).get("company")
    return name.strip() if isinstance(name, str) and name.strip() else None


def customer_vat(doc: dict[str, Any], billing: dict[str, Any] | None, *, business: bool) -> str | None:
    """The tax id: a business's is its billing address's ``vat_id`` (else the customer's ``taxvat``), a
    person's is the customer's ``taxvat`` (else the billing address's ``vat_id``)."""
    on_address, on_customer = (billing or {}).get("vat_id"), doc.get("taxvat")
    return (on_address or on_customer) if business else (on_customer or on_address)


def company_binding(key: str, vat: str | None) -> str:
    """A company with a tax id is shared by every customer buying for it (``company_vat_nl123...``); one
    without is the customer's own (``company_customer_7``)."""
    if vat:
        return binding_name("company_vat", re.sub(r"[\s.\-]", "", vat).upper())
    return binding_name("company_customer", key)


def company_vals(billing: dict[str, Any], vat: str | None, country_id: int | None, state_id: int | None) -> Vals:
    """The company partner of a business customer, at its billing address."""
    return {"name": company_name(billing), "is_company": True, "type": "contact", "active": True,
            "vat": vat or False, **location_vals(billing, country_id, state_id)}


def customer_vals(doc: dict[str, Any], billing: dict[str, Any] | None, country_id: int | None, state_id: int | None, *,
                  company_id: int | None = None, vat: str | None = None) -> Vals:
    """The customer's main contact; it carries the default billing address too, for the contact card.

    A business customer's contact is a person under its company (``parent_id``), whose tax id Odoo keeps
    on the company; anyone else's contact has no parent and carries the tax id itself.
    """
    vals: Vals = {"name": person_name(doc.get("firstname"), doc.get("lastname")) or doc.get("email")
                  or f"Magento customer {doc['magento_id']}",
                  "email": doc.get("email") or False, "type": "contact", "is_company": False, "active": True,
                  "parent_id": company_id or False}
    if company_id is None:
        vals["vat"] = vat or False
    if billing:
        vals.update(location_vals(billing, country_id, state_id))
    return vals


def guest_vals(doc: dict[str, Any]) -> Vals:
    customer = doc.get("customer") or {}
    billing = doc.get("billing_address") or {}
    name = (person_name(customer.get("firstname"), customer.get("lastname"))
            or person_name(billing.get("firstname"), billing.get("lastname")) or customer.get("email")
            or f"Guest of order {doc.get('increment_id')}")
    vals: Vals = {"name": name, "email": customer.get("email") or billing.get("email") or False,
                  "type": "contact", "is_company": False, "active": True}
    if billing.get("vat_id"):
        vals["vat"] = billing["vat_id"]  # a guest's tax id is on the order's billing address
    return vals
