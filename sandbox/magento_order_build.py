"""Build full Magento orders (items, addresses, payment, totals) from compact seed descriptions.

Item rows follow Magento's quote-to-order conversion: a configurable line is a priced parent row (its
``sku`` is the chosen child's SKU) plus an unpriced simple child row with ``parent_item_id``; a bundle
line is a parent row whose money is the sum of its priced children. Tax is charged after discount.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.magento_shapes import custom_attribute
from sandbox.magento_store import Store

PAYMENT_TITLES = {"checkmo": "Check / Money order", "banktransfer": "Bank Transfer Payment",
                  "purchaseorder": "Purchase Order", "cashondelivery": "Cash On Delivery", "free": "No Payment Information Required"}
STORE_NAME = "Main Website\nMain Website Store\nDefault Store View"
DISCOUNT_RULE_ID = "1"  # the seed's one cart price rule (a percentage off), named in applied_rule_ids


def money(value: float) -> float | int:
    """Rounded to cents, integral amounts as integers (Magento prints ``5``, not ``5.0``)."""
    rounded = round(value + 1e-9, 2)
    return int(rounded) if float(rounded).is_integer() else rounded


def build_order(spec: Mapping[str, Any], store: Store) -> dict[str, Any]:
    """A full order from a seed entry (see ``sandbox/magento_seed/orders.json``)."""
    order_id, created = int(spec["entity_id"]), spec["created_at"]
    items: list[dict[str, Any]] = []
    for line in spec["lines"]:
        items += _line_items(line, store, order_id, created, float(spec.get("discount_percent", 0)))
    order = _header(spec, store, order_id)
    order.update(_totals(items, float(spec["shipping"]["amount"])))
    if spec.get("discount_percent"):
        order["applied_rule_ids"] = DISCOUNT_RULE_ID
    order["items"] = items
    billing, shipping = _addresses(spec, store, order)
    order["billing_address_id"] = billing["entity_id"]
    order["billing_address"] = billing
    order["payment"] = _payment(spec, order)
    order["status_histories"] = _histories(spec, store, order_id)
    order["extension_attributes"] = _extension(spec, order, items, shipping)
    if spec.get("state") == "canceled":
        for item in items:
            item["qty_canceled"] = item["qty_ordered"]
    return order


def _header(spec: Mapping[str, Any], store: Store, order_id: int) -> dict[str, Any]:
    currency = spec.get("currency", "USD")
    header: dict[str, Any] = {"base_currency_code": currency, "created_at": spec["created_at"],
                              "customer_note_notify": 1, "entity_id": order_id, "global_currency_code": currency,
                              "increment_id": spec["increment_id"], "is_virtual": 0, "order_currency_code": currency,
                              "protect_code": spec.get("protect_code", f"{order_id:032x}"),
                              "quote_id": spec.get("quote_id", order_id), "state": spec.get("state", "new"),
                              "status": spec.get("status", "pending"), "store_currency_code": currency,
                              "store_id": 1, "store_name": STORE_NAME, "updated_at": spec["updated_at"]}
    header.update(_customer_fields(spec, store))
    header["shipping_description"] = spec["shipping"]["description"]
    if "edited_from" in spec:
        original = store.orders[int(spec["edited_from"])]
        header.update({"edit_increment": 1, "original_increment_id": original["increment_id"],
                       "relation_parent_id": str(original["entity_id"]),
                       "relation_parent_real_id": original["increment_id"]})
    return header


def _customer_fields(spec: Mapping[str, Any], store: Store) -> dict[str, Any]:
    if "guest" in spec:
        return {"customer_email": spec["guest"]["email"], "customer_group_id": 0, "customer_is_guest": 1}
    customer = store.customers[int(spec["customer_id"])]
    fields = {"customer_email": customer["email"], "customer_firstname": customer["firstname"],
              "customer_gender": customer.get("gender", 0), "customer_group_id": customer["group_id"],
              "customer_id": customer["id"], "customer_is_guest": 0, "customer_lastname": customer["lastname"]}
    if customer.get("dob"):
        fields["customer_dob"] = f"{customer['dob']} 00:00:00"
    return fields


def _line_items(line: Mapping[str, Any], store: Store, order_id: int, created: str,
                discount: float) -> list[dict[str, Any]]:
    product = store.product(line["sku"])
    qty, tax = float(line["qty"]), float(line.get("tax_percent", 0))
    if "child" in line:
        child = store.product(line["child"])
        parent = _item(store, product, order_id, created, qty, float(line["price"]), tax, discount)
        parent.update(sku=child["sku"], product_option=_configurable_option(product, child))
        if child.get("weight") is not None:  # the parent row weighs what the chosen child weighs
            parent.update(weight=child["weight"], row_weight=money(float(child["weight"]) * qty))
        row = _item(store, child, order_id, created, qty, float(line["price"]), 0, 0, priced=False)
        row["parent_item_id"] = parent["item_id"]
        return [parent, row]
    if "children" in line:
        return _bundle_items(line, product, store, order_id, created, tax, discount)
    return [_item(store, product, order_id, created, qty, float(line["price"]), tax, discount)]


def _bundle_items(line: Mapping[str, Any], product: dict[str, Any], store: Store, order_id: int, created: str,
                  tax: float, discount: float) -> list[dict[str, Any]]:
    qty = float(line["qty"])
    parent = _item(store, product, order_id, created, qty, 0, 0, 0)
    children = []
    for spec in line["children"]:
        child = _item(store, store.product(spec["sku"]), order_id, created, qty * float(spec["qty"]),
                      float(spec["price"]), tax, discount)
        child["parent_item_id"] = parent["item_id"]
        children.append(child)
    for key in ("row_total", "base_row_total", "tax_amount", "base_tax_amount", "discount_amount",
                "base_discount_amount", "row_total_incl_tax", "base_row_total_incl_tax", "row_weight"):
        parent[key] = money(sum(child[key] for child in children))
    parent["price"] = parent["base_price"] = parent["original_price"] = money(parent["row_total"] / qty)
    parent["sku"] = "-".join([product["sku"]] + [child["sku"] for child in children])
    parent["tax_percent"] = tax
    return [parent] + children


def _item(store: Store, product: dict[str, Any], order_id: int, created: str, qty: float, price: float,
          tax_percent: float, discount_percent: float, *, priced: bool = True) -> dict[str, Any]:
    row = money(price * qty) if priced else 0
    discount = money(row * discount_percent / 100)
    tax = money((row - discount) * tax_percent / 100)
    base_price = money(price) if priced else 0
    item = {"amount_refunded": 0, "base_amount_refunded": 0, "base_discount_amount": discount,
            "base_discount_invoiced": 0, "base_discount_tax_compensation_amount": 0, "base_original_price": base_price,
            "base_price": base_price, "base_price_incl_tax": money(base_price * (1 + tax_percent / 100)),
            "base_row_invoiced": 0, "base_row_total": row, "base_row_total_incl_tax": money(row + tax),
            "base_tax_amount": tax, "base_tax_invoiced": 0, "created_at": created, "discount_amount": discount,
            "discount_invoiced": 0, "discount_percent": discount_percent, "free_shipping": 0,
            "discount_tax_compensation_amount": 0, "is_qty_decimal": 0,
            "is_virtual": int(product["type_id"] in ("virtual", "downloadable")), "item_id": store.next_id("order_item"),
            "name": product["name"], "no_discount": 0, "order_id": order_id, "original_price": base_price,
            "price": money(price), "price_incl_tax": money(base_price * (1 + tax_percent / 100)),
            "product_id": product["id"], "product_type": product["type_id"], "qty_canceled": 0, "qty_invoiced": 0,
            "qty_ordered": money(qty), "qty_refunded": 0, "qty_shipped": 0, "quote_item_id": store.next_id("quote_item"),
            "row_invoiced": 0, "row_total": row, "row_total_incl_tax": money(row + tax),
            "row_weight": money(float(product.get("weight") or 0) * qty) if priced else 0, "sku": product["sku"],
            "store_id": 1, "tax_amount": tax, "tax_invoiced": 0, "tax_percent": tax_percent, "updated_at": created}
    if product.get("weight") is not None:
        item["weight"] = product["weight"]
    if priced and discount_percent:  # a discount comes from a cart price rule, which Magento names
        item["applied_rule_ids"] = DISCOUNT_RULE_ID
    return item


def _configurable_option(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    codes = {"93": "color", "144": "size"}
    options = []
    for option in parent["extension_attributes"].get("configurable_product_options", []):
        value = custom_attribute(child, codes.get(option["attribute_id"], option["label"].lower()))
        options.append({"option_id": option["attribute_id"], "option_value": int(value) if value else None})
    return {"extension_attributes": {"configurable_item_options": options}}


def _totals(items: list[dict[str, Any]], shipping: float) -> dict[str, Any]:
    top = [item for item in items if "parent_item_id" not in item]
    subtotal = money(sum(item["row_total"] for item in top))
    tax = money(sum(item["tax_amount"] for item in top))
    discount = money(sum(item["discount_amount"] for item in top))
    grand = money(subtotal + tax - discount + shipping)
    totals = {"subtotal": subtotal, "subtotal_incl_tax": money(subtotal + tax), "tax_amount": tax,
              "discount_amount": money(-discount), "shipping_amount": money(shipping),
              "shipping_incl_tax": money(shipping), "shipping_tax_amount": 0, "shipping_discount_amount": 0,
              "shipping_discount_tax_compensation_amount": 0, "discount_tax_compensation_amount": 0,
              "grand_total": grand, "total_due": grand, "total_item_count": len(top),
              "total_qty_ordered": money(sum(item["qty_ordered"] for item in top)),
              "weight": money(sum(item["row_weight"] for item in top)), "base_to_global_rate": 1,
              "base_to_order_rate": 1, "store_to_base_rate": 0, "store_to_order_rate": 0}
    for key in ("subtotal", "subtotal_incl_tax", "tax_amount", "discount_amount", "shipping_amount",
                "shipping_incl_tax", "shipping_tax_amount", "shipping_discount_amount", "grand_total", "total_due",
                "discount_tax_compensation_amount"):
        totals[f"base_{key}"] = totals[key]
    totals["base_shipping_discount_tax_compensation_amnt"] = 0
    return totals


def _addresses(spec: Mapping[str, Any], store: Store, order: dict[str, Any]) -> tuple[dict, dict | None]:
    email = order["customer_email"]
    if "guest" in spec:  # a guest's shipping address has customer_address_id 0, its billing address none
        billing_source = spec["billing_address"]
        shipping_source = {**spec["shipping_address"], "customer_address_id": 0} if spec.get("shipping_address") \
            else None
    else:
        customer = store.customers[int(spec["customer_id"])]
        by_id = {address["id"]: address for address in customer["addresses"]}
        billing_source = _from_customer(by_id[spec["billing_from"]])
        shipping_source = _from_customer(by_id[spec["shipping_from"]]) if spec.get("shipping_from") else None
    billing = order_address(store, billing_source, "billing", order["entity_id"], email)
    shipping = order_address(store, shipping_source, "shipping", order["entity_id"], email) if shipping_source else None
    return billing, shipping


def _from_customer(address: Mapping[str, Any]) -> dict[str, Any]:
    fields = {key: address[key] for key in ("city", "company", "country_id", "firstname", "lastname", "postcode",
                                            "street", "telephone", "vat_id") if key in address}
    fields["customer_address_id"] = address["id"]
    region = address.get("region") or {}
    if region.get("region_id"):
        fields.update(region=region["region"], region_code=region["region_code"], region_id=region["region_id"])
    return fields


def order_address(store: Store, source: Mapping[str, Any], kind: str, order_id: int, email: str) -> dict[str, Any]:
    """An order address (``sales_order_address`` row) of ``kind`` billing or shipping."""
    address = {"address_type": kind, **source, "email": source.get("email", email),
               "entity_id": store.next_id("order_address"), "parent_id": order_id}
    return dict(sorted(address.items()))


def _payment(spec: Mapping[str, Any], order: dict[str, Any]) -> dict[str, Any]:
    method = spec.get("payment", "checkmo")
    payment = {"account_status": None, "additional_information": [PAYMENT_TITLES.get(method, method)],
               "amount_ordered": order["grand_total"], "base_amount_ordered": order["grand_total"],
               "base_shipping_amount": order["shipping_amount"], "cc_exp_year": "0", "cc_last4": None,
               "cc_ss_start_month": "0", "cc_ss_start_year": "0", "entity_id": order["entity_id"], "method": method,
               "parent_id": order["entity_id"], "shipping_amount": order["shipping_amount"]}
    if spec.get("po_number"):
        payment["po_number"] = spec["po_number"]
    return payment


def _histories(spec: Mapping[str, Any], store: Store, order_id: int) -> list[dict[str, Any]]:
    histories = [status_history(store, order_id, entry) for entry in spec.get("status_histories", [])]
    return sorted(histories, key=lambda entry: (entry["created_at"], entry["entity_id"]), reverse=True)


def status_history(store: Store, order_id: int, entry: Mapping[str, Any]) -> dict[str, Any]:
    """One ``status_histories`` entry (Magento lists them newest first)."""
    return {"comment": entry.get("comment"), "created_at": entry.get("created_at") or store.now_text(),
            "entity_id": store.next_id("order_history"), "entity_name": entry.get("entity_name", "order"),
            "is_customer_notified": int(entry.get("is_customer_notified") or 0),
            "is_visible_on_front": int(entry.get("is_visible_on_front") or 0), "parent_id": order_id,
            "status": entry.get("status")}


def _extension(spec: Mapping[str, Any], order: dict[str, Any], items: list[dict[str, Any]],
               shipping: dict[str, Any] | None) -> dict[str, Any]:
    method = spec.get("payment", "checkmo")
    extension: dict[str, Any] = {}
    if shipping is not None:
        total = {key: order[key] for key in ("base_shipping_amount", "base_shipping_discount_amount",
                                             "base_shipping_discount_tax_compensation_amnt", "base_shipping_incl_tax",
                                             "base_shipping_tax_amount", "shipping_amount", "shipping_discount_amount",
                                             "shipping_discount_tax_compensation_amount", "shipping_incl_tax",
                                             "shipping_tax_amount")}
        extension["shipping_assignments"] = [{"shipping": {"address": shipping, "method": spec["shipping"]["method"],
                                                           "total": total}}]
    extension["payment_additional_info"] = [{"key": "method_title", "value": PAYMENT_TITLES.get(method, method)}]
    extension.update(_applied_taxes(order, items))
    extension["converting_from_quote"] = True
    return extension


def _applied_taxes(order: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    taxed = [item for item in items if item["tax_amount"] and item["tax_percent"]]
    if not taxed:
        return {"applied_taxes": [], "item_applied_taxes": []}
    percent = taxed[0]["tax_percent"]
    code = f"{order['order_currency_code']}-*-Rate {percent:g}%"
    rate = {"code": code, "title": code, "percent": percent}
    per_item = [{"type": "product", "item_id": item["item_id"],
                 "applied_taxes": [{**rate, "amount": item["tax_amount"], "base_amount": item["tax_amount"]}]}
                for item in taxed if "parent_item_id" not in item]
    return {"applied_taxes": [{**rate, "amount": order["tax_amount"], "base_amount": order["tax_amount"]}],
            "item_applied_taxes": per_item}
