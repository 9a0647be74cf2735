"""The sandbox's JSON-RPC contract (envelopes, services, Odoo's errors), its faults and admin endpoints."""

from __future__ import annotations

import sys

import pytest
import requests

from tests import support


def test_version_answers_in_a_jsonrpc_envelope_with_the_request_id(odoo):
    answer = odoo.call("common", "version")

    assert answer["jsonrpc"] == "2.0"
    assert answer["id"] == odoo.next_id
    assert answer["result"]["server_serie"] == "17.0"
    assert answer["result"]["protocol_version"] == 1


def test_authenticate_answers_the_uid_or_false(odoo):
    assert odoo.call("common", "authenticate", "bridge", "admin", "admin", {})["result"] == 2
    assert odoo.call("common", "login", "bridge", "admin", "admin")["result"] == 2
    assert odoo.call("common", "authenticate", "bridge", "admin", "wrong", {})["result"] is False
    assert odoo.call("common", "authenticate", "bridge", "nobody", "admin", {})["result"] is False


def test_errors_are_http_200_with_odoo_server_error_and_serialised_exception(odoo):
    response = odoo.post({"service": "object", "method": "execute_kw",
                          "args": ["bridge", 2, "admin", "res.partner", "create", [{"nme": "x"}], {}]})

    assert response.status_code == 200
    error = response.json()["error"]
    assert error["code"] == 200
    assert error["message"] == "Odoo Server Error"
    assert set(error["data"]) == {"name", "debug", "message", "arguments", "context"}
    assert error["data"]["name"] == "builtins.ValueError"
    assert error["data"]["message"] == "Invalid field 'nme' on model 'res.partner'"
    assert error["data"]["arguments"] == ["Invalid field 'nme' on model 'res.partner'"]
    assert error["data"]["debug"].startswith("Traceback (most recent call last):")
    assert error["data"]["debug"].rstrip().endswith("\nValueError: Invalid field 'nme' on model 'res.partner'")


def test_debug_ends_with_the_bare_builtin_class_and_the_odoo_class_with_its_module(odoo):
    """As a real Odoo 17 answers: Python prints builtins bare (``AttributeError: ...``) and others with their
    module (``odoo.exceptions.UserError: ...``), while ``data.name`` keeps ``builtins.``."""
    unknown = odoo.execute("res.partner", "frobnicate", [[]])["error"]["data"]
    user_error = odoo.execute("no.such.model", "search", [[]])["error"]["data"]

    assert unknown["name"] == "builtins.AttributeError"
    assert unknown["debug"].splitlines()[-1] == (
        "AttributeError: type object 'res.partner' has no attribute 'frobnicate'")
    assert user_error["debug"].splitlines()[-1] == "odoo.exceptions.UserError: Object no.such.model doesn't exist"


