"""Contract test: the real customer, product and stock samples, mapped and written to the Odoo sandbox.

The mapping checks of each sample are in ``test_contract_mapping``; here the documents go through the Odoo
backend: the B2B customer with two addresses, the three products, and the stock item. Skipped when the
samples folder is absent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from schemas.mapping import map_record
from tests.erp.conftest import backend, odoo_rpc, odoo_sandbox, sleeps  # noqa: F401 (fixtures)
from tests.samples import Samples


def _samples(samples_dir: Path) -> Callable[[str], Any]:
    return Samples(samples_dir)


def test_the_company_customer_sample_becomes_a_company_with_its_person_and_both_addresses(
        samples_dir, odoo_sandbox, backend):  # noqa: F811
    document = map_record("customer", _samples(samples_dir)("customer.company-2-addresses.json"))
    person = int(backend.upsert("customer", "4", document))
    backend.upsert("customer", "4", document)  # a replay changes nothing

    rows = {row["id"]: row for row in odoo_sandbox.records("res.partner", "name", "is_company", "parent_id",
                                                             "type", "street", "vat")}
    company = rows[rows[person]["parent_id"][0]]
    assert (company["name"], company["is_company"], company["vat"]) == ("Clay Company", True, False)
    children = sorted((row["type"], row["street"]) for row in rows.values()
                      if row["parent_id"] and row["parent_id"][0] == person)
    assert children == [("delivery", "Shipping"), ("invoice", "Billing")] and len(rows) == 4


def test_the_product_samples_and_the_stock_item_are_written(samples_dir, odoo_sandbox, backend):  # noqa: F811
    sample = _samples(samples_dir)
    for name in ("product.simple.json", "product.configurable.json", "product.bundle.json"):
        record = {**sample(name), "_bridge": {"weight_unit": "lbs", "weight_unit_source": "setting"}}
        document = map_record("product", record)
        backend.upsert("product", document["sku"], document)
    stock = map_record("stock", {**sample("stock_item.json"), "_bridge": {"sku": "MH09-L-Blue"}})
    backend.upsert("stock", "MH09-L-Blue", stock)

    rows = {row["default_code"]: row for row in odoo_sandbox.records(
        "product.template", "default_code", "weight", "detailed_type", "qty_available")}
    assert (rows["MH09-L-Blue"]["weight"], rows["MH09-L-Blue"]["detailed_type"]) == (0.453592, "product")
    assert rows["MH09-L-Blue"]["qty_available"] == 30
    assert (rows["MH01"]["detailed_type"], rows["24-WG080"]["detailed_type"]) == ("consu", "consu")
