"""The Router: each record's notifications go to the pipeline of their origin; probes per origin."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from consumers.dispatch import Outcome
from consumers.router import Router
from core.errors import ConfigError
from schemas.notification import Notification


class Recording:
    def __init__(self, name: str) -> None:
        self.name = name
        self.handled: list[list[Notification]] = []
        self.probed: list[tuple[str, ...]] = []

    def __call__(self, notifications: list[Notification]) -> Outcome:
        self.handled.append(notifications)
        return Outcome("synced", detail=self.name)

    def probe(self, entities: Sequence[str]) -> None:
        self.probed.append(tuple(entities))


def test_each_origin_goes_to_its_own_pipeline():
    magento, erp = Recording("magento → erp"), Recording("erp → magento")
    router = Router({None: magento, "erp": erp})
    from_magento = [Notification("e1", "stock", "save", "MB-01")]
    from_erp = [Notification("e2", "stock", "save", "MB-01", source="erp-poll", origin="erp")]

    assert router(from_magento).detail == "magento → erp"
    assert router(from_erp).detail == "erp → magento"
    assert (magento.handled, erp.handled) == ([from_magento], [from_erp])


def test_the_probe_checks_each_origin_for_its_entities():
    magento, erp = Recording("m"), Recording("e")
    Router({None: magento, "erp": erp}).probe(["product", "stock", "erp.stock"])
    assert (magento.probed, erp.probed) == ([("product", "stock")], [("stock",)])


def test_a_stream_without_a_pipeline_is_a_configuration_error_at_start_up():
    router = Router({None: Recording("m")})
    with pytest.raises(ConfigError, match="no pipeline for changes from erp"):
        router.probe(["stock", "erp.stock"])
