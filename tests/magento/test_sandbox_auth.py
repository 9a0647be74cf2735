"""The client's two ways to authenticate against the running sandbox: the bearer token, and OAuth 1.0a
HMAC-SHA256 signatures (over encoded paths, bracketed searchCriteria and JSON bodies)."""

from __future__ import annotations

import pytest

from core.errors import MagentoAuthError
from magento.search_criteria import SearchCriteria
from tests.magento.conftest import SANDBOX_OAUTH


@pytest.fixture
def signed(make_sandbox_client):
    """A client that signs every call with the integration's OAuth 1.0a keys."""
    return make_sandbox_client(**SANDBOX_OAUTH)


def test_signed_calls_read_list_and_write(signed, sandbox):
    assert signed.get_product("BAG/TOTE-01")["id"] == 40
    criteria = SearchCriteria().where("sku", "NW-%", "like").where("price", "20", "gt").order_by("price", "DESC")
    assert [item["sku"] for item in signed.list_products(criteria.page(2)).items] == ["NW-PARKA-L-Navy",
                                                                                     "NW-PARKA-S-Red"]
    assert signed.create_product({"sku": "x?y#z", "name": "Signed", "price": 3})["sku"] == "x?y#z"
    assert signed.update_product("x?y#z", {"price": 4})["price"] == 4
    assert signed.add_order_comment(2, {"comment": "Signed comment."}) is True
    assert {call["status"] for call in sandbox.calls()} == {200}


def test_a_wrong_consumer_secret_is_refused(make_sandbox_client, sandbox):
    client = make_sandbox_client(**{**SANDBOX_OAUTH, "MAGENTO_CONSUMER_SECRET": "not-the-secret"})
    with pytest.raises(MagentoAuthError) as caught:
        client.get_product("NW-STOVE")
    assert "Magento_Catalog::products" in caught.value.message and "not-the-secret" not in caught.value.message


def test_a_wrong_bearer_token_is_refused_and_never_shown(make_sandbox_client, sandbox):
    client = make_sandbox_client(MAGENTO_ACCESS_TOKEN="expired-token-0001")
    with pytest.raises(MagentoAuthError) as caught:
        client.search_customers()
    assert caught.value.message.startswith("The consumer isn't authorized to access Magento_Customer::customer.")
    assert "expired-token-0001" not in caught.value.message + caught.value.body
