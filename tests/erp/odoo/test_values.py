"""Pure mapping of ERP documents to Odoo values: binding names, dependencies, catalogue and partners."""

from __future__ import annotations

import re

import pytest

from core.errors import ErpRejected, MappingError
from erp.odoo import values
from erp.odoo.version import Dialect


@pytest.mark.parametrize(("prefix", "key", "name"), [
    ("product", "MH09-XS-Blue", "product_mh09-xs-blue"),
    ("order", "42", "order_42"),
    ("product", "a_b", "product_a_b"),
])
def test_plain_keys_stay_readable_and_lower_case(prefix, key, name):
    assert values.binding_name(prefix, key) == name


@pytest.mark.parametrize("key", ["24 MB/01", "Café Crème", "x" * 80, "日本", "a.b", "a b "])
def test_odd_keys_become_valid_unique_names(key):
    name = values.binding_name("product", key)

    assert re.fullmatch(r"product_[a-z0-9_]+", name) and " " not in name
    assert name == values.binding_name("product", key.upper())  # SKUs are case-insensitive in Magento
    assert name != values.binding_name("product", key + "!")


def test_odd_and_plain_keys_never_collide():
    assert values.binding_name("product", "a b") != values.binding_name("product", "a_b")


def test_a_plain_key_shaped_like_a_digest_name_gets_a_digest_of_its_own():
    odd = values.binding_name("product", "a/b")
    plain_lookalike = odd.removeprefix("product_")  # SKU "a_b_3ec69c85a4"

    assert odd == "product_a_b_3ec69c85a4"
    assert values.binding_name("product", plain_lookalike) != odd
    assert values.binding_name("product", plain_lookalike).startswith(f"product_{plain_lookalike}_")
    assert values.binding_name("product", "///").startswith("product__")  # no slug: still "_" + digest
    assert values.binding_name("product", "1234567890") == "product_1234567890"  # ids stay readable


def test_binding_names_are_one_to_one_over_tricky_keys():
    odd = ["a/b", "A/B", "a b", "a.b", "///", "é", "x" * 70, "a/b/c", "ä_b", "a-b/", "24-MB01 engraved"]
    keys = odd + [values.binding_name("product", key).removeprefix("product_") for key in odd] + [
        "a_b", "a-b", "3ec69c85a4", "mh09-xs-blue", "a_b_3ec69c85a4_0", "sku_deadbeef00"]
    names = {}
    for key in keys:
        names.setdefault(values.binding_name("product", key), set()).add(key.lower())

    assert {name: found for name, found in names.items() if len(found) > 1} == {}


def test_child_and_guest_names():
    assert values.address_name("customer", "7", "invoice") == "address_customer_7_invoice"
    assert values.guest_name(" Ana@Example.com", "5") == values.guest_name("ana@example.com", "6")
    assert values.guest_name(None, "5") == "guest_order_5"
    assert values.line_name(100) == "line_order_100"


def test_order_dependencies_are_its_customer_and_products_once_each(documents):
    order = documents.order(lines=[documents.line(1, "A"), documents.line(2, "B"), documents.line(3, "A")])

    assert values.dependencies("order", order) == [("customer", "501"), ("product", "A"), ("product", "B")]
    assert values.dependencies("order", {**order, "customer": documents.guest("x@y.test")}) == [
        ("product", "A"), ("product", "B")]


def test_order_dependencies_name_the_product_sold_not_the_row_sku(documents):
    children = [{"magento_item_id": 11, "sku": "CH-A", "qty": 1}, {"magento_item_id": 12, "sku": "CH-B", "qty": 1}]
    rows = [documents.line(1, "24-MB01-engraved", product_sku="24-MB01"),
            documents.line(2, "BDL-CH-B-CH-A", product_sku="BDL", price_type="dynamic", tax_percent=8.25,
                           component_lines=children),
            documents.line(3, "BDL2-CH-A-CH-B", product_sku="BDL2", price_type="dynamic", tax_percent=None,
                           component_lines=children)]

    assert values.dependencies("order", documents.order(lines=rows))[1:] == [
        ("product", "24-MB01"), ("product", "BDL"), ("product", "CH-A"), ("product", "CH-B")]


@pytest.mark.parametrize(("entity", "document", "expected"), [
    ("invoice", {"order_id": 5}, [("order", "5")]),
    ("shipment", {"order_id": 5}, [("order", "5")]),
    ("creditmemo", {"order_id": 5}, [("order", "5")]),
    ("product", {"category_ids": [3, 4, 3]}, [("category", "3"), ("category", "4")]),
    ("category", {"parent_id": 2}, [("category", "2")]),
    ("category", {"parent_id": None}, []),
    ("stock", {"sku": "A"}, [("product", "A")]),
    ("customer", {}, []),
])
def test_other_dependencies(entity, document, expected):
    assert values.dependencies(entity, document) == expected


@pytest.mark.parametrize(("magento", "odoo"), [("simple", "product"), ("virtual", "service"),
                                               ("downloadable", "service"), ("configurable", "consu"),
                                               ("bundle", "consu"), ("grouped", "consu"), ("weird", "consu")])
def test_product_types(documents, magento, odoo):
    assert values.product_create_vals(documents.product("A", type=magento), Dialect(17)) == {"detailed_type": odoo}


@pytest.mark.parametrize(("magento", "odoo"), [
    ("simple", {"type": "consu", "is_storable": True}), ("virtual", {"type": "service"}),
    ("downloadable", {"type": "service"}), ("configurable", {"type": "consu", "is_storable": False}),
    ("bundle", {"type": "consu", "is_storable": False}), ("grouped", {"type": "consu", "is_storable": False})])
def test_product_types_in_odoo_18(documents, magento, odoo):
    assert values.product_create_vals(documents.product("A", type=magento), Dialect(18)) == odoo


