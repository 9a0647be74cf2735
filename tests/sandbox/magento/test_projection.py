"""The sandbox's own ``fields`` parser and projection, and its agreement with the client's."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magento import search_criteria as client
from sandbox.magento.projection import parse_fields, project


def test_nested_fields():
    assert parse_fields("items[sku, extension_attributes[stock_item[qty]]],total_count") == {
        "items": {"sku": None, "extension_attributes": {"stock_item": {"qty": None}}}, "total_count": None}


@pytest.mark.parametrize("spec", ["items[sku", "items[sku]]", "a,,b", "[a]", "items[sku-x]", "a\nb"])
def test_malformed_fields_are_refused(spec):
    with pytest.raises(ValueError):
        parse_fields(spec)


def test_project_keeps_only_the_named_fields_of_each_element():
    value = {"items": [{"sku": "A", "price": 1, "x": {"y": 1, "z": 2}}], "total_count": 1}
    assert project(value, parse_fields("items[sku,x[z],missing]")) == {"items": [{"sku": "A", "x": {"z": 2}}]}


def _outcome(parse, spec: str):
    try:
        return parse(spec)
    except ValueError:
        return "refused"


@settings(max_examples=500, deadline=None, database=None)
@given(st.text("ab_[], -", max_size=14))
def test_the_sandbox_and_the_client_read_fields_alike(spec: str):
    assert _outcome(parse_fields, spec) == _outcome(client.parse_fields, spec)
