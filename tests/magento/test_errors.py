"""Magento's error answers become the right core.errors class with a readable sentence."""

from __future__ import annotations

import email.utils
import json

import pytest

from core.errors import (
    MagentoAuthError,
    MagentoForbidden,
    MagentoNotFound,
    MagentoRateLimited,
    MagentoServerError,
    MagentoUnavailable,
    MagentoValidationError,
    PermanentError,
    RetryableError,
)
from magento.errors import MAX_BODY_CHARS, classify, fill, render, retry_after_seconds, sentence

NOW = 1_700_000_000.0


def test_list_parameters_fill_numbered_placeholders_from_one() -> None:
    assert fill("Invalid product data: %1", ["Invalid attribute set entity type"]) == (
        "Invalid product data: Invalid attribute set entity type")
    assert fill("%2 before %1", ["a", "b"]) == "b before a"


def test_placeholder_ten_is_not_mistaken_for_placeholder_one() -> None:
    params = [f"p{n}" for n in range(1, 11)]
    assert fill("%1 and %10", params) == "p1 and p10"


def test_dict_parameters_fill_named_placeholders() -> None:
    template = 'No such entity with %fieldName = %fieldValue, %field2Name = %field2Value'
    params = {"fieldName": "email", "fieldValue": "ann@example.test", "field2Name": "websiteId", "field2Value": 1}
    assert fill(template, params) == "No such entity with email = ann@example.test, websiteId = 1"


def test_unknown_placeholders_and_missing_parameters_leave_the_text_alone() -> None:
    assert fill("50%off for %name", {"other": "x"}) == "50%off for %name"
    assert fill("Value %1", None) == "Value %1"
    assert fill(None, ["x"]) == ""
    assert fill("%1 %2", [None, [1, 2]]) == " [1, 2]"


def test_nested_errors_are_appended_to_the_message() -> None:
    body = {"message": "One or more input exceptions have occurred.",
            "errors": [{"message": '"%fieldName" is required. Enter and try again.',
                        "parameters": {"fieldName": "email"}},
                       {"message": 'Invalid value of "%value" provided for the %fieldName field.',
                        "parameters": {"value": "x@", "fieldName": "email"}}]}
    assert render(body) == ('One or more input exceptions have occurred: "email" is required. Enter and try again.; '
                            'Invalid value of "x@" provided for the email field.')


def test_a_nested_error_equal_to_the_message_is_not_repeated() -> None:
    body = {"message": "Stock is out", "errors": [{"message": "Stock is out"}]}
    assert render(body) == "Stock is out"
    assert render({"errors": [{"message": "only %1", "parameters": ["this"]}]}) == "only this"


def test_the_trace_stays_out_of_the_sentence() -> None:
    text = json.dumps({"message": "Internal Error.", "trace": "#0 /var/www/vendor/magento/..."})
    assert sentence(500, "Internal Server Error", text) == "Internal Error."


def test_an_html_error_page_becomes_a_short_line() -> None:
    text = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"
    assert sentence(502, "Bad Gateway", text) == "HTTP 502 Bad Gateway: 502 Bad Gateway 502 Bad Gateway nginx"
    assert sentence(503, "Service Unavailable", "") == "HTTP 503 Service Unavailable"
    assert len(sentence(500, "", "x" * 5000)) < 400


@pytest.mark.parametrize(("status", "cls", "retryable"), [
    (400, MagentoValidationError, False), (401, MagentoAuthError, False), (403, MagentoForbidden, False),
    (404, MagentoNotFound, False), (405, MagentoValidationError, False), (409, MagentoValidationError, False),
    (422, MagentoValidationError, False), (408, MagentoUnavailable, True), (429, MagentoRateLimited, True),
    (500, MagentoServerError, True), (501, MagentoServerError, True), (502, MagentoUnavailable, True),
    (503, MagentoUnavailable, True), (504, MagentoUnavailable, True),
])
def test_each_status_gets_its_class(status: int, cls: type, retryable: bool) -> None:
    text = json.dumps({"message": "Something about %1", "parameters": ["it"]})
    error = classify(status, text, {}, call="GET /rest/default/V1/orders/5")
    assert type(error) is cls
    assert isinstance(error, RetryableError if retryable else PermanentError)
    assert error.status == status
    assert error.body == text
    assert error.message.startswith("Something about it")
    assert error.message.endswith("[GET /rest/default/V1/orders/5]")
    assert error.report_text().startswith(f"magento answered {status}: Something about it")


def test_a_401_says_the_token_may_have_expired_or_lack_the_permission() -> None:
    text = json.dumps({"message": "The consumer isn't authorized to access %resources.",
                       "parameters": {"resources": "Magento_Sales::sales"}})
    error = classify(401, text, {})
    assert error.message == ("The consumer isn't authorized to access Magento_Sales::sales. "
                             "(the access token may have expired or lacks the resource permission)")


def test_a_404_tells_a_missing_route_from_a_missing_record() -> None:
    route = classify(404, '{"message":"Request does not match any route."}', {}, call="GET /rest/default/V1/nope")
    record = classify(404, json.dumps({"message": "The product that was requested doesn't exist. "
                                                  "Verify the product and try again."}), {})
    assert isinstance(route, MagentoNotFound) and isinstance(record, MagentoNotFound)
    assert route.route_missing is True
    assert record.route_missing is False


def test_the_raw_body_is_kept_but_bounded() -> None:
    text = json.dumps({"message": "big", "trace": "t" * (2 * MAX_BODY_CHARS)})
    error = classify(500, text, {})
    assert error.body == text[:MAX_BODY_CHARS]
    assert error.message == "big"


@pytest.mark.parametrize(("status", "may_have_reached"), [(429, False), (503, False), (408, False),
                                                          (502, True), (504, True)])
def test_it_says_whether_a_failed_call_may_have_been_applied(status: int, may_have_reached: bool) -> None:
    assert classify(status, "", {}).details["may_have_reached_magento"] is may_have_reached


def test_retry_after_in_seconds() -> None:
    error = classify(429, '{"message":"Too Many Requests","trace":null}', {"retry-after": "17"}, now=NOW)
    assert error.retry_after == 17
    assert error.message == "Too Many Requests"


def test_retry_after_as_an_http_date() -> None:
    later = email.utils.formatdate(NOW + 45, usegmt=True)
    assert retry_after_seconds(later, NOW) == pytest.approx(45)
    assert classify(503, "", {"Retry-After": later}, now=NOW).retry_after == pytest.approx(45)


@pytest.mark.parametrize(("value", "seconds"), [(None, None), ("", None), ("soon", None), ("-5", None),
                                                ("0", 0), ("2.5", 2.5),
                                                (email.utils.formatdate(NOW - 60, usegmt=True), 0)])
def test_retry_after_edge_cases(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds
