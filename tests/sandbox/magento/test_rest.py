"""The REST pipeline: projection errors, masked internal errors, refused writes, the request log entry."""

from __future__ import annotations

from sandbox.magento import rest as magento_rest
from sandbox.magento.routes import Route


def test_a_bad_fields_parameter_is_a_400(api):
    response = api.get("/V1/orders/1?fields=items[sku")
    assert response.status_code == 400 and response.json["parameters"]["fieldName"] == "fields"


def test_a_handler_bug_answers_like_magentos_masked_exception(api, monkeypatch, caplog):
    def broken(call):
        raise KeyError("boom")

    monkeypatch.setattr(magento_rest, "find_route",
                        lambda method, parts: (
                            Route("GET", "/V1/x", broken, "Magento_Sales::sales", "Magento_Sales"), {}))
    response = api.get("/V1/x")
    assert response.status_code == 500
    assert response.json == {"message": "Internal Error. Details are available in Magento log file. Report ID: "
                                        "webapi-sandbox"}
    assert "sandbox handler GET /V1/x failed" in caplog.text


def test_answers_are_json_with_magentos_content_type(api):
    response = api.get("/V1/orders/1")
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert api.post("/V1/orders/1/comments", {"statusHistory": {"comment": "x"}}).get_data() == b"true"


def test_the_log_entry_of_an_injected_fault(api, client, sandbox):
    client.post("/__sandbox/faults/rate-limit", json={"count": 1})
    api.get("/V1/orders/1")
    [entry] = sandbox.requests()
    assert (entry["fault"], entry["status"], entry["route"]) == ("rate_limit", 429, None)


def test_sorting_products_by_entity_id(api):
    query = "searchCriteria[sortOrders][0][field]=entity_id&searchCriteria[sortOrders][0][direction]=DESC"
    assert [p["id"] for p in api.get(f"/V1/products?{query}").json["items"]][:2] == [50, 41]
