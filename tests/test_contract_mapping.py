"""Contract test: the real Magento records in /work/shared/magento-samples through the mappers.

Each record is mapped with ``map_record`` and the documents' key invariants are asserted (``mapped``). The
folder's other files (request bodies, answers, errors, events) are checked in ``test_contract_rest``; see
tests/samples.py for the whole picture. Skipped when the folder is absent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.errors import MappingError
from schemas.category import flatten_category_tree
from schemas.common import Int
from schemas.mapping import document_version, map_record, record_key
from schemas.totals import totals_identity, totals_parts
from tests.samples import Checks, close, mapped

CHECKS = Checks()
check = CHECKS.register


# Products ----------------------------------------------------------------------------------------------

@check("product.simple.json")
def _product_simple(sample: Callable[[str], Any]) -> None:
    record = sample("product.simple.json")
    document = mapped("product", record)
    assert (document["magento_id"], document["sku"], document["type"]) == (190, "MH09-L-Blue", "simple")
    assert document["category_ids"] == [15]  # category_links' "15" as an int
    assert document["stock"] == {"qty": 100, "is_in_stock": True} and document["children"] == []
    assert document["attributes"]["color"] == "5477" and "category_ids" not in document["attributes"]
    assert record_key("product", record) == "MH09-L-Blue"
    assert document_version("product", document) == "2020-03-27 16:06:41"
    assert document["description"].startswith("<p>It took CoolTech&trade; weather apparel")
    assert (document["short_description"], document["cost"], document["special_price"]) == (None, None, None)
    assert (document["weight"], document["weight_unit_source"]) == (1, None)  # unit unknown: as Magento sent it
    in_pounds = mapped("product", {**record, "_bridge": {"weight_unit": "lbs", "weight_unit_source": "setting"}})
    assert (in_pounds["weight"], in_pounds["weight_kg"], in_pounds["magento_weight_unit"]) == (1, 0.453592, "lbs")


@check("product.configurable.json")
def _product_configurable(sample: Callable[[str], Any]) -> None:
    record = sample("product.configurable.json")
    document = mapped("product", record)
    assert document["children"] is None  # the fetcher did not add _bridge.children_skus: unknown
    assert record["product_links"] and document["store_code"] is None  # related/crosssell links: not children
    assert document["attributes"]["climate"] == "5628,5630,5631,5634,5636"  # multi-select as Magento sends it
    assert document["category_ids"] == [15, 36, 2] and document["weight"] is None
    with_children = mapped("product", {**record, "_bridge": {"children_skus": ["MH01-XS-Black", "MH01-S-Gray"]}})
    assert with_children["children"] == ["MH01-XS-Black", "MH01-S-Gray"]


@check("product.bundle.json")
def _product_bundle(sample: Callable[[str], Any]) -> None:
    record = sample("product.bundle.json")
    document = mapped("product", record)
    options = record["extension_attributes"]["bundle_product_options"]
    expected = list(dict.fromkeys(link["sku"] for option in options for link in option["product_links"]))
    assert document["children"] == expected and len(expected) == 8
    assert document["attributes"]["activity"] == "5435,5438" and document["category_ids"] == [3, 5]


# Categories ----------------------------------------------------------------------------------------------

@check("category.json")
def _category(sample: Callable[[str], Any]) -> None:
    document = mapped("category", sample("category.json"))
    placement = (document["magento_id"], document["parent_id"], document["path"], document["level"])
    assert placement == (15, 12, "1/2/11/12/15", 4)
    assert document["is_active"] is True and document_version("category", document) == "2020-03-27 16:06:36"


@check("category.tree.json")
def _category_tree(sample: Callable[[str], Any]) -> None:
    nodes = [mapped("category", node) for node in flatten_category_tree(sample("category.tree.json"))]
    assert [(n["magento_id"], n["parent_id"], n["path"], n["level"]) for n in nodes] == [
        (2, 1, "1/2", 1), (11, 2, "1/2/11", 2)]


# Customers -----------------------------------------------------------------------------------------------

@check("customer.json")
def _customer(sample: Callable[[str], Any]) -> None:
    document = mapped("customer", sample("customer.json"))
    assert len(document["addresses"]) == 12
    defaults = [(a["magento_id"], a["default_billing"], a["default_shipping"]) for a in document["addresses"]
                if a["default_billing"] or a["default_shipping"]]
    assert defaults == [(1, True, True)]  # customer "default_billing": "1" and the address's own flags agree
    first = document["addresses"][0]
    assert (first["region"], first["region_code"], first["street"]) == ("Michigan", "MI", ["6146 Honey Bluff Parkway"])


@check("customer.company-2-addresses.json")
def _customer_two_addresses(sample: Callable[[str], Any]) -> None:
    document = mapped("customer", sample("customer.company-2-addresses.json"))
    billing, shipping = document["addresses"]
    assert (billing["magento_id"], billing["default_billing"], billing["default_shipping"]) == (4, True, False)
    assert (shipping["magento_id"], shipping["default_billing"], shipping["default_shipping"]) == (5, False, True)
    assert billing["company"] == "Clay Company" and (billing["region"], billing["region_code"]) == (None, None)
    assert (document["taxvat"], document["dob"], document["gender"], document["group_id"]) == (None, None, 0, 1)
    assert (billing["vat_id"], shipping["vat_id"]) == (None, None)


@check("customer.create.response.json", "customer.create.request.json")
def _customer_create(sample: Callable[[str], Any]) -> None:
    document = mapped("customer", sample("customer.create.response.json"))
    request = sample("customer.create.request.json")["customer"]
    assert (document["email"], document["firstname"], document["lastname"]) == (
        request["email"], request["firstname"], request["lastname"])
    sent, stored = request["addresses"][0], document["addresses"][0]
    assert sent["defaultBilling"] is True and "defaultBilling" not in stored  # requests may use camelCase
    assert (stored["street"], stored["postcode"], stored["region_code"], stored["default_billing"]) == (
        sent["street"], sent["postcode"], sent["region"]["regionCode"], True)


@check("customer_group.json")
def _customer_group(sample: Callable[[str], Any]) -> None:
    group = sample("customer_group.json")
    assert set(group) == {"id", "code", "tax_class_id", "tax_class_name"}
    assert Int().deserialize(group["id"]) == 2 and isinstance(group["code"], str)  # what a group_id points at


# Orders ------------------------------------------------------------------------------------------------

def assert_lines_add_up(document: dict[str, Any]) -> None:
    assert close(sum(line["row_total"] for line in document["lines"]), document["subtotal"])
    assert_totals(document)


def assert_totals(document: dict[str, Any]) -> None:
    """Issue #9: the document carries everything needed to rebuild Magento's grand_total (to 0.01)."""
    check = totals_identity(document)
    assert check.ok, check.detail


