"""HTTP helpers: raw path segments, camelCase keys, number parsing and error bodies."""

from __future__ import annotations

import pytest

from sandbox.magento.http import (
    Call,
    MagentoHttpError,
    as_int,
    as_number,
    entity_by_id,
    not_authorized,
    raw_path,
    segments,
    snake_case,
    snake_keys,
)


def test_segments_split_before_decoding():
    assert segments("/rest/V1/products/bla%2Fkoe") == ["rest", "V1", "products", "bla/koe"]
    assert segments("/rest/V1/products/x%3Fy%23z/a%25b/24-MB%2001") == ["rest", "V1", "products", "x?y#z", "a%b",
                                                                         "24-MB 01"]
    assert segments("/rest/V1/products/%C3%9Cn%2B+") == ["rest", "V1", "products", "Ün++"]


def test_raw_path_prefers_the_undecoded_uri():
    assert raw_path({"RAW_URI": "/rest/V1/products/a%2Fb?x=1", "PATH_INFO": "/rest/V1/products/a/b"}) == \
        "/rest/V1/products/a%2Fb"
    assert raw_path({"REQUEST_URI": "http://h/rest/V1/x?y"}) == "/rest/V1/x"
    assert raw_path({"PATH_INFO": "/rest/V1/products/a b"}) == "/rest/V1/products/a%20b"


def test_snake_case_like_magento():
    assert [snake_case(k) for k in ("orderItemId", "isVisibleOnFront", "appendComment", "regionId", "order_item_id",
                                    "stockItem", "sku")] == ["order_item_id", "is_visible_on_front", "append_comment",
                                                             "region_id", "order_item_id", "stock_item", "sku"]
    assert snake_keys({"items": [{"orderItemId": 1}], "comment": {"isVisibleOnFront": 0}}) == {
        "items": [{"order_item_id": 1}], "comment": {"is_visible_on_front": 0}}


def test_numbers():
    assert as_int("32") == 32 and as_int(4.0) == 4 and as_number("12.50") == 12.5 and as_number("3") == 3
    for bad in ("x", True, "1.5"):
        with pytest.raises(MagentoHttpError):
            as_int(bad)


def test_entity_by_id_finds_by_integer_id_or_names_the_field():
    records = {7: {"id": 7}}
    assert entity_by_id(records, "7", "id") is records[7]
    with pytest.raises(MagentoHttpError) as missing:
        entity_by_id(records, "8", "customerId")
    assert (missing.value.status, missing.value.body()["parameters"]) == (404, {"fieldName": "customerId",
                                                                                 "fieldValue": 8})


def test_error_bodies_leave_out_empty_parameters():
    assert MagentoHttpError(400, "Decoding error.").body() == {"message": "Decoding error."}
    assert not_authorized("A::b").body() == {"message": "The consumer isn't authorized to access %resources.",
                                             "parameters": {"resources": "A::b"}}


def test_call_body_and_required_objects():
    call = Call(None, {}, [("fields", "sku")], b'{"stockItem": {"qty": 1}}', "default")
    assert call.body_object("stock_item") == {"qty": 1} and call.arg("fields") == "sku" and call.arg("x") is None
    with pytest.raises(MagentoHttpError) as missing:
        call.body_object("product")
    assert missing.value.body()["parameters"] == {"fieldName": "product"}
    assert Call(None, {}, [], b"", "default").body() == {}
