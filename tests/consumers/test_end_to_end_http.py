"""End to end with the HTTP ERP: real RabbitMQ, the Magento sandbox, the real pipeline, the ERP sandbox.

Each failure path of the consumers issue is shown here through the real broker: Magento 5xx and ERP
outages are retried through the delay tiers and then synced; a revoked token pauses the consumer until it
is restored; an ERP refusal and a record that cannot be mapped are dead-lettered with their full text; a deleted
record is deleted in the ERP; a non-critical entity whose module is disabled is skipped while the others keep syncing.
"""

from __future__ import annotations

import pytest

from broker.topology import H_ERROR_CLASS, entity_queue
from core.entities import ENTITIES
from sandbox.erp.app import SandboxThread
from schemas.notification import Notification
from schemas.totals import totals_identity
from tests import support
from tests.consumers.e2e import (
    MAGENTO_TOKEN,
    Reports,
    admin,
    dead_letters,
    magento_keys,
    magento_sandbox,
    notes_for,
    pipeline_factory,
    publish,
)
from tests.consumers.helpers import consumers_of, depth


@pytest.fixture
def magento():
    with magento_sandbox() as server:
        yield server


@pytest.fixture
def erp():
    with SandboxThread(token="erp-token") as sandbox:
        yield sandbox


@pytest.fixture
def bridge(consumer_settings, start_runner, magento, erp, sqlite_url):
    """The real pipeline consuming every entity; yields (settings, reports)."""
    settings = consumer_settings(MAGENTO_BASE_URL=magento.url, MAGENTO_ACCESS_TOKEN=MAGENTO_TOKEN,
                                 MAGENTO_BACKOFF_SECONDS="0.01", MAGENTO_TIMEOUT="2", ERP_BACKEND="http",
                                 ERP_HTTP_URL=erp.url, ERP_HTTP_TOKEN="erp-token", DATABASE_URL=sqlite_url,
                                 PAUSE_PROBE_SECONDS="0.2")
    handler, reporter, close = pipeline_factory(settings)
    runner = start_runner(settings, list(ENTITIES), handler, reporter, probe=lambda: handler.probe(ENTITIES))
    yield settings, Reports(sqlite_url), runner.runner
    close()


def held(erp, entity: str) -> dict[str, dict]:
    return {key: record["document"] for (kind, key), record in erp.store.records.items() if kind == entity}


def test_every_seeded_record_of_every_entity_lands_in_the_erp_once(bridge, magento, erp):
    settings, reports, _runner = bridge
    notes = [note for entity in ENTITIES for note in notes_for(entity, magento_keys(magento.url, entity))]
    publish(settings.amqp_url, notes)
    finals = reports.wait_final(notes)
    assert {row["status"] for row in finals.values()} == {"synced"}, [r for r in finals.values()
                                                                      if r["status"] != "synced"]
    for entity in ENTITIES:
        assert sorted(held(erp, entity)) == sorted(magento_keys(magento.url, entity)), entity
    counters = {(row["entity"], row["key"]): row["writes"] for row in erp.store.counters()["records"]}
    assert set(counters.values()) == {1}
    parka = held(erp, "product")["NW-PARKA"]
    assert parka["type"] == "configurable" and "NW-PARKA-M-Navy" in parka["children"]
    guest = next(doc for doc in held(erp, "order").values() if doc["customer"]["is_guest"])
    assert guest["customer"]["magento_id"] is None
    for entity in ("order", "invoice", "creditmemo"):  # issue #9: each carries what rebuilds its grand_total
        for key, document in held(erp, entity).items():
            check = totals_identity(document)
            assert check.ok, f"{entity} {key}: {check.detail}"
    for invoice in held(erp, "invoice").values():
        assert invoice["sold_lines"] and all(line["row_total"] is not None for line in invoice["sold_lines"])


def test_a_second_notification_for_an_unchanged_record_is_not_written_again(bridge, magento, erp):
    settings, reports, _runner = bridge
    first = notes_for("customer", ["1"])
    publish(settings.amqp_url, first)
    reports.wait_final(first)
    again = notes_for("customer", ["1"])
    publish(settings.amqp_url, again)
    assert reports.wait_final(again)[again[0].id]["detail"] == "unchanged"
    admin(magento.url, "touch/customer/1", {"firstname": "Renamed"})
    changed = notes_for("customer", ["1"])
    publish(settings.amqp_url, changed)
    assert reports.wait_final(changed)[changed[0].id]["status"] == "synced"
    assert held(erp, "customer")["1"]["firstname"] == "Renamed"
    assert erp.store.counters()["records"][0]["writes"] == 2


