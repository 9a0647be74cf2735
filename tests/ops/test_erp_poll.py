"""The ERP poller's pure decisions: a page of Odoo rows or feed changes to notifications, keyset positions, and
the loop's outage logging (one line when an outage starts, one when it ends)."""

from __future__ import annotations

import logging
import threading

from erp.http_changes import Change
from erp.odoo.changes import Position, page_domain, product_of
from ops.erp_poll import DONE, FAILED, ErpPoller, PollResult, feed_notifications, odoo_stock_notifications

ROWS = [{"id": 1, "write_date": "2026-01-01 10:00:00", "product_id": [5, "Box"]},
        {"id": 3, "write_date": "2026-01-01 10:00:01", "product_id": [5, "Box"]},
        {"id": 2, "write_date": "2026-01-01 10:00:01", "product_id": [6, "Bag"]},
        {"id": 4, "write_date": "2026-01-01 10:00:01", "product_id": False},
        {"id": 7, "write_date": "2026-01-01 10:00:02", "product_id": [8, "No code"]}]


def test_one_notification_per_sku_from_its_newest_row_with_a_deterministic_id():
    notes, unknown = odoo_stock_notifications("stock.quant", ROWS, {5: "BOX", 6: "BAG"})

    assert unknown == 2  # no product, and a product without a default_code
    assert [(note.key, note.id) for note in notes] == [
        ("BOX", "erp-poll-stock-BOX-stock.quant-3-20260101T100001"),
        ("BAG", "erp-poll-stock-BAG-stock.quant-2-20260101T100001")]
    assert {(n.entity, n.action, n.origin, n.source) for n in notes} == {("stock", "save", "erp", "erp-poll")}
    assert notes[0].occurred_at == "2026-01-01T10:00:01.000Z"
    assert odoo_stock_notifications("stock.quant", ROWS, {5: "BOX", 6: "BAG"})[0] == notes


def test_a_sku_too_long_for_an_event_id_is_hashed_into_it():
    sku = "S" * 300
    notes, _ = odoo_stock_notifications("stock.move", ROWS[:1], {5: sku})

    assert notes[0].key == sku and notes[0].id.startswith("erp-poll-stock-sha256-")
    assert len(notes[0].id) <= 255


def test_feed_changes_become_one_notification_per_record_and_other_entities_are_skipped():
    changes = [Change("stock", "A", "1"), Change("product", "A", "2"), Change("stock", "B", "3"),
               Change("stock", "A", "4"), Change("stock", " ", "5")]

    notes, skipped = feed_notifications(changes)

    assert [(note.key, note.id) for note in notes] == [("B", "erp-poll-stock-B-c3"), ("A", "erp-poll-stock-A-c4")]
    assert skipped == {"product (not yet synced from the ERP)": 1, "stock with an unusable key": 1}


def test_keyset_positions_keep_every_id_read_at_the_last_whole_second():
    first = Position("2026-01-01 10:00:00", frozenset()).after(ROWS[:4])
    second = first.after([{"id": 9, "write_date": "2026-01-01 10:00:01"}])
    third = second.after(ROWS[4:])

    assert first == Position("2026-01-01 10:00:01", frozenset({2, 3, 4}))
    assert second.ids == {2, 3, 4, 9}
    assert third == Position("2026-01-01 10:00:02", frozenset({7}))
    assert page_domain("stock.quant", 11, "2025-12-31 10:00:00", second)[-3:] == [
        ("write_uid", "!=", 11), ("write_date", ">=", "2026-01-01 10:00:01"), ("id", "not in", [2, 3, 4, 9])]
    assert page_domain("stock.move", 11, None, None)[-1] == ("write_uid", "!=", 11)
    assert (product_of({"product_id": [5, "Box"]}), product_of({"product_id": False})) == (5, None)


class Scripted:
    """A source answering a scripted series of results (the loop's logic, without an ERP)."""

    def __init__(self, name: str, statuses: list[str]) -> None:
        self.name, self.statuses = name, statuses

    def poll(self, stop: threading.Event) -> PollResult:
        status = self.statuses.pop(0)
        return PollResult(self.name, status, reason="ErpUnavailable: Odoo is down" if status == FAILED else None,
                          broker_failed=status == "broker")


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(caplog):
    poller = ErpPoller([Scripted("odoo:stock.quant", [DONE, FAILED, FAILED, FAILED, DONE, DONE])])

    with caplog.at_level(logging.INFO, logger="ops.erp_poll"):
        for _ in range(6):
            poller.run_once()

    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(errors) == 1 and "Odoo is down" in errors[0].getMessage()
    assert sum("recovered" in record.getMessage() for record in caplog.records) == 1


def test_a_broker_failure_ends_the_round():
    poller = ErpPoller([Scripted("a", [FAILED]), Scripted("b", [DONE])])
    poller.sources[0].statuses = ["broker"]

    results = poller.run_once()

    assert [(result.source, result.reason) for result in results][1] == ("b", "not polled: the broker is unavailable")


def test_a_stop_request_skips_the_remaining_sources():
    poller = ErpPoller([Scripted("a", [DONE])])
    poller.stop.set()

    assert [result.status for result in poller.run_once()] == ["interrupted"]


def test_every_odoo_model_of_the_entity_table_has_a_poll_filter():
    from erp.odoo.changes import FILTERS, WATCHED

    assert WATCHED == {"stock": ("stock.quant", "stock.move")}
    assert {model for models in WATCHED.values() for model in models} <= set(FILTERS)
