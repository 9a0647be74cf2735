"""Stock read from the HTTP ERP sandbox (docs/http-erp.md, "Stock the bridge reads")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from core.errors import ErpRejected, ErpUnavailable
from erp.base import ALL_LOCATIONS
from erp.http import HttpErpBackend
from erp.http_stock import quantities_of
from sandbox.erp.app import SandboxThread
from sandbox.erp.store import Fault


@pytest.fixture
def sandbox() -> Iterator[SandboxThread]:
    with SandboxThread(token="t0k") as running:
        yield running


@pytest.fixture
def backend(sandbox: SandboxThread) -> Iterator[HttpErpBackend]:
    made = HttpErpBackend(sandbox.url, "t0k", timeout=5)
    yield made
    made.close()


def test_per_location_quantities_and_a_single_qty(sandbox, backend):
    sandbox.store.edit("stock", "A/1", {"quantities": {"WH/Stock": 5, "BER/Stock": "2.5"}})
    sandbox.store.edit("stock", "B", {"sku": "B", "qty": 4})

    assert backend.stock_levels(["A/1", "NOPE"], ["WH/Stock", "BER/Stock"]) == {
        "A/1": {"WH/Stock": 5.0, "BER/Stock": 2.5}}
    assert backend.stock_levels(["A/1", "B"]) == {"A/1": {ALL_LOCATIONS: 7.5}, "B": {ALL_LOCATIONS: 4.0}}
    assert backend.stock_levels(["B"], ["WH/Stock"]) == {"B": {"WH/Stock": 4.0}}


def test_the_sandbox_serves_the_stock_record_shape(sandbox):
    sandbox.store.edit("stock", "A", {"quantities": {"WH/Stock": 5}})
    answer = requests.get(f"{sandbox.url}/stock/A", headers={"Authorization": "Bearer t0k"}, timeout=5).json()
    assert answer["sku"] == "A" and answer["quantities"] == {"WH/Stock": 5}
    assert answer["document"] == {"quantities": {"WH/Stock": 5}}  # the generic record stays as it was


def test_a_stock_document_the_bridge_wrote_reads_back_as_its_qty(sandbox, backend):
    backend.upsert("stock", "C", {"sku": "C", "qty": 3, "is_in_stock": True})
    assert backend.stock_levels(["C"]) == {"C": {ALL_LOCATIONS: 3.0}}


def test_unreadable_stock_records_are_rejected_with_the_reason(sandbox, backend):
    sandbox.store.edit("stock", "A", {"quantities": {"WH/Stock": 5}})
    sandbox.store.edit("stock", "B", {"qty": 1})
    with pytest.raises(ErpRejected, match="no quantity for location 'BER/Stock'"):
        backend.stock_levels(["A"], ["WH/Stock", "BER/Stock"])
    with pytest.raises(ErpRejected, match="one qty, but MAGENTO_SOURCES maps 2"):
        backend.stock_levels(["B"], ["WH/Stock", "BER/Stock"])
    with pytest.raises(ErpRejected, match="not a number"):
        quantities_of("D", {"qty": "lots"}, [ALL_LOCATIONS])
    with pytest.raises(ErpRejected, match="neither"):
        quantities_of("D", {"sku": "D"}, [ALL_LOCATIONS])


def test_an_unavailable_erp_is_retryable(sandbox, backend):
    sandbox.store.add_fault(Fault(times=1, status=503, retry_after=3))
    with pytest.raises(ErpUnavailable):
        backend.stock_levels(["A"])


def test_every_sku_is_listed_page_by_page(sandbox, backend):
    for number in range(7):
        sandbox.store.edit("stock", f"S{number}", {"qty": number})
    pages = list(backend.stock_skus(page_size=3))
    assert [len(page) for page in pages] == [3, 3, 1]
    assert sorted(sku for page in pages for sku in page) == [f"S{number}" for number in range(7)]
