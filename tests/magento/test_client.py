"""The client's transport: auth, store codes, encoded paths on the wire, typed errors and the fallback logic."""

from __future__ import annotations

import base64
import concurrent.futures
import email.utils
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pytest
import requests
import responses

from core.errors import (
    ConfigError,
    MagentoAuthError,
    MagentoBadResponse,
    MagentoForbidden,
    MagentoNotFound,
    MagentoRateLimited,
    MagentoServerError,
    MagentoUnavailable,
    MagentoValidationError,
)
from magento.client import MagentoClient, build_auth
from magento.search_criteria import SearchCriteria
from tests.magento.conftest import NOW, TOKEN
from tests.magento.payloads import SIMPLE_PRODUCT

GET, POST, PUT = responses.GET, responses.POST, responses.PUT
OAUTH = {"MAGENTO_CONSUMER_KEY": "ck-7d1e", "MAGENTO_CONSUMER_SECRET": "cs-52aa",
         "MAGENTO_ACCESS_TOKEN_SECRET": "ts-90bc"}


# --- authentication and addressing -------------------------------------------------------------------------------

def test_reads_send_the_bearer_token_to_the_read_store(client, mocked, rest) -> None:
    mocked.add(GET, rest("products/TSHIRT-RED-M"), json=SIMPLE_PRODUCT)
    assert client.get_product("TSHIRT-RED-M") == SIMPLE_PRODUCT
    sent = mocked.calls[0].request
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["Accept"] == "application/json"


def test_writes_go_to_the_all_store_unless_configured(make_client, mocked, rest) -> None:
    mocked.add(PUT, rest("products/A", store="all"), json={"sku": "A"})
    make_client().update_product("A", {"name": "x"})
    mocked.add(PUT, rest("products/A", store="eu_writes"), json={"sku": "A"})
    mocked.add(GET, rest("products/A", store="fr"), json={"sku": "A"})
    custom = make_client(MAGENTO_STORE_CODE="fr", MAGENTO_WRITE_STORE_CODE="eu_writes")
    custom.update_product("A", {"name": "x"})
    custom.get_product("A")
    assert [call.request.url for call in mocked.calls] == [
        rest("products/A", store="all"), rest("products/A", store="eu_writes"), rest("products/A", store="fr")]


def test_a_store_can_be_chosen_per_call(client, mocked, rest) -> None:
    mocked.add(GET, rest("orders/5", store="nl"), json={"entity_id": 5})
    assert client.request("GET", "orders/5", store="nl").object() == {"entity_id": 5}


def test_the_client_refuses_to_start_without_a_base_url_or_token(make_settings) -> None:
    with pytest.raises(ConfigError, match="MAGENTO_BASE_URL, MAGENTO_ACCESS_TOKEN"):
        MagentoClient(make_settings())


@pytest.mark.parametrize(("sku", "on_the_wire"), [
    ("bla/koe", "/rest/default/V1/products/bla%2Fkoe"),
    ("24-MB 01", "/rest/default/V1/products/24-MB%2001"),
    ("a?b#c", "/rest/default/V1/products/a%3Fb%23c"),
    ("50%+1", "/rest/default/V1/products/50%25%2B1"),
    ("..", "/rest/default/V1/products/%2E%2E"),
    ("../orders", "/rest/default/V1/products/..%2Forders"),
])
def test_a_hostile_sku_reaches_the_server_inside_its_own_segment(client, wire, sku: str, on_the_wire: str) -> None:
    client.get_product(sku)
    assert wire == [f"GET {on_the_wire} HTTP/1.1"]


def test_a_hostile_sku_stays_in_its_segment_in_a_two_key_path(client, wire) -> None:
    client.update_stock_item("..", 7, {"qty": 1})
    assert wire == ["PUT /rest/all/V1/products/%2E%2E/stockItems/7 HTTP/1.1"]


@pytest.mark.parametrize("value", ["2024-03-01 00:00:00", "a&b=c", "50%+1", "Zoë ~*'()!", "[x];/?#", ""])
def test_search_parameters_are_encoded_exactly_as_requests_encodes_them(client, mocked, rest, value: str) -> None:
    criteria = (SearchCriteria().where("name", value, "like").order_by("entity_id").page(20, 3)
                .project("items[id,sku],total_count"))
    mocked.add(GET, rest("products"), json={"items": [], "total_count": 0})
    client.list_products(criteria)
    expected = requests.Request("GET", rest("products"), params=criteria.to_params()).prepare().url
    assert mocked.calls[0].request.url == expected


def test_a_base_url_with_a_path_keeps_it_on_the_wire_and_in_error_messages(make_client, base_url, wire) -> None:
    client = make_client(MAGENTO_BASE_URL=f"{base_url}/shop")
    client.get_product("A/B")
    assert wire == ["GET /shop/rest/default/V1/products/A%2FB HTTP/1.1"]
    assert client.url("products/A%2FB") == f"{base_url}/shop/rest/default/V1/products/A%2FB"