@pytest.mark.parametrize(("password", "uid"), [("wrong", 2), ("wrong", 999), ("admin", 1), ("admin", False)])
def test_execute_kw_checks_the_password_and_uid_on_every_call(odoo, password, uid):
    error = odoo.execute("res.partner", "search", [[]], password=password, uid=uid)["error"]

    assert error["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert error["data"]["message"] == "Access Denied"


def test_execute_kw_with_an_unknown_uid_and_the_right_password_is_a_missing_user(odoo):
    """As a real Odoo 17 answers: the credentials are read from a ``res.users`` record that does not exist."""
    error = odoo.execute("res.partner", "search", [[]], uid=999)["error"]["data"]
    message = "Record does not exist or has been deleted.\n(Record: res.users(999,), User: 999)"

    assert (error["name"], error["message"], error["arguments"]) == ("odoo.exceptions.MissingError", message, [message])
    assert error["debug"].splitlines()[-1] == "(Record: res.users(999,), User: 999)"


def test_a_wrong_database_fails_like_postgresql(odoo):
    for answer in (odoo.call("common", "authenticate", "nope", "admin", "admin", {}),
                   odoo.execute("res.partner", "search", [[]], db="nope")):
        assert answer["error"]["data"]["name"] == "psycopg2.OperationalError"
        assert 'database "nope" does not exist' in answer["error"]["data"]["message"]


@pytest.mark.parametrize(("model", "method", "name", "message"), [
    ("res.partner", "_compute_display_name", "odoo.exceptions.AccessError",
     "Private methods (such as _compute_display_name) cannot be called remotely."),
    ("no.such.model", "search", "odoo.exceptions.UserError", "Object no.such.model doesn't exist"),
    ("res.partner", "frobnicate", "builtins.AttributeError",
     "type object 'res.partner' has no attribute 'frobnicate'"),
])
def test_calls_odoo_refuses(odoo, model, method, name, message):
    """As a real Odoo 17 answers (an unknown method is Python's AttributeError on the model's class)."""
    error = odoo.execute(model, method, [[]])["error"]["data"]

    assert (error["name"], error["message"]) == (name, message)


def test_protocol_errors(odoo):
    bad_json = odoo.session.post(odoo.url + "/jsonrpc", data="{nope", headers={"Content-Type": "application/json"})
    not_object = odoo.session.post(odoo.url + "/jsonrpc", json=[1, 2])
    missing = odoo.post({"service": "common", "method": "version"}).json()["error"]["data"]
    service = odoo.call("nope", "version")["error"]["data"]
    method = odoo.call("common", "nope")["error"]["data"]
    object_method = odoo.call("object", "nope", "bridge", 2, "admin")["error"]["data"]

    assert (bad_json.status_code, bad_json.text) == (400, "Invalid JSON data")
    assert (not_object.status_code, not_object.text) == (400, "Invalid JSON-RPC data")
    assert missing["name"] == "builtins.TypeError" and "'args'" in missing["message"]
    assert service["name"] == "builtins.KeyError"
    assert (method["name"], method["message"]) == ("builtins.Exception", "Method not found: nope")
    assert (object_method["name"], object_method["message"]) == ("builtins.NameError", "Method not available nope")


def test_execute_kw_create_search_read_write_unlink_round_trip(odoo):
    france = odoo.result("res.country", "search", [[("code", "=", "FR")]])[0]
    pid = odoo.result("res.partner", "create", [{"name": "Jane Roe", "email": "jane@example.com"}])
    ids = odoo.result("res.partner", "create", [[{"name": "A"}, {"name": "B"}]])
    odoo.result("res.partner", "write", [[pid], {"city": "Lyon", "country_id": france}])
    found = odoo.result("res.partner", "search_read", [[("email", "=ilike", "JANE@example.com")]],
                        {"fields": ["name", "city", "country_id"]})
    unlinked = odoo.result("res.partner", "unlink", [ids])

    assert isinstance(pid, int) and len(ids) == 2
    assert found == [{"id": pid, "name": "Jane Roe", "city": "Lyon", "country_id": [france, "France"]}]
    assert unlinked is True
    assert odoo.result("res.partner", "search_count", [[("id", "in", ids)]]) == 0


@pytest.mark.parametrize("method", ["write", "unlink"])
@pytest.mark.parametrize("model", ["res.partner", "sale.order", "product.product"])
def test_write_or_unlink_of_a_missing_id_is_a_missing_error(odoo, model, method):
    """As a real Odoo 17 answers for res.partner, sale.order and product.product (record rules see the id missing)."""
    args = [[999999], {"name": "x"}] if method == "write" else [[999999]]
    error = odoo.execute(model, method, args)["error"]["data"]
    message = f"Record does not exist or has been deleted.\n(Record: {model}(999999,), User: 2)"

    assert (error["name"], error["message"], error["arguments"]) == ("odoo.exceptions.MissingError", message, [message])


def test_write_or_unlink_of_a_missing_currency_answers_true(odoo):
    """As a real Odoo 17 answers: res.currency has no record rule, so the SQL touches no row and nothing fails."""
    assert odoo.result("res.currency", "write", [[999999], {"symbol": "x"}]) is True
    assert odoo.result("res.currency", "unlink", [[999999]]) is True


def test_execute_kw_passes_the_context(odoo):
    pid = odoo.result("res.partner", "create", [{"name": "Old", "active": False}])

    assert odoo.result("res.partner", "search", [[("name", "=", "Old")]]) == []
    assert odoo.result("res.partner", "search", [[("name", "=", "Old")]], {"context": {"active_test": False}}) == [pid]


def test_a_failed_call_leaves_nothing_behind(odoo):
    answer = odoo.execute("sale.order", "create", [{"partner_id": 1, "order_line": [(0, 0, {"name": "x"})]}])

    assert answer["error"]["data"]["name"] == "odoo.exceptions.ValidationError"
    assert odoo.result("sale.order", "search_count", [[]]) == 0


def test_faults_unavailable_answers_503_until_cleared(odoo):
    odoo.admin("POST", "faults", json={"unavailable": True})
    first = odoo.post({"service": "common", "method": "version", "args": []})
    odoo.admin("DELETE", "faults")

    assert first.status_code == 503
    assert "result" in odoo.call("common", "version")


def test_faults_fail_next_counts_down(odoo):
    odoo.admin("POST", "faults", json={"fail_next": 2, "fail_status": 429, "retry_after": 7})
    statuses = [odoo.post({"service": "common", "method": "version", "args": []}) for _ in range(3)]

    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["Retry-After"] == "7"


def test_faults_drop_closes_the_connection_without_answer(odoo):
    odoo.admin("POST", "faults", json={"drop_next": 1})

    with pytest.raises(requests.ConnectionError):
        odoo.call("common", "version")
    assert "result" in odoo.call("common", "version")


def test_faults_error_next_answers_an_odoo_server_error_of_the_given_name(odoo):
    odoo.admin("POST", "faults", json={"error_next": 1, "error_name": "odoo.exceptions.ValidationError",
                                       "error_message": "boom"})
    data = odoo.call("common", "version")["error"]["data"]

    assert (data["name"], data["message"]) == ("odoo.exceptions.ValidationError", "boom")
    assert "result" in odoo.call("common", "version")


def test_faults_latency_delays_but_answers(odoo):
    odoo.admin("POST", "faults", json={"latency_ms": 20})

    assert "result" in odoo.call("common", "version")
    assert odoo.admin("GET", "faults").json()["latency_ms"] == 20


def test_revoked_credentials_refuse_authenticate_and_execute_kw(odoo):
    odoo.admin("POST", "faults", json={"revoked": True})

    assert odoo.call("common", "authenticate", "bridge", "admin", "admin", {})["result"] is False
    assert odoo.execute("res.partner", "search", [[]])["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"


@pytest.mark.parametrize("body", [{"nope": 1}, {"fail_next": -1}, {"unavailable": "yes"}, {"fail_status": 200}, [1]])
def test_bad_fault_settings_are_refused_with_the_reason(odoo, body):
    response = odoo.admin("POST", "faults", json=body)

    assert response.status_code == 400
    assert response.json()["error"]


def test_records_dump_includes_archived_records_and_reset_restores_the_seed(odoo):
    odoo.result("res.partner", "create", [{"name": "Gone", "active": False}])
    dumped = odoo.admin("GET", "records/res.partner", params={"fields": "name,active"}).json()
    unknown = odoo.admin("GET", "records/no.model")
    odoo.admin("POST", "reset")

    assert dumped["records"] == [{"id": 1, "name": "Gone", "active": False}]
    assert unknown.status_code == 404
    assert odoo.admin("GET", "records/res.partner").json()["records"] == []


def test_calls_are_counted_per_service_and_model_method(odoo):
    odoo.call("common", "authenticate", "bridge", "admin", "admin", {})
    odoo.result("res.partner", "search", [[]])
    counted = odoo.admin("GET", "calls").json()
    odoo.admin("DELETE", "calls")

    assert counted == {"common.authenticate": 1, "object.execute_kw": 1, "res.partner.search": 1}
    assert odoo.admin("GET", "calls").json() == {}


def test_bridgectl_sandbox_odoo_serves_jsonrpc_on_the_given_port():
    port = support.free_port()
    command = [sys.executable, "-m", "ops.cli", "sandbox", "odoo", "--port", str(port), "--db", "shop",
               "--password", "s3cret"]
    with support.running(command, port=port):
        body = {"jsonrpc": "2.0", "method": "call", "id": 1,
                "params": {"service": "common", "method": "authenticate", "args": ["shop", "admin", "s3cret", {}]}}
        answer = requests.post(f"http://127.0.0.1:{port}/jsonrpc", json=body, timeout=10).json()

    assert answer["result"] == 2


def test_a_method_returning_none_answers_without_a_result_key(odoo):
    partner = odoo.result("res.partner", "create", [{"name": "Client"}])
    move = odoo.result("account.move", "create", [{"move_type": "out_invoice", "partner_id": partner,
                                                   "invoice_line_ids": [(0, 0, {"name": "Work", "price_unit": 5})]}])
    odoo.result("account.move", "action_post", [[move]])

    for method in ("button_draft", "button_cancel"):
        answer = odoo.execute("account.move", method, [[move]])
        assert answer == {"jsonrpc": "2.0", "id": odoo.next_id}
    assert odoo.result("account.move", "read", [[move], ["state"]])[0]["state"] == "cancel"
    assert odoo.execute("account.move", "action_post", [[move]])["error"]["data"]["message"].endswith(
        "must be in draft.")


def test_a_false_result_is_kept(odoo):
    partner = odoo.result("res.partner", "create", [{"name": "Client"}])
    move = odoo.result("account.move", "create", [{"move_type": "out_invoice", "partner_id": partner,
                                                   "invoice_line_ids": [(0, 0, {"name": "Work", "price_unit": 5})]}])
    assert odoo.execute("account.move", "action_post", [[move]])["result"] is False


def test_serialization_failures_reach_the_client_like_odoos_and_leave_nothing_behind(odoo):
    odoo.admin("POST", "faults", json={"serialization_failures": {"res.partner": 1}})

    assert odoo.result("res.partner", "search", [[]]) == []
    data = odoo.execute("res.partner", "create", [{"name": "Client"}])["error"]["data"]
    assert (data["name"], data["message"]) == ("psycopg2.errors.SerializationFailure",
                                               "could not serialize access due to concurrent update\n")
    assert odoo.result("res.partner", "search", [[]]) == []
    assert odoo.result("res.partner", "create", [{"name": "Client"}])


def test_bridgectl_sandbox_odoo_serves_the_version_modules_and_currencies_asked():
    port = support.free_port()
    command = [sys.executable, "-m", "ops.cli", "sandbox", "odoo", "--port", str(port), "--version", "18",
               "--install", "stock_delivery", "--currency", "EUR"]
    with support.running(command, port=port):
        health = requests.get(f"http://127.0.0.1:{port}/__sandbox/health", timeout=10).json()
        currencies = requests.get(f"http://127.0.0.1:{port}/__sandbox/records/res.currency",
                                  params={"fields": "name,active"}, timeout=10).json()["records"]

    assert health["server_version"] == "18.0" and "stock_delivery" in health["modules"]
    assert sorted(row["name"] for row in currencies if row["active"]) == ["EUR", "USD"]
