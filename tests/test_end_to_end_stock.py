"""Stock from the ERP to Magento, the whole chain as an operator runs it: ``bridgectl erp-poll --once`` reads the
ERP sandbox's changes and publishes them to RabbitMQ, ``python -m consumers erp.stock`` (a real process, the
Procfile's ``erp-stock``) writes them into the Magento sandbox's sources.

- Odoo: an on-hand change reaches every mapped Magento source within one poll; the bridge's own writes in
  Odoo (its user) do not come back; a consumer SIGKILLed in the middle of a stream of 60 SKUs loses nothing.
- The HTTP ERP: the same, through its change feed.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from magento.client import MagentoClient
from sandbox.erp.app import SandboxThread
from tests import support
from tests.erp.odoo.test_stock_reads import berlin, count, location, product
from tests.ops.helpers import MagentoSandbox
from tests.stock_sandboxes import Odoo, magento_with_berlin, odoo_sandbox

TOKEN = "stock-e2e-token"
BRIDGE_LOGIN, BRIDGE_PASSWORD = "magento-bridge", "bridge-pass-1"


@pytest.fixture
def magento() -> Iterator[MagentoSandbox]:
    with magento_with_berlin(TOKEN) as sandbox:
        yield sandbox


@pytest.fixture
def odoo() -> Iterator[Odoo]:
    with odoo_sandbox() as odoo:
        odoo.execute("res.users", "create", [{"name": "Magento bridge", "login": BRIDGE_LOGIN,
                                              "password": BRIDGE_PASSWORD}])
        yield odoo


@pytest.fixture
def environment(broker: str, magento: MagentoSandbox, sqlite_url: str) -> dict[str, str]:
    """What every process of the bridge gets: the broker, Magento with two sources, one database."""
    return {"AMQP_URL": broker, "MAGENTO_BASE_URL": magento.url, "MAGENTO_ACCESS_TOKEN": TOKEN,
            "MAGENTO_RETRIES": "1", "MAGENTO_BACKOFF_SECONDS": "0", "DATABASE_URL": sqlite_url, "LOG_LEVEL": "INFO",
            "RETRY_DELAYS": "1,2"}


def poll_once(env: dict[str, str]) -> str:
    """``bridgectl erp-poll --once``: its output, after checking it succeeded."""
    # ``python -m ops.cli`` from the checkout (the venv's bridgectl may belong to another checkout)
    with support.running([sys.executable, "-m", "ops.cli", "erp-poll", "--once"], env=env) as proc:
        proc.wait(60)
        output = proc.log_path.read_text()
    assert proc.returncode == 0, output
    return output


def source_items(magento: MagentoSandbox, skus: list[str]) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    with MagentoClient(_settings(magento)) as client:
        for item in client.source_items(skus):
            found.setdefault(item["sku"], {})[item["source_code"]] = float(item["quantity"])
    return found


def _settings(magento: MagentoSandbox) -> Any:
    from core.settings import Settings

    return Settings.from_env({"MAGENTO_BASE_URL": magento.url, "MAGENTO_ACCESS_TOKEN": TOKEN})


def wait_until(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    support.wait_for(check, timeout, interval=0.2, message=what)


@pytest.fixture
def odoo_env(environment: dict[str, str], odoo: Odoo) -> dict[str, str]:
    return {**environment, "ERP_BACKEND": "odoo", "ODOO_URL": odoo.url, "ODOO_DB": "bridge",
            "ODOO_USERNAME": BRIDGE_LOGIN, "ODOO_PASSWORD": BRIDGE_PASSWORD,
            "MAGENTO_SOURCES": "default=WH/Stock,berlin=BER/Stock"}


def test_odoo_on_hand_reaches_every_mapped_source_within_one_poll_and_a_killed_consumer_loses_nothing(
        magento: MagentoSandbox, odoo: Odoo, odoo_env: dict[str, str]) -> None:
    magento.generate_products(60, prefix="E2E-")
    skus = sorted(magento.keys("product"))
    main, ber = location(odoo, "WH/Stock"), berlin(odoo)
    ids = {sku: product(odoo, sku) for sku in skus}
    count(odoo, ids[skus[0]], main, 12)
    count(odoo, ids[skus[0]], ber, 5)
    consumer = [sys.executable, "-m", "consumers", "erp.stock"]

    with support.running(consumer, env=odoo_env):
        poll_once(odoo_env)
        wait_until(lambda: source_items(magento, skus[:1]).get(skus[0]) == {"default": 12.0, "berlin": 5.0},
                   "both sources of the first SKU")

    for number, sku in enumerate(skus, start=1):
        count(odoo, ids[sku], main, 100 + number)

    def done() -> int:
        current = source_items(magento, skus)
        return sum(current.get(sku, {}).get("default") == 100 + number for number, sku in enumerate(skus, start=1))
    magento.admin("POST", "/faults/latency", {"ms": 100, "prefix": "inventory/source-items"})
    with support.running(consumer, env=odoo_env) as proc:
        poll_once(odoo_env)
        wait_until(lambda: done() >= 5, "the stream to be under way")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert 5 <= done() < len(skus)  # killed in the middle of the stream
    magento.admin("POST", "/faults/latency", {"ms": 0})
    with support.running(consumer, env=odoo_env):
        expected = {sku: 100.0 + number for number, sku in enumerate(skus, start=1)}
        wait_until(lambda: {sku: found.get("default") for sku, found in source_items(magento, skus).items()}
                   == expected, "every SKU's default source after the restart")


def test_the_bridges_own_odoo_writes_do_not_come_back_to_magento(
        magento: MagentoSandbox, odoo: Odoo, odoo_env: dict[str, str]) -> None:
    magento.generate_products(2, prefix="OWN-")
    mine, theirs = sorted(magento.keys("product"))
    main = location(odoo, "WH/Stock")
    bridge_product = support.odoo_execute_as(odoo.url, BRIDGE_LOGIN, BRIDGE_PASSWORD, "product.product", "create",
                                             [{"name": mine, "default_code": mine, "detailed_type": "product"}])
    quant = support.odoo_execute_as(odoo.url, BRIDGE_LOGIN, BRIDGE_PASSWORD, "stock.quant", "create",
                                    [{"product_id": bridge_product, "location_id": main, "inventory_quantity": 9}],
                                    {"context": {"inventory_mode": True}})
    support.odoo_execute_as(odoo.url, BRIDGE_LOGIN, BRIDGE_PASSWORD, "stock.quant", "action_apply_inventory",
                            [[quant]], {"context": {"inventory_mode": True}})
    count(odoo, product(odoo, theirs), main, 3)

    output = poll_once(odoo_env)

    [quants] = [line.split() for line in output.splitlines() if line.startswith("odoo:stock.quant ")]
    assert quants[1:3] == ["done", "1"], output  # the admin's count only, not the bridge user's
    with support.running([sys.executable, "-m", "consumers", "erp.stock"], env=odoo_env):
        wait_until(lambda: source_items(magento, [theirs]).get(theirs, {}).get("default") == 3.0, "the ERP's change")
    assert source_items(magento, [mine]).get(mine, {}).get("default") != 9.0


def test_the_http_erp_change_feed_reaches_magento(magento: MagentoSandbox, environment: dict[str, str]) -> None:
    magento.generate_products(3, prefix="FEED-")
    skus = sorted(magento.keys("product"))
    with SandboxThread(port=support.free_port()) as erp:
        env = {**environment, "ERP_BACKEND": "http", "ERP_HTTP_URL": erp.url, "ERP_HTTP_CHANGES": "1",
               "MAGENTO_SOURCES": "default=Main,berlin=Berlin"}
        for number, sku in enumerate(skus, start=1):
            erp.store.edit("stock", sku, {"quantities": {"Main": number, "Berlin": 10 * number}})
        with support.running([sys.executable, "-m", "consumers", "erp.stock"], env=env):
            poll_once(env)
            expected = {sku: {"default": float(n), "berlin": 10.0 * n} for n, sku in enumerate(skus, start=1)}
            wait_until(lambda: source_items(magento, skus) == expected, "every SKU's sources from the feed")
