"""Customer REST handlers: search, get, create (``{"customer", "password"}``) and update.

Address input may use camelCase (``defaultShipping``, ``regionId``); the customer's ``default_billing``
and ``default_shipping`` become the (string) ids of the addresses flagged so, as Magento answers them.
The password is checked against Magento's default rules (8 characters, 3 character classes) and never
stored or returned.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from sandbox.magento.http import DUPLICATE_EMAIL, Call, MagentoHttpError, as_int, bad_request, entity_by_id, required
from sandbox.magento.search import search_by_id
from sandbox.magento.shapes import merge_custom_attributes
from sandbox.magento.store import Store

PASSWORD_LENGTH = "The password needs at least %1 characters. Create a new password and try again."
PASSWORD_CLASSES = ("Minimum of different classes of characters in password is %1. Classes of characters: "
                    "Lower Case, Upper Case, Digits, Special Characters.")
EDITABLE = ("email", "firstname", "lastname", "middlename", "prefix", "suffix", "dob", "gender", "group_id",
            "taxvat", "store_id", "website_id", "disable_auto_group_change")


def _customer(store: Store, raw_id: Any) -> dict[str, Any]:
    return entity_by_id(store.customers, raw_id, "customerId")


def get_customer(call: Call) -> dict[str, Any]:
    return _customer(call.store, call.params["id"])


def search_customers(call: Call) -> dict[str, Any]:
    return search_by_id(call.store.customers, call.query)


def create_customer(call: Call) -> dict[str, Any]:
    """``POST /V1/customers`` (an anonymous route in Magento: account creation needs no token)."""
    store, body = call.store, call.body()
    values = call.body_object("customer")
    for field in ("email", "firstname", "lastname"):
        if not str(values.get(field) or "").strip():
            raise required(field)
    if body.get("password") is not None:
        _check_password(str(body["password"]))
    _check_unique_email(store, values["email"], int(values.get("website_id") or 1), None)
    now = store.now_text()
    customer: dict[str, Any] = {"id": store.next_id("customer"), "group_id": 1, "created_at": now, "updated_at": now,
                                "created_in": "Default Store View", "store_id": 1, "website_id": 1, "addresses": [],
                                "disable_auto_group_change": 0, "extension_attributes": {"is_subscribed": False}}
    _apply(store, customer, values)
    store.customers[customer["id"]] = customer
    store.changed("customer", "save", customer["id"])
    return customer


def update_customer(call: Call) -> dict[str, Any]:
    store, customer = call.store, copy.deepcopy(_customer(call.store, call.params["id"]))
    values = call.body_object("customer")
    if values.get("email"):
        _check_unique_email(store, values["email"], int(values.get("website_id") or customer["website_id"]),
                            customer["id"])
    _apply(store, customer, values)
    store.customers[customer["id"]] = customer
    store.touch(customer)
    store.changed("customer", "save", customer["id"])
    return customer


def _apply(store: Store, customer: dict[str, Any], values: dict[str, Any]) -> None:
    for field in EDITABLE:
        if values.get(field) is not None:
            customer[field] = as_int(values[field], field) if field.endswith("_id") or field == "gender" \
                else values[field]
    if isinstance(values.get("custom_attributes"), list):
        customer["custom_attributes"] = merge_custom_attributes(customer.get("custom_attributes") or [],
                                                                values["custom_attributes"])
    if isinstance(values.get("extension_attributes"), dict):
        customer["extension_attributes"].update(values["extension_attributes"])
    if isinstance(values.get("addresses"), list):
        customer["addresses"] = [_address(store, customer, address) for address in values["addresses"]
                                 if isinstance(address, dict)]
        _set_defaults(customer)


def _address(store: Store, customer: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    existing = {address["id"]: address for address in customer.get("addresses", [])}
    address_id = values.get("id")
    known = address_id is not None and as_int(address_id) in existing
    address: dict[str, Any] = dict(existing[as_int(address_id)]) if known else {"id": store.next_id("customer_address")}
    address["customer_id"] = customer["id"]
    region = values.get("region") if isinstance(values.get("region"), dict) else {}
    region_id = values.get("region_id", region.get("region_id", 0)) or 0
    address["region"] = {"region_code": region.get("region_code"), "region": region.get("region"),
                         "region_id": as_int(region_id, "region_id")}
    address["region_id"] = address["region"]["region_id"]
    for field in ("country_id", "street", "company", "telephone", "fax", "postcode", "city", "firstname",
                  "lastname", "middlename", "vat_id"):
        if values.get(field) is not None:
            address[field] = values[field]
    for flag in ("default_shipping", "default_billing"):
        address.pop(flag, None)
        if values.get(flag):
            address[flag] = True
    return address


def _set_defaults(customer: dict[str, Any]) -> None:
    for flag in ("default_billing", "default_shipping"):
        flagged = [address["id"] for address in customer["addresses"] if address.get(flag)]
        if flagged:
            customer[flag] = str(flagged[0])
        else:
            customer.pop(flag, None)


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise MagentoHttpError(400, PASSWORD_LENGTH, [8])
    classes = sum(bool(re.search(pattern, password)) for pattern in (r"[a-z]", r"[A-Z]", r"\d", r"[^a-zA-Z\d]"))
    if classes < 3:
        raise MagentoHttpError(400, PASSWORD_CLASSES, [3])


def _check_unique_email(store: Store, email: str, website_id: int, own_id: int | None) -> None:
    for customer in store.customers.values():
        if customer["id"] != own_id and customer["website_id"] == website_id \
                and customer["email"].casefold() == str(email).casefold():
            raise bad_request(DUPLICATE_EMAIL)
