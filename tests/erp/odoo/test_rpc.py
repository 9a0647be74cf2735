"""The JSON-RPC adapter: authentication, re-authentication, and the classification of every failure."""

from __future__ import annotations

import json
import logging
import threading

import pytest
import requests
import responses

from core.errors import ErpAuthError, ErpRejected, ErpUnavailable
from erp.odoo.rpc import OdooRetryPolicy, OdooRpc, http_error, rpc_error

URL = "http://odoo.test"
ENDPOINT = URL + "/jsonrpc"


def _result(value):
    return {"jsonrpc": "2.0", "id": 1, "result": value}


def _error(name, message, code=200):
    return {"jsonrpc": "2.0", "id": 1, "error": {"code": code, "message": "Odoo Server Error", "data": {
        "name": name, "message": message, "debug": f"Traceback\n{name}: {message}", "arguments": [message],
        "context": {}}}}


@pytest.fixture
def client():
    sleeps = []
    rpc = OdooRpc(URL, "shop", "api", "s3cret-key", timeout=3, sleep=sleeps.append,
                  retry=OdooRetryPolicy(attempts=3, first_wait=0.1, max_wait=1.0))
    rpc.sleeps = sleeps
    yield rpc
    rpc.close()


def _calls(method):
    return [json.loads(call.request.body)["params"] for call in responses.calls
            if json.loads(call.request.body)["params"]["method"] == method]


@responses.activate
def test_authenticates_once_then_sends_execute_kw(client):
    responses.post(ENDPOINT, json=_result(7))
    responses.post(ENDPOINT, json=_result([{"id": 1}]))
    responses.post(ENDPOINT, json=_result(True))

    assert client.execute_kw("res.partner", "search_read", [[]], {"fields": ["name"]}) == [{"id": 1}]
    assert client.execute_kw("res.partner", "write", [[1], {"name": "x"}]) is True
    authenticate, search, _ = [json.loads(call.request.body) for call in responses.calls]
    assert authenticate["params"] == {"service": "common", "method": "authenticate",
                                      "args": ["shop", "api", "s3cret-key", {}]}
    assert search["jsonrpc"] == "2.0" and search["method"] == "call"
    assert search["params"] == {"service": "object", "method": "execute_kw", "args": [
        "shop", 7, "s3cret-key", "res.partner", "search_read", [[]], {"fields": ["name"]}]}


@responses.activate
def test_authenticate_false_is_an_auth_error_naming_login_and_database(client):
    responses.post(ENDPOINT, json=_result(False))

    with pytest.raises(ErpAuthError, match="login 'api' on database 'shop'"):
        client.execute_kw("res.partner", "search", [[]])


@responses.activate
def test_access_denied_authenticates_again_once_and_repeats_the_call(client):
    responses.post(ENDPOINT, json=_result(7))
    responses.post(ENDPOINT, json=_error("odoo.exceptions.AccessDenied", "Access Denied"))
    responses.post(ENDPOINT, json=_result(8))
    responses.post(ENDPOINT, json=_result(55))

    assert client.execute_kw("res.partner", "create", [{"name": "x"}]) == 55
    assert len(_calls("authenticate")) == 2
    assert _calls("execute_kw")[-1]["args"][1] == 8


@responses.activate
def test_access_denied_after_authenticating_again_is_an_auth_error(client):
    responses.post(ENDPOINT, json=_result(7))
    responses.post(ENDPOINT, json=_error("odoo.exceptions.AccessDenied", "Access Denied"))
    responses.post(ENDPOINT, json=_result(7))
    responses.post(ENDPOINT, json=_error("odoo.exceptions.AccessDenied", "Access Denied"))

    with pytest.raises(ErpAuthError, match="AccessDenied: Access Denied"):
        client.execute_kw("res.partner", "create", [{"name": "x"}])


@pytest.mark.parametrize(("name", "message"), [
    ("odoo.exceptions.ValidationError", "The operation cannot be completed: Contacts require a name"),
    ("odoo.exceptions.UserError", "You cannot cancel a locked order."),
    ("odoo.exceptions.MissingError", "Record does not exist or has been deleted."),
    ("odoo.exceptions.AccessError", "You are not allowed to create 'External Identifiers' (ir.model.data)"),
    ("builtins.ValueError", "Invalid field 'nme' on model 'res.partner'"),
    ("builtins.AssertionError", "This domain is syntactically not correct: ['|']"),
])
def test_odoo_refusals_are_rejections_with_the_exception_name_and_full_message(name, message):
    error = rpc_error(_error(name, message)["error"], "res.partner.create")

    assert isinstance(error, ErpRejected)
    assert error.message == f"Odoo refused res.partner.create: {name.rsplit('.', 1)[1]}: {message}"
    assert error.details["odoo_exception"] == name and error.details["odoo_message"] == message
    assert name in error.body


