"""MSI over REST: sources, source items (read and save), validation envelopes, the input limit, legacy sync."""

from __future__ import annotations

import signal
import sys
from urllib.parse import urlencode

import requests

from tests import support

SOURCE_ITEM_TYPE = "\\Magento\\InventoryApi\\Api\\Data\\SourceItemInterface"


def criteria(*filters: tuple[str, str, str], size: int | None = None, page: int | None = None) -> str:
    params: dict[str, str] = {}
    for group, (field, value, condition) in enumerate(filters):
        prefix = f"searchCriteria[filterGroups][{group}][filters][0]"
        params.update({f"{prefix}[field]": field, f"{prefix}[value]": value, f"{prefix}[conditionType]": condition})
    if size:
        params["searchCriteria[pageSize]"] = str(size)
    if page:
        params["searchCriteria[currentPage]"] = str(page)
    return "?" + urlencode(params or {"searchCriteria": ""})


def item(sku: str, source: str = "default", quantity=10, status=1) -> dict:
    return {"sku": sku, "source_code": source, "quantity": quantity, "status": status}


def test_sources_list_has_default_and_the_demo_warehouse(api):
    body = api.get("/V1/inventory/sources" + criteria()).json
    assert [source["source_code"] for source in body["items"]] == ["default", "berlin"]
    assert body["items"][0]["name"] == "Default Source" and body["items"][0]["enabled"] is True
    assert body["total_count"] == 2 and "search_criteria" in body


def test_default_source_item_mirrors_the_legacy_stock_item(api):
    body = api.get("/V1/inventory/source-items" + criteria(("sku", "NW-STOVE", "eq"))).json
    assert body["items"] == [{"sku": "NW-STOVE", "source_code": "default", "quantity": 40, "status": 1}]
    assert body["total_count"] == 1
    assert body["search_criteria"]["filter_groups"][0]["filters"][0]["field"] == "sku"


def test_configurables_and_bundles_have_no_source_items(api):
    for sku in ("NW-PARKA", "NW-COOK-KIT"):
        assert api.get("/V1/inventory/source-items" + criteria(("sku", sku, "eq"))).json["items"] == []


def test_save_answers_an_empty_array_and_writes_every_source(api):
    fuel = api.get("/V1/stockItems/NW-FUEL-230").json["qty"]
    response = api.post("/V1/inventory/source-items", {"sourceItems": [
        item("NW-STOVE", "default", 12), item("NW-STOVE", "berlin", 7.5), item("NW-FUEL-230", "berlin", 0, 0)]})
    assert response.status_code == 200 and response.get_data(as_text=True) == "[]"
    found = api.get("/V1/inventory/source-items" + criteria(("sku", "NW-STOVE,NW-FUEL-230", "in"))).json["items"]
    assert {(i["sku"], i["source_code"]): (i["quantity"], i["status"]) for i in found} == {
        ("NW-STOVE", "default"): (12, 1), ("NW-STOVE", "berlin"): (7.5, 1),
        ("NW-FUEL-230", "default"): (fuel, 1), ("NW-FUEL-230", "berlin"): (0, 0)}


def test_source_code_filter_and_paging(api):
    api.post("/V1/inventory/source-items",
             {"sourceItems": [item("NW-STOVE", "berlin", 3), item("NW-MUG-350", "berlin", 4)]})
    body = api.get("/V1/inventory/source-items" + criteria(("source_code", "berlin", "eq"), size=1, page=2)).json
    assert body["total_count"] == 2 and [i["sku"] for i in body["items"]] == ["NW-MUG-350"]  # in save order


def test_default_source_save_updates_the_legacy_stock_item(api):
    api.post("/V1/inventory/source-items", {"sourceItems": [item("NW-STOVE", "default", 0, 0)]})
    stock = api.get("/V1/stockItems/NW-STOVE").json
    assert stock["qty"] == 0 and stock["is_in_stock"] is False


def test_legacy_stock_item_put_moves_the_default_source_item(api):
    item_id = api.get("/V1/stockItems/NW-STOVE").json["item_id"]
    response = api.put(f"/V1/products/NW-STOVE/stockItems/{item_id}", {"stockItem": {"qty": 33, "is_in_stock": True}})
    assert response.status_code == 200 and response.get_data(as_text=True) == f'"{item_id}"'
    found = api.get("/V1/inventory/source-items" + criteria(("sku", "NW-STOVE", "eq"))).json["items"]
    assert found == [{"sku": "NW-STOVE", "source_code": "default", "quantity": 33, "status": 1}]


