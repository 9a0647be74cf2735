"""``bridgectl erp-poll`` against the Odoo sandbox and a real RabbitMQ vhost: on-hand changes reach ``erp.stock``
within one poll, late commits still arrive, repeats and the bridge's own writes are not published, and the
watermark stays put while the broker does not confirm."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import tenacity

from bench.tcp_proxy import TcpProxy
from broker.publisher import Publisher
from core.errors import BrokerUnavailable
from erp.odoo.changes import OdooChanges
from erp.odoo.rpc import OdooRetryPolicy, OdooRpc
from ops.erp_poll import DONE, FAILED, ErpPoller
from ops.erp_poll_sources import OdooSource
from sandbox.odoo.app import ServerThread, create_app
from schemas.notification import Notification
from store.erp_watermarks import ErpWatermarks
from tests import support
from tests.ops.helpers import drain
from tests.support import free_port

QUEUE = "erp.stock"
ONE_TRY: dict[str, Any] = {"stop": tenacity.stop_after_attempt(1), "reraise": True,
                           "retry": tenacity.retry_if_exception_type(BrokerUnavailable)}
BRIDGE_LOGIN, BRIDGE_PASSWORD = "bridge-sync", "bridge-s3cret"


class OdooWorld:
    """The sandbox with a user for the bridge; people change stock as the admin."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin = _rpc(url, "admin", "admin")
        self.bridge_uid = self.admin.execute_kw("res.users", "create", [{
            "name": "Magento bridge", "login": BRIDGE_LOGIN, "password": BRIDGE_PASSWORD}])
        self.bridge = _rpc(url, BRIDGE_LOGIN, BRIDGE_PASSWORD)
        self.stock = self.admin.execute_kw("stock.location", "search", [[("usage", "=", "internal")]],
                                           {"limit": 1})[0]

    def product(self, sku: str) -> int:
        return self.admin.execute_kw("product.product", "create", [{"name": f"Box {sku}", "default_code": sku,
                                                                   "detailed_type": "product"}])

    def count(self, product: int, quantity: float, *, by: OdooRpc | None = None) -> None:
        """An inventory adjustment: count the quantity, then apply it (a done move and the quant's new quantity)."""
        quant = self.counted(product, quantity, by=by)
        (by or self.admin).execute_kw("stock.quant", "action_apply_inventory", [[quant]])

    def counted(self, product: int, quantity: float, *, by: OdooRpc | None = None) -> int:
        return (by or self.admin).execute_kw("stock.quant", "create", [{
            "product_id": product, "location_id": self.stock, "inventory_quantity": quantity}],
            {"context": {"inventory_mode": True}})

    def faults(self, **settings: Any) -> None:
        import requests

        requests.post(f"{self.url}/__sandbox/faults", json=settings, timeout=10).raise_for_status()

    def close(self) -> None:
        self.admin.close()
        self.bridge.close()


def _rpc(url: str, login: str, password: str) -> OdooRpc:
    return OdooRpc(url, "bridge", login, password, timeout=10, retry=OdooRetryPolicy(attempts=1))


@pytest.fixture
def odoo() -> Iterator[OdooWorld]:
    server = ServerThread(create_app(db="bridge", login="admin", password="admin"), port=free_port()).start()
    world = OdooWorld(server.url)
    try:
        yield world
    finally:
        world.close()
        server.stop()




def poller(odoo: OdooWorld, publisher: Any, watermarks: ErpWatermarks, *, limit: int = 100) -> ErpPoller:
    changes = OdooChanges(odoo.bridge)
    return ErpPoller([OdooSource(changes, model, publisher, watermarks, overlap=300, limit=limit,
                                 publish_retry=ONE_TRY) for model in ("stock.quant", "stock.move")])


def started(odoo: OdooWorld, publisher: Any, watermarks: ErpWatermarks, **options: Any) -> ErpPoller:
    """A poller that made its first round (stock.move starts at its newest row), as a running one has."""
    made = poller(odoo, publisher, watermarks, **options)
    made.run_once()
    return made


def published(channel: Any) -> list[Notification]:
    return [Notification.from_body(body) for _properties, body in drain(channel, QUEUE)]


def skus(notes: list[Notification]) -> set[str]:
    return {note.key for note in notes}


