"""The in-process retry policy: which failures, how often, how long apart."""

from __future__ import annotations

import pytest

from core.errors import MagentoNotFound, MagentoRateLimited, MagentoServerError, MagentoUnavailable
from magento.retry import MagentoRetryPolicy


def unavailable(*, sent: bool = False, retry_after: float | None = None, **details: object) -> MagentoUnavailable:
    return MagentoUnavailable("down", retry_after=retry_after, details={"may_have_reached_magento": sent, **details})


def run(policy: MagentoRetryPolicy, failures: list[Exception], *, idempotent: bool = True) -> tuple[list[float], int]:
    """Call a function failing with ``failures`` in turn (then succeeding); the sleeps and the call count."""
    sleeps: list[float] = []
    calls = [0]

    def call() -> str:
        calls[0] += 1
        if calls[0] <= len(failures):
            raise failures[calls[0] - 1]
        return "ok"

    try:
        policy.retrying(idempotent=idempotent, sleep=sleeps.append)(call)
    except Exception:
        pass
    return sleeps, calls[0]


def test_the_default_schedule_is_1_2_4_seconds_then_the_error_goes_up() -> None:
    policy = MagentoRetryPolicy()
    sleeps: list[float] = []
    with pytest.raises(MagentoUnavailable):
        policy.retrying(idempotent=True, sleep=sleeps.append)(lambda: (_ for _ in ()).throw(unavailable()))
    assert sleeps == [1, 2, 4]


def test_the_schedule_follows_the_settings() -> None:
    assert run(MagentoRetryPolicy(retries=2, backoff_seconds=0.5), [unavailable()] * 5) == ([0.5, 1.0], 3)
    assert run(MagentoRetryPolicy(retries=0), [unavailable()] * 5) == ([], 1)


def test_a_call_that_recovers_returns_after_the_waits_it_needed() -> None:
    assert run(MagentoRetryPolicy(), [unavailable(), unavailable()]) == ([1, 2], 3)


def test_retry_after_replaces_the_backoff() -> None:
    assert run(MagentoRetryPolicy(), [MagentoRateLimited("slow down", retry_after=7), unavailable()]) == ([7, 2], 3)


def test_a_retry_after_beyond_the_cap_goes_to_the_caller_at_once() -> None:
    assert run(MagentoRetryPolicy(retry_after_cap=60), [MagentoRateLimited("slow down", retry_after=61)]) == ([], 1)
    assert run(MagentoRetryPolicy(retry_after_cap=60), [MagentoRateLimited("slow down", retry_after=60)]) == ([60], 2)


@pytest.mark.parametrize("error", [MagentoServerError("500"), MagentoNotFound("404"), ValueError("bug"),
                                   unavailable(retry_in_process=False)])
def test_other_failures_are_never_retried_in_process(error: Exception) -> None:
    assert run(MagentoRetryPolicy(), [error]) == ([], 1)


def test_a_non_idempotent_write_is_resent_only_when_magento_cannot_have_applied_it() -> None:
    assert run(MagentoRetryPolicy(), [unavailable(sent=False)], idempotent=False) == ([1], 2)
    assert run(MagentoRetryPolicy(), [unavailable(sent=True)], idempotent=False) == ([], 1)
    assert run(MagentoRetryPolicy(), [MagentoUnavailable("no details")], idempotent=False) == ([], 1)
    assert run(MagentoRetryPolicy(), [unavailable(sent=True)], idempotent=True) == ([1], 2)
