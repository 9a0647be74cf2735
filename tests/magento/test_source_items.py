"""The MSI stock endpoints against mocked HTTP: the batch limit, Magento's errors as classes, chunked reads."""

from __future__ import annotations

import json

import pytest

from core.errors import (
    MagentoBadResponse,
    MagentoTooManyItems,
    MagentoValidationError,
    PermanentError,
)
from magento.source_items import source_item_searches

GET, POST, PUT = "GET", "POST", "PUT"
ITEM_TYPE = "\\Magento\\InventoryApi\\Api\\Data\\SourceItemInterface"


def items(count: int, source: str = "default") -> list[dict]:
    return [{"sku": f"SKU-{n}", "source_code": source, "quantity": n, "status": 1} for n in range(count)]


def test_save_posts_the_items_to_the_write_store(client, mocked, rest) -> None:
    mocked.add(POST, rest("inventory/source-items", store="all"), json=[])
    assert client.save_source_items(items(20)) is None
    sent = mocked.calls[0].request
    assert json.loads(sent.body) == {"sourceItems": items(20)}


def test_save_refuses_more_than_max_items_before_sending(client, mocked) -> None:
    with pytest.raises(MagentoTooManyItems) as caught:
        client.save_source_items(items(21))
    assert isinstance(caught.value, PermanentError) and not caught.value.retryable
    assert caught.value.details["max"] == 20 and caught.value.details["items"] == 21
    assert "MAGENTO_MAX_ITEMS=20" in caught.value.message and len(mocked.calls) == 0


def test_max_items_follows_the_setting(make_client, mocked, rest) -> None:
    client = make_client(MAGENTO_MAX_ITEMS="5")
    with pytest.raises(MagentoTooManyItems):
        client.save_source_items(items(6))
    mocked.add(POST, rest("inventory/source-items", store="all"), json=[])
    client.save_source_items(items(5))
    assert len(mocked.calls) == 1


def test_an_empty_save_sends_nothing(client, mocked) -> None:
    client.save_source_items([])
    assert len(mocked.calls) == 0


def test_magentos_own_item_limit_is_too_many_items_with_its_max(make_client, mocked, rest) -> None:
    body = {"message": 'Maximum items of type "%type" is %max', "parameters": {"type": ITEM_TYPE, "max": 10}}
    mocked.add(POST, rest("inventory/source-items", store="all"), json=body, status=400)
    with pytest.raises(MagentoTooManyItems) as caught:
        make_client(MAGENTO_MAX_ITEMS="20").save_source_items(items(15))
    error = caught.value
    assert error.status == 400 and error.details["max"] == 10 and not error.retryable
    assert error.message.startswith(f'Maximum items of type "{ITEM_TYPE}" is 10')
    assert len(mocked.calls) == 1  # a permanent answer is not retried in-process


def test_validation_failures_stay_validation_errors(client, mocked, rest) -> None:
    body = {"message": 'Validation Failed: "quantity" should be numeric.',
            "errors": [{"message": '"%field" should be numeric.', "parameters": {"field": "quantity"}}]}
    mocked.add(POST, rest("inventory/source-items", store="all"), json=body, status=400)
    with pytest.raises(MagentoValidationError) as caught:
        client.save_source_items([{"sku": "A", "source_code": "default", "status": 1}])
    assert type(caught.value) is MagentoValidationError
    assert caught.value.message.startswith('Validation Failed: "quantity" should be numeric')


def test_a_save_answering_anything_but_an_empty_array_is_a_bad_response(client, mocked, rest) -> None:
    mocked.add(POST, rest("inventory/source-items", store="all"), body="<html>maintenance</html>")
    with pytest.raises(MagentoBadResponse):
        client.save_source_items(items(1))


def test_source_items_search_by_sku_chunks_and_sources(client, mocked, rest) -> None:
    answers = iter([{"items": [{"sku": "SKU-0", "source_code": "berlin", "quantity": 1, "status": 1}],
                     "total_count": 1},
                    {"items": [], "total_count": 0},
                    {"items": [{"sku": "A,B", "source_code": "berlin", "quantity": 2, "status": 0}], "total_count": 1}])
    mocked.add_callback(GET, rest("inventory/source-items"),
                        callback=lambda request: (200, {}, json.dumps(next(answers))))
    skus = [f"SKU-{n}" for n in range(60)] + ["A,B", "SKU-0"]
    found = client.source_items(skus, ["berlin"])
    assert [item["sku"] for item in found] == ["SKU-0", "A,B"]
    params = [call.request.params for call in mocked.calls]
    assert [len(p["searchCriteria[filter_groups][1][filters][0][value]"].split(",")) for p in params[:2]] == [50, 10]
    assert params[2]["searchCriteria[filter_groups][1][filters][0][value]"] == "A,B"
    assert params[2]["searchCriteria[filter_groups][1][filters][0][condition_type]"] == "eq"
    assert all(p["searchCriteria[filter_groups][0][filters][0][value]"] == "berlin" for p in params)


def test_source_items_page_through_a_large_answer(client, mocked, rest) -> None:
    pages = {"1": [{"sku": "A", "source_code": "s1"}, {"sku": "A", "source_code": "s2"}],
             "2": [{"sku": "B", "source_code": "s1"}]}

    def answer(request):
        page = request.params["searchCriteria[currentPage]"]
        return 200, {}, json.dumps({"items": pages[page], "total_count": 3})

    mocked.add_callback(GET, rest("inventory/source-items"), callback=answer)
    assert [(i["sku"], i["source_code"]) for i in client.source_items(["A", "B"], page_size=2)] == [
        ("A", "s1"), ("A", "s2"), ("B", "s1")]
    assert len(mocked.calls) == 2


def test_searches_refuse_empty_skus_and_odd_source_codes() -> None:
    assert source_item_searches([]) == []
    with pytest.raises(ValueError):
        source_item_searches([""])
    with pytest.raises(ValueError):
        source_item_searches(["A"], ["a,b"])


def test_salable_quantity_is_a_number(client, mocked, rest) -> None:
    mocked.add(GET, rest("inventory/get-product-salable-quantity/bla%2Fkoe/1"), body="37")
    mocked.add(GET, rest("inventory/get-product-salable-quantity/X/2"), body="2.5")
    mocked.add(GET, rest("inventory/get-product-salable-quantity/Y/1"), json={"message": "?"})
    assert client.salable_quantity("bla/koe") == 37.0 and client.salable_quantity("X", 2) == 2.5
    with pytest.raises(MagentoBadResponse):
        client.salable_quantity("Y")


def test_set_stock_quantity_reads_the_item_id_then_puts(client, mocked, rest) -> None:
    mocked.add(GET, rest("stockItems/A%20B"), json={"item_id": 41, "qty": 3})
    mocked.add(PUT, rest("products/A%20B/stockItems/41", store="all"), body='"41"')
    assert client.set_stock_quantity("A B", 7, True) == 41
    assert json.loads(mocked.calls[1].request.body) == {"stockItem": {"qty": 7, "is_in_stock": True}}
    mocked.add(PUT, rest("products/C/stockItems/9", store="all"), body='"9"')
    assert client.set_stock_quantity("C", 0, False, item_id=9) == 9 and len(mocked.calls) == 3
