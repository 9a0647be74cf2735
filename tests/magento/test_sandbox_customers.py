"""The client's customer endpoints against the running Magento sandbox: search, get, create and update."""

from __future__ import annotations

import pytest

from core.errors import MagentoNotFound, MagentoValidationError
from magento.search_criteria import SearchCriteria

NEW_CUSTOMER = {
    "email": "femke.smit@example.net", "firstname": "Femke", "lastname": "Smit", "website_id": 1,
    "addresses": [
        {"firstname": "Femke", "lastname": "Smit", "street": ["Markt 3"], "city": "Delft", "postcode": "2611 GP",
         "country_id": "NL", "telephone": "+31 15 555 0003", "defaultBilling": True},
        {"firstname": "Femke", "lastname": "Smit", "street": ["Havenweg 9"], "city": "Leiden", "postcode": "2312 AB",
         "country_id": "NL", "telephone": "+31 71 555 0009", "defaultShipping": True},
    ],
}
PASSWORD = "Zomer-2024-Delft"


def test_search_customers_filters_and_sorts(magento, sandbox):
    found = magento.search_customers(SearchCriteria().where("email", "%@example.com", "like").order_by("lastname"))
    assert found.total_count == 2
    assert [(customer["id"], customer["lastname"]) for customer in found.items] == [(1, "Mercer"), (4, "Okafor")]
    assert magento.search_customers().total_count == 4


def test_get_customer_returns_the_record_with_its_addresses(magento, sandbox):
    customer = magento.get_customer(1)
    assert customer == sandbox.record("customer", "1")
    assert (customer["default_billing"], customer["default_shipping"]) == ("1", "2")
    assert [address["id"] for address in customer["addresses"]] == [1, 2]


def test_unknown_customer_is_not_found_with_magentos_sentence(magento, sandbox):
    with pytest.raises(MagentoNotFound) as caught:
        magento.get_customer(77)
    assert caught.value.message == "No such entity with customerId = 77 [GET /rest/default/V1/customers/77]"
    assert not caught.value.route_missing


def test_create_customer_with_camel_case_address_flags_then_read_it(magento, sandbox):
    created = magento.create_customer(NEW_CUSTOMER, password=PASSWORD)
    assert created["id"] == 5 and created["email"] == NEW_CUSTOMER["email"]
    billing, shipping = created["addresses"]
    assert (created["default_billing"], created["default_shipping"]) == (str(billing["id"]), str(shipping["id"]))
    assert "password" not in created and PASSWORD not in str(sandbox.record("customer", "5"))
    assert magento.get_customer(5) == created


def test_a_second_customer_with_the_same_email_is_refused_once(magento, sandbox):
    magento.create_customer(NEW_CUSTOMER, password=PASSWORD)
    with pytest.raises(MagentoValidationError) as caught:
        magento.create_customer({**NEW_CUSTOMER, "email": NEW_CUSTOMER["email"].upper()}, password=PASSWORD)
    assert caught.value.message.startswith("A customer with the same email address already exists in an "
                                           "associated website.")
    assert [call["status"] for call in sandbox.calls()] == [200, 400]  # a create is never resent
    assert sandbox.keys("customer") == ["1", "2", "3", "4", "5"]


def test_a_weak_password_is_refused_with_the_rule_filled_in(magento, sandbox):
    with pytest.raises(MagentoValidationError) as caught:
        magento.create_customer(NEW_CUSTOMER, password="short")
    assert caught.value.message.startswith("The password needs at least 8 characters. Create a new password")


def test_update_customer_changes_the_named_fields_and_moves_updated_at(magento, sandbox):
    before = magento.get_customer(2)
    sandbox.admin("POST", "/clock", {"advance": 3600})
    updated = magento.update_customer(2, {"lastname": "Visser-de Boer", "email": before["email"],
                                          "firstname": before["firstname"]})
    assert (updated["lastname"], updated["taxvat"], updated["addresses"]) == (
        "Visser-de Boer", before["taxvat"], before["addresses"])
    assert (before["updated_at"], updated["updated_at"]) == ("2024-01-22 07:40:10", "2024-06-01 13:00:00")
    assert magento.get_customer(2) == updated


def test_update_customer_to_another_customers_email_is_refused(magento, sandbox):
    with pytest.raises(MagentoValidationError):
        magento.update_customer(2, {"email": "alice.mercer@example.com", "firstname": "Bram", "lastname": "Visser"})
    assert magento.get_customer(2)["email"] == "inkoop@visserbouw.example"
