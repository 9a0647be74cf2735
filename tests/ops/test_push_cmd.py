"""``bridgectl push stock`` against the Magento sandbox and the HTTP ERP sandbox: chunks of at most 20 items
(the sandbox's input limit is on, so a larger POST would be refused), a SIGKILLed run resumed without repeats,
dry runs that write nothing."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator

import pytest

from magento.client import MagentoClient
from ops.push_cmd import push
from sandbox.erp.app import SandboxThread
from store.db import make_engine
from store.push_positions import PushPositions
from tests import support
from tests.ops.conftest import MAGENTO_TOKEN
from tests.ops.helpers import invoke

SAVE = "POST /V1/inventory/source-items"


@pytest.fixture
def erp() -> Iterator[SandboxThread]:
    with SandboxThread() as running:
        yield running


@pytest.fixture
def push_settings(make_settings, magento, erp):
    magento.admin("PUT", "/inventory/settings", {"input_limit_enabled": True, "input_limit": 20})
    magento.admin("POST", "/inventory/sources", {"source_code": "berlin", "name": "Berlin", "stocks": [1]})
    return make_settings(MAGENTO_BASE_URL=magento.url, MAGENTO_ACCESS_TOKEN=MAGENTO_TOKEN, MAGENTO_RETRIES="1",
                         MAGENTO_BACKOFF_SECONDS="0", ERP_BACKEND="http", ERP_HTTP_URL=erp.url,
                         MAGENTO_SOURCES="default=Main,berlin=Berlin")


def catalogue(magento, erp, count: int) -> list[str]:
    """``count`` Magento products, each with other quantities in the ERP (Main: its qty + 100, Berlin: 3)."""
    magento.generate_products(count)
    skus = sorted(magento.keys("product"))
    for sku in skus:
        erp.store.edit("stock", sku, {"quantities": {"Main": 100 + int(sku[-6:]) % 50, "Berlin": 3}})
    return skus


def saves(magento) -> int:
    return sum(1 for entry in magento.requests() if entry["route"] == SAVE and entry["status"] == 200)


def test_named_skus_are_pushed_and_a_second_push_writes_nothing(push_settings, magento, erp):
    skus = catalogue(magento, erp, 3)
    erp.store.edit("stock", "NOT-IN-MAGENTO", {"quantities": {"Main": 1, "Berlin": 1}})
    args = [arg for sku in [*skus, "NOT-IN-MAGENTO"] for arg in ("--sku", sku)]

    first = invoke(push, ["stock", *args], push_settings)
    assert first.exit_code == 0, first.output
    assert "stock: 3 of 4 SKUs written in 1 chunks" in first.stdout
    assert "skipped, not in Magento: 1" in first.stdout
    assert saves(magento) == 1
    second = invoke(push, ["stock", *args], push_settings)
    assert "skipped, unchanged: 3" in second.stdout and saves(magento) == 1


def test_a_dry_run_prints_the_changes_and_writes_nothing(push_settings, magento, erp):
    [sku] = catalogue(magento, erp, 1)
    quantity = 100 + int(sku[-6:]) % 50
    result = invoke(push, ["stock", "--sku", sku, "--dry-run"], push_settings)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"{sku} default: {int(sku[-6:]) % 50} -> {quantity}" in lines
    assert f"{sku} berlin: none -> 3" in lines
    assert "1 of 1 SKUs would be written" in result.stdout
    assert saves(magento) == 0


def test_arguments_are_checked(push_settings):
    assert invoke(push, ["stock"], push_settings).exit_code == 2
    assert invoke(push, ["stock", "--sku", "A", "--resume"], push_settings).exit_code == 2


def test_an_unknown_source_stops_the_push_with_the_reason(make_settings, push_settings):
    settings = make_settings(**{**_env(push_settings), "MAGENTO_SOURCES": "default=Main,paris=Paris"})
    result = invoke(push, ["stock", "--all"], settings)
    assert result.exit_code == 78 and "MAGENTO_SOURCES names sources Magento does not have: paris" in result.output


def _env(settings) -> dict[str, str]:
    return {"MAGENTO_BASE_URL": settings.magento_base_url, "MAGENTO_ACCESS_TOKEN": MAGENTO_TOKEN,
            "ERP_BACKEND": "http", "ERP_HTTP_URL": settings.erp_http_url, "DATABASE_URL": settings.database_url,
            "MAGENTO_SOURCES": "default=Main,berlin=Berlin", "MAGENTO_RETRIES": "1", "LOG_LEVEL": "INFO"}


def test_two_thousand_skus_in_chunks_of_20_killed_and_resumed_without_repeats(push_settings, magento, erp):
    skus = catalogue(magento, erp, 2000)
    magento.admin("POST", "/faults/latency", {"ms": 2})  # long enough to be killed half-way
    command = [sys.executable, "-m", "ops.cli", "push", "stock", "--all"]
    with support.running(command, env=_env(push_settings)) as proc:
        support.wait_for(lambda: proc.poll() is not None or saves(magento) >= 40, timeout=120, interval=0.05,
                         message="40 saves")
        assert proc.poll() is None, f"the push ended early:\n{proc.log_path.read_text()[-3000:]}"
        assert support.stop(proc, signal.SIGKILL) == -signal.SIGKILL
    magento.admin("POST", "/faults/latency", {"ms": 0})
    killed_at = saves(magento)
    engine = make_engine(push_settings.database_url)
    position = PushPositions(engine).load("stock")
    engine.dispose()
    assert position is not None and not position.finished and position.chunks_done >= 39

    result = invoke(push, ["stock", "--all", "--resume"], push_settings)

    assert result.exit_code == 0, result.output
    assert f"(resumed after {position.last_sku})" in result.stdout
    # 2,000 SKUs x 2 sources = 4,000 changed items, 20 per save (the sandbox refuses more): exactly 200 saves
    # in both runs together, so no chunk was written twice; every item now has the ERP's quantity.
    assert saves(magento) == 200, (killed_at, result.stdout)
    with MagentoClient(push_settings) as client:
        found = {(item["sku"], item["source_code"]): float(item["quantity"])
                 for item in client.source_items(skus, ["default", "berlin"])}
    assert len(found) == 4000
    assert all(found[(sku, "default")] == 100 + int(sku[-6:]) % 50 and found[(sku, "berlin")] == 3 for sku in skus)
    print(f"killed after {killed_at} saves ({position.chunks_done} chunks saved); 200 saves in all")


def test_a_failing_magento_stops_the_push_and_resume_finishes_it(push_settings, magento, erp):
    catalogue(magento, erp, 25)  # 3 chunks of at most 10 SKUs (2 sources: 20 items)
    first = invoke(push, ["stock", "--all"], push_settings)
    assert first.exit_code == 0 and saves(magento) == 3
    for sku in magento.keys("product"):
        erp.store.edit("stock", sku, {"quantities": {"Main": 1, "Berlin": 1}})
    magento.admin("POST", "/faults/errors", {"count": 1, "status": [500], "prefix": "/V1/inventory/source-items"})

    stopped = invoke(push, ["stock", "--all"], push_settings)

    assert stopped.exit_code == 1
    assert "push stopped: magento answered 500" in stopped.stderr
    assert "continue with bridgectl push stock --all --resume" in stopped.stdout
    resumed = invoke(push, ["stock", "--all", "--resume"], push_settings)
    assert resumed.exit_code == 0 and "25 of 25 SKUs written in 3 chunks" in resumed.stdout
    assert saves(magento) == 6
    again = invoke(push, ["stock", "--all", "--resume"], push_settings)
    assert "the last push finished; nothing to resume" in again.stdout and saves(magento) == 6
