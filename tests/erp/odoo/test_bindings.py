"""ir.model.data bindings and the writer that creates, adopts, re-creates and binds records."""

from __future__ import annotations

import threading

import pytest

from core.errors import ErpRejected
from erp.odoo.bindings import Bindings, KeyLocks, Writer


@pytest.fixture
def bindings(odoo_rpc):
    return Bindings(odoo_rpc, "magento")


@pytest.fixture
def writer(odoo_rpc, bindings):
    return Writer(odoo_rpc, bindings)


def test_bind_find_and_drop(odoo_sandbox, bindings):
    partner = odoo_sandbox.execute("res.partner", "create", [{"name": "Bound"}])
    bindings.bind("res.partner", "customer_5", partner)
    found = bindings.find("res.partner", "customer_5")

    assert found.res_id == partner
    assert odoo_sandbox.records("ir.model.data", "module", "name", "model", "res_id", "noupdate")[-1] == {
        "id": found.id, "module": "magento", "name": "customer_5", "model": "res.partner", "res_id": partner,
        "noupdate": True}
    assert bindings.find("product.template", "customer_5") is None  # the model is part of the key
    bindings.drop(found)
    assert bindings.find("res.partner", "customer_5") is None


def test_count_and_res_ids_take_the_prefix_literally(bindings):
    bindings.bind_many("res.partner", [("customer_1", 1), ("customer_2", 2), ("customerx_3", 3),
                                       ("address_customer_1_invoice", 4)])

    assert bindings.count("res.partner", "customer") == 2
    assert sorted(bindings.res_ids("res.partner", "customer")) == [1, 2]


def test_upsert_creates_then_updates(odoo_sandbox, writer):
    first = writer.upsert("res.partner", "customer_8", {"name": "Ann"}, create_vals={"customer_rank": 1})
    second = writer.upsert("res.partner", "customer_8", {"name": "Ann B"}, create_vals={"customer_rank": 9})

    assert first == (first[0], "created") and second == (first[0], "updated")
    assert odoo_sandbox.records("res.partner", "name", "customer_rank") == [
        {"id": first[0], "name": "Ann B", "customer_rank": 1}]


def test_upsert_adopts_an_unbound_record(odoo_sandbox, writer):
    existing = odoo_sandbox.execute("product.template", "create", [{"name": "Old", "default_code": "OLD-1",
                                                                    "active": False}])

    assert writer.upsert("product.template", "product_old-1", {"name": "New"},
                         adopt=[("default_code", "=", "OLD-1")]) == (existing, "adopted")
    assert writer.find("product.template", "product_old-1") == existing


def test_a_record_bound_to_another_magento_record_is_never_adopted(odoo_sandbox, writer):
    partner = odoo_sandbox.execute("res.partner", "create", [{"name": "Buyer"}])
    taken, _ = writer.upsert("sale.order", "order_1", {"client_order_ref": "100"}, create_vals={"partner_id": partner})
    free = odoo_sandbox.execute("sale.order", "create", [{"partner_id": partner, "client_order_ref": "100"}])

    assert writer.adopt("sale.order", "order_2", [("client_order_ref", "=", "100")]) == free
    assert writer.adopt("sale.order", "order_3", [("client_order_ref", "=", "100")]) is None
    assert taken != free


def test_a_record_deleted_in_odoo_is_created_again(odoo_sandbox, writer):
    first, _ = writer.upsert("res.partner", "customer_9", {"name": "Gone"})
    odoo_sandbox.execute("res.partner", "unlink", [[first]])

    second, outcome = writer.upsert("res.partner", "customer_9", {"name": "Back"})
    assert outcome == "created" and second != first
    assert writer.find("res.partner", "customer_9") == second
    assert not writer.exists("res.partner", "customer_x") and writer.exists("res.partner", "customer_9")


def test_a_concurrent_binding_wins_and_the_duplicate_is_removed(odoo_sandbox, writer, bindings):
    winner = odoo_sandbox.execute("res.partner", "create", [{"name": "Winner"}])
    loser = odoo_sandbox.execute("res.partner", "create", [{"name": "Loser"}])
    bindings.bind("res.partner", "guest_x", winner)

    assert writer.bind("res.partner", "guest_x", loser, {"email": "x@y.test"}) == winner
    assert odoo_sandbox.records("res.partner", "name", "email") == [{"id": winner, "name": "Winner",
                                                                     "email": "x@y.test"}]


def test_binding_errors_other_than_a_race_propagate(writer):
    with pytest.raises(ErpRejected, match="External IDs cannot contain spaces"):
        writer.bind("res.partner", "has space", 1, {})


def test_key_locks_serialise_one_key_and_leave_others_free():
    locks, order = KeyLocks(), []
    inside, release = threading.Event(), threading.Event()

    def first():
        with locks.hold("a"):
            inside.set()
            release.wait(5)
            order.append("first")

    def second():
        with locks.hold("a"):
            order.append("second")
    one, two = threading.Thread(target=first), threading.Thread(target=second)
    one.start()
    inside.wait(5)
    two.start()
    with locks.hold("b"):
        order.append("other key")
    release.set()
    one.join(5)
    two.join(5)

    assert order == ["other key", "first", "second"]
    assert locks._locks == {}


def test_a_binding_made_meanwhile_to_the_same_record_is_not_an_error(odoo_rpc, bindings, writer):
    """Two consumers resolving one SKU's variant at once both end with the same binding, neither fails."""
    partner = odoo_rpc.execute_kw("res.partner", "create", [{"name": "Race"}])
    bindings.bind("res.partner", "race_partner", partner)
    assert writer.bind("res.partner", "race_partner", partner, {}) == partner
    bindings.ensure_bound("res.partner", [("race_partner", partner)])
