"""The backfill against the Magento sandbox and the real broker: once each, resumable, partial, degraded."""

from __future__ import annotations

import collections
import json
import math
import time

from broker.topology import entity_queue
from core.errors import BrokerUnavailable, MagentoServerError, MagentoUnavailable
from ops.backfill import FINISHED, SKIPPED, STOPPED, Backfill, Request
from store.positions import BackfillPositions
from tests.ops.conftest import MAGENTO_TOKEN
from tests.ops.helpers import bodies, depth, drain, ids


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class BrokenRecord:
    """The sandbox client, except that any page holding the record whose ``field`` is ``value`` fails as Magento
    does on a record it cannot render."""

    def __init__(self, client, value, field: str = "sku") -> None:
        self.client, self.value, self.field = client, value, field
        self.settings, self.sleep = client.settings, client.sleep
        self.pages: list[int] = []

    def search(self, path, criteria):
        page = self.client.search(path, criteria)
        self.pages.append(len(page.items))
        if any(str(item.get(self.field)) == str(self.value) for item in page.items):
            raise MagentoServerError("Internal Error. Details are available in Magento log file. Report ID: webapi-1",
                                     status=500)
        return page


class BrokenRecordOutageWhileProbing(BrokenRecord):
    """As BrokenRecord, and Magento goes away once the backfill probes for the record's key."""

    def search(self, path, criteria):
        if any(f.condition_type == "lteq" for group in criteria.filter_groups for f in group):
            raise MagentoUnavailable("could not connect to Magento")
        return super().search(path, criteria)


class StopsConfirmingAfter:
    """A publisher whose broker goes away after ``good`` notifications."""

    def __init__(self, publisher, good: int) -> None:
        self.publisher, self.left = publisher, good

    def publish_async(self, exchange, routing_key, body, *, message_id, headers=None):
        if self.left <= 0:
            raise BrokerUnavailable("the broker connection was lost: test")
        self.left -= 1
        return self.publisher.publish_async(exchange, routing_key, body, message_id=message_id, headers=headers)


NO_RETRY = {"stop": __import__("tenacity").stop_after_attempt(1), "reraise": True}


def run(client, publisher, engine, request, **options):
    sleeps = options.pop("sleep", Sleeps())
    backfill = Backfill(client, publisher, BackfillPositions(engine), sleep=sleeps, **options)
    return backfill.run(request), sleeps


def keys_in(channel, entity="product"):
    return [body["key"] for body in bodies(drain(channel, entity_queue(entity)))]


def test_a_catalogue_is_published_once_per_record(magento, client, publisher, engine, amqp_channel):
    magento.generate_products(2500)
    started = time.perf_counter()
    [report], _ = run(client, publisher, engine, Request(("product",), batch_size=97))
    elapsed = time.perf_counter() - started
    messages = drain(amqp_channel, entity_queue("product"))
    keys = [body["key"] for body in bodies(messages)]
    assert len(messages) == 2500 and sorted(keys) == sorted(magento.keys("product"))
    assert len(set(ids(messages))) == 2500
    assert {(body["source"], body["action"], body["entity"]) for body in bodies(messages)} == \
        {("backfill", "save", "product")}
    assert (report.status, report.published, report.remaining) == (FINISHED, 2500, 0)
    position = BackfillPositions(engine).load("product")
    assert position.finished and position.pages_done == math.ceil(2500 / 97) and position.published == 2500
    listed = [r for r in magento.requests() if r["path"].endswith("/V1/products")]
    assert len(listed) == math.ceil(2500 / 97)  # no request past the end
    print(f"backfilled 2500 products in {elapsed:.2f} s ({2500 / elapsed:,.0f} records/s, batch 97)")


def test_event_ids_are_the_same_when_a_page_is_published_again(magento, client, publisher, engine, amqp_channel):
    magento.generate_products(30)
    run(client, publisher, engine, Request(("product",), batch_size=10))
    first = ids(drain(amqp_channel, entity_queue("product")))
    run_id = BackfillPositions(engine).load("product").run_id
    assert first[0] == f"backfill-{run_id}-product-{magento.keys('product')[0]}"