def test_magento_outage_is_retried_through_the_delay_tiers_then_synced(bridge, magento, erp):
    settings, reports, _runner = bridge
    admin(magento.url, "faults/errors", {"count": 8, "status": [503]})
    notes = notes_for("product", ["NW-STOVE"])
    publish(settings.amqp_url, notes)
    final = reports.wait_final(notes, timeout=60)[notes[0].id]
    assert final["status"] == "synced" and final["attempts"] >= 2
    retried = [row for row in reports.store.query(limit=None) if row["status"] == "retrying"]
    assert retried and "503" in retried[0]["error"]
    assert ("product", "NW-STOVE") in erp.store.records


def test_erp_outage_is_retried_then_synced(bridge, erp):
    settings, reports, _runner = bridge
    admin(erp.url, "fail", {"status": 503, "times": 1})
    notes = notes_for("category", ["4"])
    publish(settings.amqp_url, notes)
    final = reports.wait_final(notes)[notes[0].id]
    assert final["status"] == "synced" and final["attempts"] == 2


def test_a_revoked_token_pauses_the_consumer_and_the_record_syncs_once_it_is_restored(bridge, magento, erp,
                                                                                      amqp_channel, caplog):
    settings, reports, runner = bridge
    admin(magento.url, "token/revoke")
    notes = notes_for("order", ["3"])
    with caplog.at_level("INFO", logger="consumers.pause"):
        publish(settings.amqp_url, notes)
        support.wait_for(lambda: runner.paused and depth(amqp_channel, entity_queue("order")) == 1, 30,
                         message="the consumer paused with the order back in its queue")
        assert consumers_of(amqp_channel, entity_queue("order")) == 0
        assert dead_letters(settings.amqp_url, "order") == [] and reports.final(notes[0].id) is None
        admin(magento.url, "token/restore")
        final = reports.wait_final(notes)[notes[0].id]
    assert final["status"] == "synced" and not runner.paused
    assert "3" in held(erp, "order")
    paused = [record.getMessage() for record in caplog.records if record.getMessage().startswith("paused:")]
    assert len(paused) == 1 and paused[0].startswith("paused: Magento refuses the integration token (401)")


def test_a_403_on_one_resource_only_is_dead_lettered_without_pausing(bridge, magento, monkeypatch):
    settings, reports, runner = bridge
    from core.errors import MagentoForbidden

    def forbidden(*_args, **_kwargs):
        raise MagentoForbidden("The consumer isn't authorized to access Magento_Sales::actions_view.", status=403)

    monkeypatch.setattr("consumers.pipeline.fetch_record", forbidden)
    notes = notes_for("order", ["3"])
    publish(settings.amqp_url, notes)
    final = reports.wait_final(notes)[notes[0].id]
    assert final["status"] == "dead" and final["error_class"] == "MagentoForbidden" and not runner.paused


def test_an_erp_refusal_is_dead_lettered_with_the_erps_full_answer(bridge, erp):
    settings, reports, _runner = bridge
    answer = '{"error": "customer group 7 is not allowed in this company"}'
    admin(erp.url, "fail", {"status": 422, "times": 1, "body": answer})
    notes = notes_for("customer", ["2"])
    publish(settings.amqp_url, notes)
    final = reports.wait_final(notes)[notes[0].id]
    assert final["status"] == "dead" and "customer group 7 is not allowed" in final["error"]
    [(headers, _body)] = dead_letters(settings.amqp_url, "customer")
    assert headers[H_ERROR_CLASS] == "ErpRejected"


def test_a_record_that_cannot_be_mapped_is_dead_lettered(bridge, magento):
    settings, reports, _runner = bridge
    admin(magento.url, "touch/product/NW-MUG-350", {"attribute_set_id": "not-a-number"})
    notes = notes_for("product", ["NW-MUG-350"])
    publish(settings.amqp_url, notes)
    final = reports.wait_final(notes)[notes[0].id]
    assert final["status"] == "dead" and final["error_class"] == "MappingError"
    assert "attribute_set_id" in final["error"]


def test_a_record_deleted_in_magento_is_deleted_in_the_erp(bridge, magento, erp):
    settings, reports, _runner = bridge
    notes = notes_for("product", ["NW-FUEL-230"])
    publish(settings.amqp_url, notes)
    reports.wait_final(notes)
    admin(magento.url, "records/product/NW-FUEL-230", method="DELETE")
    deleted = notes_for("product", ["NW-FUEL-230"], action="delete")
    publish(settings.amqp_url, deleted)
    final = reports.wait_final(deleted)[deleted[0].id]
    assert final["status"] == "synced" and final["detail"] == "deleted"
    assert ("product", "NW-FUEL-230") not in erp.store.records


