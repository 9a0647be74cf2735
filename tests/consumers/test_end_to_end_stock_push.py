"""End to end through RabbitMQ: ERP stock changes (erp.stock) reach Magento's sources through the real handler
``python -m consumers`` builds, and Magento's notification of that push does not come back into the ERP.

The HTTP ERP sandbox stands in for the ERP (the Odoo reads are tested in tests/erp/odoo/test_stock_reads.py and
tests/consumers/test_to_magento_sandbox.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from consumers.pipeline import build_handler
from magento.client import MagentoClient
from sandbox.erp.app import SandboxThread
from schemas.notification import Notification
from tests.consumers.e2e import MAGENTO_TOKEN, Reports, admin, magento_sandbox
from tests.consumers.helpers import publish


@pytest.fixture
def erp() -> Iterator[SandboxThread]:
    with SandboxThread() as running:
        yield running


@pytest.fixture
def magento() -> Iterator[str]:
    with magento_sandbox("empty") as server:
        admin(server.url, "inventory/sources", {"source_code": "berlin", "name": "Berlin", "stocks": [1]})
        admin(server.url, "generate/products", {"count": 2, "prefix": "E2E-"})
        yield server.url


def erp_note(event_id: str, sku: str) -> Notification:
    return Notification(event_id, "stock", "save", sku, source="erp-poll", origin="erp")


def test_erp_stock_reaches_magento_sources_and_the_echo_stays_out_of_the_erp(
        consumer_settings, start_runner, amqp_channel, magento, erp):
    settings = consumer_settings(MAGENTO_BASE_URL=magento, MAGENTO_ACCESS_TOKEN=MAGENTO_TOKEN, MAGENTO_RETRIES="1",
                                 ERP_BACKEND="http", ERP_HTTP_URL=erp.url,
                                 MAGENTO_SOURCES="default=Main,berlin=Berlin")
    skus = sorted(str(key) for key in admin(magento, "records/product", method="GET")["keys"])
    erp.store.edit("stock", skus[0], {"quantities": {"Main": 7, "Berlin": 2}})
    erp.store.edit("stock", "ERP-ONLY", {"quantities": {"Main": 1, "Berlin": 1}})
    handler, reporter, close = build_handler(settings)
    running = start_runner(settings, ["stock", "erp.stock"], handler, reporter)
    reports = Reports(settings.database_url)
    try:
        pushes = [erp_note("erp-1", skus[0]), erp_note("erp-2", "ERP-ONLY")]
        for note in pushes:
            publish(amqp_channel, note)
        pushed = reports.wait_final(pushes)
        # Magento announces its stock item changed (the push moved the default source): not written back.
        echo = [Notification("mag-1", "stock", "save", skus[0], source="webhook")]
        publish(amqp_channel, echo[0])
        echoed = reports.wait_final(echo)
    finally:
        running.stop()
        close()

    assert (pushed["erp-1"]["status"], pushed["erp-1"]["entity"]) == ("synced", "erp.stock")
    assert (pushed["erp-2"]["status"], pushed["erp-2"]["detail"]) == ("skipped", "not in Magento")
    assert (echoed["mag-1"]["status"], echoed["mag-1"]["detail"]) == ("skipped", "echo")
    assert erp.store.writes[("stock", skus[0])] == 0  # Magento's echo never reached the ERP
    with MagentoClient(settings) as client:
        found = {item["source_code"]: float(item["quantity"]) for item in client.source_items([skus[0]])}
    assert found == {"default": 7.0, "berlin": 2.0}
