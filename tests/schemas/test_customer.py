"""Customers: string default ids on the customer, boolean flags on addresses, region objects."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from schemas.common import ADDRESS_FIELDS
from schemas.customer import CUSTOMER_FIELDS, CustomerSchema


def load(record):
    return CustomerSchema().load(record)


def test_customer_maps_every_field(record):
    document = load(record("customer.json"))
    assert set(document) == set(CUSTOMER_FIELDS)
    assert (document["magento_id"], document["email"], document["firstname"], document["lastname"]) == (
        57, "ingrid.haugen@example.org", "Ingrid", "Haugen")
    assert (document["group_id"], document["website_id"], document["store_id"]) == (2, 2, 3)
    assert all(set(address) == set(ADDRESS_FIELDS) for address in document["addresses"])


def test_separate_default_billing_and_shipping_addresses(record):
    addresses = {a["magento_id"]: a for a in load(record("customer.json"))["addresses"]}
    assert (addresses[88]["default_billing"], addresses[88]["default_shipping"]) == (True, False)
    # address 89 has no flag of its own: the customer's "default_shipping": "89" makes it the default
    assert (addresses[89]["default_billing"], addresses[89]["default_shipping"]) == (False, True)
    assert (addresses[90]["default_billing"], addresses[90]["default_shipping"]) == (False, False)


def test_one_address_for_both_defaults_from_the_customer_ids_alone(record):
    customer = record("customer.json")
    customer["default_shipping"] = "88"
    for address in customer["addresses"]:
        address.pop("default_billing", None)
    addresses = {a["magento_id"]: a for a in load(customer)["addresses"]}
    assert (addresses[88]["default_billing"], addresses[88]["default_shipping"]) == (True, True)
    assert not any(addresses[i]["default_billing"] or addresses[i]["default_shipping"] for i in (89, 90))


def test_address_fields_from_region_object_and_lists(record):
    addresses = load(record("customer.json"))["addresses"]
    first, second, third = addresses
    assert first["street"] == ["1200 Harbor Road", "Suite 4"] and first["company"] == "Haugen Sails LLC"
    assert (first["region"], first["region_code"], first["country_id"]) == ("New York", "NY", "US")
    assert (second["region"], second["region_code"]) == (None, None)  # region object full of nulls
    assert third["postcode"] == "94105"  # sent as a number
    assert first["email"] is None


def test_customer_without_addresses_or_defaults(record):
    customer = record("customer.json")
    for name in ("addresses", "default_billing", "default_shipping"):
        del customer[name]
    assert load(customer)["addresses"] == []


@pytest.mark.parametrize("field", ["id", "email"])
def test_missing_required_field_is_named(record, field):
    customer = record("customer.json")
    del customer[field]
    with pytest.raises(ValidationError) as caught:
        load(customer)
    assert field in caught.value.messages


def test_bad_address_is_named_by_position(record):
    customer = record("customer.json")
    customer["addresses"][1]["street"] = {"line": "x"}
    with pytest.raises(ValidationError) as caught:
        load(customer)
    assert "street" in caught.value.messages["addresses"][1]


def test_tax_numbers_birth_date_and_gender_are_kept(record):
    customer = record("customer.json")
    customer.update(taxvat=" NL123456789B01 ", dob="1984-02-29", gender=2)
    customer["addresses"][0]["vat_id"] = "NO987654321MVA"
    document = load(customer)
    assert (document["taxvat"], document["dob"], document["gender"], document["group_id"]) == (
        "NL123456789B01", "1984-02-29", 2, 2)
    assert document["addresses"][0]["vat_id"] == "NO987654321MVA"
    assert [a["vat_id"] for a in document["addresses"][1:]] == [None] * (len(document["addresses"]) - 1)


@pytest.mark.parametrize("dob", ["1984-02-29 00:00:00", "1984-02-29T00:00:00"])
def test_birth_date_with_a_midnight_time_is_the_date(record, dob):
    assert load({**record("customer.json"), "dob": dob})["dob"] == "1984-02-29"


def test_a_birth_date_that_is_not_a_date_is_refused(record):
    with pytest.raises(ValidationError) as caught:
        load({**record("customer.json"), "dob": "29/02/1984"})
    assert "dob" in caught.value.messages


def test_empty_tax_numbers_are_none(record):
    customer = record("customer.json")
    customer["taxvat"] = ""
    customer["addresses"][0]["vat_id"] = "  "
    document = load(customer)
    assert document["taxvat"] is None and document["addresses"][0]["vat_id"] is None


def test_every_address_is_carried_not_only_the_defaults(record):
    customer = record("customer.json")
    document = load(customer)
    assert [a["magento_id"] for a in document["addresses"]] == [a["id"] for a in customer["addresses"]]
    assert any(not a["default_billing"] and not a["default_shipping"] for a in document["addresses"])