def test_one_client_serves_many_threads_each_call_with_its_own_retries(make_client, mocked, rest) -> None:
    calls = 8
    everyone_waiting = threading.Barrier(calls, timeout=10)
    client = make_client()
    client.sleep = lambda _seconds: everyone_waiting.wait()  # every call is between its attempts at once
    for order in range(1, calls + 1):
        mocked.add(GET, rest(f"orders/{order}"), body=requests.exceptions.ConnectionError("connection reset"))
        mocked.add(GET, rest(f"orders/{order}"), json={"entity_id": order})
    with concurrent.futures.ThreadPoolExecutor(calls) as pool:
        answers = list(pool.map(client.get_order, range(1, calls + 1)))
    assert answers == [{"entity_id": order} for order in range(1, calls + 1)]
    assert len(mocked.calls) == 2 * calls


# --- OAuth 1.0a ----------------------------------------------------------------------------------------------------

def _enc(text: str) -> str:
    return quote(text, safe="~")


def reference_signature(method: str, url: str, oauth: dict[str, str], consumer_secret: str, token_secret: str,
                        digest: Callable) -> str:
    """RFC 5849 section 3.4, written out independently of oauthlib."""
    parts = urlsplit(url)
    base_uri = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"
    pairs = parse_qsl(parts.query, keep_blank_values=True) + [
        (name, value) for name, value in oauth.items() if name not in {"oauth_signature", "realm"}]
    normalized = "&".join(f"{name}={value}" for name, value in sorted((_enc(n), _enc(v)) for n, v in pairs))
    base_string = "&".join([method.upper(), _enc(base_uri), _enc(normalized)])
    key = f"{_enc(consumer_secret)}&{_enc(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base_string.encode(), digest).digest()).decode()


def oauth_params(header: str | bytes) -> dict[str, str]:
    header = header.decode() if isinstance(header, bytes) else header
    assert header.startswith("OAuth ")
    params = {}
    for item in header[len("OAuth "):].split(","):
        name, _, value = item.strip().partition("=")
        params[name] = unquote(value.strip('"'))
    return params


def test_the_reference_signer_reproduces_the_rfc_5849_example() -> None:
    oauth = {"oauth_consumer_key": "dpf43f3p2l4k3l03", "oauth_token": "nnch734d00sl2jdk",
             "oauth_signature_method": "HMAC-SHA1", "oauth_timestamp": "137131202", "oauth_nonce": "chapoH"}
    signature = reference_signature("GET", "http://photos.example.net/photos?file=vacation.jpg&size=original", oauth,
                                    "kd94hf93k423kf44", "pfkkdhi9sl3r4s00", hashlib.sha1)
    assert signature == "MdpQcU8iPSUjWoN/UDMsK2sui9I="


def test_oauth_signs_with_hmac_sha256_over_the_search_criteria_query(make_client, mocked, rest) -> None:
    oauth_client = make_client(**OAUTH)
    mocked.add(GET, rest("orders"), json={"items": [], "total_count": 0})
    oauth_client.list_orders(SearchCriteria().where("updated_at", "2024-03-01 00:00:00", "gteq").page(50, 2))
    sent = mocked.calls[0].request
    params = oauth_params(sent.headers["Authorization"])
    assert params["oauth_signature_method"] == "HMAC-SHA256"
    assert params["oauth_consumer_key"] == "ck-7d1e"
    assert params["oauth_token"] == TOKEN
    assert "searchCriteria%5BpageSize%5D=50" in sent.url
    expected = reference_signature("GET", sent.url, params, "cs-52aa", "ts-90bc", hashlib.sha256)
    assert params["oauth_signature"] == expected


def test_oauth_signature_of_a_write_on_a_known_nonce_and_timestamp(magento_settings, mocked, rest) -> None:
    settings = magento_settings(**OAUTH)
    client = MagentoClient(settings, auth=build_auth(settings, nonce="chapoH", timestamp="137131202"))
    mocked.add(PUT, rest("products/bla%2Fkoe/stockItems/7", store="all"), json="7")
    assert client.update_stock_item("bla/koe", 7, {"qty": 2}) == 7
    sent = mocked.calls[0].request
    params = oauth_params(sent.headers["Authorization"])
    assert (params["oauth_nonce"], params["oauth_timestamp"], params["oauth_version"]) == ("chapoH", "137131202", "1.0")
    assert params["oauth_signature"] == reference_signature("PUT", sent.url, params, "cs-52aa", "ts-90bc",
                                                            hashlib.sha256)
    assert json.loads(sent.body) == {"stockItem": {"qty": 2}}
    client.close()


