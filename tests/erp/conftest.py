"""Fixtures for the Odoo backend's tests: the Odoo sandbox served on a free port, clients, documents.

Documents follow docs/erp-documents.md with this project's own values.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from erp.odoo.backend import OdooBackend
from erp.odoo.rpc import OdooRetryPolicy, OdooRpc
from sandbox.odoo.app import ServerThread, create_app
from tests import support
from tests.support import free_port


class OdooSandbox:
    """The served sandbox, with its admin endpoints as helpers."""

    def __init__(self, url: str) -> None:
        self.url = url

    def records(self, model: str, *fields: str) -> list[dict]:
        response = requests.get(f"{self.url}/__sandbox/records/{model}", params={"fields": ",".join(fields)},
                                timeout=10)
        response.raise_for_status()
        return response.json()["records"]

    def faults(self, **settings: Any) -> None:
        requests.post(f"{self.url}/__sandbox/faults", json=settings, timeout=10).raise_for_status()

    def calls(self) -> dict[str, int]:
        return requests.get(f"{self.url}/__sandbox/calls", timeout=10).json()

    def execute(self, model: str, method: str, args: list, kwargs: dict | None = None) -> Any:
        return support.odoo_execute(self.url, model, method, args, kwargs)


@pytest.fixture
def odoo_sandbox(request: pytest.FixtureRequest) -> Iterator[OdooSandbox]:
    """A fresh sandbox like a fresh Odoo 17 (USD only, no pricelist, no stock_delivery); parametrize it
    indirectly with create_app's options, e.g. ``{"version": 18, "modules": ("stock_delivery",)}``."""
    options = getattr(request, "param", None) or {}
    server = ServerThread(create_app(db="bridge", login="admin", password="admin", **options),
                          port=free_port()).start()
    try:
        yield OdooSandbox(server.url)
    finally:
        server.stop()


@pytest.fixture
def sleeps() -> list[float]:
    """The waits of in-process retries (recorded instead of slept)."""
    return []


@pytest.fixture
def odoo_rpc(odoo_sandbox: OdooSandbox, sleeps: list[float]) -> Iterator[OdooRpc]:
    rpc = OdooRpc(odoo_sandbox.url, "bridge", "admin", "admin", timeout=5, sleep=sleeps.append,
                  retry=OdooRetryPolicy(attempts=3, first_wait=0.1, max_wait=1.0))
    yield rpc
    rpc.close()


@pytest.fixture
def backend(odoo_rpc: OdooRpc) -> OdooBackend:
    return OdooBackend(odoo_rpc, module="magento")


ADDRESS = {"magento_id": 31, "firstname": "Lena", "lastname": "Marsh", "company": "Marsh & Co",
           "street": ["12 Quarry Lane", "Unit 4"], "city": "Bend", "region": "Oregon", "region_code": "OR",
           "postcode": "97701", "country_id": "US", "telephone": "541-555-0199", "email": None,
           "default_billing": True, "default_shipping": False}