@check("order.json")
def _order(sample: Callable[[str], Any]) -> None:
    record = sample("order.json")
    document = mapped("order", record)
    assert_lines_add_up(document)
    assert len(record["items"]) == 3 and len(document["lines"]) == 2  # configurable parent + child folded
    hoodie = document["lines"][0]
    assert (hoodie["magento_item_id"], hoodie["sku"], hoodie["product_type"], hoodie["product_id"]) == (
        16, "MH09-XS-Blue", "configurable", 181)
    assert (hoodie["qty"], hoodie["price"], hoodie["row_total"], hoodie["tax_amount"]) == (2, 69, 138, 11.39)
    assert document["shipping_address"]["magento_id"] == 17 and document["billing_address"]["magento_id"] == 18
    assert document["customer"]["magento_id"] == 1 and document["customer"]["is_guest"] is False
    parts = totals_parts(document)  # 396.87 = 362 + 5 + 29.87
    assert (parts["lines"], parts["shipping"], parts["tax"]) == (362, 5, Decimal("29.87"))
    assert [(line["tax_percent"], line["price_incl_tax"], line["row_total_incl_tax"])
            for line in document["lines"]] == [(8.25, 74.7, 149.39), (8.25, 242.48, 242.48)]
    assert document["applied_taxes"][0]["code"] == "US-MI-*-Rate 1" and document["lines"][0]["applied_taxes"] == [
        {"code": "US-MI-*-Rate 1", "title": "US-MI-*-Rate 1", "percent": 8.25, "amount": 11.39}]
    assert document["shipping"] == {"method": "tablerate_bestway", "description": "Best Way - Table Rate",
                                    "amount": 5, "tax_amount": 0, "incl_tax": 5, "discount_amount": 0,
                                    "discount_tax_compensation_amount": 0, "tax_percent": 0}
    assert (document["base_currency"], document["base_grand_total"], document["base_to_order_rate"]) == (
        "USD", 396.87, 1)
    berlin = mapped("order", {**record, "_bridge": {"timezone": "Europe/Berlin"}})
    assert (berlin["created_at_local"], berlin["local_date"]) == ("2020-04-24 17:50:17", "2020-04-24")


@check("order.guest.json")
def _order_guest(sample: Callable[[str], Any]) -> None:
    document = mapped("order", sample("order.guest.json"))
    assert_lines_add_up(document)
    assert document["customer"] == {"magento_id": None, "email": "guest@guest.com", "firstname": "Guest",
                                    "lastname": "Guester", "is_guest": True, "group_id": 0}
    assert document["shipping_address"]["customer_address_id"] is None  # Magento sends 0
    assert [line["sku"] for line in document["lines"]] == ["WP13-28-Blue"]


