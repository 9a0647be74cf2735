"""The client's stock endpoints against the running Magento sandbox: MSI source items (read, save, the input
limit), salable quantity and the legacy stock item, over real HTTP."""

from __future__ import annotations

import pytest

from core.errors import MagentoNotFound, MagentoTooManyItems, MagentoValidationError
from magento.search_criteria import SearchCriteria


def item(sku: str, source: str, quantity: float, status: int = 1) -> dict:
    return {"sku": sku, "source_code": source, "quantity": quantity, "status": status}


def test_sources_are_listed(magento, sandbox):
    sources = magento.list_sources(SearchCriteria())
    assert [source["source_code"] for source in sources.items] == ["default", "berlin"]


def test_save_then_read_back_by_sku_and_source(magento, sandbox):
    magento.save_source_items([item("NW-STOVE", "default", 12), item("NW-STOVE", "berlin", 4.5),
                               item("BAG/TOTE-01", "berlin", 0, 0)])
    found = magento.source_items(["NW-STOVE", "BAG/TOTE-01", "NO-SUCH"], ["berlin"])
    assert found == [item("BAG/TOTE-01", "berlin", 0, 0), item("NW-STOVE", "berlin", 4.5)]
    every = magento.source_items(["NW-STOVE"])
    assert every == [item("NW-STOVE", "berlin", 4.5), item("NW-STOVE", "default", 12)]
    assert magento.get_stock_item("NW-STOVE")["qty"] == 12


def test_source_items_page_through_many_skus(magento, sandbox):
    sandbox.admin("POST", "/generate/products", {"count": 130, "prefix": "MSI-"})
    skus = sandbox.keys("product")
    synthetic = [sku for sku in skus if sku.startswith("MSI-")]
    found = magento.source_items(synthetic, ["default"], page_size=30)
    assert [entry["sku"] for entry in found] == sorted(synthetic) and len(found) == 130


def test_chunks_of_max_items_pass_and_more_is_refused_by_magento(make_sandbox_client, sandbox):
    generous = make_sandbox_client(MAGENTO_MAX_ITEMS="50")
    batch = [item("NW-STOVE", "berlin", n) for n in range(21)]
    with pytest.raises(MagentoTooManyItems) as caught:
        generous.save_source_items(batch)
    assert caught.value.status == 400 and caught.value.details["max"] == 20
    default = make_sandbox_client()
    with pytest.raises(MagentoTooManyItems):
        default.save_source_items(batch)
    for start in range(0, len(batch), default.max_items):
        default.save_source_items(batch[start:start + default.max_items])
    assert default.source_items(["NW-STOVE"], ["berlin"]) == [item("NW-STOVE", "berlin", 20)]
    assert [call["status"] for call in sandbox.calls() if call["method"] == "POST"] == [400, 200, 200]


def test_an_unknown_source_is_a_validation_error(magento, sandbox):
    with pytest.raises(MagentoValidationError, match="Could not save Source Item"):
        magento.save_source_items([item("NW-STOVE", "paris", 1)])


def test_salable_quantity_counts_reservations_and_the_legacy_write(magento, sandbox):
    assert magento.salable_quantity("NW-STOVE") == 37  # 40 on hand, 3 in open orders
    item_id = magento.get_stock_item("NW-STOVE")["item_id"]
    assert magento.set_stock_quantity("NW-STOVE", 50, True) == item_id
    assert magento.salable_quantity("NW-STOVE") == 47
    assert magento.source_items(["NW-STOVE"], ["default"]) == [item("NW-STOVE", "default", 50)]
    with pytest.raises(MagentoNotFound):
        magento.salable_quantity("NO-SUCH-SKU")