def test_a_run_stopped_by_the_broker_resumes_after_the_last_confirmed_page(magento, client, publisher, engine,
                                                                          amqp_channel):
    magento.generate_products(200)
    flaky = StopsConfirmingAfter(publisher, good=75)
    [report], _ = run(client, flaky, engine, Request(("product",), batch_size=20), publish_retry=NO_RETRY)
    assert report.status == STOPPED and "did not confirm" in report.reason
    assert report.published_total == 60  # three whole pages; the fourth was not confirmed whole
    first = keys_in(amqp_channel)
    [resumed], _ = run(client, publisher, engine, Request(("product",), batch_size=20, resume=True))
    assert (resumed.status, resumed.published, resumed.published_total) == (FINISHED, 140, 200)
    second = keys_in(amqp_channel)
    all_keys = magento.keys("product")
    assert second == all_keys[60:]  # nothing of the confirmed pages again
    assert set(first) | set(second) == set(all_keys)


def backfill_with_a_broken_product(magento, client, publisher, engine, kind=BrokenRecord):
    """300 products, the 150th of which Magento cannot list; returns (keys, the client, report, sleeps)."""
    magento.generate_products(300)
    all_keys = magento.keys("product")
    broken = kind(client, all_keys[149])
    [report], sleeps = run(broken, publisher, engine, Request(("product",), batch_size=40))
    return all_keys, broken, report, sleeps


def test_a_product_magento_cannot_list_is_stepped_over_and_the_rest_published(magento, client, publisher, engine,
                                                                             amqp_channel):
    all_keys, broken, report, sleeps = backfill_with_a_broken_product(magento, client, publisher, engine)
    assert report.status == FINISHED and report.published_total == 299 and report.failed_pages == 1
    [unlisted] = report.unlisted
    assert not unlisted.published and "Internal Error" in unlisted.error
    assert unlisted.key == client.get_product(all_keys[148])["id"] + 1  # the next id: generated ids are dense
    assert keys_in(amqp_channel) == all_keys[:149] + all_keys[150:]
    assert sleeps == [2.0, 4.0]  # the full page was tried three times, then narrowed without pauses
    assert len(broken.pages) < 30  # three full tries, the narrowing, one probe (the next id is the broken one)


def test_an_order_magento_cannot_list_is_published_by_its_id(settings, make_settings, publisher, engine,
                                                             amqp_channel):
    from magento.client import MagentoClient
    from sandbox.magento.app import create_app, run_in_thread

    with run_in_thread(create_app(MAGENTO_TOKEN, "demo")) as demo, MagentoClient(make_settings(
            MAGENTO_BASE_URL=demo.url, MAGENTO_ACCESS_TOKEN=MAGENTO_TOKEN, MAGENTO_RETRIES="1"),
            sleep=lambda _seconds: None) as client:
        order_ids = [str(order["entity_id"]) for order in client.list_orders().items]
        [report], _ = run(BrokenRecord(client, order_ids[1], "entity_id"), publisher, engine,
                          Request(("order",), batch_size=2))
    assert report.status == FINISHED and [record.key for record in report.unlisted] == [int(order_ids[1])]
    assert report.unlisted[0].published
    assert sorted(keys_in(amqp_channel, "order")) == sorted(order_ids)  # every order, the broken one by its id


def test_a_record_that_cannot_be_pinned_down_stops_its_entity_exactly_there(magento, client, publisher, engine,
                                                                            amqp_channel):
    all_keys, _, report, _ = backfill_with_a_broken_product(magento, client, publisher, engine,
                                                            BrokenRecordOutageWhileProbing)
    assert report.status == STOPPED and report.published_total == 149 and report.unlisted == []
    assert "cannot be listed, even alone" in report.reason and "Internal Error" in report.reason
    assert report.remaining == 151 and report.failed_pages == 1
    assert keys_in(amqp_channel) == all_keys[:149]
    [resumed], _ = run(client, publisher, engine, Request(("product",), batch_size=40, resume=True))
    assert (resumed.status, resumed.published) == (FINISHED, 151)
    assert keys_in(amqp_channel) == all_keys[149:]


def test_a_short_outage_is_ridden_out(magento, client, publisher, engine, amqp_channel):
    magento.generate_products(50)
    magento.admin("POST", "/faults/errors", {"count": 3, "status": 503, "prefix": "/V1/products"})
    [report], sleeps = run(client, publisher, engine, Request(("product",), batch_size=20))
    assert (report.status, report.published) == (FINISHED, 50) and sleeps == [2.0]
    assert sorted(keys_in(amqp_channel)) == sorted(magento.keys("product"))


