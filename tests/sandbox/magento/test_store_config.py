"""``GET /V1/store/storeConfigs`` and ``POST /__sandbox/store-config``."""

from __future__ import annotations


def test_store_configs_answer_every_store_view(api):
    answer = api.get("/V1/store/storeConfigs")
    assert answer.status_code == 200
    (config,) = answer.json
    assert (config["id"], config["code"], config["timezone"], config["weight_unit"]) == (
        1, "default", "Europe/Berlin", "kgs")
    assert (config["base_currency_code"], config["default_display_currency_code"]) == ("EUR", "EUR")


def test_store_config_changes_and_new_views_show_in_the_answer(api, client):
    changed = client.post("/__sandbox/store-config", json={"weight_unit": "lbs"}).json
    assert changed["weight_unit"] == "lbs" and changed["id"] == 1
    added = client.post("/__sandbox/store-config", json={"code": "nl", "timezone": "Europe/Amsterdam"}).json
    assert added["id"] == 2 and added["code"] == "nl"
    assert [config["code"] for config in api.get("/V1/store/storeConfigs").json] == ["default", "nl"]
    only = api.get("/V1/store/storeConfigs", query_string={"storeCodes[0]": "nl"}).json
    assert [config["timezone"] for config in only] == ["Europe/Amsterdam"]


def test_store_configs_need_the_store_resource(client):
    answer = client.get("/rest/V1/store/storeConfigs")
    assert answer.status_code == 401 and answer.json["parameters"]["resources"] == "Magento_Backend::store"
