"""Build full Magento orders (items, addresses, payment, totals) from compact seed descriptions.

Item rows come from ``sandbox.magento.order_lines`` (configurables, bundles, custom options), their money
and the order totals from ``sandbox.magento.order_money`` (Magento's tax and discount arithmetic, in the
base and the order currency). The spec format is documented in docs/sandbox-magento.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.magento.order_lines import Context, build_rows
from sandbox.magento.order_money import applied_taxes, order_totals, price_rows
from sandbox.magento.store import Store
from sandbox.magento.tax import Unit, cents, converted, plain

PAYMENT_TITLES = {"checkmo": "Check / Money order", "banktransfer": "Bank Transfer Payment",
                  "purchaseorder": "Purchase Order", "cashondelivery": "Cash On Delivery",
                  "free": "No Payment Information Required"}
STORE_NAME = "Main Website\nMain Website Store\nDefault Store View"
DISCOUNT_RULE_ID = "1"  # the seed's one cart price rule (a percentage off), named in applied_rule_ids


def money(value: float) -> float | int:
    """Rounded to cents like PHP, integral amounts as integers (Magento prints ``5``, not ``5.0``)."""
    return cents(value)


def build_order(spec: Mapping[str, Any], store: Store) -> dict[str, Any]:
    """A full order from a seed entry (see ``sandbox/magento/seed/orders.json`` and docs/sandbox-magento.md)."""
    order_id, created = int(spec["entity_id"]), spec["created_at"]
    percent = float(spec.get("discount_percent", 0))
    rows = build_rows(spec["lines"], Context(store, order_id, created, percent, int(spec.get("store_id", 1))))
    rate = float(spec.get("base_to_order_rate", 1))
    shipping = _shipping_unit(spec["shipping"], percent)
    shipping_money = price_rows(rows, shipping, bool(spec.get("prices_include_tax")), rate,
                                spec.get("tax_algorithm") == "ROW_BASE_CALCULATION")
    items = [row.item for row in rows]
    order = _header(spec, store, order_id)
    order.update(order_totals(rows, shipping_money, _paid_with(spec), rate))
    order.update(_counts(items, rate, spec))
    _discount_fields(spec, order, rows)
    order["items"] = items
    billing, shipping_address = _addresses(spec, store, order)
    order["billing_address_id"] = billing["entity_id"]
    order["billing_address"] = billing
    order["payment"] = _payment(spec, order)
    order["status_histories"] = _histories(spec, store, order_id)
    order["extension_attributes"] = _extension(spec, order, shipping_address)
    order["extension_attributes"].update(applied_taxes(rows, shipping_money, shipping.rate if shipping else 0,
                                                       _tax_codes(spec, order)))
    order["extension_attributes"].update(paid_with_attributes(spec, order))
    order["extension_attributes"]["converting_from_quote"] = True
    if spec.get("state") == "canceled":  # canceled before anything was invoiced
        for item in items:
            item["qty_canceled"] = item["qty_ordered"]
        order["total_canceled"], order["base_total_canceled"] = order["grand_total"], order["base_grand_total"]
    return order


def _shipping_unit(shipping: Mapping[str, Any], percent: float) -> Unit | None:
    if not float(shipping.get("amount") or 0):
        return None
    discount = float(shipping.get("discount_percent", percent if shipping.get("discounted") else 0))
    return Unit(float(shipping["amount"]), 1, float(shipping.get("tax_percent", 0)), discount)


def _paid_with(spec: Mapping[str, Any]) -> dict[str, float]:
    paid = spec.get("paid_with") or {}
    return {"reward": float((paid.get("reward") or {}).get("amount") or 0),
            "gift_cards": sum(float(card["amount"]) for card in paid.get("gift_cards") or ()),
            "customer_balance": float(paid.get("customer_balance") or 0)}


def paid_with_attributes(spec: Mapping[str, Any], order: dict[str, Any]) -> dict[str, Any]:
    """Adobe Commerce's ``extension_attributes`` for gift cards, store credit and reward points (only on
    orders that used them): cards are spent in the order given, each up to what is left of the total."""
    paid = spec.get("paid_with")
    if not paid:
        return {}
    rate = float(order["base_to_order_rate"])
    left, base_left = order["gift_cards_amount"], order["base_gift_cards_amount"]
    cards = []
    for card in paid.get("gift_cards") or ():
        base = min(float(card["amount"]), base_left)
        amount = min(converted(base, rate), left)
        cards.append({"id": int(card["id"]), "code": card["code"], "amount": money(amount), "base_amount": money(base)})
        left, base_left = left - amount, base_left - base
    attributes = {"gift_cards": cards, "reward_points_balance": int((paid.get("reward") or {}).get("points") or 0)}
    for field in ("gift_cards_amount", "customer_balance_amount", "reward_currency_amount"):
        attributes[field], attributes[f"base_{field}"] = order.pop(field), order.pop(f"base_{field}")
    return attributes


def _counts(items: list[dict[str, Any]], rate: float, spec: Mapping[str, Any]) -> dict[str, Any]:
    top = [item for item in items if "parent_item_id" not in item]
    counts = {"total_item_count": len(top), "total_qty_ordered": money(sum(item["qty_ordered"] for item in top)),
              "weight": money(sum(item["row_weight"] for item in top)), "base_to_global_rate": 1,
              "base_to_order_rate": plain(rate), "store_to_base_rate": 0, "store_to_order_rate": 0}
    if rate != 1:
        counts.update(store_to_base_rate=1, store_to_order_rate=plain(rate))
    return counts


def _discount_fields(spec: Mapping[str, Any], order: dict[str, Any], rows: list[Any]) -> None:
    """``applied_rule_ids`` on a discounted order and its discounted rows; the coupon and its description."""
    discounted = [row.item for row in rows if row.item["discount_amount"]]
    if not discounted and not order["shipping_discount_amount"]:
        return
    order["applied_rule_ids"] = DISCOUNT_RULE_ID
    for item in discounted:
        item["applied_rule_ids"] = DISCOUNT_RULE_ID
    if spec.get("coupon_code"):
        order["coupon_code"] = spec["coupon_code"]
        order["discount_description"] = spec.get("discount_description", spec["coupon_code"])


def _tax_codes(spec: Mapping[str, Any], order: dict[str, Any]) -> dict[float, str]:
    """The tax rate code of each percent: ``tax_codes`` of the spec, else ``<currency>-*-Rate <percent>%``."""
    given = {float(rate): code for rate, code in (spec.get("tax_codes") or {}).items()}
    return _DefaultCodes(given, order["order_currency_code"])


class _DefaultCodes(dict):
    def __init__(self, given: dict[float, str], currency: str) -> None:
        super().__init__(given)
        self.currency = currency

    def __missing__(self, rate: float) -> str:
        return f"{self.currency}-*-Rate {rate:g}%"


def _header(spec: Mapping[str, Any], store: Store, order_id: int) -> dict[str, Any]:
    currency = spec.get("currency", "USD")
    base = spec.get("base_currency", currency)
    header: dict[str, Any] = {"base_currency_code": base, "created_at": spec["created_at"],
                              "customer_note_notify": 1, "entity_id": order_id, "global_currency_code": base,
                              "increment_id": spec["increment_id"], "is_virtual": 0, "order_currency_code": currency,
                              "protect_code": spec.get("protect_code", f"{order_id:032x}"),
                              "quote_id": spec.get("quote_id", order_id), "state": spec.get("state", "new"),
                              "status": spec.get("status", "pending"), "store_currency_code": base,
                              "store_id": int(spec.get("store_id", 1)),
                              "store_name": spec.get("store_name", STORE_NAME), "updated_at": spec["updated_at"]}
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


def _extension(spec: Mapping[str, Any], order: dict[str, Any], shipping: dict[str, Any] | None) -> dict[str, Any]:
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
    return extension
