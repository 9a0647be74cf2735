"""Magento's store configuration (``GET /V1/store/storeConfigs``), read once per process and Magento store.

One list of store-view configs (``id``, ``code``, ``timezone``, ``weight_unit``, currencies, ...) serves every
record: ``store_config(client, store_id)`` picks the entry of a record's store view (else the first). A store
that does not serve the endpoint (404, or 403 for an integration without the Stores permission) has no known
config: that answer is cached too and said once in the log. A store that cannot answer right now
(``MagentoUnavailable``, 5xx) raises, so the record is retried rather than mapped with a guessed unit or zone.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from core.errors import MagentoForbidden, MagentoNotFound

log = logging.getLogger(__name__)
STORE_CONFIGS_PATH = "store/storeConfigs"

_cache: dict[str, list[dict[str, Any]]] = {}
_lock = threading.Lock()


def store_configs(client: Any) -> list[dict[str, Any]]:
    """Every store view's config, ``[]`` when Magento does not serve them; one call per process and store."""
    where = _store_key(client)
    with _lock:
        if where in _cache:
            return _cache[where]
    configs = _fetch(client)
    with _lock:
        _cache.setdefault(where, configs)
        return _cache[where]


def store_config(client: Any, store_id: int | None = None, code: str | None = None) -> dict[str, Any] | None:
    """The config of store view ``store_id`` (or ``code``), else the first one; None when Magento gives none."""
    configs = store_configs(client)
    chosen = next((config for config in configs if (store_id is not None and config.get("id") == store_id)
                   or (code is not None and config.get("code") == code)), None)
    return chosen or (configs[0] if configs else None)


def clear_cache() -> None:
    """Forget every cached config (tests, or after the store's configuration changed)."""
    with _lock:
        _cache.clear()


def _fetch(client: Any) -> list[dict[str, Any]]:
    try:
        configs = client.request("GET", STORE_CONFIGS_PATH).objects()
    except (MagentoNotFound, MagentoForbidden) as error:
        log.warning("Magento's store config is not available (%s); store time zone and weight unit unknown",
                    error.message)
        return []
    log.info("read Magento's store config: %d store views", len(configs))
    return configs


def _store_key(client: Any) -> str:
    """The Magento store a client talks to (one cache entry per base URL)."""
    settings = getattr(client, "settings", None)
    return str(getattr(settings, "magento_base_url", "") or id(client))
