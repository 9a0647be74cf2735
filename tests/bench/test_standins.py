"""The benchmark's Magento and ERP stand-ins: what they answer, keep-alive, the latency, and that the
real pipeline syncs their records (the consumer benchmark measures nothing if it does not)."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator

import pytest
import requests

from bench.consumers import StandIns, stand_ins
from consumers.pipeline import build_handler
from schemas.mapping import map_record
from schemas.notification import Notification


@pytest.fixture(scope="module")
def standins() -> Iterator[StandIns]:
    with stand_ins(latency_ms=30) as running:
        yield running


def test_magento_answers_a_simple_product_for_any_sku_that_the_mapper_accepts(standins):
    answer = requests.get(f"{standins.magento}/rest/default/V1/products/ODD%2FSKU%20one", timeout=5)

    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    product = answer.json()
    assert (product["sku"], product["type_id"], product["updated_at"]) == ("ODD/SKU one", "simple",
                                                                            "2026-01-15 09:30:00")
    document = map_record("product", product)
    assert (document["sku"], document["stock"], document["category_ids"]) == (
        "ODD/SKU one", {"qty": 14, "is_in_stock": True}, [4, 7])


def test_other_magento_calls_answer_magentos_route_error(standins):
    answer = requests.get(f"{standins.magento}/rest/default/V1/orders/7", timeout=5)

    assert (answer.status_code, answer.json()) == (404, {"message": "Request does not match any route."})


def test_the_erp_answers_a_stable_id_per_record(standins):
    first = requests.put(f"{standins.erp}/product/A-1", data=b'{"sku": "A-1"}', timeout=5).json()
    again = requests.put(f"{standins.erp}/product/A-1", data=b'{"sku": "A-1"}', timeout=5).json()
    other = requests.put(f"{standins.erp}/product/A-2", data=b'{"sku": "A-2"}', timeout=5).json()

    assert first == again and first != other and set(first) == {"id"}
    assert requests.delete(f"{standins.erp}/product/A-1", timeout=5).status_code == 204
    assert requests.get(f"{standins.erp}/product/A-1", timeout=5).status_code == 405


def test_one_connection_serves_request_after_request_each_after_the_latency(standins):
    session = requests.Session()
    before = session.get(f"{standins.erp}/__standin/stats", timeout=5).json()["connections"]

    for number in range(5):
        started = time.monotonic()
        assert session.put(f"{standins.erp}/stock/S-{number}", data=b"{}", timeout=5).status_code == 200
        assert time.monotonic() - started >= 0.03

    assert session.get(f"{standins.erp}/__standin/stats", timeout=5).json()["connections"] == before
    session.close()


def test_pipelined_requests_are_answered_in_order(standins):
    port = int(standins.erp.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"PUT /product/P-1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
                     b"PUT /product/P-2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
                     b"GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk

    assert re.findall(rb"HTTP/1\.1 (\d{3}) ", received) == [b"200", b"200", b"404"]
    first, second = (int(number) for number in re.findall(rb'\{"id":(\d+)\}', received))
    assert first < second  # new records get ids in the order they are answered: P-1 first


@pytest.mark.parametrize(("request_bytes", "status"), [
    (b"PUT /product/C HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", b"501"),
    (b"PUT /product/C HTTP/1.1\r\nContent-Length: lots\r\n\r\n", b"400"),
])
def test_requests_it_cannot_read_are_refused_and_the_connection_closed(standins, request_bytes, status):
    port = int(standins.erp.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request_bytes)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk

    assert received.split(b" ")[1] == status and b"Connection: close" in received


def test_the_real_pipeline_syncs_a_stand_in_product_then_finds_it_unchanged(standins, make_settings, sqlite_url):
    settings = make_settings(MAGENTO_BASE_URL=standins.magento, MAGENTO_ACCESS_TOKEN="bench-token",
                             ERP_BACKEND="http", ERP_HTTP_URL=standins.erp, DATABASE_URL=sqlite_url)
    handler, _reporter, close = build_handler(settings)
    before = standins.stats()
    try:
        first = handler([Notification("evt-1", "product", "save", "BENCH-TEST-1")])
        second = handler([Notification("evt-2", "product", "save", "BENCH-TEST-1")])
    finally:
        close()

    after = standins.stats()
    assert (first.status, second.status, second.detail) == ("synced", "skipped", "unchanged")
    assert after["magento_gets"] - before["magento_gets"] == 2
    assert after["erp_puts"] - before["erp_puts"] == 1


def test_magento_answers_the_consumers_start_up_list_so_the_default_benchmark_starts(standins):
    answer = requests.get(f"{standins.magento}/rest/default/V1/products",
                          params={"searchCriteria[pageSize]": "1", "searchCriteria[currentPage]": "1"}, timeout=5)

    assert answer.status_code == 200
    assert answer.json()["items"] == [] and answer.json()["total_count"] == 0