@pytest.mark.parametrize("name", ["psycopg2.errors.SerializationFailure", "psycopg2.OperationalError",
                                  "odoo.exceptions.ConcurrencyError"])
def test_database_level_failures_are_retryable(name):
    assert isinstance(rpc_error(_error(name, "could not serialize access")["error"], "x.write"), ErpUnavailable)


def test_a_missing_database_and_a_session_expiry_are_auth_errors():
    missing = rpc_error(_error("psycopg2.OperationalError", 'FATAL:  database "shop" does not exist')["error"], "c")
    expired = rpc_error({"code": 100, "message": "Odoo Session Expired", "data": {
        "name": "odoo.http.SessionExpiredException", "message": "Session expired"}}, "c")

    assert isinstance(missing, ErpAuthError) and "check ODOO_DB" in missing.message
    assert isinstance(expired, ErpAuthError)


@pytest.mark.parametrize(("status", "kind"), [(500, ErpUnavailable), (502, ErpUnavailable), (503, ErpUnavailable),
                                              (504, ErpUnavailable), (429, ErpUnavailable), (401, ErpAuthError),
                                              (403, ErpAuthError), (404, ErpRejected), (400, ErpRejected),
                                              (413, ErpRejected)])
def test_http_statuses_are_classified_by_code(status, kind):
    error = http_error(status, "<html><body>nope</body></html>", None, "res.partner.create")

    assert type(error) is kind
    assert error.status == status
    assert "erp answered" in error.report_text()


def test_429_carries_the_retry_after_hint():
    assert http_error(429, "", "12", "x").retry_after == 12.0
    assert http_error(429, "", "Wed, 21 Oct 2015 07:28:00 GMT", "x").retry_after is None


@responses.activate
def test_timeouts_and_connection_errors_are_retryable(client):
    responses.post(ENDPOINT, body=requests.Timeout("read timed out"))
    with pytest.raises(ErpUnavailable, match="did not answer common.version within 3 s"):
        client.version()
    responses.replace(responses.POST, ENDPOINT, body=requests.ConnectionError("refused"))
    with pytest.raises(ErpUnavailable, match="cannot reach Odoo at http://odoo.test"):
        client.version()


@responses.activate
def test_a_body_that_is_not_jsonrpc_is_retryable(client):
    responses.post(ENDPOINT, body="<html>maintenance</html>", status=200)

    with pytest.raises(ErpUnavailable, match="not JSON-RPC: <html>maintenance</html>"):
        client.version()


@responses.activate
def test_reads_are_retried_in_process_with_backoff(client):
    responses.post(ENDPOINT, json=_result(7))
    responses.post(ENDPOINT, status=503, body="busy")
    responses.post(ENDPOINT, body=requests.ConnectionError("reset"))
    responses.post(ENDPOINT, json=_result(3))

    assert client.execute_kw("res.partner", "search_count", [[]]) == 3
    assert client.sleeps == [0.1, 0.2]


@responses.activate
def test_writes_are_not_retried_in_process(client):
    responses.post(ENDPOINT, json=_result(7))
    responses.post(ENDPOINT, status=503, body="busy")

    with pytest.raises(ErpUnavailable) as raised:
        client.execute_kw("res.partner", "create", [{"name": "x"}])
    assert raised.value.status == 503
    assert len(_calls("execute_kw")) == 1 and client.sleeps == []


@responses.activate
def test_a_long_retry_after_goes_back_to_the_broker(client):
    responses.post(ENDPOINT, status=429, headers={"Retry-After": "30"})

    with pytest.raises(ErpUnavailable) as raised:
        client.version()
    assert raised.value.retry_after == 30.0 and client.sleeps == []


@responses.activate
def test_the_password_is_never_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    responses.post(ENDPOINT, json=_result(7))
    responses.post(ENDPOINT, json=_error("odoo.exceptions.AccessDenied", "Access Denied"))
    responses.post(ENDPOINT, json=_result(7))
    responses.post(ENDPOINT, status=503)
    responses.post(ENDPOINT, json=_result(1))

    client.execute_kw("res.partner", "search", [[]])
    assert "s3cret-key" not in caplog.text
    assert "authenticated to Odoo" in caplog.text


def test_from_settings_requires_the_odoo_variables(make_settings):
    with pytest.raises(Exception, match="ODOO_URL, ODOO_DB, ODOO_USERNAME, ODOO_PASSWORD must be set"):
        OdooRpc.from_settings(make_settings())
    rpc = OdooRpc.from_settings(make_settings(odoo_url="http://erp.test/", odoo_db="d", odoo_username="u",
                                              odoo_password="p", erp_timeout="4"))
    assert (rpc.endpoint, rpc.db, rpc.timeout) == ("http://erp.test/jsonrpc", "d", 4.0)


