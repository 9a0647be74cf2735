"""The operator's two stories end to end: Magento sandbox → broker → ``python -m consumers`` → HTTP ERP sandbox.

1. The integration's token is revoked: the consumer pauses (no dead letter), and once the token is fixed the
   change lands in the ERP.
2. The ERP refuses a change: it dead-letters with the ERP's answer; after the fix ``bridgectl dlq replay``
   brings the record into the ERP.
3. A change whose webhook Magento never sent reaches the ERP through ``bridgectl reconcile --once``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
import requests

from broker.topology import EVENTS_EXCHANGE, dead_queue, entity_queue
from ops.dlq_cmd import dlq
from ops.reconcile_cmd import reconcile
from sandbox.erp.app import SandboxThread
from schemas.notification import Notification
from tests import support
from tests.ops.conftest import MAGENTO_TOKEN
from tests.ops.helpers import depth, invoke

FEED_SECRET = "whsec_" + "c2VjcmV0LWZvci10aGUtZmVlZC0wMTIzNDU2Nzg5"


@pytest.fixture
def erp() -> Iterator[SandboxThread]:
    with SandboxThread(port=support.free_port()) as running:
        yield running


@pytest.fixture
def e2e_settings(settings, make_settings, erp):
    return make_settings(**{name.upper(): getattr(settings, name) for name in
                            ("amqp_url", "magento_base_url", "magento_access_token", "database_url")},
                         ERP_BACKEND="http", ERP_HTTP_URL=erp.url, MAGENTO_RETRIES="1",
                         MAGENTO_BACKOFF_SECONDS="0")


@pytest.fixture
def consumer(e2e_settings, erp) -> Iterator[object]:
    env = {"AMQP_URL": e2e_settings.amqp_url, "MAGENTO_BASE_URL": e2e_settings.magento_base_url,
           "MAGENTO_ACCESS_TOKEN": MAGENTO_TOKEN, "DATABASE_URL": e2e_settings.database_url,
           "ERP_BACKEND": "http", "ERP_HTTP_URL": erp.url, "MAGENTO_RETRIES": "0", "LOG_LEVEL": "INFO",
           "PAUSE_PROBE_SECONDS": "0.5"}
    with support.running([sys.executable, "-m", "consumers", "product"], env=env) as proc:
        yield proc


def in_erp(erp: SandboxThread, sku: str) -> dict | None:
    record = erp.store.get("product", sku)
    return record["document"] if record else None


def test_a_revoked_token_pauses_the_consumer_and_the_change_lands_once_it_is_fixed(
        e2e_settings, magento, erp, consumer, publisher, amqp_channel):
    magento.generate_products(1, prefix="E2E-")
    [sku] = magento.keys("product")
    support.wait_for(lambda: "consuming magento.product" in consumer.log_path.read_text(), timeout=30,
                     message="the consumer past its start-up check")
    magento.admin("POST", "/token/revoke")
    note = Notification(id="evt-revoked-1", entity="product", action="save", key=sku, source="webhook")
    publisher.publish(EVENTS_EXCHANGE, note.routing_key, note.to_body(), message_id=note.id)
    support.wait_for(lambda: "paused: Magento refuses the integration token (401)" in consumer.log_path.read_text(),
                     timeout=30, message="the pause")
    assert depth(amqp_channel, dead_queue("product")) == 0 and in_erp(erp, sku) is None
    magento.admin("POST", "/token/restore")
    document = support.wait_for(lambda: in_erp(erp, sku), timeout=30,
                                message=f"the product in the ERP\n{consumer.log_path.read_text()[-3000:]}")
    assert document["sku"] == sku and depth(amqp_channel, dead_queue("product")) == 0
    assert consumer.log_path.read_text().count("paused:") == 1


def test_a_dead_letter_from_an_erp_refusal_is_replayed_after_the_fix_and_lands_in_the_erp(
        e2e_settings, magento, erp, consumer, publisher, amqp_channel):
    magento.generate_products(1, prefix="E2E-")
    [sku] = magento.keys("product")
    support.wait_for(lambda: amqp_channel.queue_declare(entity_queue("product"), passive=True).method.consumer_count,
                     30, message="the consumer to finish its start-up check (its ERP call must not take the refusal)")
    refusal = '{"error": "product category 9 is archived"}'
    requests.post(f"{erp.url}/__sandbox/fail", json={"status": 422, "times": 1, "body": refusal}, timeout=10)
    note = Notification(id="evt-refused-1", entity="product", action="save", key=sku, source="webhook")
    publisher.publish(EVENTS_EXCHANGE, note.routing_key, note.to_body(), message_id=note.id)
    support.wait_for(lambda: depth(amqp_channel, dead_queue("product")) == 1, timeout=30,
                     message=f"the dead letter\n{consumer.log_path.read_text()[-3000:]}")
    listed = invoke(dlq, ["list"], e2e_settings).stdout
    assert "evt-refused-1" in listed and "ErpRejected" in listed and "product category 9 is archived" in listed
    assert in_erp(erp, sku) is None
    assert invoke(dlq, ["replay", "--id", "evt-refused-1"], e2e_settings).stdout == "replayed 1 dead letter\n"
    document = support.wait_for(lambda: in_erp(erp, sku), timeout=30,
                                message=f"the product in the ERP\n{consumer.log_path.read_text()[-3000:]}")
    assert document["sku"] == sku
    assert depth(amqp_channel, dead_queue("product")) == 0


def test_a_change_whose_webhook_was_never_sent_reaches_the_erp_through_reconcile(
        e2e_settings, magento, erp, consumer):
    magento.generate_products(2, prefix="QUIET-")
    sku = magento.keys("product")[1]
    nowhere = f"http://127.0.0.1:{support.free_port()}/webhooks"
    magento.admin("PUT", "/feed", {"url": nowhere, "secret": FEED_SECRET, "suppress": True})
    magento.admin("POST", f"/touch/product/{sku}", {"name": "Renamed by a CSV import"})
    assert magento.admin("GET", "/feed")["suppressed"] == 1  # Magento sent no webhook for it
    result = invoke(reconcile, ["--once", "product"], e2e_settings)
    assert result.exit_code == 0, result.output
    document = support.wait_for(lambda: (in_erp(erp, sku) or {}).get("name") == "Renamed by a CSV import"
                                and in_erp(erp, sku), timeout=30,
                                message=f"the change in the ERP\n{consumer.log_path.read_text()[-3000:]}")
    assert document["sku"] == sku
