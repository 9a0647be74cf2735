"""Stock notifications keyed by product id: the SKU lookup, with a stand-in client and with the real client
against the Magento sandbox over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest

from consumers import stock_keys
from core.errors import MagentoBadResponse, MagentoRateLimited, MalformedMessage
from magento.client import MagentoClient
from magento.responses import SearchResult
from magento.search_criteria import SearchCriteria
from schemas.notification import Notification
from tests.consumers.e2e import MAGENTO_TOKEN, admin, magento_sandbox


class Products:
    """Answers ``list_products`` with fixed items (or raises ``error``), remembering the criteria."""

    def __init__(self, items: list[dict] | None = None, error: Exception | None = None) -> None:
        self.items, self.error = items or [], error
        self.asked: list[SearchCriteria] = []

    def list_products(self, criteria: SearchCriteria) -> SearchResult:
        self.asked.append(criteria)
        if self.error:
            raise self.error
        return SearchResult(self.items, len(self.items))


BY_ID = Notification("evt-1", "stock", "save", "42", source="adobe-io", key_type="product_id")


def test_a_notification_with_the_usual_key_is_returned_as_it_is_without_a_call():
    client = Products()
    note = Notification("evt-2", "stock", "save", "42")
    assert stock_keys.resolve(client, note) is note and client.asked == []


def test_a_product_id_resolves_to_the_stock_notification_of_its_sku():
    client = Products([{"id": 42, "sku": "MB-01"}])
    resolved = stock_keys.resolve(client, BY_ID)
    assert resolved == Notification("evt-1", "stock", "save", "MB-01", source="adobe-io")
    [criteria] = client.asked
    assert criteria.to_params() == [
        ("searchCriteria[filter_groups][0][filters][0][field]", "entity_id"),
        ("searchCriteria[filter_groups][0][filters][0][value]", "42"),
        ("searchCriteria[filter_groups][0][filters][0][condition_type]", "eq"),
        ("fields", "items[id,sku],total_count")]


def test_a_product_magento_does_not_have_resolves_to_none_with_a_readable_reason():
    assert stock_keys.resolve(Products([]), BY_ID) is None
    assert stock_keys.unmatched(BY_ID) == ("product 42 no longer exists in Magento, so its stock item cannot be "
                                           "matched to a SKU")


@pytest.mark.parametrize("items, text", [
    ([{"id": 42}], "without a SKU"),
    ([{"id": 42, "sku": ""}], "without a SKU"),
    ([{"id": 7, "sku": "OTHER"}], "answered products [7] to entity_id eq 42"),
])
def test_answers_that_are_not_the_product_asked_for_are_bad_responses(items, text):
    with pytest.raises(MagentoBadResponse, match=text.replace("[", r"\[").replace("]", r"\]")):
        stock_keys.resolve(Products(items), BY_ID)


def test_magento_errors_keep_their_class_and_hints_and_name_the_lookup():
    limited = MagentoRateLimited("too many requests [GET /rest/default/V1/products]", status=429, retry_after=30)
    with pytest.raises(MagentoRateLimited) as raised:
        stock_keys.resolve(Products(error=limited), BY_ID)
    assert raised.value.retry_after == 30 and raised.value.status == 429 and raised.value.retryable
    assert raised.value.message == ("too many requests [GET /rest/default/V1/products] (looking up the SKU of "
                                    "product 42 for its stock item)")
    assert raised.value.__cause__ is limited


def test_an_unknown_key_type_is_a_malformed_message():
    with pytest.raises(MalformedMessage, match="unknown key_type 'item_id'"):
        stock_keys.resolve(Products(), Notification("e", "stock", "save", "4", key_type="item_id"))


# The real client against the Magento sandbox ----------------------------------------------------------

@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with magento_sandbox() as server:
        yield server.url


@pytest.fixture
def client(make_settings, sandbox_url) -> Iterator[MagentoClient]:
    admin(sandbox_url, "reset", {"seed": "demo"})
    with MagentoClient(make_settings(MAGENTO_BASE_URL=sandbox_url, MAGENTO_ACCESS_TOKEN=MAGENTO_TOKEN)) as client:
        yield client


def test_the_real_client_resolves_a_product_id_through_the_products_list(client, sandbox_url):
    stove = client.get_product("NW-STOVE")
    note = Notification("evt-3", "stock", "save", str(stove["id"]), key_type="product_id")
    assert stock_keys.resolve(client, note) == Notification("evt-3", "stock", "save", "NW-STOVE")
    assert stock_keys.resolve(client, Notification("evt-4", "stock", "delete", "99999", key_type="product_id")) is None
    [first, _] = [call for call in admin(sandbox_url, "requests", method="GET")["requests"]
                  if call["path"] == "/rest/default/V1/products"]
    query = dict(parse_qsl(first["query"]))
    assert query["searchCriteria[filter_groups][0][filters][0][field]"] == "entity_id"
    assert query["searchCriteria[filter_groups][0][filters][0][value]"] == str(stove["id"])
    assert query["fields"] == "items[id,sku],total_count"
