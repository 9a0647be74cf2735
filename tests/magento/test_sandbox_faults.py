"""The client's fallback logic against the sandbox's injected faults, over real sockets: a revoked token, a
disabled module, 429s, 5xx bursts, hangs and dropped connections. Waits go to the recording fake sleep;
only the hangs take real time (MAGENTO_TIMEOUT 0.2 s)."""

from __future__ import annotations

import logging

import pytest

from core.errors import MagentoAuthError, MagentoNotFound, MagentoRateLimited, MagentoServerError, MagentoUnavailable
from magento.search_criteria import SearchCriteria
from tests.magento.conftest import SANDBOX_TOKEN
from tests.support import wait_for

FAST_TIMEOUT = "0.2"
HANG_SECONDS = 0.6  # longer than FAST_TIMEOUT: the client gives up while the sandbox still works


def outcomes(sandbox) -> list[tuple[int, str | None]]:
    return [(call["status"], call["fault"]) for call in sandbox.calls()]


def outcomes_of_dropped(sandbox, count: int) -> list[tuple[int, str | None]]:
    """The outcomes, sorted, once ``count`` calls are recorded: a dropped call's thread records it after the
    client has already seen the drop (and, for a read, sent its retry), so neither order nor timing is fixed."""
    wait_for(lambda: len(sandbox.calls()) >= count, message=f"{count} recorded sandbox calls")
    return sorted(outcomes(sandbox), key=lambda outcome: (outcome[0], outcome[1] or ""))


def test_a_revoked_token_is_an_auth_error_with_the_hint_logged_once_without_the_token(magento, sandbox, sleeps,
                                                                                       caplog):
    sandbox.admin("POST", "/token/revoke")
    with caplog.at_level(logging.WARNING, logger="magento.client"):
        with pytest.raises(MagentoAuthError) as caught:
            magento.get_order(1)
    error = caught.value
    assert error.status == 401 and sleeps == [] and outcomes(sandbox) == [(401, None)]
    assert error.message == ("The consumer isn't authorized to access Magento_Sales::actions_view. (the access token "
                             "may have expired or lacks the resource permission) [GET /rest/default/V1/orders/1]")
    assert [(record.levelname, record.getMessage()) for record in caplog.records
            if record.name == "magento.client"] == [
        ("ERROR", f"magento refused the credentials: {error.message}")]
    assert SANDBOX_TOKEN not in caplog.text and SANDBOX_TOKEN not in error.report_text()
    sandbox.admin("POST", "/token/restore")
    assert magento.get_order(1)["entity_id"] == 1


def test_a_disabled_module_is_a_missing_route_and_a_deleted_record_is_not(magento, sandbox):
    sandbox.admin("POST", "/modules/Magento_Sales/disable")
    with pytest.raises(MagentoNotFound) as disabled:
        magento.list_invoices()
    assert disabled.value.route_missing
    assert disabled.value.message == "Request does not match any route. [GET /rest/default/V1/invoices]"
    sandbox.admin("POST", "/modules/Magento_Sales/enable")
    sandbox.admin("DELETE", "/records/invoice/1")
    with pytest.raises(MagentoNotFound) as deleted:
        magento.get_invoice(1)
    assert not deleted.value.route_missing


def test_configurable_children_alone_go_missing_with_their_module(magento, sandbox):
    sandbox.admin("POST", "/modules/Magento_ConfigurableProduct/disable")
    with pytest.raises(MagentoNotFound) as caught:
        magento.configurable_children("NW-PARKA")
    assert caught.value.route_missing and magento.get_product("NW-PARKA")["type_id"] == "configurable"


def test_429_with_retry_after_is_waited_out_then_succeeds(magento, sandbox, sleeps):
    sandbox.arm("rate-limit", count=2, retry_after=7)
    assert magento.get_order(3)["increment_id"] == "000000102"
    assert sleeps == [7.0, 7.0]
    assert outcomes(sandbox) == [(429, "rate_limit"), (429, "rate_limit"), (200, None)]


def test_a_429_that_persists_is_raised_with_retry_after_after_the_whole_budget(magento, sandbox, sleeps):
    sandbox.arm("rate-limit", count=10, retry_after=7)
    with pytest.raises(MagentoRateLimited) as caught:
        magento.list_products(SearchCriteria().page(5))
    error = caught.value
    assert (error.status, error.retry_after, error.details["attempts"]) == (429, 7.0, 4)
    assert error.message == "Too Many Requests [GET /rest/default/V1/products] (gave up after 4 attempts)"
    assert sleeps == [7.0, 7.0, 7.0] and len(sandbox.calls()) == 4


def test_a_retry_after_above_the_cap_goes_to_the_broker_at_once(make_sandbox_client, sandbox, sleeps):
    magento = make_sandbox_client(MAGENTO_RETRY_AFTER_CAP="30")
    sandbox.arm("rate-limit", count=1, retry_after=120)
    with pytest.raises(MagentoRateLimited) as caught:
        magento.get_customer(1)
    assert caught.value.retry_after == 120.0 and sleeps == [] and len(sandbox.calls()) == 1


