"""The sandbox store: atomic calls (undo on failure), value indexes, environments and external ids."""

from __future__ import annotations

import pytest

from sandbox.odoo.errors import ValidationError
from sandbox.odoo.orm import Database, Env
from sandbox.odoo.seed import seed


def test_a_transaction_that_raises_undoes_every_change(env):
    db = env.db
    before = {model: dict(table) for model, table in db.tables.items()}

    with pytest.raises(ValidationError), db.transaction():
        partner = env["res.partner"].create({"name": "Kept?"})
        env["res.partner"].write([partner], {"city": "Nice"})
        env["res.partner"].create({"type": "contact"})  # Contacts require a name

    assert {model: dict(table) for model, table in db.tables.items()} == before
    assert env["res.partner"].search([("name", "=", "Kept?")]) == []


def test_a_transaction_that_succeeds_keeps_its_changes(env):
    with env.db.transaction():
        partner = env["res.partner"].create({"name": "Kept"})

    assert env["res.partner"].search([("name", "=", "Kept")]) == [partner]


def test_indexes_follow_writes_and_rollbacks(env):
    db = env.db
    partner = env["res.partner"].create({"name": "Idx", "email": "a@x.test"})
    env["res.partner"].write([partner], {"email": "b@x.test"})
    with pytest.raises(RuntimeError), db.transaction():
        env["res.partner"].write([partner], {"email": "c@x.test"})
        raise RuntimeError("abort")

    assert db.lookup("res.partner", "email", "a@x.test") == set()
    assert db.lookup("res.partner", "email", "b@x.test") == {partner}
    assert db.lookup("res.partner", "email", "c@x.test") == set()
    assert db.lookup("res.partner", "comment", "x") is None  # not indexed


def test_environments_carry_context_and_resolve_external_ids(env):
    assert env.with_context(active_test=False).context == {"active_test": False}
    assert env.ref("base.main_company") == 1
    with pytest.raises(ValueError, match="External ID not found"):
        env.ref("base.nope")


def test_the_seed_is_what_a_fresh_odoo_holds():
    db = Database()
    seed(db, login="operator")
    env = Env(db)

    assert env["res.users"].read([2], ["login"])[0]["login"] == "operator"
    assert env["res.currency"].search_read([("name", "=", "USD")], ["active"])[0]["active"] is True
    assert env["res.currency"].search([("name", "=", "GBP")]) == []  # inactive, as Odoo ships it
    assert env["stock.warehouse"].search_read([], ["lot_stock_id"])[0]["lot_stock_id"][1] == "WH/Stock"
    assert env["res.country.state"].search_count([("country_id.code", "=", "US")]) == 51
