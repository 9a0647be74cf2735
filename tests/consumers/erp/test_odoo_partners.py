"""Customers and guests as res.partner with invoice/delivery child contacts."""

from __future__ import annotations


def _partners(odoo_sandbox):
    return odoo_sandbox.records("res.partner", "name", "type", "parent_id", "street", "street2", "city", "zip",
                                "state_id", "country_id", "email", "active", "company_name", "customer_rank")


def test_a_customer_gets_invoice_and_delivery_contacts_for_its_default_addresses(odoo_sandbox, backend, documents):
    partner = int(backend.upsert("customer", "501", documents.customer()))

    main, invoice, delivery = _partners(odoo_sandbox)
    assert (main["id"], main["name"], main["type"], main["email"], main["customer_rank"]) == (
        partner, "Lena Marsh", "contact", "lena.marsh@example.net", 1)
    assert (invoice["type"], invoice["parent_id"][0], invoice["street"], invoice["street2"], invoice["city"]) == (
        "invoice", partner, "12 Quarry Lane", "Unit 4", "Bend")
    assert (invoice["state_id"][1], invoice["country_id"][1], invoice["company_name"]) == (
        "Oregon", "United States", "Marsh & Co")
    assert (delivery["type"], delivery["parent_id"][0], delivery["city"]) == ("delivery", partner, "Salem")


def test_a_second_upsert_updates_the_same_contacts(odoo_sandbox, backend, documents):
    first = backend.upsert("customer", "501", documents.customer())
    second = backend.upsert("customer", "501", documents.customer(lastname="Marsh-Hale"))

    assert first == second
    rows = _partners(odoo_sandbox)
    assert len(rows) == 3
    assert rows[0]["name"] == "Lena Marsh-Hale"


def test_a_customer_without_a_default_shipping_address_loses_its_delivery_contact(odoo_sandbox, backend, documents):
    backend.upsert("customer", "501", documents.customer())
    customer = documents.customer()
    customer["addresses"] = customer["addresses"][:1]

    backend.upsert("customer", "501", customer)
    assert [(row["type"], row["active"]) for row in _partners(odoo_sandbox)] == [
        ("contact", True), ("invoice", True), ("delivery", False)]


def test_an_address_both_default_billing_and_shipping_gives_both_contacts(odoo_sandbox, backend, documents):
    customer = documents.customer(addresses=[documents.address(default_shipping=True)])

    backend.upsert("customer", "501", customer)
    assert [(row["type"], row["city"]) for row in _partners(odoo_sandbox)] == [
        ("contact", "Bend"), ("invoice", "Bend"), ("delivery", "Bend")]


def test_deleting_a_customer_archives_its_contacts(odoo_sandbox, backend, documents):
    backend.upsert("customer", "501", documents.customer())
    backend.delete("customer", "501")
    backend.delete("customer", "404")

    assert [row["active"] for row in _partners(odoo_sandbox)] == [False, False, False]
    assert backend.exists("customer", "501") and not backend.exists("customer", "404")


def test_an_unknown_country_or_region_leaves_the_field_empty(odoo_sandbox, backend, documents):
    customer = documents.customer(addresses=[documents.address(country_id="XX", region_code="??", region="Nowhere")])

    backend.upsert("customer", "501", customer)
    invoice = _partners(odoo_sandbox)[1]
    assert (invoice["country_id"], invoice["state_id"], invoice["city"]) == (False, False, "Bend")
