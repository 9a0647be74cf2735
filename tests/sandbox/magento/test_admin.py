"""The admin API: touch, delete, read records, generate products, the request log, reset, the overview."""

from __future__ import annotations

from urllib.parse import urlencode

from magento.search_criteria import SearchCriteria


def test_touch_changes_fields_and_moves_updated_at(api, client, clock):
    clock.advance(600)
    touched = client.post("/__sandbox/touch/customer/1", json={"lastname": "Mercer-Smit"})
    assert touched.status_code == 200
    customer = api.get("/V1/customers/1").json
    assert customer["lastname"] == "Mercer-Smit" and customer["updated_at"] == "2024-06-01 12:10:00"


def test_touch_merges_nested_objects_and_custom_attributes(api, client):
    client.post("/__sandbox/touch/product/NW-STOVE", json={
        "extension_attributes": {"stock_item": {"qty": 7}}, "custom_attributes": [{"attribute_code": "color",
                                                                                   "value": "5102"}]})
    product = api.get("/V1/products/NW-STOVE").json
    assert product["extension_attributes"]["stock_item"]["qty"] == 7
    assert product["extension_attributes"]["stock_item"]["is_in_stock"] is True
    assert {a["attribute_code"] for a in product["custom_attributes"]} >= {"color", "url_key"}


def test_touch_can_set_updated_at_explicitly(api, client):
    client.post("/__sandbox/touch/order/5", json={"updated_at": "2024-05-31T23:59:30Z"})
    assert api.get("/V1/orders/5").json["updated_at"] == "2024-05-31 23:59:30"


def test_touch_stock_and_encoded_keys(api, client):
    response = client.post("/__sandbox/touch/stock/BAG%2FTOTE-01", json={"qty": 1, "is_in_stock": 0})
    assert response.json["qty"] == 1 and response.json["is_in_stock"] is False
    assert api.get("/V1/stockItems/BAG%2FTOTE-01").json["qty"] == 1


def test_touch_unknown_records_and_entities_are_404(client):
    assert client.post("/__sandbox/touch/order/77").status_code == 404
    assert client.post("/__sandbox/touch/widget/1").status_code == 404
    assert client.post("/__sandbox/touch/order/1", data="[1]", content_type="application/json").status_code == 400


def test_delete_records(api, client):
    assert client.delete("/__sandbox/records/product/NW-MUG-350").json == {"deleted": ["NW-MUG-350"]}
    assert api.get("/V1/products/NW-MUG-350").status_code == 404
    assert client.delete("/__sandbox/records/category/3").json == {"deleted": ["3", "4", "5"]}
    assert api.get("/V1/categories/2").json["children"] == "6,8"
    assert client.delete("/__sandbox/records/invoice/1").status_code == 200
    assert api.get("/V1/invoices/1").status_code == 404
    assert client.delete("/__sandbox/records/stock/NW-STOVE").status_code == 400


def test_read_records_without_a_token_and_list_keys(client):
    assert client.get("/__sandbox/records/order/3").json["items"][1]["parent_item"]["item_id"] == 7
    assert client.get("/__sandbox/records/stock/NW-STOVE").json["qty"] == 40
    assert client.get("/__sandbox/records/shipment").json == {"keys": ["1"]}
    assert client.get("/__sandbox/records/product").json["keys"][:2] == ["NW-PARKA", "NW-PARKA-S-Red"]


def test_generate_three_thousand_products_and_page_through_them(api, client):
    result = client.post("/__sandbox/generate/products", json={"count": 3000, "updated_at": "2024-05-30 08:00:00"})
    assert result.json["created"] == 3000 and result.json["first_id"] == 51
    seen: list[str] = []
    criteria = SearchCriteria().where("updated_at", "2024-05-30 00:00:00", "gteq").order_by("entity_id")
    page = 1
    while True:
        body = api.get("/V1/products?" + urlencode(criteria.page(500, page).to_params())
                       + "&fields=items[sku],total_count").json
        seen += [item["sku"] for item in body["items"]]
        if len(seen) >= body["total_count"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == 3000 and seen[0] == "SYN-000051"


def test_generate_refuses_a_bad_count(client):
    assert client.post("/__sandbox/generate/products", json={"count": 0}).status_code == 400


def test_request_log_records_what_was_called(api, client):
    api.get("/V1/products/BAG%2FTOTE-01")
    client.get("/rest/all/V1/orders/99", headers=api.headers)
    client.get("/rest/V1/orders/1")
    log = client.get("/__sandbox/requests").json
    assert [(r["method"], r["path"], r["store"], r["status"]) for r in log["requests"]] == [
        ("GET", "/rest/default/V1/products/BAG%2FTOTE-01", "default", 200),
        ("GET", "/rest/all/V1/orders/99", "all", 404), ("GET", "/rest/V1/orders/1", "default", 401)]
    assert log["requests"][0]["route"] == "GET /V1/products/:sku"
    later = client.get(f"/__sandbox/requests?since={log['requests'][1]['seq']}").json["requests"]
    assert [r["status"] for r in later] == [401]
    client.delete("/__sandbox/requests")
    assert client.get("/__sandbox/requests").json["requests"] == []


def test_reset_restores_the_seed_and_clears_faults(api, client):
    api.post("/V1/order/5/invoice", {})
    client.post("/__sandbox/token/revoke")
    assert client.post("/__sandbox/reset").json == {"reset": True, "seed": "demo"}
    assert api.get("/V1/orders/5").json["state"] == "new"
    assert client.post("/__sandbox/reset", json={"seed": "empty"}).status_code == 200
    assert api.get("/V1/products?searchCriteria=").json["total_count"] == 0
    assert client.post("/__sandbox/reset", json={"seed": "huge"}).status_code == 400


def test_overview_counts_every_entity(client):
    overview = client.get("/__sandbox").json
    assert overview["counts"] == {"product": 13, "customer": 4, "category": 8, "order": 5, "invoice": 2,
                                  "shipment": 1, "creditmemo": 1, "stock": 13}
    assert overview["now"] == "2024-06-01 12:00:00"
    assert client.get("/__sandbox/health").json == {"ok": True}


def test_the_feed_knows_every_entity_of_the_notification_format():
    """The sandbox keeps its own entity list; it must be the one the bridge's notifications carry."""
    from sandbox.magento.admin import ENTITIES as FEED_ENTITIES
    from schemas.notification import ENTITIES
    assert FEED_ENTITIES == ENTITIES