# --- fallback logic ------------------------------------------------------------------------------------------------

def test_timeouts_are_retried_after_1_2_and_4_seconds_then_go_up(client, mocked, rest, sleeps) -> None:
    mocked.add(GET, rest("orders/9"), body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(MagentoUnavailable) as caught:
        client.get_order(9)
    assert sleeps == [1, 2, 4]
    assert len(mocked.calls) == 4
    assert caught.value.retryable
    assert caught.value.message == ("Magento did not answer within 10 s [GET /rest/default/V1/orders/9] "
                                    "(gave up after 4 attempts)")
    assert caught.value.details["attempts"] == 4


def test_a_connection_error_that_heals_costs_only_the_waits_it_needed(client, mocked, rest, sleeps) -> None:
    mocked.add(GET, rest("orders/9"), body=requests.exceptions.ConnectionError("connection reset"))
    mocked.add(GET, rest("orders/9"), body=requests.exceptions.ConnectTimeout("connect timed out"))
    mocked.add(GET, rest("orders/9"), json={"entity_id": 9})
    assert client.get_order(9) == {"entity_id": 9}
    assert sleeps == [1, 2]


def test_the_schedule_follows_magento_retries_and_backoff(make_client, mocked, rest, sleeps) -> None:
    client = make_client(MAGENTO_RETRIES="2", MAGENTO_BACKOFF_SECONDS="0.25")
    mocked.add(GET, rest("orders/9"), body=requests.exceptions.ReadTimeout())
    with pytest.raises(MagentoUnavailable):
        client.get_order(9)
    assert sleeps == [0.25, 0.5]


def test_a_refused_connection_is_retried_then_reported(make_client, sleeps) -> None:
    client = make_client(MAGENTO_RETRIES="1")  # nothing listens on the base URL's port
    with pytest.raises(MagentoUnavailable, match="could not connect to Magento") as caught:
        client.get_order(9)
    assert sleeps == [1]
    assert caught.value.details["may_have_reached_magento"] is False


def test_a_write_that_timed_out_is_not_resent_in_process(client, mocked, rest, sleeps) -> None:
    mocked.add(POST, rest("order/16/invoice", store="all"), body=requests.exceptions.ReadTimeout())
    with pytest.raises(MagentoUnavailable) as caught:
        client.create_invoice(16, {"capture": True})
    assert len(mocked.calls) == 1 and sleeps == []
    assert caught.value.details["may_have_reached_magento"] is True


def test_a_write_that_never_left_is_resent(client, mocked, rest, sleeps) -> None:
    mocked.add(POST, rest("order/16/invoice", store="all"), body=requests.exceptions.ConnectTimeout())
    mocked.add(POST, rest("order/16/invoice", store="all"), json="4")
    assert client.create_invoice(16) == 4
    assert sleeps == [1]


def test_an_idempotent_write_is_resent_after_a_timeout(client, mocked, rest, sleeps) -> None:
    mocked.add(PUT, rest("products/A", store="all"), body=requests.exceptions.ReadTimeout())
    mocked.add(PUT, rest("products/A", store="all"), json={"sku": "A"})
    assert client.update_product("A", {"name": "x"}) == {"sku": "A"}
    assert sleeps == [1]


def test_429_honours_retry_after_in_seconds(client, mocked, rest, sleeps, caplog) -> None:
    mocked.add(GET, rest("orders/9"), status=429, headers={"Retry-After": "5"},
               json={"message": "Too Many Requests", "trace": None})
    mocked.add(GET, rest("orders/9"), json={"entity_id": 9})
    with caplog.at_level(logging.WARNING, logger="magento.client"):
        assert client.get_order(9) == {"entity_id": 9}
    assert sleeps == [5]
    assert "retrying in 5 s: Too Many Requests" in caplog.text


def test_503_honours_retry_after_as_an_http_date(client, mocked, rest, sleeps) -> None:
    mocked.add(GET, rest("orders/9"), status=503,
               headers={"Retry-After": email.utils.formatdate(NOW + 30, usegmt=True)})
    mocked.add(GET, rest("orders/9"), json={"entity_id": 9})
    client.get_order(9)
    assert sleeps == [pytest.approx(30)]


def test_a_retry_after_beyond_the_cap_goes_to_the_broker_at_once(client, mocked, rest, sleeps) -> None:
    mocked.add(GET, rest("orders/9"), status=429, headers={"Retry-After": "600"}, json={"message": "Too Many Requests"})
    with pytest.raises(MagentoRateLimited) as caught:
        client.get_order(9)
    assert sleeps == [] and len(mocked.calls) == 1
    assert caught.value.retry_after == 600


def test_gateway_errors_without_retry_after_use_the_backoff_then_keep_the_class(client, mocked, rest, sleeps,
                                                                                caplog) -> None:
    mocked.add(GET, rest("orders/9"), status=429, json={"message": "Too Many Requests"})
    with caplog.at_level(logging.WARNING, logger="magento.client"), pytest.raises(MagentoRateLimited):
        client.get_order(9)
    assert sleeps == [1, 2, 4]
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 4


@pytest.mark.parametrize(("status", "resent"), [(503, True), (429, True), (502, False), (504, False)])
def test_a_non_idempotent_write_is_resent_only_after_an_answer_proving_it_was_not_applied(
        client, mocked, rest, sleeps, status: int, resent: bool) -> None:
    mocked.add(POST, rest("order/12/ship", store="all"), status=status, body="")
    mocked.add(POST, rest("order/12/ship", store="all"), json="3")
    if resent:
        assert client.create_shipment(12) == 3
    else:
        with pytest.raises(MagentoUnavailable):
            client.create_shipment(12)
    assert len(mocked.calls) == (2 if resent else 1)


def test_401_is_not_retried_and_is_logged_as_an_error_without_the_token(client, mocked, rest, sleeps, caplog) -> None:
    body = {"message": "The consumer isn't authorized to access %resources.",
            "parameters": {"resources": "Magento_Sales::sales"}}
    mocked.add(GET, rest("orders/9"), status=401, json=body)
    with caplog.at_level(logging.DEBUG), pytest.raises(MagentoAuthError) as caught:
        client.get_order(9)
    assert len(mocked.calls) == 1 and sleeps == []
    assert not caught.value.retryable
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "Magento_Sales::sales" in errors[0].getMessage()
    assert "may have expired or lacks the resource permission" in errors[0].getMessage()
    assert TOKEN not in caplog.text and TOKEN not in caught.value.message and TOKEN not in (caught.value.body or "")


@pytest.mark.parametrize(("status", "body", "cls", "message"), [
    (400, {"message": "Invalid product data: %1", "parameters": ["Invalid attribute set entity type"]},
     MagentoValidationError, "Invalid product data: Invalid attribute set entity type"),
    (403, {"message": "Access denied"}, MagentoForbidden, "Access denied"),
    (404, {"message": "Request does not match any route."}, MagentoNotFound, "Request does not match any route."),
    (404, {"message": "The entity that was requested doesn't exist. Verify the entity and try again."},
     MagentoNotFound, "The entity that was requested doesn't exist. Verify the entity and try again."),
    (500, {"message": "Internal Error. Details are available in Magento log file. Report ID: webapi-65f1"},
     MagentoServerError, "Internal Error. Details are available in Magento log file. Report ID: webapi-65f1"),
])
def test_other_errors_are_typed_rendered_and_not_retried_in_process(client, mocked, rest, sleeps, status, body, cls,
                                                                    message) -> None:
    mocked.add(GET, rest("invoices/3"), status=status, json=body)
    with pytest.raises(cls) as caught:
        client.get_invoice(3)
    assert type(caught.value) is cls
    assert caught.value.message == f"{message} [GET /rest/default/V1/invoices/3]"
    assert json.loads(caught.value.body) == body
    assert len(mocked.calls) == 1 and sleeps == []


def test_a_missing_route_is_told_apart_from_a_deleted_record(client, mocked, rest) -> None:
    mocked.add(GET, rest("shipment/3"), status=404, json={"message": "Request does not match any route."})
    mocked.add(GET, rest("creditmemo/3"), status=404, json={"message": "The entity that was requested doesn't exist."})
    with pytest.raises(MagentoNotFound) as route:
        client.get_shipment(3)
    with pytest.raises(MagentoNotFound) as record:
        client.get_creditmemo(3)
    assert route.value.route_missing and not record.value.route_missing


def test_a_2xx_html_page_is_a_bad_response(client, mocked, rest) -> None:
    mocked.add(GET, rest("orders/9"), body="<html><body>Please log in</body></html>", content_type="text/html")
    with pytest.raises(MagentoBadResponse, match="not JSON: Please log in"):
        client.get_order(9)


def test_a_redirect_is_not_followed_because_it_would_turn_a_write_into_a_get(client, mocked, rest) -> None:
    mocked.add(POST, rest("orders/9/comments", store="all"), status=301,
               headers={"Location": "https://shop.example.test/rest/all/V1/orders/9/comments"})
    with pytest.raises(MagentoBadResponse, match="redirected to https://shop.example.test/.*MAGENTO_BASE_URL"):
        client.add_order_comment(9, {"comment": "shipped"})
    assert len(mocked.calls) == 1


def test_an_unknown_charset_falls_back_to_utf8(client, mocked, rest) -> None:
    mocked.add(GET, rest("orders/9"), body='{"customer_firstname": "Zoë"}'.encode(),
               content_type="application/json; charset=klingon")
    assert client.get_order(9) == {"customer_firstname": "Zoë"}
