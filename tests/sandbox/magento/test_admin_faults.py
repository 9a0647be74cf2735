"""Admin clock, module list and token endpoints."""

from __future__ import annotations


def test_clock_endpoints_move_the_time_every_save_uses(api, client):
    assert client.get("/__sandbox/clock").json == {"now": "2024-06-01 12:00:00", "iso": "2024-06-01T12:00:00.000Z",
                                                   "frozen": False}
    assert client.post("/__sandbox/clock", json={"freeze": "2025-01-02 03:04:05"}).json["now"] == "2025-01-02 03:04:05"
    assert client.post("/__sandbox/clock", json={"advance": 60}).json["now"] == "2025-01-02 03:05:05"
    assert api.put("/V1/products/NW-STOVE", {"product": {}}).json["updated_at"] == "2025-01-02 03:05:05"
    assert client.post("/__sandbox/clock", json={"release": True}).json["now"] == "2024-06-01 12:00:00"
    assert client.post("/__sandbox/clock", json={"freeze": "soon"}).status_code == 400


def test_module_list_and_unknown_module(client):
    assert client.get("/__sandbox/modules").json == {
        "Magento_Catalog": True, "Magento_ConfigurableProduct": True, "Magento_Customer": True,
        "Magento_Sales": True, "Magento_CatalogInventory": True, "Magento_Store": True,
        "Magento_InventoryApi": True, "Magento_InventorySalesApi": True}
    assert client.post("/__sandbox/modules/Magento_Rma/disable").status_code == 404


def test_disabling_configurable_product_only_hides_the_children_route(api, client):
    client.post("/__sandbox/modules/Magento_ConfigurableProduct/disable")
    assert api.get("/V1/configurable-products/NW-PARKA/children").status_code == 404
    assert api.get("/V1/products/NW-PARKA").status_code == 200


def test_token_endpoints_validate(client):
    assert client.post("/__sandbox/token/forget").status_code == 404
    assert client.put("/__sandbox/token", json={"token": ""}).status_code == 400
