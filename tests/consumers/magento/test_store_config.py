"""store_config: Magento's store-view configs, read once per process and store, picked by id or code."""

from __future__ import annotations

import pytest

from consumers.magento.store_config import clear_cache, store_config, store_configs
from core.errors import MagentoServerError

CONFIGS = [{"id": 1, "code": "default", "timezone": "America/Chicago", "weight_unit": "lbs"},
           {"id": 3, "code": "nb_no", "timezone": "Europe/Oslo", "weight_unit": "kgs"}]


def test_the_entry_of_a_store_id_or_code_else_the_first(client, mocked, rest) -> None:
    mocked.add("GET", rest("store/storeConfigs"), json=CONFIGS)
    assert store_config(client, 3)["timezone"] == "Europe/Oslo"
    assert store_config(client, code="nb_no")["id"] == 3
    assert store_config(client, 99)["code"] == "default" and store_config(client)["code"] == "default"
    assert len(mocked.calls) == 1  # cached for the process


def test_clearing_the_cache_reads_again(client, mocked, rest) -> None:
    mocked.add("GET", rest("store/storeConfigs"), json=CONFIGS)
    store_configs(client)
    clear_cache()
    store_configs(client)
    assert len(mocked.calls) == 2


def test_a_store_without_the_endpoint_has_no_config(client, mocked, rest) -> None:
    mocked.add("GET", rest("store/storeConfigs"), status=404, json={"message": "Request does not match any route."})
    assert store_configs(client) == [] and store_config(client, 1) is None


def test_a_server_error_is_raised_and_not_remembered(client, mocked, rest) -> None:
    mocked.add("GET", rest("store/storeConfigs"), status=500, json={"message": "Internal Error"})
    with pytest.raises(MagentoServerError):
        store_configs(client)
    mocked.replace("GET", rest("store/storeConfigs"), json=CONFIGS)
    assert store_configs(client) == CONFIGS
