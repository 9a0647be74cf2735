"""The store: clock, id sequences, case-insensitive SKUs, generic lookup, the change log."""

from __future__ import annotations

import datetime as dt

from sandbox.magento.store import SandboxClock, Store

T0 = dt.datetime(2024, 1, 1, 8, 0, tzinfo=dt.UTC)


def test_clock_freezes_advances_and_releases():
    clock = SandboxClock(lambda: T0)
    clock.advance(30)
    assert clock() == T0 + dt.timedelta(seconds=30) and not clock.frozen
    clock.freeze(dt.datetime(2030, 1, 1))
    clock.advance(5)
    assert clock() == dt.datetime(2030, 1, 1, 0, 0, 5, tzinfo=dt.UTC) and clock.frozen
    clock.release()
    assert clock() == T0


def test_sequences_continue_after_the_highest_seeded_id():
    store = Store(lambda: T0)
    store.bump_sequence("order", 12)
    assert store.next_id("order") == 13 and store.next_id("order") == 14 and store.next_id("other") == 1
    assert store.next_increment_id("invoice_increment") == "000000001"


def test_products_by_sku_and_id_and_generic_find():
    store = Store(lambda: T0)
    store.put_product({"id": 5, "sku": "Mixed-Case"})
    assert store.product("mixed-CASE")["id"] == 5 and store.product_by_id(5)["sku"] == "Mixed-Case"
    assert store.find("stock", "MIXED-case")["id"] == 5 and store.find("order", "x") is None
    assert list(store.keys("product")) == ["Mixed-Case"]
    store.drop_product(store.product("mixed-case"))
    assert store.product_by_id(5) is None


def test_touch_and_changes():
    store = Store(lambda: T0)
    record = {"updated_at": "2020-01-01 00:00:00"}
    assert store.touch(record) == "2024-01-01 08:00:00" == record["updated_at"]
    store.changed("order", "save", 7)
    [change] = store.drain_changes()
    assert (change.entity, change.action, change.key, change.occurred_at) == ("order", "save", "7", T0)
    assert store.drain_changes() == []