def test_product_vals(documents):
    doc = documents.product("TR-1", price=None, weight=None, weight_kg=None, status=2)

    assert values.product_vals(doc, 4) == {"name": "Trail TR-1", "default_code": "TR-1", "list_price": 0.0,
                                           "weight": 0.0, "sale_ok": False, "active": True, "categ_id": 4,
                                           "description": False, "description_sale": False}
    assert "categ_id" not in values.product_vals(doc, None)
    unknown_unit = documents.product("TR-1", weight=2.5, weight_kg=None)
    assert "weight" not in values.product_vals(unknown_unit, None)  # pounds or kilograms? Odoo's is left alone


def test_product_texts_and_cost(documents):
    doc = documents.product("TR-1", description="<p>Grippy &amp; light.</p>", cost=12.5,
                            short_description="<p>Grippy.</p><ul><li>Light</li><li>Warm</li></ul>",
                            special_price=29.0, special_from_date="2025-11-28")
    vals = values.product_vals(doc, None)
    assert (vals["description"], vals["description_sale"], vals["standard_price"]) == (
        "<p>Grippy &amp; light.</p>", "Grippy.\nLight\nWarm", 12.5)
    assert not any("special" in name for name in vals)  # carried in the document, not written (docs/odoo.md)


def test_a_stock_quantity_odoo_would_round_is_refused_with_both_figures(documents):
    assert values.stock_quantity(documents.stock("TR-1", 7.25), 2) == 7.25
    assert values.stock_quantity(documents.stock("TR-1", 7.125), 3) == 7.125
    with pytest.raises(ErpRejected, match="Magento 7.125, Odoo would get 7.12"):
        values.stock_quantity(documents.stock("TR-1", 7.125), 2)


def test_deepest_category_wins_and_ties_go_to_the_first_listed():
    paths = {3: "1/3/", 4: "1/3/4/", 5: "1/3/5/"}

    assert values.deepest_category([3, 4, 5], paths) == 4
    assert values.deepest_category([5, 4], paths) == 5
    assert values.deepest_category([9], paths) is None


def test_category_parent_is_only_written_when_known(documents):
    doc = documents.category(3, "Gear", 2)

    assert values.category_vals(doc, 12, parent_known=True) == {"name": "Gear", "parent_id": 12}
    assert values.category_vals(doc, None, parent_known=False) == {"name": "Gear"}
    assert values.category_vals(documents.category(1, "Root", None), None, parent_known=True)["parent_id"] is False


def test_address_and_customer_vals(documents):
    address = documents.address()

    assert values.address_vals(address, role="invoice", parent_id=9, country_id=1, state_id=2, email="e@x.test") == {
        "type": "invoice", "parent_id": 9, "is_company": False, "active": True, "name": "Lena Marsh",
        "company_name": "Marsh & Co", "email": "e@x.test", "street": "12 Quarry Lane", "street2": "Unit 4",
        "city": "Bend", "zip": "97701", "phone": "541-555-0199", "country_id": 1, "state_id": 2}
    customer = values.customer_vals(documents.customer(firstname=None, lastname=None), address, 1, None)
    assert customer["name"] == "lena.marsh@example.net" and customer["street"] == "12 Quarry Lane"
    assert (customer["parent_id"], customer["vat"]) == (False, False)
    assert values.default_address(documents.customer(), "delivery")["city"] == "Salem"


def test_a_business_customer_is_a_person_under_a_company_holding_the_tax_id(documents):
    doc = documents.business(taxvat="NL000000000B00")
    billing = values.default_address(doc, "invoice")
    assert values.company_name(billing) == "Marsh & Co"
    assert values.customer_vat(doc, billing, business=True) == "NL859012345B01"  # the billing address's first
    assert values.customer_vat(doc, billing, business=False) == "NL000000000B00"  # a person's own taxvat first
    company = values.company_vals(billing, "NL859012345B01", 1, 2)
    assert (company["name"], company["is_company"], company["vat"], company["city"]) == (
        "Marsh & Co", True, "NL859012345B01", "Bend")
    person = values.customer_vals(doc, billing, 1, 2, company_id=77, vat="ignored")
    assert (person["parent_id"], person["is_company"]) == (77, False) and "vat" not in person


def test_companies_with_a_tax_id_are_shared_and_others_are_the_customers_own():
    assert values.company_binding("502", "nl 859.012.345-b01") == values.company_binding("9", "NL859012345B01")
    assert values.company_binding("502", "NL859012345B01") == "company_vat_nl859012345b01"
    assert values.company_binding("502", None) == "company_customer_502"
    assert values.company_name({"company": "  "}) is None and values.company_name(None) is None


@pytest.mark.parametrize(("billing", "shipping", "kind"), [(True, False, "invoice"), (False, True, "delivery"),
                                                           (True, True, "invoice"), (False, False, "other")])
def test_address_types(billing, shipping, kind):
    assert values.address_type({"default_billing": billing, "default_shipping": shipping}) == kind


def test_each_address_is_bound_by_its_own_id(documents):
    assert values.customer_address_name("502", documents.address(magento_id=41)) == "address_customer_502_41"
    with pytest.raises(MappingError, match="customer 502: an address has no id"):
        values.customer_address_name("502", documents.address(magento_id=None))


def test_guest_vals_fall_back_to_the_billing_name(documents):
    order = documents.order(customer=documents.guest("oli@example.org", firstname=None, lastname=None))

    assert values.guest_vals(order) == {"name": "Lena Marsh", "email": "oli@example.org", "type": "contact",
                                        "is_company": False, "active": True}
    order["billing_address"]["vat_id"] = "DE811907980"
    assert values.guest_vals(order)["vat"] == "DE811907980"