@check("order.edited.json")
def _order_edited(sample: Callable[[str], Any]) -> None:
    document = mapped("order", sample("order.edited.json"))
    assert_lines_add_up(document)
    assert (document["increment_id"], document["relation_parent_id"]) == ("000000013-1", 9)  # "9" in Magento


@check("order.with-status-histories.json")
def _order_with_discounted_rows(sample: Callable[[str], Any]) -> None:
    """Real data breaking the usual rule: these rows' row_total is already net of their discount.

    The mapper keeps Magento's values (docs/mapping.md, "Known exception"); row_total plus discount_amount
    add up to the subtotal instead, and the order's discount_amount is their negative sum.
    """
    document = mapped("order", sample("order.with-status-histories.json"))
    lines = document["lines"]
    assert not close(sum(line["row_total"] for line in lines), document["subtotal"])
    assert close(sum(line["row_total"] + line["discount_amount"] for line in lines), document["subtotal"])
    assert close(sum(line["discount_amount"] for line in lines), -document["discount_amount"])


@check("order.save.response.json", "order.save.request.json")
def _order_save_partial(sample: Callable[[str], Any]) -> None:
    """The partial order ``POST /V1/orders`` answers with must NOT map: it lacks totals and currency."""
    response, request = sample("order.save.response.json"), sample("order.save.request.json")
    assert record_key("order", request["entity"]) == record_key("order", response) == "12"  # "12" vs 12
    with pytest.raises(MappingError) as caught:
        map_record("order", response)
    assert caught.value.message.startswith("order 12 cannot be mapped: ")
    assert set(caught.value.details) == {"increment_id", "order_currency_code", "grand_total", "subtotal"}
    assert caught.value.details["grand_total"] == ["Field may not be null."]


# Invoices ---------------------------------------------------------------------------------------------

@check("invoice.json")
def _invoice(sample: Callable[[str], Any]) -> None:
    document = mapped("invoice", sample("invoice.json"))
    lines = {line["order_item_id"]: line for line in document["lines"]}
    assert sorted(lines) == list(range(3, 12))
    assert lines[5]["row_total"] is None and lines[5]["price"] == 68  # dynamic bundle parent: a dummy row
    assert lines[11]["row_total"] is None and lines[11]["price"] == 0  # configurable child: a dummy row
    assert close(sum(line["row_total"] for line in lines.values() if line["row_total"] is not None),
                 document["subtotal"])
    assert (document["state"], document["currency"], document["grand_total"]) == (2, "USD", 165)
    assert_totals(document)  # 165 = 22 + 18 + 68 (the bundle, from its children) + 52 + 5 shipping
    sold = {line["order_item_id"]: line for line in document["sold_lines"]}
    assert sorted(sold) == [3, 4, 5, 10]
    kit = sold[5]  # the dynamic bundle: ONE line of ONE unit, its children's money once
    assert (kit["qty"], kit["row_total"], kit["price_type"], kit["product_sku"]) == (1, 68, "dynamic", "24-WG080")
    assert kit["components"] == ["24-WG082-blue", "24-WG084", "24-WG086", "24-WG088"]
    hoodie = sold[10]  # the configurable: ONE line of ONE unit, the child product
    assert (hoodie["qty"], hoodie["row_total"], hoodie["sku"], hoodie["product_id"]) == (1, 52, "MH01-S-Gray", 56)
    assert sum(line["qty"] for line in sold.values()) == 4


# Stock --------------------------------------------------------------------------------------------------

@check("stock_item.json")
def _stock_item(sample: Callable[[str], Any]) -> None:
    record = sample("stock_item.json")
    assert "sku" not in record  # Magento's stock item does not carry its SKU
    with pytest.raises(MappingError, match="_bridge.sku"):
        map_record("stock", record)
    document = mapped("stock", {**record, "_bridge": {"sku": "MH09-L-Blue"}})
    assert document == {"sku": "MH09-L-Blue", "item_id": 190, "product_id": 190, "qty": 30, "is_in_stock": True,
                        "manage_stock": True, "is_qty_decimal": False, "backorders": 0}
    assert document_version("stock", document) is None


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_sample(samples_dir: Path, name: str) -> None:
    CHECKS.run(samples_dir, name)


def test_every_sales_record_sample_rebuilds_its_grand_total(samples_dir: Path) -> None:
    """Every order, invoice and credit memo record in the folder (not the request bodies or partial answers)."""
    checked = []
    for path in sorted(samples_dir.glob("*.json")):
        entity = path.name.split(".")[0]
        if entity not in ("order", "invoice", "creditmemo") or any(
                part in path.name for part in ("request", "response")):
            continue
        document = map_record(entity, json.loads(path.read_text()))
        assert totals_identity(document).ok, f"{path.name}: {totals_identity(document).detail}"
        checked.append(path.name)
    assert "order.json" in checked and "invoice.json" in checked