# ---- against the Odoo sandbox
def test_many_threads_share_one_authentication(odoo_sandbox, odoo_rpc):
    results, errors = [], []

    def work():
        try:
            results.append(odoo_rpc.execute_kw("res.currency", "search_count", [[]]))
        except Exception as exc:
            errors.append(exc)
    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [] and results == [1] * 16  # a fresh database: USD only
    assert odoo_sandbox.calls()["common.authenticate"] == 1


def test_revoked_credentials_are_an_auth_error_until_restored(odoo_sandbox, odoo_rpc):
    assert odoo_rpc.execute_kw("res.partner", "search", [[]]) == []
    odoo_sandbox.faults(revoked=True)

    with pytest.raises(ErpAuthError, match="refused the credentials of login 'admin'"):
        odoo_rpc.execute_kw("res.partner", "search", [[]])
    odoo_sandbox.faults(revoked=False)
    assert odoo_rpc.execute_kw("res.partner", "search", [[]]) == []
    assert odoo_sandbox.calls()["common.authenticate"] == 3


def test_a_wrong_database_is_an_auth_error(odoo_sandbox):
    rpc = OdooRpc(odoo_sandbox.url, "other", "admin", "admin")

    with pytest.raises(ErpAuthError, match='database "other" does not exist'):
        rpc.execute_kw("res.partner", "search", [[]])


def test_sandbox_refusals_arrive_as_rejections(odoo_rpc):
    with pytest.raises(ErpRejected, match="Odoo refused res.partner.create: ValueError: Invalid field 'nme'"):
        odoo_rpc.execute_kw("res.partner", "create", [{"nme": "x"}])
    with pytest.raises(ErpRejected, match="AccessError: Private methods"):
        odoo_rpc.execute_kw("res.partner", "_compute_display_name", [[1]])


@pytest.mark.parametrize("fault", [{"drop_next": 5}, {"fail_next": 5, "fail_status": 502}, {"unavailable": True},
                                   {"error_next": 5}])
def test_sandbox_faults_on_writes_are_retryable(odoo_sandbox, odoo_rpc, fault):
    odoo_rpc.execute_kw("res.partner", "search", [[]])
    odoo_sandbox.faults(**fault)

    with pytest.raises(ErpUnavailable):
        odoo_rpc.execute_kw("res.partner", "create", [{"name": "x"}])


def test_a_dropped_read_is_retried_and_succeeds(odoo_sandbox, odoo_rpc, sleeps):
    odoo_rpc.execute_kw("res.partner", "search", [[]])
    odoo_sandbox.faults(drop_next=1)

    assert odoo_rpc.execute_kw("res.partner", "search", [[]]) == []
    assert sleeps == [0.1]


@responses.activate
def test_an_answer_without_result_is_a_method_that_returned_none(client):
    """Real Odoo leaves ``result`` out when the method returns None (stock.quant.action_apply_inventory)."""
    responses.post(ENDPOINT, json=_result(7))
    responses.post(ENDPOINT, json={"jsonrpc": "2.0", "id": 405})

    assert client.execute_kw("stock.quant", "action_apply_inventory", [[3]]) is None


@responses.activate
@pytest.mark.parametrize("body", [{"id": 405}, {"jsonrpc": "2.0"}, [], {"jsonrpc": "2.0", "id": 1, "data": 3}])
def test_bodies_that_are_not_json_rpc_stay_invalid(client, body):
    responses.post(ENDPOINT, json=_result(7))
    responses.post(ENDPOINT, json=body)

    if isinstance(body, dict) and body.get("jsonrpc") == "2.0" and "id" in body:
        assert client.execute_kw("res.partner", "write", [[1], {}]) is None  # extra members are tolerated
    else:
        with pytest.raises(ErpUnavailable, match="not JSON-RPC"):
            client.execute_kw("res.partner", "write", [[1], {}])


@pytest.mark.parametrize(("name", "message"), [
    ("psycopg2.errors.SerializationFailure", "could not serialize access due to concurrent update"),
    ("odoo.exceptions.UserError", "could not serialize access due to concurrent update"),
    ("builtins.Exception", "ERROR: could not serialize access due to read/write dependencies among transactions"),
    ("odoo.exceptions.ValidationError", "concurrent update of the quant"),
])
def test_serialization_failures_reaching_the_client_are_retryable(name, message):
    assert isinstance(rpc_error(_error(name, message)["error"], "stock.quant.create"), ErpUnavailable)
