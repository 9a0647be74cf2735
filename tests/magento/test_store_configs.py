"""StoreConfigCache: one load per client, failures not kept; entry_for: the store view's entry, else the first."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from magento.store_configs import StoreConfigCache, entry_for

CONFIGS = [{"id": 1, "code": "default", "timezone": "America/Chicago"},
           {"id": 3, "code": "no_nb", "timezone": "Europe/Oslo"}]


def test_the_configs_are_loaded_once_and_shared_by_threads() -> None:
    loads: list[int] = []

    def load() -> list[dict[str, Any]]:
        loads.append(1)
        return CONFIGS

    cache = StoreConfigCache(load)
    threads = [threading.Thread(target=cache.configs) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.configs() == CONFIGS and len(loads) == 1


def test_a_failed_load_is_not_kept() -> None:
    answers: Iterator[Any] = iter([RuntimeError("magento down"), CONFIGS])

    def load() -> list[dict]:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    cache = StoreConfigCache(load)
    with pytest.raises(RuntimeError):
        cache.configs()
    assert cache.entry(3)["timezone"] == "Europe/Oslo"


@pytest.mark.parametrize(("store_id", "code"), [(3, "no_nb"), ("3", "no_nb"), (1, "default"), (99, "default"),
                                                (None, "default")])
def test_the_entry_of_a_store_view_else_the_first(store_id, code) -> None:
    assert entry_for(CONFIGS, store_id)["code"] == code


def test_no_configs_no_entry() -> None:
    assert entry_for([], 1) is None
