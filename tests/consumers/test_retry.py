"""The retry decision and the headers of retry copies and dead letters."""

from __future__ import annotations

import pytest

from broker.topology import (
    H_ATTEMPTS,
    H_DEAD_AT,
    H_ERROR,
    H_ERROR_CLASS,
    H_FIRST_ATTEMPT_AT,
    H_LAST_ATTEMPT_AT,
    RETRY_TIER_HEADER,
)
from consumers.retry import (
    DEAD,
    MAX_ERROR_TEXT,
    RETRY,
    BrokerRetryTiers,
    attempts_made,
    carried_headers,
    dead_headers,
    error_report,
    retry_headers,
    tier_for,
)
from core.errors import (
    ErpRejected,
    ErpUnavailable,
    MagentoAuthError,
    MagentoNotFound,
    MagentoRateLimited,
    MagentoServerError,
    MalformedMessage,
    MappingError,
)

TIERS = (5, 30, 120, 600, 1800)
POLICY = BrokerRetryTiers(TIERS, max_attempts=8)


@pytest.mark.parametrize(("attempt", "tier"), [(1, 5), (2, 30), (3, 120), (4, 600), (5, 1800), (7, 1800)])
def test_each_failed_attempt_waits_in_its_own_tier_then_the_last(attempt: int, tier: int) -> None:
    assert tier_for(attempt, TIERS) == tier


@pytest.mark.parametrize(("retry_after", "tier"), [(3, 5), (5, 5), (6, 30), (45, 120), (5000, 1800)])
def test_a_longer_retry_after_picks_the_smallest_tier_that_covers_it(retry_after: float, tier: int) -> None:
    assert tier_for(1, TIERS, retry_after) == tier


def test_a_shorter_retry_after_does_not_shorten_a_later_attempts_tier() -> None:
    assert tier_for(3, TIERS, retry_after=1) == 120


@pytest.mark.parametrize("error", [MagentoServerError("Internal Error", status=500),
                                   ErpUnavailable("connection refused"), KeyError("boom")])
def test_retryable_and_unexpected_errors_are_retried_before_the_last_attempt(error: Exception) -> None:
    decision = POLICY.decide(error, attempt=2)
    assert (decision.action, decision.attempts, decision.tier) == (RETRY, 2, 30)


def test_rate_limit_retry_after_chooses_the_tier() -> None:
    decision = POLICY.decide(MagentoRateLimited("Too Many Requests", status=429, retry_after=100), attempt=1)
    assert (decision.action, decision.tier) == (RETRY, 120)


def test_the_last_attempt_is_dead() -> None:
    decision = POLICY.decide(MagentoServerError("Internal Error", status=500), attempt=8)
    assert (decision.action, decision.attempts, decision.tier) == (DEAD, 8, None)
    assert decision.error_text == "magento answered 500: Internal Error"


@pytest.mark.parametrize("error", [MagentoNotFound("The product that was requested doesn't exist.", status=404),
                                   ErpRejected("name is required", status=422), MappingError("no sku"),
                                   MalformedMessage("message body is not JSON")])
def test_permanent_errors_are_dead_at_once(error: Exception) -> None:
    decision = POLICY.decide(error, attempt=1)
    assert (decision.action, decision.attempts) == (DEAD, 1)
    assert decision.error_class == type(error).__name__


def test_unexpected_errors_say_so() -> None:
    assert error_report(KeyError("sku")) == ("KeyError", "unexpected error: 'sku'")


def test_a_magento_401_says_the_access_token_may_have_expired() -> None:
    error = MagentoAuthError("The consumer isn't authorized to access %resources.", status=401)
    error_class, text = error_report(error)
    assert error_class == "MagentoAuthError"
    assert text.startswith("magento answered 401: The consumer isn't authorized to access %resources.")
    assert "access token may have expired" in text


def test_a_huge_error_text_is_cut_to_fit_a_header_frame() -> None:
    _, text = error_report(ErpRejected("x" * (MAX_ERROR_TEXT * 2)))
    assert len(text) < MAX_ERROR_TEXT + 100
    assert text.endswith("more characters]")


@pytest.mark.parametrize(("headers", "made"), [(None, 0), ({}, 0), ({H_ATTEMPTS: 3}, 3), ({H_ATTEMPTS: b"2"}, 2),
                                               ({H_ATTEMPTS: "x"}, 0), ({H_ATTEMPTS: -4}, 0)])
def test_attempts_made_reads_the_header_forgivingly(headers: dict | None, made: int) -> None:
    assert attempts_made(headers) == made


def test_a_first_retry_copy_starts_the_attempt_history() -> None:
    decision = POLICY.decide(ErpUnavailable("timed out"), attempt=1)
    headers = retry_headers({"trace": "abc", "x-delivery-count": 2}, decision, "2024-05-01T10:00:00.000Z")
    assert headers == {"trace": "abc", H_ATTEMPTS: 1, H_FIRST_ATTEMPT_AT: "2024-05-01T10:00:00.000Z",
                       H_LAST_ATTEMPT_AT: "2024-05-01T10:00:00.000Z", H_ERROR_CLASS: "ErpUnavailable",
                       H_ERROR: "erp: timed out", RETRY_TIER_HEADER: "5s"}


def test_a_later_copy_keeps_the_first_attempt_time() -> None:
    earlier = {H_ATTEMPTS: 1, H_FIRST_ATTEMPT_AT: b"2024-05-01T10:00:00.000Z", RETRY_TIER_HEADER: "5s",
               "x-death": [{"count": 1}]}
    decision = POLICY.decide(ErpUnavailable("timed out"), attempt=2)
    headers = retry_headers(earlier, decision, "2024-05-01T10:00:06.000Z")
    assert headers[H_FIRST_ATTEMPT_AT] == "2024-05-01T10:00:00.000Z"
    assert headers[H_LAST_ATTEMPT_AT] == "2024-05-01T10:00:06.000Z"
    assert (headers[H_ATTEMPTS], headers[RETRY_TIER_HEADER]) == (2, "30s")
    assert "x-death" not in headers


def test_a_dead_letter_carries_every_header_and_no_retry_tier() -> None:
    earlier = {H_ATTEMPTS: 7, H_FIRST_ATTEMPT_AT: "2024-05-01T10:00:00.000Z", RETRY_TIER_HEADER: "1800s"}
    decision = POLICY.decide(MagentoServerError("Internal Error", status=500), attempt=8)
    headers = dead_headers(earlier, decision, "2024-05-01T12:00:00.000Z")
    assert headers == {H_ATTEMPTS: 8, H_FIRST_ATTEMPT_AT: "2024-05-01T10:00:00.000Z",
                       H_LAST_ATTEMPT_AT: "2024-05-01T12:00:00.000Z", H_ERROR_CLASS: "MagentoServerError",
                       H_ERROR: "magento answered 500: Internal Error", H_DEAD_AT: "2024-05-01T12:00:00.000Z"}


def test_carried_headers_drop_broker_headers_only() -> None:
    assert carried_headers({"x-first-death-queue": "q", "webhook-id": "w", RETRY_TIER_HEADER: "5s"}) == {
        "webhook-id": "w"}


def test_policy_from_settings(make_settings) -> None:
    policy = BrokerRetryTiers.from_settings(make_settings(RETRY_DELAYS="1,2", MAX_ATTEMPTS="3"))
    assert policy == BrokerRetryTiers((1, 2), 3)