def test_negative_quantity_is_accepted_as_magento_does(api):
    assert api.post("/V1/inventory/source-items", {"sourceItems": [item("NW-STOVE", "berlin", -2)]}).status_code == 200
    found = api.get("/V1/inventory/source-items" + criteria(("source_code", "berlin", "eq"))).json["items"]
    assert found == [{"sku": "NW-STOVE", "source_code": "berlin", "quantity": -2, "status": 1}]


def test_unknown_source_saves_nothing(api):
    response = api.post("/V1/inventory/source-items", {"sourceItems": [item("NW-STOVE", "default", 1),
                                                                       item("NW-STOVE", "paris")]})
    assert response.status_code == 400 and response.json == {"message": "Could not save Source Item"}
    assert api.get("/V1/stockItems/NW-STOVE").json["qty"] == 40


def test_unknown_sku_is_stored_as_an_orphan_as_magento_does(api):
    """magento/magento2#38154 (confirmed, open): 200 and a source item no product has."""
    response = api.post("/V1/inventory/source-items", {"sourceItems": [item("NO-SUCH-SKU", "default", 5)]})
    assert response.status_code == 200 and response.json == []
    found = api.get("/V1/inventory/source-items" + criteria(("sku", "NO-SUCH-SKU", "eq"))).json["items"]
    assert found == [{"sku": "NO-SUCH-SKU", "source_code": "default", "quantity": 5, "status": 1}]
    assert api.get("/V1/stockItems/NO-SUCH-SKU").status_code == 404


def test_unknown_sku_can_be_refused_like_the_existent_sku_validator(api, client):
    client.put("/__sandbox/inventory/settings", json={"reject_unknown_skus": True})
    response = api.post("/V1/inventory/source-items", {"sourceItems": [item("NW-STOVE", "default", 1),
                                                                       item("NO-SUCH-SKU")]})
    assert response.status_code == 400
    assert response.json == {
        "message": 'Validation Failed: Product with requested "sku": "NO-SUCH-SKU" was was not found.',
        "errors": [{"message": 'Product with requested "%field": "%value" was was not found.',
                    "parameters": {"field": "sku", "value": "NO-SUCH-SKU"}}]}
    assert api.get("/V1/stockItems/NW-STOVE").json["qty"] == 40


def test_source_status_is_kept_when_the_legacy_item_goes_out_of_stock(api):
    """In stock with 0 on the source item; the legacy item fails verifyStock and is out of stock."""
    api.post("/V1/inventory/source-items", {"sourceItems": [item("NW-STOVE", "default", 0, 1)]})
    assert api.get("/V1/stockItems/NW-STOVE").json["is_in_stock"] is False
    found = api.get("/V1/inventory/source-items" + criteria(("sku", "NW-STOVE", "eq"))).json["items"]
    assert found[0]["status"] == 1
    api.put("/V1/products/NW-STOVE/stockItems/1", {"stockItem": {"qty": 0, "is_in_stock": False}})
    assert api.get("/V1/inventory/source-items" + criteria(("sku", "NW-STOVE", "eq"))).json["items"][0]["status"] == 0


def test_missing_quantity_is_magentos_validation_envelope(api):
    response = api.post("/V1/inventory/source-items", {"sourceItems": [{"sku": "NW-STOVE", "source_code": "default",
                                                                        "status": 1}]})
    assert response.status_code == 400
    assert response.json == {"message": 'Validation Failed: "quantity" should be numeric.',
                             "errors": [{"message": '"%field" should be numeric.',
                                         "parameters": {"field": "quantity"}}]}


def test_every_validation_error_is_listed(api):
    response = api.post("/V1/inventory/source-items", {"sourceItems": [item("", "de fault", status=3)]})
    assert response.json["message"] == 'Validation Failed: "sku" can not be empty.'
    assert response.json["errors"] == [
        {"message": '"%field" can not be empty.', "parameters": {"field": "sku"}},
        {"message": '"%field" can not contain whitespaces.', "parameters": {"field": "source_code"}},
        {"message": '"%field" should a known status.', "parameters": {"field": "status"}}]


