"""Transactions over RPC: a held transaction (fault ``slow_commits``) commits late with its start time, its
rows invisible to other calls until then; the poller's read (``write_date, id`` order, paging, archived)."""

from __future__ import annotations

import threading
import time

from tests.sandbox.odoo.conftest import Client


def _names(odoo: Client, domain: list) -> list[str]:
    rows = odoo.result("res.partner", "search_read", [domain], {"fields": ["name"], "order": "id"})
    return [row["name"] for row in rows]


def test_a_held_transaction_is_invisible_until_it_commits_with_its_start_time(odoo):
    assert odoo.admin("POST", "faults", json={"slow_commits": {"res.partner.create": 1.5}}).status_code == 200
    held: dict = {}
    writer = threading.Thread(target=lambda: held.update(id=odoo_copy(odoo).result(
        "res.partner", "create", [{"name": "Held"}])))
    writer.start()
    _wait_for_call(odoo, "res.partner.create")

    seen_during = _names(odoo, [("name", "in", ["Held", "Quick"])])
    quick = odoo.result("res.partner", "create", [{"name": "Quick"}])
    writer.join(5)
    rows = odoo.result("res.partner", "search_read", [[("name", "in", ["Held", "Quick"])]],
                       {"fields": ["name", "write_date"], "order": "write_date, id"})

    assert seen_during == []
    assert held["id"] < quick
    assert [row["name"] for row in rows] == ["Held", "Quick"]  # committed last, dated first
    assert rows[0]["write_date"] <= rows[1]["write_date"]
    assert odoo.admin("GET", "faults").json()["slow_commits"] == {}


def test_a_held_transaction_keeps_the_old_values_visible(odoo):
    partner = odoo.result("res.partner", "create", [{"name": "Ada", "phone": "old"}])
    odoo.admin("POST", "faults", json={"slow_commits": {"res.partner": 1.0}})
    writer = threading.Thread(target=lambda: odoo_copy(odoo).result("res.partner", "write",
                                                                      [[partner], {"phone": "new"}]))
    writer.start()
    _wait_for_call(odoo, "res.partner.write")

    during = odoo.result("res.partner", "read", [[partner], ["phone"]])[0]["phone"]
    writer.join(5)
    after = odoo.result("res.partner", "read", [[partner], ["phone"]])[0]["phone"]

    assert (during, after) == ("old", "new")


def test_reads_are_not_held(odoo):
    odoo.admin("POST", "faults", json={"slow_commits": {"res.partner": 2}})
    started = time.monotonic()

    odoo.result("res.partner", "search_read", [[]], {"fields": ["name"], "limit": 1})

    assert time.monotonic() - started < 1
    assert odoo.admin("GET", "faults").json()["slow_commits"] == {"res.partner": 2}


def test_bad_slow_commit_settings_are_refused(odoo):
    answer = odoo.admin("POST", "faults", json={"slow_commits": {"res.partner": -1}})

    assert answer.status_code == 400
    assert "slow_commits" in answer.json()["error"]


def test_keyset_read_in_write_date_order_with_paging_and_archived_records(odoo):
    ids = [odoo.result("res.partner", "create", [{"name": f"P{n}"}]) for n in range(4)]
    odoo.result("res.partner", "write", [[ids[1]], {"active": False}])
    kwargs = {"fields": ["name", "write_date", "active"], "order": "write_date asc, id asc",
              "context": {"active_test": False}}
    domain = [("id", "in", ids), ("write_date", ">=", "2000-01-01 00:00:00")]

    first = odoo.result("res.partner", "search_read", [domain], {**kwargs, "limit": 2})
    second = odoo.result("res.partner", "search_read", [domain], {**kwargs, "limit": 2, "offset": 2})
    active_only = odoo.result("res.partner", "search_read", [domain], {"fields": ["name"], "order": "write_date, id"})

    pages = first + second
    assert sorted(row["id"] for row in pages) == ids
    assert [row["write_date"] for row in pages] == sorted(row["write_date"] for row in pages)
    assert pages[-1]["id"] == ids[1] and pages[-1]["active"] is False  # archived last: written last
    assert len(pages[0]["write_date"]) == 19
    assert ids[1] not in [row["id"] for row in active_only]


def test_the_bridge_user_authenticates_and_stamps_write_uid(odoo):
    bridge = odoo.result("res.users", "create", [{"name": "Magento Bridge", "login": "bridge", "password": "pw-b"}])
    uid = odoo.call("common", "authenticate", "bridge", "bridge", "pw-b", {})["result"]
    partner = odoo.result("res.partner", "create", [{"name": "Ada"}])

    written = odoo.execute("res.partner", "write", [[partner], {"phone": "1"}], uid=uid, password="pw-b")
    wrong = odoo.execute("res.partner", "write", [[partner], {"phone": "2"}], uid=uid, password="nope")
    row = odoo.result("res.partner", "read", [[partner], ["create_uid", "write_uid", "phone"]])[0]

    assert uid == bridge
    assert written["result"] is True
    assert wrong["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert (row["create_uid"], row["write_uid"], row["phone"]) == ([2, "Administrator"], [bridge, "Magento Bridge"],
                                                                   "1")
    assert odoo.call("common", "authenticate", "bridge", "bridge", "nope", {})["result"] is False


def _wait_for_call(odoo: Client, name: str) -> None:
    """Until the sandbox has taken a call of ``name`` (the held transaction is then open)."""
    deadline = time.monotonic() + 5
    while odoo.admin("GET", "calls").json().get(name, 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)


def odoo_copy(odoo: Client) -> Client:
    """Another client (its own connection) on the same sandbox, for a second thread."""
    return Client(odoo.url)
