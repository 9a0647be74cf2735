"""The HTTP ERP sandbox: records by raw-URI key, bearer check, validation, counters and fault injection."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

import sandbox.erp.app
from sandbox.erp.app import create_app, store_of
from tests.sandbox.erp.conftest import AUTH, TOKEN
from tests.support import free_port, running, wait_for


def put(client, path, document=None, headers=AUTH):
    return client.put(path, json={"sku": "x"} if document is None else document, headers=headers)


# --- records ---------------------------------------------------------------------------------------

def test_put_creates_then_updates_the_same_record(client, store):
    first = put(client, "/product/MB-01", {"sku": "MB-01", "price": 10})
    second = put(client, "/product/MB-01", {"sku": "MB-01", "price": 12})

    assert first.status_code == 201 and first.json["created"] is True
    assert second.status_code == 200 and second.json["created"] is False
    assert first.json["id"] == second.json["id"]
    assert client.get("/product/MB-01", headers=AUTH).json["document"] == {"sku": "MB-01", "price": 12}
    assert store.writes[("product", "MB-01")] == 2


@pytest.mark.parametrize(("raw", "key"), [
    ("bla%2Fkoe", "bla/koe"),
    ("24-MB%2001", "24-MB 01"),
    ("%2E%2E", ".."),
    ("a%25b", "a%b"),
    ("%C3%BCber%3F%23", "über?#"),
])
def test_the_key_is_one_raw_path_segment_decoded(client, store, raw, key):
    response = put(client, f"/product/{raw}")

    assert response.status_code == 201
    assert response.json["key"] == key
    assert store.get("product", key)["document"] == {"sku": "x"}


def test_an_unencoded_slash_is_not_part_of_a_key(client, store):
    response = put(client, "/product/bla/koe")

    assert response.status_code == 404
    assert "one path segment" in response.json["error"]
    assert store.counters()["records"] == []


def test_get_lists_an_entity_with_a_count_and_pages(client):
    for sku in ("A", "B", "C"):
        put(client, f"/product/{sku}", {"sku": sku})
    put(client, "/stock/A", {"sku": "A", "qty": 1})

    listing = client.get("/product", headers=AUTH).json
    page = client.get("/product?offset=1&limit=1", headers=AUTH).json

    assert listing["count"] == 3
    assert [item["key"] for item in listing["items"]] == ["A", "B", "C"]
    assert page["count"] == 3 and [item["key"] for item in page["items"]] == ["B"]
    assert client.get("/product?limit=x", headers=AUTH).status_code == 400


def test_delete_answers_204_then_404(client, store):
    put(client, "/customer/7")

    assert client.delete("/customer/7", headers=AUTH).status_code == 204
    assert client.delete("/customer/7", headers=AUTH).status_code == 404
    assert client.get("/customer/7", headers=AUTH).status_code == 404
    assert store.deletes[("customer", "7")] == 2


def test_unknown_entities_and_list_writes_are_refused(client):
    assert put(client, "/widget/1").status_code == 404
    assert client.put("/product", json={}, headers=AUTH).status_code == 405
    assert client.post("/product/1", json={}, headers=AUTH).status_code == 405


# --- validation -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "content_type", "status", "says"), [
    (b'{"sku": "x"}', "text/plain", 415, "Content-Type must be application/json"),
    (b'{"sku": "x"}', None, 415, "Content-Type must be application/json"),
    (b'{"sku": ', "application/json", 422, "not JSON"),
    (b"[1, 2]", "application/json", 422, "must be a JSON object"),
    (b"\xff\xfe", "application/json", 422, "not JSON"),
])
def test_a_body_that_is_not_a_json_object_is_refused_and_not_written(client, store, body, content_type,
                                                                      status, says):
    headers = dict(AUTH, **({"Content-Type": content_type} if content_type else {}))

    response = client.put("/product/A", data=body, headers=headers)

    assert response.status_code == status
    assert says in response.json["error"]
    assert store.writes[("product", "A")] == 0


# --- auth -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                                     {"Authorization": f"Basic {TOKEN}"}])
def test_a_missing_or_wrong_bearer_token_gets_401(client, store, headers):
    response = put(client, "/product/A", headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert store.writes[("product", "A")] == 0


def test_without_a_configured_token_no_header_is_needed():
    client = create_app("").test_client()

    assert client.put("/product/A", json={"sku": "A"}).status_code == 201


# --- counters and reset ---------------------------------------------------------------------------

def test_counters_count_writes_and_deletes_per_record_and_every_call(client):
    put(client, "/product/A")
    put(client, "/product/A")
    put(client, "/product/bla%2Fkoe")
    client.delete("/product/A", headers=AUTH)
    client.get("/product/A", headers=AUTH)

    counters = client.get("/__sandbox/counters").json

    assert counters["calls"] == 5
    assert counters["records"] == [
        {"entity": "product", "key": "A", "writes": 2, "deletes": 1},
        {"entity": "product", "key": "bla/koe", "writes": 1, "deletes": 0},
    ]


def test_reset_forgets_records_counters_and_faults(client, store):
    put(client, "/product/A")
    client.post("/__sandbox/fail", json={"status": 500, "times": 3})
    client.post("/__sandbox/latency", json={"ms": 5})

    assert client.post("/__sandbox/reset").status_code == 200

    assert client.get("/__sandbox/counters").json == {"calls": 0, "records": []}
    assert store.latency_ms == 0
    assert put(client, "/product/A").status_code == 201


# --- faults ---------------------------------------------------------------------------------------

def test_fail_answers_the_status_for_the_next_n_calls_without_writing(client, store):
    client.post("/__sandbox/fail", json={"status": 503, "times": 2})

    statuses = [put(client, "/product/A").status_code for _ in range(3)]

    assert statuses == [503, 503, 201]
    assert store.writes[("product", "A")] == 1


def test_fail_429_carries_retry_after(client):
    client.post("/__sandbox/fail", json={"status": 429, "retry_after": 7})

    response = put(client, "/product/A")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"


@pytest.mark.parametrize("status", [409, 422, 500])
def test_fail_can_answer_an_exact_body(client, status):
    client.post("/__sandbox/fail", json={"status": status, "body": "SKU A is locked by an open inventory"})

    response = put(client, "/product/A")

    assert response.status_code == status
    assert response.get_data(as_text=True) == "SKU A is locked by an open inventory"


def test_a_fault_for_one_entity_leaves_the_others_alone(client):
    client.post("/__sandbox/fail", json={"status": 500, "entity": "stock"})

    assert put(client, "/product/A").status_code == 201
    assert put(client, "/stock/A").status_code == 500
    assert put(client, "/stock/A").status_code == 201


def test_the_bearer_check_comes_before_faults_and_uses_none_up(client):
    client.post("/__sandbox/fail", json={"status": 500})

    assert put(client, "/product/A", headers={}).status_code == 401
    assert put(client, "/product/A").status_code == 500
    assert put(client, "/product/A").status_code == 201


def test_latency_delays_every_call(client, monkeypatch):
    slept = []
    monkeypatch.setattr(sandbox.erp.app.time, "sleep", slept.append)
    client.post("/__sandbox/latency", json={"ms": 250})

    put(client, "/product/A")
    client.get("/product", headers=AUTH)
    client.get("/__sandbox/counters")

    assert slept == [0.25, 0.25]


def test_a_short_hang_then_lets_the_call_through(client, store):
    client.post("/__sandbox/hang", json={"seconds": 0.01})

    assert put(client, "/product/A").status_code == 201
    assert store.writes[("product", "A")] == 1


def test_a_hanging_call_times_out_and_reset_releases_it_with_503(server):
    requests.post(f"{server.url}/__sandbox/hang", json={"seconds": 120, "times": 2}, timeout=5)
    answers = []
    caller = threading.Thread(target=lambda: answers.append(
        requests.put(f"{server.url}/product/A", json={}, headers=AUTH, timeout=60)))
    caller.start()

    with pytest.raises(requests.Timeout):
        requests.put(f"{server.url}/product/B", json={}, headers=AUTH, timeout=0.2)
    wait_for(lambda: server.store.calls == 2, message="both calls to reach the sandbox")
    requests.post(f"{server.url}/__sandbox/reset", timeout=5)
    caller.join(30)

    assert [answer.status_code for answer in answers] == [503]
    assert server.store.counters()["records"] == []


@pytest.mark.parametrize(("path", "body", "says"), [
    ("fail", {"status": 200}, "status must be a whole number from 400 to 599"),
    ("fail", {}, "status must be"),
    ("fail", {"status": 500, "times": 0}, "times must be"),
    ("fail", {"status": 500, "entity": "widget"}, "entity must be one of"),
    ("fail", {"status": 500, "body": 5}, "body must be a string"),
    ("fail", [500], "must be a JSON object"),
    ("hang", {"seconds": -1}, "seconds must be"),
    ("latency", {"ms": "fast"}, "ms must be a number"),
])
def test_bad_admin_requests_get_400_with_the_reason(client, path, body, says):
    response = client.post(f"/__sandbox/{path}", json=body)

    assert response.status_code == 400
    assert says in response.json["error"]


# --- real server ----------------------------------------------------------------------------------

def test_the_threaded_server_counts_concurrent_writes_exactly(server):
    session = requests.Session()

    def write(number: int) -> int:
        return session.put(f"{server.url}/product/SKU-{number}", json={"n": number}, headers=AUTH,
                           timeout=10).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(write, range(200)))

    assert statuses == [201] * 200
    counters = server.store.counters()
    assert counters["calls"] == 200
    assert {record["writes"] for record in counters["records"]} == {1}
    assert len(counters["records"]) == 200


def test_bridgectl_sandbox_erp_serves_with_the_token():
    port = free_port()
    args = [sys.executable, "-m", "ops.cli", "sandbox", "erp", "--port", str(port), "--token", TOKEN]
    with running(args, port=port):
        url = f"http://127.0.0.1:{port}"
        created = requests.put(f"{url}/product/bla%2Fkoe", json={"sku": "bla/koe"}, headers=AUTH, timeout=5)
        refused = requests.put(f"{url}/product/A", json={}, timeout=5)
        record = requests.get(f"{url}/product/bla%2Fkoe", headers=AUTH, timeout=5)

    assert created.status_code == 201
    assert refused.status_code == 401
    assert record.json()["document"] == {"sku": "bla/koe"}


def test_store_of_gives_the_apps_store():
    app = create_app()
    app.test_client().put("/stock/A", json={"qty": 1})

    assert store_of(app).get("stock", "A")["document"] == {"qty": 1}


def test_the_sandbox_serves_every_entity_the_bridge_sends():
    """The sandbox keeps its own list of the contract's resources; it must cover the notification format's."""
    from schemas.notification import ENTITIES
    assert sandbox.erp.app.ENTITIES == ENTITIES