class Documents:
    """Builders of ERP documents; keyword arguments override fields."""

    def category(self, magento_id: int, name: str, parent_id: int | None, **over: Any) -> dict:
        return {"magento_id": magento_id, "name": name, "parent_id": parent_id, "path": "", "level": 1,
                "position": 1, "is_active": True, "created_at": "2024-01-02 08:00:00",
                "updated_at": "2024-01-02 08:00:00", **over}

    def product(self, sku: str, **over: Any) -> dict:
        return {"magento_id": 700, "sku": sku, "name": f"Trail {sku}", "type": "simple", "price": 34.0,
                "status": 1, "visibility": 4, "weight": 1.2, "weight_kg": 1.2, "attribute_set_id": 4,
                "category_ids": [],
                "attributes": {"color": "49"}, "stock": {"qty": 8, "is_in_stock": True}, "children": [],
                "created_at": "2024-01-03 09:00:00", "updated_at": "2024-01-03 09:00:00", **over}

    def address(self, **over: Any) -> dict:
        return {**copy.deepcopy(ADDRESS), **over}

    def customer(self, magento_id: int = 501, **over: Any) -> dict:
        shipping = self.address(magento_id=32, street=["9 Depot Road"], city="Salem", region="Oregon",
                                region_code="OR", postcode="97301", company=None, default_billing=False,
                                default_shipping=True)
        return {"magento_id": magento_id, "email": "lena.marsh@example.net", "firstname": "Lena",
                "lastname": "Marsh", "group_id": 1, "website_id": 1, "store_id": 1,
                "created_at": "2024-01-04 10:00:00", "updated_at": "2024-01-04 10:00:00",
                "addresses": [self.address(company=None), shipping], **over}  # a person; B2B: business()

    def business(self, magento_id: int = 502, vat_id: str | None = "NL859012345B01", **over: Any) -> dict:
        """A B2B customer: its default billing address names a company (with a tax id by default)."""
        billing = self.address(magento_id=41, company="Marsh & Co", vat_id=vat_id)
        other = self.address(magento_id=43, street=["1 Warehouse Row"], city="Eugene", company=None,
                             default_billing=False, default_shipping=False)
        shipping = self.address(magento_id=42, street=["9 Depot Road"], city="Salem", company="Marsh & Co",
                                default_billing=False, default_shipping=True)
        return self.customer(magento_id, **{"addresses": [billing, shipping, other], "taxvat": None, **over})

    def line(self, item_id: int, sku: str, qty: float = 1, price: float = 34.0, **over: Any) -> dict:
        return {"magento_item_id": item_id, "sku": sku, "name": f"Trail {sku}", "product_type": "simple",
                "qty": qty, "price": price, "row_total": qty * price, "tax_amount": 0, "discount_amount": 0,
                "components": [], **over}

    def order(self, magento_id: int = 9001, lines: list[dict] | None = None, **over: Any) -> dict:
        lines = lines if lines is not None else [self.line(1, "TR-1", 2), self.line(2, "TR-2", 1, 20.0)]
        subtotal = sum(line["row_total"] for line in lines)
        customer = {"magento_id": 501, "email": "lena.marsh@example.net", "firstname": "Lena", "lastname": "Marsh",
                    "is_guest": False, "group_id": 1}
        return {"magento_id": magento_id, "increment_id": f"1000{magento_id}", "state": "new", "status": "pending",
                "currency": "USD", "grand_total": subtotal + 7.5, "subtotal": subtotal, "tax_amount": 0,
                "shipping_amount": 7.5, "discount_amount": 0, "payment_method": "checkmo", "customer": customer,
                "billing_address": self.address(email="lena.marsh@example.net", default_billing=False),
                "shipping_address": self.address(magento_id=33, street=["9 Depot Road"], city="Salem",
                                                 email="lena.marsh@example.net", default_billing=False),
                "lines": lines, "created_at": "2024-02-10 14:30:00", "updated_at": "2024-02-10 14:30:00",
                "relation_parent_id": None, "store_id": 1, **over}

    def guest(self, email: str, **over: Any) -> dict:
        return {"magento_id": None, "email": email, "firstname": "Oli", "lastname": "Vance", "is_guest": True,
                "group_id": 0, **over}

    def invoice(self, magento_id: int = 61, order_id: int = 9001, **over: Any) -> dict:
        lines = [{"order_item_id": 1, "sku": "TR-1", "name": "Trail TR-1", "qty": 2, "price": 34.0, "row_total": 68.0},
                 {"order_item_id": 2, "sku": "TR-2", "name": "Trail TR-2", "qty": 1, "price": 20.0, "row_total": 20.0}]
        return {"magento_id": magento_id, "order_id": order_id, "increment_id": f"2000{magento_id}", "state": 2,
                "currency": "USD", "grand_total": 95.5, "subtotal": 88.0, "tax_amount": 0, "shipping_amount": 7.5,
                "discount_amount": 0, "created_at": "2024-02-11 09:00:00", "updated_at": "2024-02-11 09:00:00",
                "lines": lines, **over}

    def creditmemo(self, magento_id: int = 71, order_id: int = 9001, **over: Any) -> dict:
        lines = [{"order_item_id": 2, "sku": "TR-2", "name": "Trail TR-2", "qty": 1, "price": 20.0, "row_total": 20.0}]
        return {**self.invoice(magento_id, order_id), "increment_id": f"3000{magento_id}", "shipping_amount": 0,
                "subtotal": 20.0, "grand_total": 18.0, "adjustment_positive": 3.0, "adjustment_negative": 5.0,
                "lines": lines, **over}

    def shipment(self, magento_id: int = 81, order_id: int = 9001, tracks: list | None = None, **over: Any) -> dict:
        tracks = tracks if tracks is not None else [{"number": "1Z-TRAIL-81", "carrier_code": "ups", "title": "UPS"}]
        return {"magento_id": magento_id, "order_id": order_id, "increment_id": f"4000{magento_id}", "total_qty": 3,
                "created_at": "2024-02-12 16:00:00", "updated_at": "2024-02-12 16:00:00",
                "lines": [{"order_item_id": 1, "sku": "TR-1", "name": "Trail TR-1", "qty": 2, "price": None}],
                "tracks": tracks, **over}

    def stock(self, sku: str, qty: float, **over: Any) -> dict:
        return {"sku": sku, "item_id": 900, "product_id": 700, "qty": qty, "is_in_stock": qty > 0, **over}


@pytest.fixture
def documents() -> Documents:
    return Documents()


@pytest.fixture
def catalog_ready(backend: OdooBackend, documents: Documents) -> OdooBackend:
    """The backend with the order's customer and products (TR-1, TR-2) already in Odoo."""
    backend.upsert("customer", "501", documents.customer())
    for sku in ("TR-1", "TR-2"):
        backend.upsert("product", sku, documents.product(sku))
    return backend
