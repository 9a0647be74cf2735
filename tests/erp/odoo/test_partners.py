"""Customers and guests as res.partner: every address a child contact, a business under its company."""

from __future__ import annotations


def _partners(odoo_sandbox):
    return odoo_sandbox.records("res.partner", "name", "type", "parent_id", "street", "street2", "city", "zip",
                                "state_id", "country_id", "email", "active", "company_name", "customer_rank",
                                "is_company", "vat")


def _bindings(odoo_sandbox):
    return {row["name"]: row["res_id"] for row in odoo_sandbox.records("ir.model.data", "name", "res_id", "model")
            if row["model"] == "res.partner"}


def test_a_customer_gets_invoice_and_delivery_contacts_for_its_default_addresses(odoo_sandbox, backend, documents):
    partner = int(backend.upsert("customer", "501", documents.customer()))

    main, invoice, delivery = _partners(odoo_sandbox)
    assert (main["id"], main["name"], main["type"], main["email"], main["customer_rank"]) == (
        partner, "Lena Marsh", "contact", "lena.marsh@example.net", 1)
    assert (main["is_company"], main["parent_id"], main["vat"]) == (False, False, False)
    assert (invoice["type"], invoice["parent_id"][0], invoice["street"], invoice["street2"], invoice["city"]) == (
        "invoice", partner, "12 Quarry Lane", "Unit 4", "Bend")
    assert (invoice["state_id"][1], invoice["country_id"][1]) == ("Oregon", "United States")
    assert (delivery["type"], delivery["parent_id"][0], delivery["city"]) == ("delivery", partner, "Salem")
    assert set(_bindings(odoo_sandbox)) == {"customer_501", "address_customer_501_31", "address_customer_501_32"}


def test_a_second_upsert_updates_the_same_contacts(odoo_sandbox, backend, documents):
    first = backend.upsert("customer", "501", documents.customer())
    second = backend.upsert("customer", "501", documents.customer(lastname="Marsh-Hale"))

    assert first == second
    rows = _partners(odoo_sandbox)
    assert len(rows) == 3
    assert rows[0]["name"] == "Lena Marsh-Hale"


def test_a_persons_tax_id_is_its_taxvat(odoo_sandbox, backend, documents):
    backend.upsert("customer", "501", documents.customer(taxvat="US-TIN-123"))

    assert _partners(odoo_sandbox)[0]["vat"] == "US-TIN-123"


def test_an_address_magento_no_longer_has_loses_its_contact(odoo_sandbox, backend, documents):
    backend.upsert("customer", "501", documents.customer())
    customer = documents.customer()
    customer["addresses"] = customer["addresses"][:1]

    backend.upsert("customer", "501", customer)
    assert [(row["type"], row["active"]) for row in _partners(odoo_sandbox)] == [
        ("contact", True), ("invoice", True), ("delivery", False)]


def test_an_address_both_default_billing_and_shipping_is_one_invoice_contact(odoo_sandbox, backend, documents):
    customer = documents.customer(addresses=[documents.address(company=None, default_shipping=True)])

    backend.upsert("customer", "501", customer)
    assert [(row["type"], row["city"]) for row in _partners(odoo_sandbox)] == [("contact", "Bend"), ("invoice", "Bend")]


def test_a_b2b_customer_is_a_person_under_its_company_with_the_vat_and_every_address(odoo_sandbox, backend,
                                                                                     documents):
    person = int(backend.upsert("customer", "502", documents.business()))

    rows = {row["id"]: row for row in _partners(odoo_sandbox)}
    company = rows[rows[person]["parent_id"][0]]
    assert (company["name"], company["is_company"], company["vat"], company["city"], company["customer_rank"]) == (
        "Marsh & Co", True, "NL859012345B01", "Bend", 1)
    assert (rows[person]["name"], rows[person]["is_company"], rows[person]["type"]) == ("Lena Marsh", False, "contact")
    children = sorted((row["type"], row["city"]) for row in rows.values() if row["parent_id"]
                      and row["parent_id"][0] == person)
    assert children == [("delivery", "Salem"), ("invoice", "Bend"), ("other", "Eugene")]
    assert "company_vat_nl859012345b01" in _bindings(odoo_sandbox)


def test_replaying_a_b2b_customer_never_duplicates(odoo_sandbox, backend, documents):
    for _ in range(3):
        backend.upsert("customer", "502", documents.business())
    backend.upsert("customer", "502", documents.business(lastname="Marsh-Hale"))

    rows = _partners(odoo_sandbox)
    assert len(rows) == 5  # company, person, three addresses
    assert sum(row["is_company"] for row in rows) == 1 and all(row["active"] for row in rows)