def test_an_on_hand_change_is_published_within_one_poll(odoo, publisher, watermarks, amqp_channel):
    running = started(odoo, publisher, watermarks)
    box = odoo.product("BOX-1")
    odoo.count(box, 12)

    results = running.run_once()

    notes = published(amqp_channel)
    assert [(r.source, r.status) for r in results] == [("odoo:stock.quant", DONE), ("odoo:stock.move", DONE)]
    assert skus(notes) == {"BOX-1"}
    assert len(notes) == 2  # one per SKU and page: the quant's page and the done move's page
    assert {(n.entity, n.action, n.origin, n.source, n.key_type) for n in notes} == {
        ("stock", "save", "erp", "erp-poll", None)}
    assert all(note.id.startswith("erp-poll-stock-BOX-1-") for note in notes)
    assert watermarks.load("odoo:stock.quant").write_date == results[0].watermark


def test_repeats_inside_the_overlap_are_not_published_again(odoo, publisher, watermarks, amqp_channel):
    running = started(odoo, publisher, watermarks)
    odoo.count(odoo.product("BOX-1"), 5)
    first = running.run_once()
    assert len(published(amqp_channel)) == 2

    again = poller(odoo, publisher, watermarks).run_once()  # a new process: the repeat set is in the database

    assert published(amqp_channel) == []
    assert sum(result.repeats for result in again) >= 2 and sum(result.published for result in again) == 0
    assert [result.watermark for result in again] == [result.watermark for result in first]


def test_the_bridge_users_own_writes_are_not_published(odoo, publisher, watermarks, amqp_channel):
    running = started(odoo, publisher, watermarks)
    mine, theirs = odoo.product("MINE"), odoo.product("THEIRS")
    odoo.count(mine, 3, by=odoo.bridge)
    odoo.count(theirs, 4)

    running.run_once()

    assert skus(published(amqp_channel)) == {"THEIRS"}


def test_a_late_commit_dated_before_the_last_poll_still_arrives_on_the_next(odoo, publisher, watermarks,
                                                                             amqp_channel):
    running = started(odoo, publisher, watermarks)
    late, quick = odoo.product("LATE"), odoo.product("QUICK")
    quant = odoo.counted(late, 7, by=odoo.bridge)  # counted by the bridge: not a change yet
    odoo.faults(slow_commits={"stock.quant.action_apply_inventory": 2.5})
    writer = threading.Thread(target=lambda: _rpc(odoo.url, "admin", "admin").execute_kw(
        "stock.quant", "action_apply_inventory", [[quant]]))
    writer.start()
    time.sleep(1.2)  # the held transaction started (and stamped its rows) before QUICK's change
    odoo.count(quick, 1)

    during = running.run_once()
    assert skus(published(amqp_channel)) == {"QUICK"}
    writer.join(10)
    after = running.run_once()

    late_notes = published(amqp_channel)
    assert skus(late_notes) == {"LATE"}
    late_stamp = odoo.admin.execute_kw("stock.quant", "read", [[quant], ["write_date"]])[0]["write_date"]
    assert late_stamp < during[0].watermark  # dated before the last poll's watermark, and still published
    assert all(result.status == DONE for result in after)


def test_keyset_pages_publish_every_sku_once(odoo, publisher, watermarks, amqp_channel):
    running = started(odoo, publisher, watermarks, limit=2)
    boxes = [odoo.product(f"BOX-{n}") for n in range(5)]
    for quantity, box in enumerate(boxes, start=1):
        odoo.count(box, quantity)

    results = running.run_once()

    notes = published(amqp_channel)
    assert skus(notes) == {f"BOX-{n}" for n in range(5)}
    assert len(notes) == 10 and len({note.id for note in notes}) == 10  # each SKU once per model
    assert [result.published for result in results] == [5, 5]


def test_the_watermark_does_not_move_while_the_broker_does_not_confirm(odoo, broker, publisher, watermarks,
                                                                        amqp_channel):
    from urllib.parse import urlsplit

    started(odoo, publisher, watermarks)
    before = [watermarks.load(source) for source in ("odoo:stock.quant", "odoo:stock.move")]
    odoo.count(odoo.product("BOX-1"), 2)
    proxy = TcpProxy(("127.0.0.1", urlsplit(broker).port or 5672)).start()
    cut_off = Publisher(proxy.url_for(broker), name="test-erp-poll-cut", max_reconnect_delay=0.2).start()
    try:
        assert cut_off.wait_ready(10)
        proxy.close()  # the broker is gone: nothing is confirmed
        support.wait_for(lambda: not cut_off.ready, timeout=10, message="the publisher noticing the lost broker")
        failed = poller(odoo, cut_off, watermarks).run_once()
    finally:
        cut_off.close(1)

    assert failed[0].status == FAILED and failed[0].broker_failed
    assert "broker" in (failed[0].reason or "")
    assert [watermarks.load(source) for source in ("odoo:stock.quant", "odoo:stock.move")] == before

    healed = poller(odoo, publisher, watermarks).run_once()

    assert [result.status for result in healed] == [DONE, DONE]
    assert skus(published(amqp_channel)) == {"BOX-1"}
    assert watermarks.load("odoo:stock.quant").write_date is not None


