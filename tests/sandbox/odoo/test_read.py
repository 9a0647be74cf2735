"""The sandbox ORM's reads: read formats, domain operators with Odoo's NULL semantics, ordering, paging."""

from __future__ import annotations

import pytest


@pytest.fixture
def people(env):
    """Five partners: three in a company, with e-mails, cities and ranks to search on."""
    partners = env["res.partner"]
    company = partners.create({"name": "Acme", "is_company": True, "customer_rank": 5})
    ids = partners.create([
        {"name": "Ann", "email": "ann@acme.test", "city": "Lyon", "parent_id": company, "customer_rank": 1},
        {"name": "Bob", "email": "BOB@acme.test", "city": "Paris", "parent_id": company, "customer_rank": 2},
        {"name": "Cid", "city": False, "customer_rank": 3},
        {"name": "Dee", "email": "dee@else.test", "city": "Lyon", "active": False},
    ])
    return {"company": company, "ann": ids[0], "bob": ids[1], "cid": ids[2], "dee": ids[3]}


def names(env, domain, **kwargs):
    return sorted(row["name"] for row in env["res.partner"].search_read(domain, ["name"], **kwargs))


@pytest.mark.parametrize(("domain", "expected"), [
    ([("city", "=", "Lyon")], ["Ann"]),
    ([("city", "!=", "Lyon")], ["Acme", "Bob", "Cid"]),
    ([("city", "=", False)], ["Acme", "Cid"]),
    ([("city", "!=", False)], ["Ann", "Bob"]),
    ([("city", "in", ["Paris", False])], ["Acme", "Bob", "Cid"]),
    ([("city", "not in", ["Paris"])], ["Acme", "Ann", "Cid"]),
    ([("email", "like", "ACME")], []),
    ([("email", "ilike", "ACME")], ["Ann", "Bob"]),
    ([("email", "not ilike", "acme")], ["Acme", "Cid"]),
    ([("email", "=like", "a%@acme.test")], ["Ann"]),
    ([("email", "=ilike", "bob@acme.test")], ["Bob"]),
    ([("customer_rank", ">", 1), ("customer_rank", "<=", 3)], ["Bob", "Cid"]),
    ([("customer_rank", ">=", 5)], ["Acme"]),
    (["|", ("name", "=", "Ann"), ("name", "=", "Cid")], ["Ann", "Cid"]),
    (["!", ("name", "=", "Ann")], ["Acme", "Bob", "Cid"]),
    ([("parent_id.name", "=", "Acme")], ["Ann", "Bob"]),
    ([("parent_id", "ilike", "acm")], ["Ann", "Bob"]),
    ([("city", "=?", False)], ["Acme", "Ann", "Bob", "Cid"]),
])
def test_operators(env, people, domain, expected):
    assert names(env, domain) == expected


def test_many2one_is_compared_by_id_and_false(env, people):
    assert names(env, [("parent_id", "=", people["company"])]) == ["Ann", "Bob"]
    assert names(env, [("parent_id", "in", [people["company"]])]) == ["Ann", "Bob"]
    assert names(env, [("parent_id", "=", False)]) == ["Acme", "Cid"]


def test_x2many_leaves_match_when_any_related_record_does(env, people):
    assert names(env, [("child_ids", "in", [people["ann"]])]) == ["Acme"]
    assert names(env, [("child_ids.name", "=", "Bob")]) == ["Acme"]
    assert names(env, [("child_ids", "=", False)]) == ["Ann", "Bob", "Cid"]


def test_archived_records_are_hidden_unless_asked_for(env, people):
    assert "Dee" not in names(env, [])
    assert names(env, [("active", "=", False)]) == ["Dee"]
    assert "Dee" in names(env.with_context(active_test=False), [])


def test_child_of_and_parent_of_follow_the_hierarchy(env):
    categories = env["product.category"]
    top = categories.create({"name": "Top"})
    mid = categories.create({"name": "Mid", "parent_id": top})
    leaf = categories.create({"name": "Leaf", "parent_id": mid})
    elsewhere = categories.create({"name": "Else"})
    product = env["product.template"].create({"name": "P", "categ_id": leaf})

    assert set(categories.search([("id", "child_of", top)])) == {top, mid, leaf}
    assert set(categories.search([("id", "child_of", mid)])) == {mid, leaf}
    assert set(categories.search([("id", "parent_of", leaf)])) == {top, mid, leaf}
    assert env["product.template"].search([("categ_id", "child_of", top)]) == [product]
    assert env["product.template"].search([("categ_id", "child_of", [elsewhere])]) == []


def test_read_formats(env, people):
    row = env["res.partner"].read([people["ann"]], ["parent_id", "country_id", "child_ids", "customer_rank",
                                                    "is_company", "phone", "display_name"])[0]

    assert row == {"id": people["ann"], "parent_id": [people["company"], "Acme"], "country_id": False,
                   "child_ids": [], "customer_rank": 1, "is_company": False, "phone": False,
                   "display_name": "Acme, Ann"}


def test_read_skips_ids_that_do_not_exist(env, people):
    assert [row["id"] for row in env["res.partner"].read([people["ann"], 999], ["name"])] == [people["ann"]]


def test_order_limit_and_offset(env, people):
    partners = env["res.partner"]
    by_rank = partners.search([], order="customer_rank desc, name")

    assert [partners.read([rid], ["name"])[0]["name"] for rid in by_rank] == ["Acme", "Cid", "Bob", "Ann"]
    assert partners.search([], order="customer_rank desc", limit=2, offset=1) == by_rank[1:3]
    assert partners.search([], count=True) == 4
    assert partners.search_count([("city", "=", "Lyon")]) == 1


@pytest.mark.parametrize("order", ["name; drop table", "nope asc", "name sideways"])
def test_bad_orders_are_refused(env, order):
    with pytest.raises(ValueError):
        env["res.partner"].search([], order=order)


def test_unknown_fields_in_domains_are_refused_like_odoo(env):
    with pytest.raises(ValueError, match=r"Invalid field res.partner.nope in leaf \('nope', '=', 1\)"):
        env["res.partner"].search([("nope", "=", 1)])


def test_fields_get_describes_fields(env):
    described = env["sale.order"].fields_get(["partner_id", "state"], ["type", "relation", "required"])

    assert described == {"partner_id": {"type": "many2one", "relation": "res.partner", "required": True},
                         "state": {"type": "selection", "required": False}}