def test_two_buyers_of_one_company_share_it_through_its_tax_id(odoo_sandbox, backend, documents):
    first = int(backend.upsert("customer", "502", documents.business()))
    second = int(backend.upsert("customer", "503", documents.business(503, email="ops@marsh.example")))

    rows = {row["id"]: row for row in _partners(odoo_sandbox)}
    assert rows[first]["parent_id"][0] == rows[second]["parent_id"][0]
    assert sum(row["is_company"] for row in rows.values()) == 1


def test_a_company_without_a_tax_id_is_the_customers_own_and_archived_when_it_goes(odoo_sandbox, backend,
                                                                                 documents):
    backend.upsert("customer", "502", documents.business(vat_id=None))
    own = _bindings(odoo_sandbox)["company_customer_502"]
    person_only = documents.business()
    for address in person_only["addresses"]:
        address["company"] = None

    partner = int(backend.upsert("customer", "502", person_only))
    rows = {row["id"]: row for row in _partners(odoo_sandbox)}
    assert (rows[own]["active"], rows[partner]["parent_id"], rows[partner]["vat"]) == (False, False, "NL859012345B01")


def test_a_company_already_in_odoo_with_the_tax_id_is_adopted(odoo_sandbox, backend, documents):
    existing = odoo_sandbox.execute("res.partner", "create", [{"name": "Marsh and Co B.V.", "is_company": True,
                                                               "vat": "NL859012345B01"}])
    person = int(backend.upsert("customer", "502", documents.business()))

    rows = {row["id"]: row for row in _partners(odoo_sandbox)}
    assert rows[person]["parent_id"][0] == existing and rows[existing]["name"] == "Marsh & Co"
    assert sum(row["is_company"] for row in _partners(odoo_sandbox)) == 1


def test_contacts_bound_by_role_are_rebound_to_their_address_not_duplicated(odoo_sandbox, backend, documents):
    """Customers synced before every address had its own contact (``..._invoice``/``..._delivery``)."""
    partner = odoo_sandbox.execute("res.partner", "create", [{"name": "Lena Marsh"}])
    invoice = odoo_sandbox.execute("res.partner", "create", [{"name": "Lena Marsh", "parent_id": partner,
                                                              "type": "invoice"}])
    delivery = odoo_sandbox.execute("res.partner", "create", [{"name": "Lena Marsh", "parent_id": partner,
                                                               "type": "delivery"}])
    odoo_sandbox.execute("ir.model.data", "create", [[
        {"module": "magento", "model": "res.partner", "name": name, "res_id": res_id, "noupdate": True}
        for name, res_id in (("customer_501", partner), ("address_customer_501_invoice", invoice),
                             ("address_customer_501_delivery", delivery))]])

    backend.upsert("customer", "501", documents.customer())
    assert _bindings(odoo_sandbox) == {"customer_501": partner, "address_customer_501_31": invoice,
                                       "address_customer_501_32": delivery}
    assert len(_partners(odoo_sandbox)) == 3


def test_deleting_a_customer_archives_its_contacts(odoo_sandbox, backend, documents):
    backend.upsert("customer", "501", documents.customer())
    backend.delete("customer", "501")
    backend.delete("customer", "404")

    assert [row["active"] for row in _partners(odoo_sandbox)] == [False, False, False]
    assert backend.exists("customer", "501") and not backend.exists("customer", "404")


def test_deleting_a_b2b_customer_keeps_its_shared_company(odoo_sandbox, backend, documents):
    backend.upsert("customer", "502", documents.business())
    backend.delete("customer", "502")

    assert [(row["is_company"], row["active"]) for row in _partners(odoo_sandbox) if row["is_company"]] == [
        (True, True)]
    assert sum(row["active"] for row in _partners(odoo_sandbox)) == 1


def test_an_unknown_country_or_region_leaves_the_field_empty(odoo_sandbox, backend, documents):
    customer = documents.customer(addresses=[documents.address(company=None, country_id="XX", region_code="??",
                                                                     region="Nowhere")])

    backend.upsert("customer", "501", customer)
    invoice = _partners(odoo_sandbox)[1]
    assert (invoice["country_id"], invoice["state_id"], invoice["city"]) == (False, False, "Bend")
