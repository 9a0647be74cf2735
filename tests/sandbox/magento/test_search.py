"""searchCriteria over the REST API: every condition type, OR/AND, sorting, paging, the envelope, projection."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from magento.search_criteria import SearchCriteria
from sandbox.magento.criteria import Filter
from sandbox.magento.search import matches, paginate, search_by_id

NONE = SearchCriteria()


def skus(api, criteria: SearchCriteria, path: str = "/V1/products") -> list[str]:
    response = api.get(f"{path}?{urlencode(criteria.to_params())}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["sku"] for item in response.json["items"]]


@pytest.mark.parametrize(("field", "value", "condition", "expected"), [
    ("type_id", "bundle", "eq", ["NW-COOK-KIT"]),
    ("sku", "nw-stove", "eq", ["NW-STOVE"]),  # MySQL's collation: case-insensitive
    ("type_id", "simple", "neq", ["NW-PARKA", "NW-COOK-KIT", "NW-GIFT-25"]),
    ("price", "100", "gt", ["NW-PARKA-S-Red", "NW-PARKA-M-Red", "NW-PARKA-M-Navy", "NW-PARKA-L-Navy"]),
    ("price", "79", "gteq", ["NW-PARKA-S-Red", "NW-PARKA-M-Red", "NW-PARKA-M-Navy", "NW-PARKA-L-Navy", "NW-PACK-28"]),
    ("price", "10", "lt", ["NW-PARKA", "NW-FUEL-230", "NW-COOK-KIT"]),  # 6.5 < 10 as numbers, not as text
    ("price", "12", "lteq", ["NW-PARKA", "NW-MUG-350", "NW-FUEL-230", "NW-COOK-KIT"]),
    ("sku", "nw-parka-%-navy", "like", ["NW-PARKA-M-Navy", "NW-PARKA-L-Navy"]),
    ("sku", "NW-MUG-3_0", "like", ["NW-MUG-350"]),
    ("sku", "NW-%", "nlike", ["BAG/TOTE-01"]),
    ("sku", "NW-STOVE,NW-FUEL-230", "in", ["NW-STOVE", "NW-FUEL-230"]),
    ("type_id", "simple,configurable", "nin", ["NW-COOK-KIT", "NW-GIFT-25"]),
    ("weight", "", "null", ["NW-PARKA", "NW-GIFT-25"]),
    ("features", "7101", "finset", ["NW-PARKA", "NW-BOTTLE-750"]),
    ("updated_at", "2024-03-01 11:02:09", "from", ["NW-BOTTLE-750"]),
    ("updated_at", "2024-01-09 10:12:04", "to", ["NW-PARKA-S-Red", "NW-PARKA-M-Red"]),
    ("category_id", "5", "eq", ["BAG/TOTE-01", "NW-PACK-28"]),
])
def test_each_condition_type_filters_like_magento(api, field, value, condition, expected):
    assert skus(api, NONE.where(field, value, condition)) == expected


def test_notnull_keeps_every_product_with_a_weight(api):
    found = skus(api, NONE.where("weight", "", "notnull"))
    assert "NW-GIFT-25" not in found and "NW-PARKA" not in found and len(found) == 11


def test_a_null_column_matches_no_negative_condition(api):
    """SQL's three-valued logic: ``weight <> 1.8`` is not true for a product without weight."""
    found = skus(api, NONE.where("weight", "1.8", "neq"))
    assert "NW-GIFT-25" not in found and "NW-PARKA-S-Red" not in found and len(found) == 10


def test_filters_in_one_group_are_ored(api):
    criteria = NONE.any_of([("sku", "NW-STOVE", "eq"), ("type_id", "bundle", "eq")])
    assert skus(api, criteria) == ["NW-STOVE", "NW-COOK-KIT"]


def test_filter_groups_are_anded(api):
    criteria = NONE.where("type_id", "simple").where("price", "50", "gt")
    assert skus(api, criteria) == ["NW-PARKA-S-Red", "NW-PARKA-M-Red", "NW-PARKA-M-Navy", "NW-PARKA-L-Navy",
                                   "NW-STOVE", "NW-PACK-28"]


def test_between_dates_accepts_iso_and_magento_forms(api):
    magento = NONE.between("updated_at", "2024-02-01 00:00:00", "2024-02-29 23:59:59")
    iso = NONE.between("updated_at", "2024-02-01T00:00:00Z", "2024-02-29T23:59:59Z")
    assert skus(api, magento) == skus(api, iso) == ["NW-PARKA", "NW-PARKA-L-Navy", "NW-PACK-28"]


def test_several_sort_orders(api):
    criteria = NONE.where("price", "189", "gteq").order_by("price", "DESC").order_by("sku", "ASC")
    assert skus(api, criteria) == ["NW-PARKA-L-Navy", "NW-PARKA-M-Navy", "NW-PARKA-M-Red", "NW-PARKA-S-Red"]


def test_sorting_numbers_numerically_and_nulls_first(api):
    prices = [item["price"] for item in api.get(
        "/V1/products?" + urlencode(NONE.order_by("price").to_params())).json["items"]]
    assert prices == sorted(prices)
    assert skus(api, NONE.order_by("weight", "ASC"))[:2] == ["NW-PARKA", "NW-GIFT-25"]
    assert skus(api, NONE.order_by("weight", "DESC"))[-2:] == ["NW-PARKA", "NW-GIFT-25"]


def test_paging_and_the_past_the_end_page(api):
    base = NONE.order_by("sku")
    everything = skus(api, base)
    assert len(everything) == 13
    assert skus(api, base.page(5, 2)) == everything[5:10]
    assert skus(api, base.page(5, 3)) == everything[10:]
    assert skus(api, base.page(5, 9)) == everything[10:]  # past the end: the last page again