def test_an_unavailable_or_disabled_entity_is_skipped_and_the_others_go_on(magento, client, publisher, engine,
                                                                           amqp_channel):
    magento.generate_products(5)
    magento.admin("POST", "/modules/Magento_Sales/disable")
    magento.admin("POST", "/faults/errors", {"count": 100, "status": 503, "prefix": "/V1/customers"})
    reports, _ = run(client, publisher, engine, Request(("order", "customer", "product"), batch_size=20))
    by_entity = {report.entity: report for report in reports}
    assert by_entity["order"].status == SKIPPED
    assert "does not exist (module disabled" in by_entity["order"].reason
    assert "Request does not match any route" in by_entity["order"].reason
    assert by_entity["customer"].status == SKIPPED and "after 3 tries" in by_entity["customer"].reason
    assert (by_entity["product"].status, by_entity["product"].published) == (FINISHED, 5)
    assert depth(amqp_channel, entity_queue("order")) == 0 and len(keys_in(amqp_channel)) == 5


def test_since_and_until_select_by_updated_at(magento, client, publisher, engine, amqp_channel):
    import datetime as dt

    magento.generate_products(4, prefix="OLD-", updated_at="2024-01-10 08:00:00")
    magento.generate_products(3, prefix="MAY-", updated_at="2024-05-01 10:00:00")
    magento.generate_products(2, prefix="NEW-", updated_at="2024-09-01 10:00:00")
    since = dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)  # inclusive, to the second
    until = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    [report], _ = run(client, publisher, engine, Request(("product",), since=since, until=until, batch_size=2))
    published = bodies(drain(amqp_channel, entity_queue("product")))
    assert [body["key"][:4] for body in published] == ["MAY-"] * 3
    assert {body["occurred_at"] for body in published} == {"2024-05-01T10:00:00.000Z"}
    assert report.status == FINISHED


def test_stock_is_backfilled_as_one_notification_per_sku(magento, client, publisher, engine, amqp_channel):
    import datetime as dt

    magento.generate_products(6)
    since = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    [report], _ = run(client, publisher, engine, Request(("stock",), since=since, batch_size=4))
    published = bodies(drain(amqp_channel, entity_queue("stock")))
    assert [body["key"] for body in published] == magento.keys("stock")
    assert {body["entity"] for body in published} == {"stock"}
    assert any("--since/--until do not apply" in note for note in report.notes)


def test_resume_of_a_finished_backfill_does_nothing(magento, client, publisher, engine, amqp_channel):
    magento.generate_products(3)
    run(client, publisher, engine, Request(("product",)))
    drain(amqp_channel, entity_queue("product"))
    [report], _ = run(client, publisher, engine, Request(("product",), resume=True))
    assert report.status == "done" and "already finished" in report.reason
    assert depth(amqp_channel, entity_queue("product")) == 0


def test_a_new_run_replaces_an_unfinished_one_and_says_so(magento, client, publisher, engine):
    magento.generate_products(40)
    run(client, StopsConfirmingAfter(publisher, 10), engine, Request(("product",), batch_size=10),
        publish_retry=NO_RETRY)
    [report], _ = run(client, publisher, engine, Request(("product",), batch_size=10))
    assert report.status == FINISHED and report.published == 40
    assert any("--resume would have continued it" in note for note in report.notes)


def test_pages_per_entity_are_counted(magento, client, publisher, engine, amqp_channel):
    magento.generate_products(25)
    run(client, publisher, engine, Request(("product", "stock"), batch_size=10))
    counts = collections.Counter(body["entity"] for queue in ("product", "stock")
                                 for body in bodies(drain(amqp_channel, entity_queue(queue))))
    assert counts == {"product": 25, "stock": 25}
    assert BackfillPositions(engine).load("stock").pages_done == 3


def test_a_sku_too_long_for_a_message_id_is_published_under_a_hashed_id(magento, client, publisher, engine,
                                                                           amqp_channel):
    magento.generate_products(1, prefix="€" * 100)  # a SKU of more than 300 bytes in UTF-8
    [report], _ = run(client, publisher, engine, Request(("product",), batch_size=10))
    [(properties, body)] = drain(amqp_channel, entity_queue("product"))
    [sku] = magento.keys("product")
    assert len(sku.encode()) > 300 and report.published == 1 and report.invalid_keys == []
    assert json.loads(body)["key"] == sku
    assert properties.message_id == json.loads(body)["id"]
    run_id = BackfillPositions(engine).load("product").run_id
    assert properties.message_id.startswith(f"backfill-{run_id}-product-sha256-")
    assert len(properties.message_id.encode()) <= 255
