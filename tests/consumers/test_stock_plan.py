"""The pure decisions of the stock push: what differs, the status rule, the echo states, the webhook's look-again."""

from __future__ import annotations

import datetime as dt

import pytest

from consumers import stock_plan
from consumers.stock_plan import Change, StockConfig
from core.errors import ConfigError
from core.settings import Settings
from erp.base import ALL_LOCATIONS
from schemas.notification import Notification

SOURCES = {"default": "WH/Stock", "berlin": "BER/Stock"}


def test_only_the_sources_whose_quantity_or_status_differ_are_written():
    items = {"default": {"quantity": "10.0000", "status": 1}, "berlin": {"quantity": 3, "status": 1}}
    changes = stock_plan.source_changes("A", {"WH/Stock": 10, "BER/Stock": 0}, items, SOURCES, backorders=False)

    assert changes == [Change("A", "berlin", 3.0, 0, False)]
    assert changes[0].source_item() == {"sku": "A", "source_code": "berlin", "quantity": 0, "status": 0}
    assert changes[0].line() == "A berlin: 3 -> 0"


def test_a_missing_source_item_is_written_and_a_wrong_status_alone_is_a_change():
    items = {"default": {"quantity": 5, "status": 0}}
    changes = stock_plan.source_changes("A", {"WH/Stock": 5, "BER/Stock": 2}, items, SOURCES, backorders=False)

    assert [(c.source, c.magento_qty, c.erp_qty, c.in_stock) for c in changes] == [
        ("default", 5.0, 5, True), ("berlin", None, 2, True)]
    assert changes[1].line() == "A berlin: none -> 2"


def test_zero_is_in_stock_when_backorders_are_allowed():
    product = {"extension_attributes": {"stock_item": {"backorders": 1}}}
    assert stock_plan.backorders_allowed(product)
    assert not stock_plan.backorders_allowed({"extension_attributes": {"stock_item": {"backorders": 0}}})
    assert not stock_plan.backorders_allowed({})
    changes = stock_plan.source_changes("A", {"WH/Stock": 0, "BER/Stock": 0}, {}, SOURCES, backorders=True)
    assert all(change.in_stock for change in changes)


def test_the_legacy_item_is_left_alone_when_qty_and_is_in_stock_match():
    item = {"item_id": 7, "qty": 4, "is_in_stock": True}
    assert stock_plan.legacy_change("A", 4.0, item, backorders=False) is None
    change = stock_plan.legacy_change("A", 0.0, item, backorders=False)
    assert change == Change("A", None, 4.0, 0.0, False, 7)
    assert change.line() == "A stock-item: 4 -> 0"


def test_states_the_echo_guard_compares():
    assert stock_plan.erp_state({"WH/Stock": 3.0}) == {"quantities": {"WH/Stock": 3.0}}
    assert stock_plan.magento_state({ALL_LOCATIONS: 4.0}, {}) == {"qty": 4.0}
    assert stock_plan.magento_state({"WH/Stock": 5.0, "BER/Stock": 1.0}, SOURCES) == {"qty": 5.0}
    assert stock_plan.magento_state({"BER/Stock": 1.0}, {"berlin": "BER/Stock"}) is None


def test_config_from_settings_and_chunk_size():
    settings = Settings.from_env({}, {"MAGENTO_SOURCES": "default=WH/Stock, berlin = BER/Stock",
                                      "STOCK_QUANTITY": "free", "RETRY_DELAYS": "3,30"})
    config = StockConfig.from_settings(settings)
    assert dict(config.sources) == SOURCES
    assert (config.measure, config.first_retry_delay, config.owner) == ("free", 3.0, "magento")
    assert config.locations == ["WH/Stock", "BER/Stock"]
    assert config.skus_per_chunk == 10
    assert StockConfig().locations == [ALL_LOCATIONS]
    assert StockConfig(max_items=20).skus_per_chunk == 20


@pytest.mark.parametrize("raw", ["default", "default=", "=WH/Stock", "de fault=WH/Stock", "a=X,a=Y"])
def test_bad_magento_sources_stop_the_start_with_the_variable_named(raw):
    with pytest.raises(ConfigError, match="MAGENTO_SOURCES"):
        Settings.from_env({}, {"MAGENTO_SOURCES": raw})


@pytest.mark.parametrize("name,raw", [("STOCK_QUANTITY", "salable"), ("STOCK_OWNER", "both")])
def test_bad_stock_choices_are_refused(name, raw):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({}, {name: raw})


def _hint(source="erp-webhook", occurred_at="2026-01-01T10:00:00Z"):
    return Notification(id="e1", entity="stock", action="save", key="A", occurred_at=occurred_at, source=source)


def test_a_webhook_looks_again_only_on_its_first_look():
    now = dt.datetime(2026, 1, 1, 10, 0, 2, tzinfo=dt.UTC)
    assert stock_plan.first_look([_hint()], None, 5.0, now)
    assert not stock_plan.first_look([_hint()], None, 5.0, now + dt.timedelta(seconds=10))
    assert stock_plan.first_look([_hint()], 1, 5.0, now + dt.timedelta(seconds=10))
    assert not stock_plan.first_look([_hint()], 2, 5.0, now)
    assert not stock_plan.first_look([_hint(source="erp-poll")], 1, 5.0, now)
    assert not stock_plan.first_look([_hint(occurred_at=None)], None, 5.0, now)
