"""The searchCriteria builder: every condition type, AND/OR grouping, build -> parse round trips, the echo."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest

from magento.search_criteria import (
    CONDITIONS,
    Filter,
    SearchCriteria,
    parse_fields,
    parse_params,
    project,
)

PREFIX = "searchCriteria[filter_groups][0][filters][0]"
VALUES = {"eq": "TSHIRT", "neq": "TSHIRT", "gt": "120", "gteq": "120", "lt": "9.99", "lteq": "9.99",
          "like": "%shirt%", "nlike": "%mug%", "in": "1,2,3", "nin": "4,5", "null": "", "notnull": "",
          "finset": "58", "from": "2024-03-01 00:00:00", "to": "2024-03-31 23:59:59"}


def test_magento_accepts_exactly_these_condition_types() -> None:
    assert set(CONDITIONS) == set(VALUES)


@pytest.mark.parametrize("condition", CONDITIONS)
def test_every_condition_type_is_rendered_and_parsed_back(condition: str) -> None:
    criteria = SearchCriteria().where("updated_at", VALUES[condition], condition)
    params = criteria.to_params()
    assert params == [(f"{PREFIX}[field]", "updated_at"), (f"{PREFIX}[value]", VALUES[condition]),
                      (f"{PREFIX}[condition_type]", condition)]
    assert parse_params(params) == criteria


def test_an_unknown_condition_type_is_refused_with_the_list() -> None:
    with pytest.raises(ValueError, match="unknown condition_type 'contains'.*finset"):
        SearchCriteria().where("name", "x", "contains")


def test_groups_are_anded_and_filters_in_a_group_are_ored() -> None:
    criteria = (SearchCriteria()
                .any_of([("status", "pending", "eq"), ("status", "processing", "eq")])
                .where("grand_total", 100, "gteq"))
    params = dict(criteria.to_params())
    assert params["searchCriteria[filter_groups][0][filters][0][value]"] == "pending"
    assert params["searchCriteria[filter_groups][0][filters][1][value]"] == "processing"
    assert params["searchCriteria[filter_groups][1][filters][0][field]"] == "grand_total"
    assert params["searchCriteria[filter_groups][1][filters][0][condition_type]"] == "gteq"


def test_between_puts_from_and_to_in_two_groups_so_both_apply() -> None:
    criteria = SearchCriteria().between("updated_at", "2024-03-01 00:00:00", "2024-03-02 00:00:00")
    assert criteria.filter_groups == (
        (Filter("updated_at", "2024-03-01 00:00:00", "from"),),
        (Filter("updated_at", "2024-03-02 00:00:00", "to"),),
    )
    assert SearchCriteria().between("updated_at", end="2024-03-02").filter_groups == (
        (Filter("updated_at", "2024-03-02", "to"),),)


@pytest.mark.parametrize(("value", "sent"), [([1, 2, 3], "1,2,3"), (("a", "b"), "a,b"), (True, "1"), (False, "0"),
                                             (None, ""), (12.5, "12.5"), (7, "7")])
def test_values_are_sent_as_magento_expects(value: object, sent: str) -> None:
    assert SearchCriteria().where("x", value, "in").filter_groups[0][0].value == sent


def test_sort_orders_page_and_fields_are_rendered_after_the_filters() -> None:
    criteria = (SearchCriteria().where("entity_id", 10, "gt").order_by("entity_id").order_by("created_at", "desc")
                .page(50, 3).project("items[entity_id,increment_id],total_count"))
    assert criteria.to_params()[3:] == [
        ("searchCriteria[sortOrders][0][field]", "entity_id"),
        ("searchCriteria[sortOrders][0][direction]", "ASC"),
        ("searchCriteria[sortOrders][1][field]", "created_at"),
        ("searchCriteria[sortOrders][1][direction]", "DESC"),
        ("searchCriteria[pageSize]", "50"),
        ("searchCriteria[currentPage]", "3"),
        ("fields", "items[entity_id,increment_id],total_count"),
    ]


def test_an_empty_criteria_still_sends_the_parameter_magento_requires() -> None:
    assert SearchCriteria().to_params() == [("searchCriteria", "")]


@pytest.mark.parametrize("bad", [lambda c: c.order_by("x", "UP"), lambda c: c.page(0), lambda c: c.page(10, 0),
                                 lambda c: c.project("items[id"), lambda c: c.any_of([])])
def test_bad_builder_input_is_refused(bad) -> None:
    with pytest.raises(ValueError):
        bad(SearchCriteria())


def test_a_full_criteria_survives_the_query_string_round_trip() -> None:
    criteria = (SearchCriteria()
                .any_of([("sku", "bla/koe", "eq"), ("sku", "24-MB 01", "eq"), ("name", "50% & more", "like")])
                .between("updated_at", "2024-03-01 00:00:00", "2024-03-31 23:59:59")
                .where("entity_id", 120, "gt").order_by("entity_id").page(100, 1)
                .project("items[id,sku,updated_at],total_count"))
    query = urlencode(criteria.to_params())
    assert parse_params(parse_qsl(query, keep_blank_values=True)) == criteria


def test_parsing_accepts_camel_case_keys_a_mapping_and_a_missing_condition_type() -> None:
    parsed = parse_params({
        "searchCriteria[filterGroups][0][filters][0][field]": "email",
        "searchCriteria[filterGroups][0][filters][0][value]": "ann@example.test",
        "searchCriteria[sortOrders][0][field]": "entity_id",
        "searchCriteria[pageSize]": "20",
        "searchCriteria[currentPage]": "2",
    })
    assert parsed == SearchCriteria().where("email", "ann@example.test").order_by("entity_id").page(20, 2)


def test_parsing_orders_groups_by_index_not_by_arrival() -> None:
    parsed = parse_params([("searchCriteria[filter_groups][1][filters][0][field]", "b"),
                           ("searchCriteria[filter_groups][0][filters][0][field]", "a")])
    assert [group[0].field for group in parsed.filter_groups] == ["a", "b"]


@pytest.mark.parametrize("params", [
    [("searchCriteria[pageSize]", "ten")],
    [("searchCriteria[filter_groups][0][filters][0][field]", "a"),
     ("searchCriteria[filter_groups][0][filters][0][condition_type]", "regexp")],
    [("searchCriteria[sortOrders][0][field]", "a"), ("searchCriteria[sortOrders][0][direction]", "SIDEWAYS")],
])
def test_parsing_refuses_what_magento_refuses(params: list[tuple[str, str]]) -> None:
    with pytest.raises(ValueError):
        parse_params(params)


def test_the_echo_has_the_shape_magento_puts_in_a_search_envelope() -> None:
    criteria = (SearchCriteria().where("attribute_set_name", "Apparel").where("entity_type_id", 4)
                .order_by("attribute_set_id").page(20, 1).project("items[attribute_set_id],total_count"))
    assert criteria.echo() == {
        "filter_groups": [
            {"filters": [{"field": "attribute_set_name", "value": "Apparel", "condition_type": "eq"}]},
            {"filters": [{"field": "entity_type_id", "value": "4", "condition_type": "eq"}]},
        ],
        "sort_orders": [{"field": "attribute_set_id", "direction": "ASC"}],
        "page_size": 20,
        "current_page": 1,
    }
    assert SearchCriteria().echo() == {"filter_groups": []}


def test_a_fields_projection_keeps_only_the_named_fields() -> None:
    answer = {"items": [{"id": 1, "sku": "A", "name": "x", "extension_attributes": {"stock_item": {"qty": 3,
                                                                                                    "item_id": 1}}}],
              "total_count": 1, "search_criteria": {}}
    projection = parse_fields("items[id,extension_attributes[stock_item[qty]]],total_count")
    assert project(answer, projection) == {"items": [{"id": 1, "extension_attributes": {"stock_item": {"qty": 3}}}],
                                           "total_count": 1}
