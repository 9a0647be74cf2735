"""Key paging: batches, the end by total_count, the past-the-end quirk, batch delay, resume after a key."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from core.entities import ListEndpoint
from core.errors import MagentoBadResponse
from magento.paging import Batch, iterate
from magento.records import list_endpoint
from magento.search_criteria import Filter, SearchCriteria, parse_params

ORDERS = ListEndpoint("orders")


class FakeList:
    """A Magento list endpoint over in-memory rows, with Magento's quirks.

    A page number past the end answers the last page again; ``extra_total`` inflates total_count the way
    Magento does when it counts rows it then leaves out; ``honour_gt=False`` ignores ``gt`` filters.
    """

    def __init__(self, keys: range | list[int], item_key: str = "entity_id", *, extra_total: int = 0,
                 honour_gt: bool = True) -> None:
        self.item_key = item_key
        self.rows = {key: {item_key: key, "increment_id": f"{key:09d}"} for key in keys}
        self.extra_total = extra_total
        self.honour_gt = honour_gt
        self.requests: list[SearchCriteria] = []

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        criteria = parse_params(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
        self.requests.append(criteria)
        rows: list[dict[str, Any]] = [row for row in self.rows.values()
                if all(any(self.matches(row, item) for item in group) for group in criteria.filter_groups)]
        for order in reversed(criteria.sort_orders):
            rows.sort(key=lambda row: row.get(self.column(order.field)), reverse=order.direction == "DESC")
        size, page = criteria.page_size or 20, criteria.current_page or 1
        page = min(page, max(1, math.ceil(len(rows) / size)))
        body = {"items": rows[(page - 1) * size:page * size], "search_criteria": criteria.echo(),
                "total_count": len(rows) + self.extra_total}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    def column(self, field: str) -> str:
        return self.item_key if field == "entity_id" else field

    def matches(self, row: dict[str, Any], item: Filter) -> bool:
        value = row.get(self.column(item.field))
        if item.condition_type == "gt":
            return not self.honour_gt or int(value) > int(item.value)
        if item.condition_type == "gteq":
            return str(value) >= item.value
        return str(value) == item.value


@pytest.fixture
def store(mocked, rest):
    """Install a FakeList at a list path: ``store(range(1, 251))``."""
    def install(keys: range | list[int], path: str = "orders", **options: Any) -> FakeList:
        fake = FakeList(keys, **options)
        mocked.add_callback("GET", rest(path), callback=fake)
        return fake
    return install


def keys_of(batches: list[Batch], item_key: str = "entity_id") -> list[int]:
    return [item[item_key] for batch in batches for item in batch.items]


def test_a_total_not_divisible_by_the_batch_size(client, store) -> None:
    fake = store(range(1, 251))
    batches = list(iterate(client, ORDERS, batch_size=100))
    assert [len(batch.items) for batch in batches] == [100, 100, 50]
    assert [batch.last_key for batch in batches] == [100, 200, 250]
    assert [(batch.total, batch.seen, batch.remaining) for batch in batches] == [(250, 100, 150), (250, 200, 50),
                                                                                 (250, 250, 0)]
    assert keys_of(batches) == list(range(1, 251))
    assert len(fake.requests) == 3


def test_every_request_is_page_one_sorted_by_the_key_after_the_last_key(client, store) -> None:
    fake = store(range(1, 251))
    list(iterate(client, ORDERS, batch_size=100))
    assert [request.filter_groups for request in fake.requests] == [
        (), ((Filter("entity_id", "100", "gt"),),), ((Filter("entity_id", "200", "gt"),),)]
    for request in fake.requests:
        assert [(order.field, order.direction) for order in request.sort_orders] == [("entity_id", "ASC")]
        assert (request.page_size, request.current_page) == (100, 1)


def test_the_end_comes_from_total_count_so_no_page_past_the_end_is_asked(client, store) -> None:
    fake = store(range(1, 201))  # past the end, this store would answer the last page again
    batches = list(iterate(client, ORDERS, batch_size=100))
    assert keys_of(batches) == list(range(1, 201))
    assert len(fake.requests) == 2


def test_an_inflated_total_count_ends_on_the_first_empty_page_without_looping(client, store) -> None:
    fake = store(range(1, 151), extra_total=5)
    assert keys_of(list(iterate(client, ORDERS, batch_size=100))) == list(range(1, 151))
    assert len(fake.requests) == 3


def test_a_store_ignoring_the_key_filter_is_an_error_not_an_endless_loop(client, store) -> None:
    store(range(1, 251), honour_gt=False)
    batches = iterate(client, ORDERS, batch_size=100)
    next(batches)
    with pytest.raises(MagentoBadResponse, match="ignored the filter entity_id > 100"):
        next(batches)


def test_an_empty_list_yields_nothing_after_one_request(client, store) -> None:
    fake = store([])
    assert list(iterate(client, ORDERS)) == []
    assert len(fake.requests) == 1


def test_batch_delay_is_slept_between_batches_only(make_client, store, sleeps) -> None:
    client = make_client(BATCH_DELAY="0.5", BATCH_SIZE="100")
    store(range(1, 251))
    list(iterate(client, ORDERS))
    assert sleeps == [0.5, 0.5]
    sleeps.clear()
    list(iterate(client, ORDERS, batch_delay=2))
    assert sleeps == [2, 2]


def test_the_defaults_come_from_batch_size_and_a_zero_delay(make_client, store, sleeps) -> None:
    client = make_client(BATCH_SIZE="7")
    store(range(1, 16))
    assert [len(batch.items) for batch in iterate(client, ORDERS)] == [7, 7, 1]
    assert sleeps == []


def test_resuming_after_a_last_key(client, store) -> None:
    fake = store(range(1, 251))
    batches = list(iterate(client, ORDERS, after=120, batch_size=100))
    assert keys_of(batches) == list(range(121, 251))
    assert fake.requests[0].filter_groups == ((Filter("entity_id", "120", "gt"),),)
    assert batches[0].total == 130


def test_records_created_or_deleted_while_paging_are_neither_skipped_nor_repeated(client, store) -> None:
    fake = store(range(1, 251))
    batches = iterate(client, ORDERS, batch_size=100)
    seen = keys_of([next(batches)])
    del fake.rows[50], fake.rows[150]
    fake.rows.update({key: {"entity_id": key} for key in (251, 252)})
    rest_of = list(batches)
    seen += keys_of(rest_of)
    assert seen == [key for key in range(1, 253) if key != 150]
    assert rest_of[-1].seen == 251 and rest_of[-1].total >= rest_of[-1].seen


def test_the_callers_filters_apply_to_every_request(client, store) -> None:
    fake = store(range(1, 31))
    criteria = SearchCriteria().where("increment_id", "000000010", "gteq")
    assert keys_of(list(iterate(client, ORDERS, criteria, batch_size=10))) == list(range(10, 31))
    assert all(Filter("increment_id", "000000010", "gteq") in request.filter_groups[0]
               for request in fake.requests)


def test_products_are_paged_by_entity_id_and_keyed_by_id(client, store) -> None:
    fake = store(range(1, 6), path="products", item_key="id")
    batches = list(iterate(client, list_endpoint("product"), batch_size=2))
    assert keys_of(batches, "id") == [1, 2, 3, 4, 5]
    assert fake.requests[1].filter_groups == ((Filter("entity_id", "2", "gt"),),)


@pytest.mark.parametrize("criteria", [SearchCriteria().order_by("created_at"), SearchCriteria().page(5, 2),
                                      SearchCriteria().project("items[increment_id],total_count"),
                                      SearchCriteria().project("items[entity_id]")])
def test_criteria_that_would_break_key_paging_are_refused(client, criteria) -> None:
    with pytest.raises(ValueError):
        next(iterate(client, ORDERS, criteria))


def test_a_projection_with_the_key_and_total_is_passed_on(client, store, mocked) -> None:
    store(range(1, 3))
    criteria = SearchCriteria().project("items[entity_id,updated_at],total_count")
    assert keys_of(list(iterate(client, ORDERS, criteria))) == [1, 2]
    assert "fields=items%5Bentity_id%2Cupdated_at%5D%2Ctotal_count" in mocked.calls[0].request.url


def test_an_item_without_a_numeric_key_cannot_be_paged(client, mocked, rest) -> None:
    mocked.add("GET", rest("orders"), json={"items": [{"increment_id": "1"}], "total_count": 1})
    with pytest.raises(MagentoBadResponse, match="no numeric entity_id"):
        list(iterate(client, ORDERS))