def test_a_noncritical_entity_with_its_module_disabled_is_skipped_while_others_sync(bridge, magento, erp):
    settings, reports, _runner = bridge
    admin(magento.url, "modules/Magento_Sales/disable")
    invoice, order, product = notes_for("invoice", ["1"]), notes_for("order", ["5"]), notes_for("product",
                                                                                              ["NW-STOVE"])
    publish(settings.amqp_url, invoice + order + product)
    finals = reports.wait_final(invoice + order + product)
    assert finals[invoice[0].id]["status"] == "skipped"
    assert "Request does not match any route" in finals[invoice[0].id]["detail"]
    assert finals[order[0].id]["status"] == "dead"  # orders are critical: dead-lettered, replayable
    assert finals[product[0].id]["status"] == "synced"


def test_a_stock_item_keyed_by_product_id_is_synced_under_its_sku_and_an_unknown_one_skipped(bridge, magento, erp):
    """An Adobe I/O stock item event carries only product_id: the consumer looks the SKU up, then syncs."""
    settings, reports, _runner = bridge
    stove_id = admin(magento.url, "records/product/NW-STOVE", method="GET")["id"]
    known = Notification("e2e-stock-by-id", "stock", "save", str(stove_id), source="adobe-io", key_type="product_id")
    unknown = Notification("e2e-stock-gone", "stock", "save", "99999", source="adobe-io", key_type="product_id")
    publish(settings.amqp_url, [known, unknown])
    finals = reports.wait_final([known, unknown])
    assert (finals[known.id]["status"], finals[known.id]["key"], finals[known.id]["entity"]) == (
        "synced", "NW-STOVE", "stock")
    assert held(erp, "stock")["NW-STOVE"]["sku"] == "NW-STOVE"
    assert (finals[unknown.id]["status"], finals[unknown.id]["key"]) == ("skipped", "99999")
    assert finals[unknown.id]["detail"] == ("product 99999 no longer exists in Magento, so its stock item cannot be "
                                            "matched to a SKU")
    assert dead_letters(settings.amqp_url, "stock") == []


def test_attempts_exhausted_are_dead_lettered_with_the_count(bridge, erp):
    settings, reports, _runner = bridge
    admin(erp.url, "fail", {"status": 500, "times": 10})
    notes = notes_for("stock", ["NW-STOVE"])
    publish(settings.amqp_url, notes)
    final = reports.wait_final(notes, timeout=60)[notes[0].id]
    assert final["status"] == "dead" and final["attempts"] == settings.max_attempts
    assert final["error_class"] == "ErpUnavailable"


def test_a_consumer_killed_mid_stream_and_restarted_leaves_every_record_in_the_erp_once(
        consumer_settings, magento, erp, sqlite_url, amqp_channel):
    """SIGKILL in the middle of a stream: after a restart every record is in the ERP once, nothing unacked."""
    import signal
    import sys

    from broker.topology import dead_queue, entity_queue
    from tests import support

    admin(magento.url, "generate/products", {"count": 240, "prefix": "KILL-"})
    skus = [sku for sku in magento_keys(magento.url, "product") if sku.startswith("KILL-")]
    admin(magento.url, "faults/latency", {"ms": 15})
    settings = consumer_settings()
    env = {"AMQP_URL": settings.amqp_url, "RETRY_DELAYS": "1,2", "MAGENTO_BASE_URL": magento.url,
           "MAGENTO_ACCESS_TOKEN": MAGENTO_TOKEN, "ERP_BACKEND": "http", "ERP_HTTP_URL": erp.url,
           "ERP_HTTP_TOKEN": "erp-token", "DATABASE_URL": sqlite_url, "LOG_LEVEL": "WARNING"}
    args = [sys.executable, "-m", "consumers", "product", "--concurrency", "8"]
    notes = notes_for("product", skus)
    reports = Reports(sqlite_url)
    with support.running(args, env=env) as first:
        publish(settings.amqp_url, notes)
        support.wait_for(lambda: len(erp.store.records) >= 80, 60, message="a third of the stream")
        support.stop(first, signal.SIGKILL)
    assert len(erp.store.records) < len(skus), "the kill came too late to prove anything"
    with support.running(args, env=env):
        reports.wait_final(notes, timeout=120)
    assert sorted(key for (_entity, key) in erp.store.records) == sorted(skus)
    writes = [row["writes"] for row in erp.store.counters()["records"]]
    assert sum(1 for count in writes if count > 1) <= 8  # at most the writes in flight when it was killed
    for queue in (entity_queue("product"), dead_queue("product")):
        declared = amqp_channel.queue_declare(queue, passive=True).method
        assert (declared.message_count, declared.consumer_count) == (0, 0), queue