def test_non_numeric_quantity_is_a_type_error(api):
    response = api.post("/V1/inventory/source-items", {"sourceItems": [item("NW-STOVE", quantity="lots")]})
    assert response.status_code == 400
    assert response.json["parameters"] == {"value": "lots", "type": "float"}


def test_empty_or_missing_array(api):
    assert api.post("/V1/inventory/source-items", {"sourceItems": []}).json == {"message": "Input data is empty"}
    missing = api.post("/V1/inventory/source-items", {})
    assert missing.status_code == 400 and missing.json["parameters"] == {"fieldName": "sourceItems"}


def test_more_than_twenty_items_is_the_input_limit_error(api):
    items = [item("NW-STOVE", "default", n) for n in range(21)]
    response = api.post("/V1/inventory/source-items", {"sourceItems": items})
    assert response.status_code == 400
    assert response.json == {"message": 'Maximum items of type "%type" is %max',
                             "parameters": {"type": SOURCE_ITEM_TYPE, "max": 20}}
    assert api.post("/V1/inventory/source-items", {"sourceItems": items[:20]}).status_code == 200


def test_input_limit_is_configurable_and_survives_a_reset(api, client):
    assert client.put("/__sandbox/inventory/settings", json={"input_limit": 5}).json == {
        "input_limit_enabled": True, "input_limit": 5, "reject_unknown_skus": False}
    client.post("/__sandbox/reset")
    items = [item("NW-STOVE", "default", n) for n in range(6)]
    assert api.post("/V1/inventory/source-items", {"sourceItems": items}).json["parameters"]["max"] == 5
    client.put("/__sandbox/inventory/settings", json={"input_limit_enabled": False})
    many = [item("NW-STOVE", "default", n) for n in range(50)]
    assert api.post("/V1/inventory/source-items", {"sourceItems": many}).status_code == 200


def test_save_notifies_a_stock_change_per_sku(sandbox, api):
    seen = []
    sandbox.feed.emit = lambda changes, **kw: seen.extend(changes) or len(changes)
    api.post("/V1/inventory/source-items",
             {"sourceItems": [item("nw-stove", "default", 2), item("NW-STOVE", "berlin", 1)]})
    assert [(change.entity, change.key) for change in seen] == [("stock", "NW-STOVE")]


def test_acl_resources_name_the_inventory_api(client):
    response = client.get("/rest/V1/inventory/source-items?searchCriteria=")
    assert response.status_code == 401 and response.json["parameters"] == {"resources": "Magento_InventoryApi::source"}


def test_settings_refuse_unknown_names_and_bad_limits(client):
    assert client.put("/__sandbox/inventory/settings", json={"limit": 3}).status_code == 400
    assert client.put("/__sandbox/inventory/settings", json={"input_limit": 0}).status_code == 400


def test_admin_adds_a_source(api, client):
    added = client.post("/__sandbox/inventory/sources",
                        json={"source_code": "paris", "name": "Paris", "country_id": "FR"})
    assert added.status_code == 200 and added.json["source_code"] == "paris"
    assert api.post("/V1/inventory/source-items", {"sourceItems": [item("NW-STOVE", "paris", 4)]}).status_code == 200
    assert client.post("/__sandbox/inventory/sources", json={"source_code": "bad code"}).status_code == 400


def test_bridgectl_sandbox_magento_takes_the_input_limit():
    port = support.free_port()
    # ``python -m ops.cli`` from the checkout (the venv's bridgectl may belong to another checkout)
    args = [sys.executable, "-m", "ops.cli", "sandbox", "magento", "--port", str(port), "--token", "cli-token",
            "--input-limit", "2"]
    with support.running(args, port=port) as process:
        response = requests.post(f"http://127.0.0.1:{port}/rest/V1/inventory/source-items", timeout=5,
                                 headers={"Authorization": "Bearer cli-token"},
                                 json={"sourceItems": [item("NW-STOVE", "default", n) for n in range(3)]})
        assert response.status_code == 400 and response.json()["parameters"]["max"] == 2
        assert support.stop(process, signal.SIGTERM) == 0
