"""Status figures from the real broker and a reports database."""

from __future__ import annotations

import datetime as dt

import pika

from broker.amqp import connection_parameters
from broker.topology import DEFAULT_EXCHANGE, RETRY_EXCHANGE, RETRY_TIER_HEADER, entity_queue, retry_queue
from core import parsing
from core.entities import ENTITIES
from ops.status import FIELDS, collect, queue_figures
from store.positions import Watermark, Watermarks
from store.reports import ReportStore
from tests.support import free_port

DELAYS = (5, 30, 120, 600, 1800)
NOW = dt.datetime.now(dt.UTC)


def publish(channel, exchange, routing_key, count, headers=None):
    channel.confirm_delivery()
    for n in range(count):
        channel.basic_publish(exchange, routing_key, b"{}", pika.BasicProperties(delivery_mode=2, headers=headers,
                                                                                 message_id=f"m{n}"), mandatory=True)


def report(store, event_id, entity, status, minutes_ago):
    store.record(event_id=event_id, entity=entity, key="1", action="save", status=status, attempts=1,
                 duration_ms=5, at=NOW - dt.timedelta(minutes=minutes_ago))


def test_depths_and_consumers_come_from_passive_declarations(broker, amqp_channel):
    publish(amqp_channel, DEFAULT_EXCHANGE, entity_queue("order"), 3)
    amqp_channel.basic_consume(entity_queue("customer"), lambda *args: None)
    figures = queue_figures(broker, [entity_queue("order"), entity_queue("customer"), "magento.nothing"])
    assert figures.depths == {"magento.order": 3, "magento.customer": 0, "magento.nothing": None}
    assert figures.consumers["magento.customer"] == 1 and figures.consumers["magento.nothing"] is None


def test_collect_puts_every_figure_under_its_entity(broker, amqp_channel, engine):
    publish(amqp_channel, DEFAULT_EXCHANGE, entity_queue("order"), 2)
    publish(amqp_channel, DEFAULT_EXCHANGE, "magento.order.dead", 1)
    publish(amqp_channel, RETRY_EXCHANGE, entity_queue("order"), 4, {RETRY_TIER_HEADER: "30s"})
    store = ReportStore(engine)
    for n in range(3):
        report(store, f"s{n}", "order", "synced", 5)
    report(store, "x", "order", "dead", 30)
    report(store, "old", "order", "synced", 90)
    for n in range(6):
        report(store, f"r{n}", "order", "retrying", 1)
    Watermarks(engine).save(Watermark("order", "2024-06-01 12:00:00", NOW, 7))
    figures = collect(broker, engine, ENTITIES, DELAYS, now=NOW)
    assert figures.problems == []
    assert figures.entities["order"] == {
        "queued": 2, "retrying": 4, "dead": 1, "consumers": 0,  # 6 retrying reports, but only 4 in the tiers
        "last_reconcile_at": NOW.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "synced_last_hour": 3, "failed_last_hour": 1}
    assert figures.entities["product"] == dict(zip(FIELDS, (0, 0, 0, 0, None, 0, 0)))
    assert figures.tiers[retry_queue(30)] == 4 and set(figures.entities) == set(ENTITIES)


def test_empty_tiers_mean_nothing_is_retrying(broker, engine):
    report(ReportStore(engine), "r", "order", "retrying", 1)
    assert collect(broker, engine, ["order"], DELAYS, now=NOW).entities["order"]["retrying"] == 0


def test_an_unreachable_broker_leaves_its_fields_empty_and_says_so(engine):
    report(ReportStore(engine), "s", "order", "synced", 1)
    figures = collect(f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F", engine, ["order"], DELAYS, now=NOW)
    assert figures.entities["order"]["queued"] is None and figures.entities["order"]["synced_last_hour"] == 1
    assert figures.problems and figures.problems[0].startswith("cannot reach the broker at 127.0.0.1:")
    assert "connection refused" in figures.problems[0]


def test_a_missing_topology_is_named(broker_url, engine):
    connection = pika.BlockingConnection(connection_parameters(broker_url, name="test"))
    connection.channel().queue_delete(retry_queue(1800))
    connection.close()
    figures = collect(broker_url, engine, ["order"], DELAYS, now=NOW)
    assert any("magento.retry.1800s" in problem for problem in figures.problems)


def test_the_erp_stream_shows_when_the_erp_poller_last_confirmed_a_page(broker, engine):
    from store.erp_watermarks import ErpWatermarks
    from store.poll_window import PollMark

    assert collect(broker, engine, ["erp.stock"], DELAYS, now=NOW).entities["erp.stock"]["last_reconcile_at"] is None
    watermarks = ErpWatermarks(engine)
    watermarks.advance(PollMark("odoo:stock.move", write_date="2026-05-01 09:00:00"), NOW - dt.timedelta(minutes=9))
    watermarks.advance(PollMark("odoo:stock.quant", write_date="2026-05-01 09:58:00"), NOW - dt.timedelta(minutes=2))

    row = collect(broker, engine, ["erp.stock"], DELAYS, now=NOW).entities["erp.stock"]
    assert row["last_reconcile_at"] == parsing.iso(NOW - dt.timedelta(minutes=2))
