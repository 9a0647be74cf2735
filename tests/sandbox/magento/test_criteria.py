"""The sandbox's own searchCriteria parser: Magento's bracket form, camelCase, index order, its 400s.

The last tests check it against the client's builder (``magento/search_criteria.py``): two independent
readings of Magento's documentation must agree on every query the client can send.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magento.search_criteria import SearchCriteria
from sandbox.magento.criteria import (
    CONDITIONS,
    Criteria,
    Filter,
    SortOrder,
    parse_query,
)
from sandbox.magento.http import MagentoHttpError

F = "searchCriteria[filter_groups][{}][filters][{}][{}]"


def error_of(query: list[tuple[str, str]]) -> tuple[str, Any]:
    with pytest.raises(MagentoHttpError) as raised:
        parse_query(query)
    return raised.value.message, raised.value.parameters


def test_an_empty_search_criteria_is_everything():
    assert parse_query([("searchCriteria", "")]) == Criteria()
    assert parse_query([("searchCriteria", "")]).echo() == {"filter_groups": []}


def test_filters_in_a_group_and_groups_in_index_order():
    query = [(F.format(1, 0, "field"), "price"), (F.format(1, 0, "value"), "50"),
             (F.format(1, 0, "condition_type"), "gt"),
             (F.format(0, 10, "field"), "sku"), (F.format(0, 10, "value"), "B"),
             (F.format(0, 2, "field"), "sku"), (F.format(0, 2, "value"), "A")]
    assert parse_query(query).filter_groups == (
        (Filter("sku", "A"), Filter("sku", "B")), (Filter("price", "50", "gt"),))


def test_camel_case_keys_sort_orders_and_page():
    query = [("searchCriteria[filterGroups][0][filters][0][field]", "sku"),
             ("searchCriteria[filterGroups][0][filters][0][value]", "x%"),
             ("searchCriteria[filterGroups][0][filters][0][conditionType]", "like"),
             ("searchCriteria[sortOrders][1][field]", "sku"),
             ("searchCriteria[sortOrders][0][field]", "price"), ("searchCriteria[sortOrders][0][direction]", "desc"),
             ("searchCriteria[pageSize]", " 20"), ("searchCriteria[currentPage]", "3")]
    assert parse_query(query) == Criteria(((Filter("sku", "x%", "like"),),),
                                          (SortOrder("price", "DESC"), SortOrder("sku", "ASC")), 20, 3)


def test_a_later_parameter_overwrites_an_earlier_one_like_php():
    query = [(F.format(0, 0, "field"), "sku"), (F.format(0, 0, "value"), "A"), (F.format(0, 0, "value"), "B"),
             (F.format(0, 0, "condition_type"), "")]
    assert parse_query(query).filter_groups == ((Filter("sku", "B", "eq"),),)


def test_the_echo_leaves_unset_parts_out():
    criteria = parse_query([(F.format(0, 0, "field"), "sku"), ("searchCriteria[pageSize]", "5")])
    assert criteria.echo() == {"filter_groups": [{"filters": [{"field": "sku", "value": "", "condition_type": "eq"}]}],
                               "page_size": 5}


@pytest.mark.parametrize(("query", "message", "parameters"), [
    ([("fields", "items")], "required", {"fieldName": "searchCriteria"}),
    ([(F.format(0, 0, "field"), "sku"), (F.format(0, 0, "condition_type"), "contains")], "Invalid value",
     {"value": "contains", "fieldName": "condition_type"}),
    ([("searchCriteria[sortOrders][0][direction]", "down")], "Invalid value",
     {"value": "down", "fieldName": "direction"}),
    ([("searchCriteria[pageSize]", "-1")], "type is invalid", {"value": "-1", "type": "int"}),
    ([("searchCriteria[currentPage]", "two")], "type is invalid", {"value": "two", "type": "int"}),
    ([(F.format(0, 0, "value"), "x")], "required", {"fieldName": "field"}),
    ([(F.format(0, 0, "field") + "[0]", "sku")], "type is invalid", {"value": "Array", "type": "string"}),
    ([("searchCriteria[pageSize][0]", "1")], "type is invalid", {"value": "Array", "type": "int"}),
])
def test_magento_s_400s(query, message, parameters):
    got_message, got_parameters = error_of(query)
    assert message in got_message and got_parameters == parameters


def test_every_documented_condition_type_is_known():
    documented = ["eq", "neq", "like", "nlike", "in", "nin", "gt", "gteq", "lt", "lteq", "null", "notnull", "moreq",
                  "finset", "nfinset", "from", "to"]
    assert CONDITIONS == set(documented)


def test_moreq_and_nfinset_over_http(api):
    def skus(condition: str, field: str, value: str) -> list[str]:
        query = {F.format(0, 0, "field"): field, F.format(0, 0, "value"): value,
                 F.format(0, 0, "condition_type"): condition}
        response = api.get("/V1/products", query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["sku"] for item in response.json["items"]]
    assert skus("moreq", "price", "79") == skus("gteq", "price", "79")
    with_feature = skus("finset", "features", "7101")
    without = skus("nfinset", "features", "7101")
    assert with_feature and without and not set(with_feature) & set(without)


_CLIENT_CONDITIONS = ("eq", "neq", "gt", "gteq", "lt", "lteq", "like", "nlike", "in", "nin", "null", "notnull",
                      "finset", "from", "to")
_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
_filters = st.tuples(st.text("abc_xyz", min_size=1, max_size=8), _text, st.sampled_from(_CLIENT_CONDITIONS))


@st.composite
def client_criteria(draw: st.DrawFn) -> SearchCriteria:
    criteria = SearchCriteria()
    for group in draw(st.lists(st.lists(_filters, min_size=1, max_size=3), max_size=3)):
        criteria = criteria.any_of(group)
    for field, direction in draw(st.lists(st.tuples(st.text("abc_", min_size=1, max_size=5),
                                                    st.sampled_from(("ASC", "DESC"))), max_size=2)):
        criteria = criteria.order_by(field, direction)
    if draw(st.booleans()):
        criteria = criteria.page(draw(st.integers(1, 500)), draw(st.integers(1, 50)))
    return criteria


@settings(max_examples=300, deadline=None, database=None)
@given(client_criteria())
def test_the_sandbox_reads_every_query_the_client_builds_as_the_client_meant_it(criteria: SearchCriteria):
    assert parse_query(criteria.to_params()).echo() == criteria.echo()
