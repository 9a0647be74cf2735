"""``GET /V1/store/storeConfigs`` (``Magento\\Store\\Api\\StoreConfigManagerInterface``): one entry per store view.

The demo store is one store view ``default`` (id 1) in Europe/Berlin, weighing in kilograms, with EUR as
base and display currency. Tests change ``store.store_configs`` directly or through
``POST /__sandbox/store-config``.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.magento.http import Call

BASE_URL = "http://magento.sandbox/"


def default_configs() -> list[dict[str, Any]]:
    """The seed's store views as ``StoreConfigInterface`` records."""
    return [store_config(1, "default", 1)]


def store_config(store_id: int, code: str, website_id: int, **values: Any) -> dict[str, Any]:
    """A store view's configuration with every field Magento answers."""
    config = {"id": store_id, "code": code, "website_id": website_id, "locale": "en_US",
              "base_currency_code": "EUR", "default_display_currency_code": "EUR", "timezone": "Europe/Berlin",
              "weight_unit": "kgs", "base_url": BASE_URL, "base_link_url": BASE_URL,
              "base_static_url": f"{BASE_URL}static/", "base_media_url": f"{BASE_URL}media/",
              "secure_base_url": BASE_URL.replace("http:", "https:"),
              "secure_base_link_url": BASE_URL.replace("http:", "https:"),
              "secure_base_static_url": f"{BASE_URL.replace('http:', 'https:')}static/",
              "secure_base_media_url": f"{BASE_URL.replace('http:', 'https:')}media/"}
    config.update(values)
    return config


def list_store_configs(call: Call) -> list[dict[str, Any]]:
    """Every store view, or those named in ``storeCodes[]`` (unknown codes are skipped, as in Magento)."""
    codes = [value for key, value in call.query if key.startswith("storeCodes")]
    configs = [config for config in call.store.store_configs if not codes or config["code"] in codes]
    return copy.deepcopy(configs)


def update_store_config(store: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Merge ``values`` into the store view named by ``code`` (default ``default``); a new code adds a view."""
    code = str(values.get("code") or "default")
    for config in store.store_configs:
        if config["code"] == code:
            config.update({key: value for key, value in values.items() if key != "id"})
            return config
    new_id = max((config["id"] for config in store.store_configs), default=0) + 1
    extra = {key: value for key, value in values.items() if key not in ("id", "code", "website_id")}
    config = store_config(new_id, code, int(values.get("website_id") or 1), **extra)
    store.store_configs.append(config)
    return config
