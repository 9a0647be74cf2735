"""Injected faults, each kind: latency, hangs, dropped connections, 5xx bursts, 429s, token, modules."""

from __future__ import annotations

import pytest
import requests

from sandbox.magento.faults import Faults
from tests.sandbox.magento.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def arm(client, kind: str, **body):
    response = client.post(f"/__sandbox/faults/{kind}", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_latency_applies_to_every_call_in_its_prefix(api, client, sleeps):
    client.post("/__sandbox/faults/latency", json={"ms": 25, "prefix": "/V1/orders"})
    api.get("/V1/orders/1")
    api.get("/V1/orders/2")
    api.get("/V1/products/NW-STOVE")
    assert sleeps == [0.025, 0.025]


def test_timeout_hangs_the_next_calls_then_answers(api, client, sleeps):
    arm(client, "timeout", count=2, seconds=30)
    assert [api.get("/V1/products/NW-STOVE").status_code for _ in range(3)] == [200, 200, 200]
    assert sleeps == [30.0, 30.0]


def test_5xx_burst_cycles_statuses_then_recovers(api, client):
    arm(client, "errors", count=3, status=[500, 502, 503], retry_after=4)
    first, second, third, fourth = (api.get("/V1/products/NW-STOVE") for _ in range(4))
    assert first.status_code == 500 and first.json["message"].startswith(
        "Internal Error. Details are available in Magento log file. Report ID: webapi-")
    assert second.status_code == 502 and b"502 Bad Gateway" in second.data and second.mimetype == "text/html"
    assert third.status_code == 503 and third.headers["Retry-After"] == "4"
    assert fourth.status_code == 200


def test_rate_limit_answers_429_with_retry_after(api, client):
    arm(client, "rate-limit", count=2, retry_after=7)
    limited = api.get("/V1/orders/1")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
    assert limited.json == {"message": "Too Many Requests", "trace": None}
    assert api.get("/V1/orders/1").status_code == 429
    assert api.get("/V1/orders/1").status_code == 200


def test_faults_are_scoped_to_their_prefix(api, client):
    arm(client, "errors", count=5, status=503, prefix="/V1/orders")
    assert api.get("/V1/products/NW-STOVE").status_code == 200
    assert api.get("/V1/orders/1").status_code == 503


def test_armed_faults_are_consumed_in_arming_order(api, client):
    arm(client, "rate-limit", count=1)
    arm(client, "errors", count=1, status=502)
    assert [api.get("/V1/orders/1").status_code for _ in range(3)] == [429, 502, 200]


def test_proxy_faults_come_before_authentication(client):
    arm(client, "errors", count=1, status=503)
    assert client.get("/rest/V1/orders/1").status_code == 503
    assert client.get("/rest/V1/orders/1").status_code == 401


def test_revoked_token_and_restore(api, client):
    client.post("/__sandbox/token/revoke")
    response = api.get("/V1/orders/1")
    assert response.status_code == 401 and response.json["parameters"] == {"resources": "Magento_Sales::actions_view"}
    client.post("/__sandbox/token/restore")
    assert api.get("/V1/orders/1").status_code == 200


def test_token_rotation(api, client):
    client.put("/__sandbox/token", json={"token": "rotated-token"})
    assert api.get("/V1/orders/1").status_code == 401
    assert client.get("/rest/V1/orders/1", headers={"Authorization": "Bearer rotated-token"}).status_code == 200


def test_disabled_module_routes_do_not_match(api, client):
    modules = client.post("/__sandbox/modules/Magento_Sales/disable").json
    assert modules["Magento_Sales"] is False and modules["Magento_Catalog"] is True
    response = api.post("/V1/order/2/invoice", {})
    assert response.status_code == 404 and response.json == {"message": "Request does not match any route."}
    assert api.get("/V1/invoices/1").status_code == 404
    assert api.get("/V1/products/NW-STOVE").status_code == 200
    client.post("/__sandbox/modules/Magento_Sales/enable")
    assert api.get("/V1/invoices/1").status_code == 200


def test_clearing_faults(api, client):
    arm(client, "errors", count=9)
    client.post("/__sandbox/token/revoke")
    assert client.get("/__sandbox/faults").json["armed"][0]["count"] == 9
    client.delete("/__sandbox/faults")
    assert api.get("/V1/orders/1").status_code == 200


@pytest.mark.parametrize(("kind", "body", "status"), [
    ("teapot", {}, 404), ("errors", {"count": 0}, 400), ("errors", {"count": 1, "status": 418}, 400),
    ("timeout", {"count": "x"}, 400), ("latency", {"ms": -1}, 400)])
def test_bad_fault_requests(client, kind, body, status):
    response = client.post(f"/__sandbox/faults/{kind}", json=body)
    assert response.status_code == status and "error" in response.json


def test_hang_longer_than_the_client_timeout_over_a_real_socket(live):
    requests.post(f"{live.url}/__sandbox/faults/timeout", json={"count": 1, "seconds": 1.0}, timeout=5)
    with pytest.raises(requests.Timeout):
        requests.get(f"{live.url}/rest/V1/products/NW-STOVE", headers=AUTH, timeout=0.2)
    assert requests.get(f"{live.url}/rest/V1/products/NW-STOVE", headers=AUTH, timeout=5).status_code == 200


def test_dropped_connection_over_a_real_socket(live):
    requests.post(f"{live.url}/__sandbox/faults/drop", json={"count": 1}, timeout=5)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{live.url}/rest/V1/products/NW-STOVE", headers=AUTH, timeout=5)
    assert requests.get(f"{live.url}/rest/V1/products/NW-STOVE", headers=AUTH, timeout=5).status_code == 200


def test_fault_state_unit():
    faults = Faults()
    faults.arm("error", 2, "/V1/orders", statuses=[500])
    assert faults.take("/V1/products") is None
    assert faults.take("/V1/orders/1")[1] == 0 and faults.take("/V1/orders/1")[1] == 1
    assert faults.take("/V1/orders/1") is None and faults.snapshot()["armed"] == []
    with pytest.raises(ValueError):
        faults.arm("error", 1, bogus=True)
