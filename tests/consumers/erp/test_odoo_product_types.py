"""Odoo 17 and 18 product type fields, and the server's major version."""

from __future__ import annotations

import pytest

from consumers.erp import odoo_product_types as kinds
from core.errors import ErpRejected


@pytest.mark.parametrize(("magento", "odoo17", "odoo18"), [
    ("simple", {"detailed_type": "product"}, {"type": "consu", "is_storable": True}),
    ("virtual", {"detailed_type": "service"}, {"type": "service"}),
    ("downloadable", {"detailed_type": "service"}, {"type": "service"}),
    ("configurable", {"detailed_type": "consu"}, {"type": "consu", "is_storable": False}),
    ("bundle", {"detailed_type": "consu"}, {"type": "consu", "is_storable": False}),
    ("grouped", {"detailed_type": "consu"}, {"type": "consu", "is_storable": False}),
    (None, {"detailed_type": "consu"}, {"type": "consu", "is_storable": False}),
])
def test_product_type_vals_for_both_versions(magento, odoo17, odoo18):
    assert kinds.product_type_vals(17, magento) == odoo17
    assert kinds.product_type_vals(18, magento) == odoo18


def test_service_products_in_both_versions():
    assert kinds.service_type_vals(17) == {"detailed_type": "service"}
    assert kinds.service_type_vals(18) == {"type": "service"}


@pytest.mark.parametrize(("major", "row", "storable"), [
    (17, {"type": "product"}, True), (17, {"type": "consu"}, False),
    (18, {"type": "consu", "is_storable": True}, True), (18, {"type": "consu", "is_storable": False}, False),
    (18, {"type": "service"}, False),
])
def test_storable_products_in_both_versions(major, row, storable):
    assert set(row) <= set(kinds.storable_fields(major)) and kinds.is_storable(major, row) is storable


@pytest.mark.parametrize(("answer", "major"), [
    ({"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""]}, 17),
    ({"server_version": "18.0+e", "server_version_info": [18, 0, 0, "final", 0, "e"]}, 18),
    ({"server_version": "saas~17.4"}, 17),
])
def test_major_version_from_common_version(answer, major):
    assert kinds.major_version(answer) == major


def test_an_unsupported_version_is_a_clear_permanent_error():
    with pytest.raises(ErpRejected, match="Odoo 16.0 is not supported"):
        kinds.major_version({"server_version": "16.0", "server_version_info": [16, 0, 0, "final", 0, ""]})
