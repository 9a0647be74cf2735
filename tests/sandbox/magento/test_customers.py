"""Customers: search, get, create with camelCase addresses, update, and Magento's validation messages."""

from __future__ import annotations

from urllib.parse import urlencode

CREATE = {"customer": {"email": "jane.roe@example.com", "firstname": "Jane", "lastname": "Roe", "addresses": [
    {"defaultShipping": True, "defaultBilling": True, "firstname": "Jane", "lastname": "Roe",
     "region": {"regionCode": "NY", "region": "New York", "regionId": 43}, "postcode": "10755",
     "street": ["123 Oak Ave"], "city": "Purchase", "telephone": "512-555-1111", "countryId": "US"}]},
    "password": "Password1"}


def test_customer_with_two_addresses(api):
    customer = api.get("/V1/customers/1").json
    assert (customer["default_billing"], customer["default_shipping"]) == ("1", "2")
    assert [address["id"] for address in customer["addresses"]] == [1, 2]


def test_customer_404_wording(api):
    response = api.get("/V1/customers/42")
    assert response.status_code == 404
    assert response.json == {"message": "No such entity with %fieldName = %fieldValue",
                             "parameters": {"fieldName": "customerId", "fieldValue": 42}}


def test_a_non_numeric_id_is_a_400(api):
    response = api.get("/V1/customers/abc")
    assert response.status_code == 400 and response.json["parameters"] == {"value": "abc", "type": "int"}


def test_create_reads_camel_case_and_sets_default_address_ids(api):
    customer = api.post("/V1/customers", CREATE).json
    assert customer["id"] == 5 and "password" not in customer
    address = customer["addresses"][0]
    assert address["id"] == 5 and address["customer_id"] == 5 and address["country_id"] == "US"
    assert address["region"] == {"region_code": "NY", "region": "New York", "region_id": 43}
    assert address["default_shipping"] is True and address["default_billing"] is True
    assert customer["default_billing"] == customer["default_shipping"] == "5"
    assert customer["created_at"] == customer["updated_at"] == "2024-06-01 12:00:00"


def test_duplicate_email_is_a_400(api):
    body = {**CREATE, "customer": {**CREATE["customer"], "email": "ALICE.MERCER@example.com"}}
    response = api.post("/V1/customers", body)
    assert response.status_code == 400
    assert response.json == {
        "message": "A customer with the same email address already exists in an associated website."}


def test_password_rules(api):
    short = api.post("/V1/customers", {**CREATE, "password": "Pw1"})
    assert short.status_code == 400 and short.json["parameters"] == [8]
    simple = api.post("/V1/customers", {**CREATE, "password": "password"})
    assert simple.status_code == 400 and simple.json["parameters"] == [3]


def test_required_fields(api):
    response = api.post("/V1/customers", {"customer": {"firstname": "No", "lastname": "Mail"}})
    assert response.status_code == 400 and response.json["parameters"] == {"fieldName": "email"}


def test_update_moves_updated_at_and_keeps_unsent_fields(api, clock):
    clock.advance(120)
    customer = api.put("/V1/customers/3", {"customer": {"id": 3, "lastname": "Wu-Lee"}}).json
    assert customer["lastname"] == "Wu-Lee" and customer["firstname"] == "Chen"
    assert customer["updated_at"] == "2024-06-01 12:02:00" and len(customer["addresses"]) == 1


def test_search_by_group_and_sort(api):
    query = urlencode([("searchCriteria[filter_groups][0][filters][0][field]", "group_id"),
                       ("searchCriteria[filter_groups][0][filters][0][value]", "1"),
                       ("searchCriteria[sortOrders][0][field]", "lastname"),
                       ("searchCriteria[sortOrders][0][direction]", "DESC")])
    assert [c["lastname"] for c in api.get(f"/V1/customers/search?{query}").json["items"]] == [
        "Wu", "Okafor", "Mercer"]
