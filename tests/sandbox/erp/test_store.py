"""The HTTP ERP sandbox's storage: records, counters, paging and faults, without HTTP."""

from __future__ import annotations

from sandbox.erp.store import ErpStore, Fault


def test_put_creates_once_then_updates_and_counts_every_write():
    store = ErpStore()

    assert store.put("product", "A", {"v": 1}) == (1, True)
    assert store.put("product", "A", {"v": 2}) == (1, False)
    assert store.put("product", "B", {"v": 3}) == (2, True)
    assert store.get("product", "A") == {"id": 1, "entity": "product", "key": "A", "document": {"v": 2}}
    assert store.writes[("product", "A")] == 2


def test_delete_counts_even_a_missing_record():
    store = ErpStore()
    store.put("customer", "7", {})

    assert store.delete("customer", "7") is True
    assert store.delete("customer", "7") is False
    assert store.get("customer", "7") is None
    assert store.counters()["records"] == [{"entity": "customer", "key": "7", "writes": 1, "deletes": 2}]


def test_listing_pages_one_entity_and_counts_all_of_it():
    store = ErpStore()
    for key in ("a", "b", "c"):
        store.put("product", key, {"k": key})
    store.put("category", "1", {})

    page = store.listing("product", offset=1, limit=1)

    assert page == {"count": 3, "offset": 1, "items": [{"id": 2, "key": "b", "document": {"k": "b"}}]}
    assert [item["key"] for item in store.listing("product")["items"]] == ["a", "b", "c"]


def test_a_fault_is_used_up_by_matching_calls_only():
    store = ErpStore()
    store.add_fault(Fault(times=2, status=503, entity="order"))

    assert store.take_fault("product")[0] is None
    assert store.take_fault("order")[0].status == 503
    assert store.take_fault(None)[0] is None  # a call without an entity does not match an entity's fault
    assert store.take_fault("order")[0] is not None
    assert store.take_fault("order")[0] is None


def test_begin_call_counts_and_gives_the_latency():
    store = ErpStore()
    store.latency_ms = 25

    assert store.begin_call() == 25 and store.begin_call() == 25
    assert store.counters()["calls"] == 2


def test_reset_forgets_everything_and_releases_hanging_calls():
    store = ErpStore()
    store.put("product", "A", {})
    store.add_fault(Fault(times=1, hang=5))
    _, released = store.take_fault("product")

    store.reset()

    assert released.is_set() and not store.released.is_set()
    assert store.counters() == {"calls": 0, "records": []} and store.faults == []
    assert store.put("product", "A", {}) == (1, True)
