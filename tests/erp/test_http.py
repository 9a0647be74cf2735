"""The HTTP ERP backend: URLs, headers and bodies it sends, and how every answer class is classified."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import responses

from core.errors import (
    ConfigError,
    ErpAuthError,
    ErpRejected,
    ErpUnavailable,
    MappingError,
    PermanentError,
    RetryableError,
)
from erp.http import HttpErpBackend, key_segment, retry_after_seconds
from sandbox.erp.app import SandboxThread
from sandbox.erp.store import Fault
from tests.support import free_port

BASE = "http://127.0.0.1:8999/erp"
TOKEN = "erp-token-42"


@pytest.fixture
def backend() -> Iterator[HttpErpBackend]:
    """A backend pointed at a URL only ``responses`` answers."""
    erp = HttpErpBackend(BASE, TOKEN, timeout=3)
    yield erp
    erp.close()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def sandbox() -> Iterator[SandboxThread]:
    with SandboxThread(token=TOKEN, port=free_port()) as running:
        yield running


@pytest.fixture
def live(sandbox: SandboxThread) -> Iterator[HttpErpBackend]:
    """A backend pointed at the running sandbox, with the right token and a short timeout."""
    erp = HttpErpBackend(sandbox.url, TOKEN, timeout=2)
    yield erp
    erp.close()


def answer(mocked, method, status, path="/product/A", **kwargs):
    mocked.add(method, BASE + path, status=status, **kwargs)


# --- what is sent ---------------------------------------------------------------------------------

def test_upsert_puts_the_json_document_with_the_bearer_token(backend, mocked):
    answer(mocked, "PUT", 201, json={"id": 17})

    erp_id = backend.upsert("product", "A", {"sku": "A", "name": "Früh", "price": 9.5})

    request = mocked.calls[0].request
    assert erp_id == "17"
    assert request.method == "PUT"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(request.body) == {"sku": "A", "name": "Früh", "price": 9.5}


@pytest.mark.parametrize(("key", "segment"), [
    ("bla/koe", "bla%2Fkoe"),
    ("24-MB 01", "24-MB%2001"),
    ("..", "%2E%2E"),
    (".", "%2E"),
    ("a.b", "a.b"),
    ("a%2Fb", "a%252Fb"),
    ("?#&+", "%3F%23%26%2B"),
    ("über", "%C3%BCber"),
])
def test_the_key_is_encoded_as_exactly_one_path_segment(backend, mocked, key, segment):
    mocked.add("PUT", f"{BASE}/product/{segment}", status=204)

    backend.upsert("product", key, {"sku": key})

    assert key_segment(key) == segment
    assert mocked.calls[0].request.url == f"{BASE}/product/{segment}"


def test_the_bearer_token_wins_over_credentials_in_the_url(mocked):
    mocked.add("PUT", "http://user:pw@127.0.0.1:8999/erp/product/A", status=204)
    erp = HttpErpBackend("http://user:pw@127.0.0.1:8999/erp", TOKEN, timeout=3)

    erp.upsert("product", "A", {})

    assert mocked.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    erp.close()


def test_no_authorization_header_without_a_token(mocked):
    answer(mocked, "PUT", 204)
    erp = HttpErpBackend(BASE, "", timeout=3)

    erp.upsert("product", "A", {})

    assert "Authorization" not in mocked.calls[0].request.headers
    erp.close()


def test_without_a_token_credentials_in_the_url_are_sent_as_basic_auth(mocked):
    mocked.add("PUT", "http://user:pw@127.0.0.1:8999/erp/product/A", status=204)
    erp = HttpErpBackend("http://user:pw@127.0.0.1:8999/erp", "", timeout=3)

    erp.upsert("product", "A", {})

    assert mocked.calls[0].request.headers["Authorization"] == "Basic dXNlcjpwdw=="  # user:pw
    erp.close()


def test_without_a_token_the_netrc_entry_is_used_and_the_token_beats_it(mocked, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login bridge password from-netrc\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    answer(mocked, "PUT", 204)
    answer(mocked, "PUT", 204, path="/product/B")
    without_token, with_token = HttpErpBackend(BASE, "", timeout=3), HttpErpBackend(BASE, TOKEN, timeout=3)

    without_token.upsert("product", "A", {})
    with_token.upsert("product", "B", {})

    assert mocked.calls[0].request.headers["Authorization"] == "Basic YnJpZGdlOmZyb20tbmV0cmM="  # bridge:from-netrc
    assert mocked.calls[1].request.headers["Authorization"] == f"Bearer {TOKEN}"
    without_token.close()
    with_token.close()


def test_a_document_that_is_not_json_is_a_mapping_error_and_nothing_is_sent(backend, mocked):
    with pytest.raises(MappingError, match="not valid JSON"):
        backend.upsert("product", "A", {"price": float("nan")})
    with pytest.raises(MappingError):
        backend.upsert("product", "A", {"tags": {"a", "b"}})
    assert len(mocked.calls) == 0


# --- what comes back ------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "body", "expected"), [
    (200, {"id": 5}, "5"),
    (201, {"id": "res.partner,9"}, "res.partner,9"),
    (200, {"ok": True}, None),
    (200, [1, 2], None),
    (204, None, None),
])
def test_success_returns_the_erp_id_when_the_answer_has_one(backend, mocked, status, body, expected):
    answer(mocked, "PUT", status, **({"json": body} if body is not None else {}))

    assert backend.upsert("product", "A", {}) == expected


def test_a_plain_text_success_answer_has_no_id(backend, mocked):
    answer(mocked, "PUT", 200, body="stored")

    assert backend.upsert("product", "A", {}) is None


@pytest.mark.parametrize("status", [400, 404, 409, 410, 413, 422])
def test_other_4xx_are_rejections_carrying_the_erps_answer(backend, mocked, status):
    answer(mocked, "PUT", status, json={"error": "price must not be negative"})

    with pytest.raises(ErpRejected) as caught:
        backend.upsert("product", "A", {})

    error = caught.value
    assert isinstance(error, PermanentError)
    assert error.status == status
    assert "price must not be negative" in error.report_text()
    assert error.report_text().startswith(f"erp answered {status}: PUT /product/A")


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_are_auth_errors(backend, mocked, status):
    answer(mocked, "PUT", status, body="token expired")

    with pytest.raises(ErpAuthError, match="token expired") as caught:
        backend.upsert("product", "A", {})
    assert isinstance(caught.value, PermanentError)
    assert caught.value.status == status


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_429_408_and_5xx_are_retryable(backend, mocked, status):
    answer(mocked, "PUT", status, body="busy")

    with pytest.raises(ErpUnavailable) as caught:
        backend.upsert("product", "A", {})
    assert isinstance(caught.value, RetryableError)
    assert caught.value.status == status
    assert caught.value.retry_after is None


def test_retry_after_in_seconds_is_kept(backend, mocked):
    answer(mocked, "PUT", 429, headers={"Retry-After": "7"})

    with pytest.raises(ErpUnavailable) as caught:
        backend.upsert("product", "A", {})
    assert caught.value.retry_after == 7.0


def test_retry_after_as_an_http_date_becomes_seconds(backend, mocked):
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=120)
    answer(mocked, "PUT", 503, headers={"Retry-After": email.utils.format_datetime(later, usegmt=True)})

    with pytest.raises(ErpUnavailable) as caught:
        backend.upsert("product", "A", {})
    assert 100 <= caught.value.retry_after <= 120


@pytest.mark.parametrize(("header", "expected"), [
    (None, None), ("", None), ("soon", None), ("0", 0.0), ("30", 30.0),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
])
def test_retry_after_seconds(header, expected):
    assert retry_after_seconds(header) == expected


def test_a_long_answer_is_cut_and_says_how_long_it_was(backend, mocked):
    answer(mocked, "PUT", 422, body="x" * 1990 + "END-OF-KEPT" + "y" * 3000)

    with pytest.raises(ErpRejected) as caught:
        backend.upsert("product", "A", {})
    text = caught.value.report_text()
    assert "x" * 1990 + "END-OF-KE" in text
    assert "y" not in text
    assert "[truncated, 5001 characters in all]" in text


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed_and_is_a_rejection(backend, mocked, status):
    answer(mocked, "PUT", status, headers={"Location": "https://erp.example/new"})

    with pytest.raises(ErpRejected, match="redirected to https://erp.example/new"):
        backend.upsert("product", "A", {})
    assert len(mocked.calls) == 1


@pytest.mark.parametrize("failure", [requests.exceptions.ReadTimeout("read timed out"),
                                     requests.exceptions.ConnectTimeout("connect timed out"),
                                     requests.exceptions.ConnectionError("connection reset"),
                                     requests.exceptions.ChunkedEncodingError("broken body")])
def test_timeouts_and_connection_errors_are_retryable(backend, mocked, failure):
    answer(mocked, "PUT", 200, body=failure)

    with pytest.raises(ErpUnavailable) as caught:
        backend.upsert("product", "A", {})
    assert caught.value.status is None


# --- delete and count -----------------------------------------------------------------------------

@pytest.mark.parametrize("status", [200, 204, 404, 410])
def test_delete_succeeds_when_deleted_or_already_gone(backend, mocked, status):
    answer(mocked, "DELETE", status, path="/customer/7")

    backend.delete("customer", "7")

    assert mocked.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(("status", "error"), [(500, ErpUnavailable), (429, ErpUnavailable),
                                               (401, ErpAuthError), (409, ErpRejected)])
def test_delete_classifies_failures_like_upsert(backend, mocked, status, error):
    answer(mocked, "DELETE", status, path="/customer/7")

    with pytest.raises(error):
        backend.delete("customer", "7")


@pytest.mark.parametrize(("body", "expected"), [
    ([{"id": 1}, {"id": 2}], 2),
    ({"count": 12, "items": []}, 12),
    ({"total": 4}, 4),
    ({"items": [1, 2, 3]}, 3),
    ({"count": True}, -1),
    ({"rows": 3}, -1),
])
def test_count_reads_the_list_answer(backend, mocked, body, expected):
    mocked.add("GET", f"{BASE}/product", json=body)

    assert backend.count("product") == expected


@pytest.mark.parametrize(("status", "body"), [(404, "no such route"), (405, ""), (500, "down"),
                                              (401, "no"), (200, "not json")])
def test_count_is_minus_one_when_the_erp_cannot_say(backend, mocked, status, body):
    mocked.add("GET", f"{BASE}/product", status=status, body=body)

    assert backend.count("product") == -1


# --- settings -------------------------------------------------------------------------------------

def test_from_settings_uses_the_erp_http_variables(make_settings, mocked):
    settings = make_settings(ERP_BACKEND="http", ERP_HTTP_URL=BASE + "/", ERP_HTTP_TOKEN="s3cret", ERP_TIMEOUT="4")
    answer(mocked, "PUT", 204)

    erp = HttpErpBackend.from_settings(settings)
    erp.upsert("product", "A", {})

    assert erp.base_url == BASE and erp.timeout == 4.0
    assert mocked.calls[0].request.headers["Authorization"] == "Bearer s3cret"
    erp.close()


def test_from_settings_without_a_url_names_the_variable(make_settings):
    with pytest.raises(ConfigError, match="ERP_HTTP_URL"):
        HttpErpBackend.from_settings(make_settings(ERP_BACKEND="http"))


def test_the_token_is_never_logged(caplog):
    caplog.set_level("DEBUG")
    HttpErpBackend("http://user:pw@127.0.0.1:8999/erp", "very-secret-token").close()

    assert "very-secret-token" not in caplog.text
    assert "pw" not in caplog.text
    assert "http://127.0.0.1:8999/erp" in caplog.text


# --- against the running sandbox ------------------------------------------------------------------

def test_odd_skus_reach_the_sandbox_as_one_key_each(live, sandbox):
    keys = ["bla/koe", "24-MB 01", "..", ".", "a%2Fb", "über?#"]

    ids = [live.upsert("product", key, {"sku": key}) for key in keys]

    assert len(set(ids)) == len(keys) and all(ids)
    assert {(record["key"], record["writes"]) for record in sandbox.store.counters()["records"]} == \
        {(key, 1) for key in keys}
    assert sandbox.store.get("product", "bla/koe")["document"] == {"sku": "bla/koe"}
    assert live.count("product") == len(keys)


def test_a_wrong_token_is_an_auth_error_from_the_sandbox(sandbox):
    erp = HttpErpBackend(sandbox.url, "wrong", timeout=2)

    with pytest.raises(ErpAuthError, match="missing or wrong bearer token"):
        erp.upsert("product", "A", {})
    erp.close()


def test_sandbox_faults_are_classified(live, sandbox):
    sandbox.store.add_fault(Fault(times=1, status=429, retry_after=3))
    requests.post(f"{sandbox.url}/__sandbox/fail", json={"status": 422, "body": "name is required"}, timeout=5)

    with pytest.raises(ErpUnavailable) as busy:
        live.upsert("product", "A", {})
    with pytest.raises(ErpRejected, match="name is required"):
        live.upsert("product", "A", {})
    assert live.upsert("product", "A", {"name": "A"}) == "1"
    assert busy.value.retry_after == 3.0
    assert sandbox.store.writes[("product", "A")] == 1


def test_a_hanging_erp_times_out_as_retryable(sandbox):
    requests.post(f"{sandbox.url}/__sandbox/hang", json={"seconds": 60}, timeout=5)
    erp = HttpErpBackend(sandbox.url, TOKEN, timeout=0.2)

    with pytest.raises(ErpUnavailable, match="timed out after 0.2 s"):
        erp.upsert("product", "A", {})
    erp.close()


def test_nothing_listening_is_retryable():
    erp = HttpErpBackend(f"http://127.0.0.1:{free_port()}", TOKEN, timeout=2)

    with pytest.raises(ErpUnavailable, match="failed to connect"):
        erp.upsert("product", "A", {})
    erp.close()


def test_delete_twice_is_fine(live, sandbox):
    live.upsert("customer", "7", {"email": "a@example.com"})

    live.delete("customer", "7")
    live.delete("customer", "7")

    assert sandbox.store.get("customer", "7") is None
    assert sandbox.store.deletes[("customer", "7")] == 2


def test_every_answer_is_read_so_one_connection_serves_call_after_call(live, sandbox):
    for number in range(10):
        live.upsert("customer", str(number), {"email": f"{number}@example.com"})
        live.delete("customer", str(number))  # 204: nothing to read, the connection must still go back
    live.delete("customer", "404")

    pools = live.session.get_adapter(live.base_url).poolmanager.pools
    (pool,) = [pools[key] for key in pools.keys()]
    assert pool.num_connections == 1 and pool.num_requests == 21


def test_one_backend_serves_many_threads(live, sandbox):
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda n: live.upsert("stock", f"SKU-{n}", {"qty": n}), range(160)))

    assert len(set(ids)) == 160
    assert sandbox.store.counters()["calls"] == 160
    assert {record["writes"] for record in sandbox.store.counters()["records"]} == {1}


# --- start-up check ---------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [200, 404, 405, 500])
def test_preflight_passes_whatever_the_optional_list_answers(backend, mocked, status):
    answer(mocked, "GET", status, path="/product", json={"count": 0, "items": []})

    assert backend.preflight() is None


@pytest.mark.parametrize("status", [401, 403])
def test_preflight_reports_refused_credentials(backend, mocked, status):
    answer(mocked, "GET", status, path="/product", body="bad token")

    with pytest.raises(ErpAuthError, match="refused the credentials"):
        backend.preflight()


def test_preflight_reports_an_unreachable_erp():
    erp = HttpErpBackend(f"http://127.0.0.1:{free_port()}/erp", TOKEN, timeout=2)
    try:
        with pytest.raises(ErpUnavailable, match="failed to connect"):
            erp.preflight()
    finally:
        erp.close()


def test_preflight_against_the_sandbox_checks_the_token(sandbox):
    right, wrong = HttpErpBackend(sandbox.url, TOKEN, timeout=2), HttpErpBackend(sandbox.url, "nope", timeout=2)
    try:
        right.preflight()
        with pytest.raises(ErpAuthError):
            wrong.preflight()
    finally:
        right.close()
        wrong.close()
