"""The reconciler against the Magento sandbox (no webhooks sent) and the real broker."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import tenacity

from broker.topology import entity_queue
from core.errors import BrokerUnavailable
from ops.reconcile import DONE, FAILED, NOT_DUE, SKIPPED, Reconciler, Timing
from store.db import sync_state
from store.positions import Watermarks
from tests.ops.helpers import bodies, drain, ids

NOW = dt.datetime(2024, 6, 1, 12, 0, 0, tzinfo=dt.UTC)
NO_RETRY = {"stop": tenacity.stop_after_attempt(1), "reraise": True}


class Clock:
    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


class Refusing:
    def publish_async(self, *args, **kwargs):
        raise BrokerUnavailable("the broker is not connected")


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
def clock(magento) -> Clock:
    """The reconciler's clock, with the sandbox's frozen at the same moment."""
    made = Clock()
    magento.admin("POST", "/clock", {"freeze": stamp(NOW)})
    return made


@pytest.fixture
def reconciler(client, publisher, engine, clock):
    def build(**options) -> Reconciler:
        options.setdefault("timing", Timing(lookback=24 * 3600, overlap=120))
        return Reconciler(client, options.pop("publisher", publisher), engine, erp_backend="odoo", clock=clock,
                          batch_size=options.pop("batch_size", 3), sleep=lambda _s: None, **options)
    return build


def touch(magento, clock, entity, key, **changes):
    magento.admin("POST", "/clock", {"freeze": stamp(clock.now)})
    return magento.admin("POST", f"/touch/{entity}/{key}", changes)


def published_keys(channel, entity="product"):
    return [body["key"] for body in bodies(drain(channel, entity_queue(entity)))]


def test_the_first_poll_looks_back_and_the_next_polls_publish_what_changed(magento, reconciler, clock, engine,
                                                                           amqp_channel):
    magento.generate_products(2, prefix="STALE-", updated_at=stamp(NOW - dt.timedelta(hours=30)))
    magento.generate_products(4, prefix="RECENT-", updated_at=stamp(NOW - dt.timedelta(hours=2)))
    first = reconciler().poll("product")
    assert (first.status, first.published) == (DONE, 4)
    assert first.window_from == stamp(NOW - dt.timedelta(hours=24))
    assert [key[:7] for key in published_keys(amqp_channel)] == ["RECENT-"] * 4
    assert Watermarks(engine).load("product").watermark == stamp(NOW - dt.timedelta(hours=2))
    running = reconciler()
    running.poll("product")
    drain(amqp_channel, entity_queue("product"))
    clock.advance(minutes=10)
    stale = magento.keys("product")[0]
    touch(magento, clock, "product", stale, name="Renamed in a CSV import")
    second = running.poll("product")
    assert (second.published, published_keys(amqp_channel)) == (1, [stale])
    assert second.window_from == stamp(NOW - dt.timedelta(hours=2, minutes=2))
    assert Watermarks(engine).load("product").watermark == stamp(clock.now)


def test_the_overlap_catches_a_record_committed_late_behind_the_watermark(magento, reconciler, clock,
                                                                           amqp_channel):
    magento.generate_products(1, prefix="A-", updated_at=stamp(NOW - dt.timedelta(minutes=5)))
    running = reconciler()
    running.poll("product")
    drain(amqp_channel, entity_queue("product"))
    # committed after that poll, but stamped before the watermark (its transaction was still open)
    magento.generate_products(1, prefix="LATE-", updated_at=stamp(NOW - dt.timedelta(minutes=5, seconds=90)))
    magento.generate_products(1, prefix="TOO-LATE-", updated_at=stamp(NOW - dt.timedelta(minutes=8)))
    magento.generate_products(1, prefix="SAME-SECOND-", updated_at=stamp(NOW - dt.timedelta(minutes=5)))
    clock.advance(minutes=5)
    result = running.poll("product")
    keys = published_keys(amqp_channel)
    assert sorted(key.split("0")[0] for key in keys) == ["LATE-", "SAME-SECOND-"]
    assert result.known == 1  # A, read again in the overlap, was not published again


def test_a_once_run_skips_versions_the_erp_already_has(magento, reconciler, engine, amqp_channel):
    magento.generate_products(3, updated_at=stamp(NOW - dt.timedelta(minutes=30)))
    synced, changed, new = magento.keys("product")
    version = stamp(NOW - dt.timedelta(minutes=30))
    with engine.begin() as connection:
        connection.execute(sync_state.insert(), [
            {"backend": "odoo", "entity": "product", "key": synced, "version": version, "deleted": False},
            {"backend": "odoo", "entity": "product", "key": changed, "version": "2024-05-01 00:00:00",
             "deleted": False},
            {"backend": "http", "entity": "product", "key": new, "version": version, "deleted": False}])
    result = reconciler().poll("product")
    assert (result.published, result.known) == (2, 1)
    assert published_keys(amqp_channel) == [changed, new]


def test_event_ids_name_the_version(magento, reconciler, clock, amqp_channel):
    magento.generate_products(1, updated_at=stamp(NOW - dt.timedelta(minutes=1)))
    reconciler().poll("product")
    again = reconciler()  # no memory: the same version is published again, with the same id
    again.poll("product")
    [first, second] = ids(drain(amqp_channel, entity_queue("product")))
    sku = magento.keys("product")[0]
    assert first == second == f"reconcile-product-{sku}-20240601T115900Z"


def test_the_watermark_moves_only_after_the_broker_confirmed(magento, reconciler, engine, amqp_channel):
    magento.generate_products(5, updated_at=stamp(NOW - dt.timedelta(minutes=3)))
    failed = reconciler(publisher=Refusing(), publish_retry=NO_RETRY).poll("product")
    assert failed.status == FAILED and failed.broker_failed and Watermarks(engine).load("product") is None
    assert reconciler().poll("product").published == 5
    assert Watermarks(engine).load("product").watermark == stamp(NOW - dt.timedelta(minutes=3))


def test_an_interrupted_poll_leaves_the_watermark(magento, reconciler, engine, amqp_channel):
    magento.generate_products(7, updated_at=stamp(NOW - dt.timedelta(minutes=3)))
    stop = threading.Event()
    stop.set()
    result = reconciler(stop=stop).poll("product")
    assert result.status == "interrupted" and result.published == 3  # one page, then it stopped
    assert Watermarks(engine).load("product") is None


def test_the_watermark_never_passes_the_poll_start(magento, reconciler, clock, engine):
    magento.generate_products(1, updated_at=stamp(NOW + dt.timedelta(minutes=10)))  # Magento's clock is ahead
    reconciler().poll("product")
    assert Watermarks(engine).load("product").watermark == stamp(NOW)


def test_a_quiet_store_moves_the_watermark_to_the_poll_start(magento, reconciler, clock, engine):
    result = reconciler().poll("customer")
    assert (result.status, result.published, result.watermark) == (DONE, 0, stamp(NOW))


def test_stock_is_a_full_pass_at_most_once_an_hour(magento, reconciler, clock, amqp_channel):
    magento.generate_products(4)
    running = reconciler()
    assert running.poll("stock").published == 4
    assert published_keys(amqp_channel, "stock") == magento.keys("stock")
    clock.advance(minutes=30)
    assert running.poll("stock").status == NOT_DUE
    clock.advance(minutes=31)
    assert running.poll("stock").published == 4
    assert all(message_id.endswith("T130100Z") for message_id in ids(drain(amqp_channel, entity_queue("stock"))))


def test_a_disabled_module_is_skipped_and_a_failing_one_keeps_its_watermark(magento, reconciler, engine,
                                                                            amqp_channel):
    magento.generate_products(2, updated_at=stamp(NOW - dt.timedelta(minutes=3)))
    magento.admin("POST", "/modules/Magento_Sales/disable")
    magento.admin("POST", "/faults/errors", {"count": 50, "status": 503, "prefix": "/V1/customers"})
    results = {result.entity: result for result in reconciler().run_once(["order", "customer", "product"])}
    assert results["order"].status == SKIPPED and "module disabled" in results["order"].reason
    assert results["customer"].status == FAILED and Watermarks(engine).load("customer") is None
    assert results["product"].published == 2


def test_a_broker_failure_ends_the_round(magento, reconciler, engine):
    magento.generate_products(2, updated_at=stamp(NOW - dt.timedelta(minutes=3)))
    results = reconciler(publisher=Refusing(), publish_retry=NO_RETRY).run_once(["product", "order", "customer"])
    assert [result.status for result in results] == [FAILED, FAILED, FAILED]
    assert results[1].reason == "not polled: the broker is unavailable"


def test_run_forever_polls_on_its_interval_until_stopped(magento, reconciler, clock):
    stop = threading.Event()
    running = reconciler(stop=stop)
    rounds = []

    def fake_wait(timeout):
        rounds.append(timeout)
        if len(rounds) == 3:
            stop.set()
        return stop.is_set()

    stop.wait = fake_wait
    running.run_forever(["customer"], interval=300, monotonic=lambda: 1000.0)
    assert rounds == [300.0, 300.0, 300.0]