@pytest.fixture
def receiver(make_settings, broker: str) -> Iterator[str]:
    """The bridge's receiver (its real WSGI app) served on a free port, accepting one Odoo webhook token."""
    from bridge.app import assemble, stop
    from sandbox.serving import threaded_server

    app = assemble(make_settings(AMQP_URL=broker, ERP_WEBHOOK_TOKENS=RIGHT_TOKEN, PUBLISH_TIMEOUT_SECONDS="3"))
    server = threaded_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        stop(app)


RIGHT_TOKEN = "odoo-webhook-right-token-5f3a9c"


def deliveries(odoo: OdooWorld) -> list[dict[str, Any]]:
    import requests

    return requests.get(f"{odoo.url}/__sandbox/webhooks", timeout=10).json()["deliveries"]


def add_rule(odoo: OdooWorld, url: str) -> None:
    import requests

    requests.post(f"{odoo.url}/__sandbox/webhooks", json={"url": url, "model": "stock.quant",
                                                           "fields": ["write_date"]}, timeout=10).raise_for_status()


def test_odoo_webhooks_with_the_right_token_publish_hints(odoo, receiver, amqp_channel):
    add_rule(odoo, f"{receiver}/webhooks/erp/odoo/{RIGHT_TOKEN}")

    odoo.count(odoo.product("BOX-1"), 4)

    # Odoo 17 posts a rule again at each write of the same save (the sandbox once per write): the repeats carry
    # the same write_date, so the receiver answers them 200 duplicate
    statuses = [delivery["status"] for delivery in deliveries(odoo)]
    assert 202 in statuses and set(statuses) <= {200, 202} and len(statuses) > 1
    hints = published(amqp_channel)
    assert hints and {(n.key_type, n.origin, n.source) for n in hints} == {("odoo:stock.quant", "erp", "erp-webhook")}


def test_a_hint_with_a_wrong_token_is_401_and_the_poller_still_delivers(odoo, receiver, publisher, watermarks,
                                                                          amqp_channel):
    running = started(odoo, publisher, watermarks)
    add_rule(odoo, f"{receiver}/webhooks/erp/odoo/not-the-token-at-all-00000")

    odoo.count(odoo.product("BOX-1"), 4)

    assert deliveries(odoo) and {delivery["status"] for delivery in deliveries(odoo)} == {401}
    assert published(amqp_channel) == []
    running.run_once()
    assert skus(published(amqp_channel)) == {"BOX-1"}


def test_a_first_poll_announces_every_sku_with_stock_and_skips_the_moves_history(odoo, publisher, watermarks,
                                                                                amqp_channel):
    for sku in ("OLD-1", "OLD-2"):
        odoo.count(odoo.product(sku), 3)

    quants, moves = poller(odoo, publisher, watermarks).run_once()

    assert skus(published(amqp_channel)) == {"OLD-1", "OLD-2"}
    assert (quants.published, moves.published) == (2, 0) and "first poll" in (moves.reason or "")
    assert watermarks.load("odoo:stock.move").write_date == moves.watermark is not None


def test_a_poll_stopped_between_pages_resumes_after_the_last_confirmed_page(odoo, publisher, watermarks,
                                                                             amqp_channel):
    started(odoo, publisher, watermarks)
    for quantity, sku in enumerate(("A-1", "A-2", "A-3", "A-4", "A-5"), start=1):
        odoo.count(odoo.product(sku), quantity)
    source = OdooSource(OdooChanges(odoo.bridge), "stock.quant", publisher, watermarks, limit=2,
                        publish_retry=ONE_TRY)
    stop = threading.Event()
    stop.set()

    stopped = source.poll(stop)
    first = published(amqp_channel)
    rest = source.poll(threading.Event())

    assert (stopped.status, stopped.published) == ("interrupted", 2)
    assert len(first) == 2 and rest.status == DONE
    assert sorted(note.key for note in first + published(amqp_channel)) == ["A-1", "A-2", "A-3", "A-4", "A-5"]