def test_no_page_size_means_every_record(api):
    response = api.get("/V1/products?searchCriteria=")
    assert response.json["total_count"] == len(response.json["items"]) == 13


def test_envelope_echoes_the_criteria_and_counts_every_match(api):
    criteria = NONE.where("type_id", "simple").order_by("sku", "DESC").page(2, 3)
    body = api.get("/V1/products?" + urlencode(criteria.to_params())).json
    assert set(body) == {"items", "search_criteria", "total_count"}
    assert body["search_criteria"] == criteria.echo()
    assert body["total_count"] == 10 and len(body["items"]) == 2


def test_fields_projection(api):
    criteria = NONE.where("sku", "NW-STOVE").project("items[sku,extension_attributes[stock_item[qty]]],total_count")
    body = api.get("/V1/products?" + urlencode(criteria.to_params())).json
    assert body == {"items": [{"sku": "NW-STOVE", "extension_attributes": {"stock_item": {"qty": 40}}}],
                    "total_count": 1}


def test_fields_projection_on_a_single_record(api):
    assert api.get("/V1/orders/3?fields=entity_id,increment_id").json == {"entity_id": 3, "increment_id": "000000102"}


def test_camel_case_parameters_are_accepted(api):
    query = ("searchCriteria[filterGroups][0][filters][0][field]=sku&"
             "searchCriteria[filterGroups][0][filters][0][value]=NW-STOVE&"
             "searchCriteria[filterGroups][0][filters][0][conditionType]=eq&searchCriteria[pageSize]=1")
    assert [item["sku"] for item in api.get("/V1/products?" + query).json["items"]] == ["NW-STOVE"]


def test_a_bad_condition_type_is_a_400(api):
    query = ("searchCriteria[filter_groups][0][filters][0][field]=sku&searchCriteria[filter_groups][0][filters][0]"
             "[value]=x&searchCriteria[filter_groups][0][filters][0][condition_type]=contains")
    response = api.get("/V1/products?" + query)
    assert response.status_code == 400
    assert response.json == {"message": "Invalid value of \"%value\" provided for the %fieldName field.",
                             "parameters": {"value": "contains", "fieldName": "condition_type"}}


def test_a_non_numeric_page_size_is_a_400(api):
    response = api.get("/V1/products?searchCriteria[pageSize]=ten")
    assert response.status_code == 400 and response.json["parameters"] == {"value": "ten", "type": "int"}


def test_a_list_without_search_criteria_is_a_400(api):
    response = api.get("/V1/orders")
    assert response.status_code == 400
    assert response.json == {"message": "\"%fieldName\" is required. Enter and try again.",
                             "parameters": {"fieldName": "searchCriteria"}}


def test_search_works_on_every_list_endpoint(api):
    criteria = NONE.where("increment_id", "000000102")
    assert [o["entity_id"] for o in api.get("/V1/orders?" + urlencode(criteria.to_params())).json["items"]] == [3]
    by_order = NONE.where("order_id", "3")
    for path in ("/V1/invoices", "/V1/shipments"):
        assert api.get(f"{path}?{urlencode(by_order.to_params())}").json["total_count"] == 1
    assert api.get("/V1/creditmemos?" + urlencode(NONE.where("order_id", "4").to_params())).json["total_count"] == 1
    customers = api.get("/V1/customers/search?" + urlencode(NONE.where("email", "%@example.com", "like").to_params()))
    assert [c["id"] for c in customers.json["items"]] == [1, 4]
    categories = api.get("/V1/categories/list?" + urlencode(NONE.where("parent_id", "3").to_params()))
    assert [c["name"] for c in categories.json["items"]] == ["Jackets & Parkas", "Bags"]
    sets = api.get("/V1/products/attribute-sets/sets/list?" + urlencode(NONE.where(
        "attribute_set_name", "Default").to_params()))
    assert sets.json["items"] == [{"attribute_set_id": 4, "attribute_set_name": "Default", "sort_order": 1,
                                   "entity_type_id": 4}]


def test_text_columns_compare_as_text():
    """``increment_id`` is a varchar: ``"000000013"`` is not ``"13"`` even though both are digits."""
    assert not matches("000000013", Filter("increment_id", "13", "eq"))
    assert matches("15", Filter("relation_parent_id", "15.0", "eq"))


def test_like_escapes_and_finset_on_lists():
    assert matches("100%", Filter("name", "100\\%", "like"))
    assert not matches("1000", Filter("name", "100\\%", "like"))
    assert matches(["3", "5"], Filter("category_ids", "5", "finset"))


@pytest.mark.parametrize(("size", "current", "expected"), [
    (None, 7, [1, 2, 3, 4, 5]), (2, None, [1, 2]), (2, 0, [1, 2]), (2, 3, [5]), (2, 40, [5]), (0, 2, [1, 2, 3, 4, 5])])
def test_paginate_clamps_like_get_cur_page(size, current, expected):
    assert paginate([1, 2, 3, 4, 5], size, current) == expected


def test_paginate_an_empty_result():
    assert paginate([], 10, 3) == []


def test_search_by_id_lists_in_id_order_and_renders_each_record():
    records = {3: {"id": 3}, 1: {"id": 1}, 2: {"id": 2}}
    query = [("searchCriteria[pageSize]", "2")]
    found = search_by_id(records, query, render=lambda record: record["id"])
    assert (found["items"], found["total_count"]) == ([1, 2], 3)
