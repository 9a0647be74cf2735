"""Products, categories and stock written to the Odoo sandbox through the backend."""

from __future__ import annotations

import pytest

from core.errors import ErpRejected
from schemas.mapping import map_record
from tests.schemas.conftest import read_fixture


def _bindings(odoo_sandbox, model):
    return {row["name"]: row["res_id"] for row in odoo_sandbox.records("ir.model.data", "name", "model", "res_id",
                                                                        "module") if row["model"] == model
            and row["module"] == "magento"}


def test_a_product_becomes_a_bound_template_and_variant(odoo_sandbox, backend, documents):
    template = int(backend.upsert("product", "TR-1", documents.product("TR-1")))

    rows = odoo_sandbox.records("product.template", "name", "default_code", "list_price", "weight", "detailed_type",
                                "sale_ok", "product_variant_id")
    assert rows == [{"id": template, "name": "Trail TR-1", "default_code": "TR-1", "list_price": 34.0, "weight": 1.2,
                     "detailed_type": "product", "sale_ok": True,
                     "product_variant_id": [rows[0]["product_variant_id"][0], "[TR-1] Trail TR-1"]}]
    assert _bindings(odoo_sandbox, "product.template") == {"product_tr-1": template}
    assert _bindings(odoo_sandbox, "product.product") == {"variant_tr-1": rows[0]["product_variant_id"][0]}


def test_a_second_upsert_writes_and_never_duplicates(odoo_sandbox, backend, documents):
    first = backend.upsert("product", "TR-1", documents.product("TR-1"))
    second = backend.upsert("product", "TR-1", documents.product("TR-1", name="Trail runner", price=39.0))

    assert first == second
    assert odoo_sandbox.records("product.template", "name", "list_price") == [
        {"id": int(first), "name": "Trail runner", "list_price": 39.0}]
    assert len(odoo_sandbox.records("product.product")) == 1
    assert len(_bindings(odoo_sandbox, "product.template")) == 1


def test_an_existing_odoo_product_with_the_sku_is_adopted(odoo_sandbox, backend, documents):
    existing = odoo_sandbox.execute("product.template", "create", [{"name": "Legacy", "default_code": "TR-1"}])

    assert backend.upsert("product", "TR-1", documents.product("TR-1")) == str(existing)
    assert len(odoo_sandbox.records("product.template")) == 1


def test_odd_skus_are_bound_under_a_valid_name(odoo_sandbox, backend, documents):
    template = backend.upsert("product", "Box 12/A é", documents.product("Box 12/A é"))

    assert backend.upsert("product", "Box 12/A é", documents.product("Box 12/A é")) == template
    assert backend.exists("product", "Box 12/A é")
    assert [name for name in _bindings(odoo_sandbox, "product.template")][0].startswith("product_box_12_a_")


def test_deleting_a_product_archives_template_and_variant(odoo_sandbox, backend, documents):
    backend.upsert("product", "TR-1", documents.product("TR-1"))
    backend.delete("product", "TR-1")

    assert [row["active"] for row in odoo_sandbox.records("product.template", "active")] == [False]
    assert [row["active"] for row in odoo_sandbox.records("product.product", "active")] == [False]
    assert backend.exists("product", "TR-1")  # archived records are still held
    backend.upsert("product", "TR-1", documents.product("TR-1"))
    assert [row["active"] for row in odoo_sandbox.records("product.template", "active")] == [True]


def _tree(backend, documents):
    backend.upsert("category", "1", documents.category(1, "Root Catalog", None))
    backend.upsert("category", "2", documents.category(2, "Default Category", 1))
    backend.upsert("category", "11", documents.category(11, "Men", 2))
    backend.upsert("category", "12", documents.category(12, "Tops", 11))


def test_categories_keep_their_hierarchy(odoo_sandbox, backend, documents):
    _tree(backend, documents)
    _tree(backend, documents)

    names = [row["complete_name"] for row in odoo_sandbox.records("product.category", "complete_name")]
    assert names == ["All", "Root Catalog", "Root Catalog / Default Category", "Root Catalog / Default Category / Men",
                     "Root Catalog / Default Category / Men / Tops"]
    assert backend.count("category") == 4


def test_a_category_whose_parent_is_missing_keeps_its_current_parent(odoo_sandbox, backend, documents):
    _tree(backend, documents)
    backend.upsert("category", "12", documents.category(12, "Tops renamed", 99))

    assert odoo_sandbox.records("product.category", "complete_name")[-1]["complete_name"] == \
        "Root Catalog / Default Category / Men / Tops renamed"


def test_a_product_goes_to_its_deepest_category(odoo_sandbox, backend, documents):
    _tree(backend, documents)
    backend.upsert("product", "TR-1", documents.product("TR-1", category_ids=[2, 12, 11, 404]))

    assert odoo_sandbox.records("product.template", "categ_id")[0]["categ_id"][1].endswith("Men / Tops")


def test_deleting_a_category_deletes_its_subtree_and_moves_products_up(odoo_sandbox, backend, documents):
    _tree(backend, documents)
    backend.upsert("product", "TR-1", documents.product("TR-1", category_ids=[12]))

    backend.delete("category", "11")
    backend.delete("category", "11")

    assert [row["complete_name"] for row in odoo_sandbox.records("product.category", "complete_name")] == [
        "All", "Root Catalog", "Root Catalog / Default Category"]
    assert odoo_sandbox.records("product.template", "categ_id")[0]["categ_id"][1] == "Root Catalog / Default Category"
    assert not backend.exists("category", "12") and not backend.exists("category", "11")


