"""Magento's store configurations (``GET /V1/store/storeConfigs``), read once per client and process.

``StoreConfigCache(load)`` is a pure cache around the loader it is given: the first ``configs()`` call loads,
later ones (from any thread) reuse the answer; a load that raises is not remembered, so the next call tries
again. ``entry_for(configs, store_id)`` picks a store view's entry: the one whose ``id`` is the store id, else
the first (Magento lists the default store view first).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

StoreConfig = dict[str, Any]


class StoreConfigCache:
    """The store configurations, loaded on first use with ``load`` and kept."""

    def __init__(self, load: Callable[[], list[StoreConfig]]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._configs: list[StoreConfig] | None = None

    def configs(self) -> list[StoreConfig]:
        with self._lock:
            if self._configs is None:
                self._configs = list(self._load())
            return self._configs

    def entry(self, store_id: Any) -> StoreConfig | None:
        """The entry of store view ``store_id`` (see ``entry_for``)."""
        return entry_for(self.configs(), store_id)


def entry_for(configs: list[StoreConfig], store_id: Any) -> StoreConfig | None:
    """The entry whose ``id`` equals ``store_id`` (``1`` and ``"1"`` alike), else the first; None when empty."""
    for config in configs:
        if store_id is not None and str(config.get("id")) == str(store_id):
            return config
    return configs[0] if configs else None
