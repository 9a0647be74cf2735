"""Parsing 2xx bodies: ids in both forms, search envelopes, and bodies that are not what was documented."""

from __future__ import annotations

import json

import pytest

from core.errors import MagentoBadResponse
from magento.responses import Answer, SearchResult

CALL = "POST /rest/all/V1/order/16/invoice"


@pytest.mark.parametrize(("text", "expected"), [("4", 4), ('"4"', 4), ('"190"', 190), ("12345678901", 12345678901)])
def test_an_id_answer_is_accepted_as_a_number_or_a_string(text: str, expected: int) -> None:
    assert Answer.from_text(text, CALL).id() == expected


@pytest.mark.parametrize("text", ['"abc"', "0", '"0"', "-3", "true", "null", '"4.0"', "4.5", '{"id": 4}', '""'])
def test_anything_else_is_not_an_id(text: str) -> None:
    with pytest.raises(MagentoBadResponse, match="not an id") as caught:
        Answer.from_text(text, CALL).id()
    assert caught.value.body == text
    assert CALL in caught.value.message


@pytest.mark.parametrize("text", ["<html><body><h1>Maintenance</h1> back soon</body></html>", "", "{truncated"])
def test_a_body_that_is_not_json_is_a_bad_response_with_a_snippet(text: str) -> None:
    with pytest.raises(MagentoBadResponse) as caught:
        Answer.from_text(text, CALL)
    assert not caught.value.retryable
    if text.startswith("<html>"):
        assert "Maintenance back soon" in caught.value.message
    if text == "":
        assert "an empty body" in caught.value.message


def test_a_record_must_be_an_object() -> None:
    assert Answer.from_text('{"sku": "A"}').object() == {"sku": "A"}
    with pytest.raises(MagentoBadResponse, match="not a JSON object"):
        Answer.from_text('[{"sku": "A"}]').object()


def test_a_list_of_children_must_hold_objects() -> None:
    assert Answer.from_text('[{"sku": "A"}]').objects() == [{"sku": "A"}]
    with pytest.raises(MagentoBadResponse):
        Answer.from_text('["A"]').objects()


def test_an_order_comment_answer_is_the_bare_true() -> None:
    assert Answer.from_text("true").true() is True
    for text in ("false", '"true"', "1"):
        with pytest.raises(MagentoBadResponse):
            Answer.from_text(text).true()


def test_a_search_envelope_is_parsed() -> None:
    body = {"items": [{"entity_id": 3}], "search_criteria": {"filter_groups": [], "page_size": 20},
            "total_count": 41}
    assert Answer.from_text(json.dumps(body)).search() == SearchResult(
        items=[{"entity_id": 3}], total_count=41, search_criteria={"filter_groups": [], "page_size": 20})


def test_an_empty_search_may_omit_items() -> None:
    assert Answer.from_text('{"items": null, "total_count": 0}').search().items == []
    assert Answer.from_text('{"total_count": 0}').search() == SearchResult(items=[], total_count=0)


@pytest.mark.parametrize("body", [{"items": []}, {"items": [], "total_count": -1}, {"items": [], "total_count": "x"},
                                  {"items": [1, 2], "total_count": 2}, {"items": {}, "total_count": 0}, []])
def test_a_search_envelope_without_a_usable_total_or_items_is_refused(body: object) -> None:
    with pytest.raises(MagentoBadResponse):
        Answer.from_text(json.dumps(body)).search()