def test_stock_sets_the_quantity_and_a_second_sync_sets_again(odoo_sandbox, backend, documents):
    backend.upsert("product", "TR-1", documents.product("TR-1"))

    quant = backend.upsert("stock", "TR-1", documents.stock("TR-1", 14))
    assert backend.upsert("stock", "TR-1", documents.stock("TR-1", 9)) == quant
    assert odoo_sandbox.records("product.product", "qty_available")[0]["qty_available"] == 9.0
    assert backend.count("stock") == 1
    backend.delete("stock", "TR-1")
    assert odoo_sandbox.records("product.product", "qty_available")[0]["qty_available"] == 0.0


def test_stock_of_a_non_storable_product_is_skipped(odoo_sandbox, backend, documents):
    backend.upsert("product", "CFG-1", documents.product("CFG-1", type="configurable"))

    assert backend.upsert("stock", "CFG-1", documents.stock("CFG-1", 5)) is None
    assert odoo_sandbox.records("stock.quant") == []


def test_stock_of_an_unknown_product_is_rejected(backend, documents):
    with pytest.raises(ErpRejected, match="stock of SKU 'NOPE': the product is not in Odoo"):
        backend.upsert("stock", "NOPE", documents.stock("NOPE", 5))
    backend.delete("stock", "NOPE")  # absent is fine


def test_cost_short_description_and_weight_in_kilograms_are_written(odoo_sandbox, backend, documents):
    product = map_record("product", {**read_fixture("product.simple.json"), "weight": 2.5,
                                     "_bridge": {"weight_unit": "lbs", "weight_unit_source": "setting"}})
    product.update(cost=81.4, short_description="<p>Storm-proof &amp; warm.</p>")
    backend.upsert("product", product["sku"], product)

    row = odoo_sandbox.records("product.template", "weight", "standard_price", "description_sale")[0]
    assert (row["weight"], row["standard_price"], row["description_sale"]) == (1.133981, 81.4, "Storm-proof & warm.")


def test_a_product_without_a_cost_keeps_the_cost_odoo_has(odoo_sandbox, backend, documents):
    backend.upsert("product", "TR-1", documents.product("TR-1", cost=12.0))
    backend.upsert("product", "TR-1", documents.product("TR-1", cost=None))

    assert odoo_sandbox.records("product.template", "standard_price")[0]["standard_price"] == 12.0


def test_an_unmanaged_stock_item_never_sets_the_quantity(odoo_sandbox, backend, documents):
    backend.upsert("product", "TR-1", documents.product("TR-1"))
    backend.upsert("stock", "TR-1", documents.stock("TR-1", 14))

    assert backend.upsert("stock", "TR-1", documents.stock("TR-1", 0, manage_stock=False, backorders=1)) is None
    assert odoo_sandbox.records("product.product", "qty_available")[0]["qty_available"] == 14.0
    assert len(odoo_sandbox.records("stock.move")) == 1  # only the first adjustment


def test_a_decimal_quantity_is_set_exactly(odoo_sandbox, backend, documents):
    backend.upsert("product", "TR-1", documents.product("TR-1"))

    backend.upsert("stock", "TR-1", documents.stock("TR-1", 7.25, is_qty_decimal=True))
    assert odoo_sandbox.records("product.product", "qty_available")[0]["qty_available"] == 7.25


def test_a_quantity_odoo_would_round_is_refused_with_both_figures(odoo_sandbox, backend, documents):
    backend.upsert("product", "TR-1", documents.product("TR-1"))
    backend.upsert("stock", "TR-1", documents.stock("TR-1", 3))

    with pytest.raises(ErpRejected, match="Magento 7.125, Odoo would get 7.12"):
        backend.upsert("stock", "TR-1", documents.stock("TR-1", 7.125, is_qty_decimal=True))
    assert odoo_sandbox.records("product.product", "qty_available")[0]["qty_available"] == 3.0


ODOO_18 = pytest.mark.parametrize("odoo_sandbox", [{"version": 18}], indirect=True)


@ODOO_18
def test_odoo_18_gets_type_and_is_storable_and_counts_the_stock(odoo_sandbox, backend, documents):
    backend.upsert("product", "TR-1", documents.product("TR-1"))
    backend.upsert("product", "KIT-1", documents.product("KIT-1", type="bundle"))
    backend.upsert("product", "GIFT-1", documents.product("GIFT-1", type="virtual"))

    rows = {row["default_code"]: row for row in odoo_sandbox.records("product.template", "default_code", "type",
                                                                      "is_storable")}
    assert [(rows[sku]["type"], rows[sku]["is_storable"]) for sku in ("TR-1", "KIT-1", "GIFT-1")] == [
        ("consu", True), ("consu", False), ("service", False)]
    assert backend.upsert("stock", "TR-1", documents.stock("TR-1", 4.5)) is not None
    assert backend.upsert("stock", "KIT-1", documents.stock("KIT-1", 4)) is None
    quantities = {row["default_code"]: row["qty_available"]
                  for row in odoo_sandbox.records("product.product", "default_code", "qty_available")}
    assert (quantities["TR-1"], quantities["KIT-1"]) == (4.5, 0.0)
