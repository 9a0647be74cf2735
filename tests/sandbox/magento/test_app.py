"""The app factory, the served sandbox (in a thread and as ``bridgectl sandbox magento``), and 32 concurrent clients."""

from __future__ import annotations

import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from sandbox.magento.app import create_app, run_in_thread, sandbox_of
from tests import support
from tests.sandbox.magento.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_unknown_options_and_seeds_are_refused():
    with pytest.raises(TypeError):
        create_app(TOKEN, "demo", colour="blue")
    with pytest.raises(ValueError):
        create_app(TOKEN, "everything")


def test_feed_options_configure_the_feed():
    app = create_app(TOKEN, "empty", feed_url="http://127.0.0.1:9/hook",
                     feed_secret="whsec_c2FuZGJveC1mZWVkLXRlc3Qta2V5LTMyLWJ5dGVzISE=", feed_suppress=True)
    status = sandbox_of(app).feed.status()
    assert status["url"] == "http://127.0.0.1:9/hook" and status["suppress"] is True
    sandbox_of(app).feed.close()


def test_served_in_a_thread_with_keep_alive(live):
    with requests.Session() as session:
        first = session.get(f"{live.url}/rest/V1/products/NW-STOVE", headers=AUTH, timeout=5)
        second = session.get(f"{live.url}/rest/all/V1/stockItems/NW-STOVE", headers=AUTH, timeout=5)
    assert first.status_code == second.status_code == 200
    assert first.raw.version == 11 and second.json()["qty"] == 40


def test_bridgectl_sandbox_magento_serves_and_stops_on_sigterm():
    port = support.free_port()
    args = [str(support.BIN / "bridgectl"), "sandbox", "magento", "--port", str(port), "--token", "cli-token",
            "--seed", "demo"]
    with support.running(args, port=port) as process:
        response = requests.get(f"http://127.0.0.1:{port}/rest/V1/orders/3",
                                headers={"Authorization": "Bearer cli-token"}, timeout=5)
        assert response.status_code == 200 and response.json()["increment_id"] == "000000102"
        assert support.stop(process, signal.SIGTERM) == 0


def test_32_concurrent_clients_stay_consistent():
    app = create_app(TOKEN, "demo")
    barrier = threading.Barrier(32)

    def client(number: int) -> tuple[list[int], int]:
        with requests.Session() as session:
            barrier.wait(timeout=10)
            invoice = session.post(f"{server.url}/rest/V1/order/5/invoice", json={}, headers=AUTH, timeout=10)
            ids = []
            for index in range(5):
                created = session.post(f"{server.url}/rest/V1/products", headers=AUTH, timeout=10, json={
                    "product": {"sku": f"C-{number}-{index}", "name": "Concurrent", "price": 1}})
                ids.append(created.json()["id"])
                session.put(f"{server.url}/rest/V1/products/NW-FUEL-230/stockItems/23", headers=AUTH, timeout=10,
                            json={"stockItem": {"qty": number}}).raise_for_status()
                assert session.get(f"{server.url}/rest/V1/orders/5", headers=AUTH, timeout=10).status_code == 200
            return ids, invoice.status_code

    with run_in_thread(app) as server, ThreadPoolExecutor(32) as pool:
        results = list(pool.map(client, range(32)))
    ids = [product_id for product_ids, _ in results for product_id in product_ids]
    assert len(ids) == len(set(ids)) == 160
    assert sorted(status for _, status in results) == [200] + [400] * 31  # exactly one invoice wins
    store = sandbox_of(app).store
    assert len(store.products) == 173 and len(store.invoices) == 3
    assert store.orders[5]["items"][0]["qty_invoiced"] == 1
    sandbox_of(app).feed.close()