def test_a_5xx_burst_is_retried_on_the_backoff_or_the_given_retry_after(magento, sandbox, sleeps):
    sandbox.arm("errors", count=3, status=[502, 503, 504], retry_after=3)
    assert magento.get_customer(2)["id"] == 2
    assert sleeps == [1.0, 3.0, 4.0]  # 502: 1 s backoff; 503: its Retry-After; 504: 4 s backoff
    assert outcomes(sandbox) == [(502, "error"), (503, "error"), (504, "error"), (200, None)]


def test_a_500_is_a_server_error_left_to_the_broker(magento, sandbox, sleeps):
    sandbox.arm("errors", count=1, status=500)
    with pytest.raises(MagentoServerError) as caught:
        magento.get_category(3)
    assert caught.value.message.startswith("Internal Error. Details are available in Magento log file. Report ID: "
                                           "webapi-")
    assert sleeps == [] and len(sandbox.calls()) == 1


def test_a_503_burst_longer_than_the_budget_is_unavailable_with_attempts(magento, sandbox, sleeps):
    sandbox.arm("errors", count=5, status=503, retry_after=2)
    with pytest.raises(MagentoUnavailable) as caught:
        magento.get_order(1)
    error = caught.value
    assert type(error) is MagentoUnavailable and (error.status, error.details["attempts"]) == (503, 4)
    assert error.message == ("HTTP 503 Service Unavailable: 503 Service Temporarily Unavailable 503 Service "
                             "Temporarily Unavailable nginx [GET /rest/default/V1/orders/1] (gave up after 4 attempts)")
    assert sleeps == [2.0, 2.0, 2.0]


def test_a_hanging_store_is_unavailable_after_the_1_2_4_schedule(make_sandbox_client, sandbox, sleeps):
    magento = make_sandbox_client(MAGENTO_TIMEOUT=FAST_TIMEOUT)
    sandbox.arm("timeout", count=4, seconds=HANG_SECONDS)
    with pytest.raises(MagentoUnavailable) as caught:
        magento.get_order(1)
    error = caught.value
    assert sleeps == [1.0, 2.0, 4.0] and error.details["attempts"] == 4
    assert error.message == ("Magento did not answer within 0.2 s [GET /rest/default/V1/orders/1] "
                             "(gave up after 4 attempts)")
    wait_for(lambda: len(sandbox.calls()) == 4, message="the hung calls to finish")  # none leaks into the next test


def test_a_hang_then_an_answer_is_retried_and_succeeds(make_sandbox_client, sandbox, sleeps):
    magento = make_sandbox_client(MAGENTO_TIMEOUT=FAST_TIMEOUT)
    sandbox.arm("timeout", count=1, seconds=HANG_SECONDS)
    assert magento.get_stock_item("NW-STOVE")["qty"] == 40 and sleeps == [1.0]
    wait_for(lambda: len(sandbox.calls()) == 2, message="the hung call to finish")


def test_a_timed_out_invoice_is_not_resent_because_magento_may_have_created_it(make_sandbox_client, sandbox, sleeps):
    magento = make_sandbox_client(MAGENTO_TIMEOUT=FAST_TIMEOUT)
    sandbox.arm("timeout", count=1, seconds=HANG_SECONDS)
    with pytest.raises(MagentoUnavailable) as caught:
        magento.create_invoice(2, {"capture": True})
    assert caught.value.details["may_have_reached_magento"] is True and caught.value.details["attempts"] == 1
    assert sleeps == []
    invoices = wait_for(lambda: magento.list_invoices(SearchCriteria().where("order_id", 2)).items,
                        message="the hung invoice call to finish")
    assert len(invoices) == 1  # it was created: a resend would have been refused or, worse, doubled


def test_a_dropped_connection_is_retried_for_a_read(magento, sandbox, sleeps):
    sandbox.arm("drop", count=1)
    assert magento.get_shipment(1)["entity_id"] == 1
    assert sleeps == [1.0] and outcomes_of_dropped(sandbox, 2) == [(200, None), (499, "drop")]


def test_a_dropped_connection_is_not_retried_for_a_comment(magento, sandbox, sleeps):
    sandbox.arm("drop", count=1)
    with pytest.raises(MagentoUnavailable) as caught:
        magento.add_order_comment(2, {"comment": "Packed.", "is_customer_notified": 0})
    assert caught.value.details["may_have_reached_magento"] is True
    assert sleeps == [] and outcomes_of_dropped(sandbox, 1) == [(499, "drop")]


def test_a_fault_under_a_prefix_leaves_other_routes_alone(magento, sandbox, sleeps):
    sandbox.arm("errors", count=1, status=503, retry_after=1, prefix="/V1/orders")
    assert magento.get_product("NW-STOVE")["id"] == 22 and sleeps == []
    assert magento.get_order(5)["entity_id"] == 5 and sleeps == [1.0]


def test_a_write_still_hanging_when_the_sandbox_is_reset_does_not_reach_the_fresh_store(make_sandbox_client,
                                                                                       sandbox):
    magento = make_sandbox_client(MAGENTO_TIMEOUT=FAST_TIMEOUT)
    sandbox.arm("timeout", count=1, seconds=HANG_SECONDS)
    with pytest.raises(MagentoUnavailable):
        magento.create_shipment(2, {})
    sandbox.reset()
    wait_for(lambda: sandbox.calls(), message="the hung shipment call to finish")
    assert sandbox.keys("shipment") == ["1"] and magento.get_order(2)["state"] == "new"
