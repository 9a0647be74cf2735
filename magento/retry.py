"""The client's in-process retry policy as data, turned into a tenacity ``Retrying`` per call.

What is retried in-process (``MagentoUnavailable`` and its ``MagentoRateLimited`` only):
- timeouts and connection errors, 408, 429, 502, 503, 504: up to ``retries`` times (MAGENTO_RETRIES, 3);
- the wait is the answer's ``Retry-After`` when it has one, else ``backoff * 2**(n-1)`` (1, 2, 4 s; no jitter);
- a ``Retry-After`` longer than ``retry_after_cap`` is not waited for in-process: the error goes straight to
  the caller with ``retry_after`` set, and the broker's delay tiers take over;
- a non-idempotent write (POST of an invoice, a shipment, a comment ...) is resent only when the failure
  proves Magento did not process it (connection never made, 408, 429, 503); after a read timeout, a dropped
  connection, 502 or 504 it may have been applied, so the error goes up with
  ``details["may_have_reached_magento"] = True`` instead of risking a duplicate.
Everything else (400, 401, 403, 404, 500, bad bodies) is never retried in-process.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from core.errors import MagentoUnavailable
from core.settings import Settings


@dataclasses.dataclass(frozen=True)
class MagentoRetryPolicy:
    retries: int = 3
    backoff_seconds: float = 1.0
    retry_after_cap: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> MagentoRetryPolicy:
        return cls(retries=settings.magento_retries, backoff_seconds=settings.magento_backoff_seconds,
                   retry_after_cap=settings.magento_retry_after_cap)

    def backoff(self, retry_number: int) -> float:
        """The wait before retry ``retry_number`` (1-based) when the server gave no Retry-After."""
        return self.backoff_seconds * 2.0 ** (retry_number - 1)

    def should_retry(self, error: BaseException, idempotent: bool) -> bool:
        """Whether ``error`` may be retried in-process for a call that is (or is not) idempotent."""
        if not isinstance(error, MagentoUnavailable):
            return False
        if error.details.get("retry_in_process") is False:
            return False
        if error.retry_after is not None and error.retry_after > self.retry_after_cap:
            return False
        return idempotent or not error.details.get("may_have_reached_magento", True)

    def wait(self, state: RetryCallState) -> float:
        """Seconds before the next attempt: the error's Retry-After, else the exponential backoff."""
        error = state.outcome.exception() if state.outcome else None
        retry_after: float | None = getattr(error, "retry_after", None)
        if retry_after is not None:
            return min(retry_after, self.retry_after_cap)
        return self.backoff(state.attempt_number)

    def retrying(self, *, idempotent: bool, sleep: Callable[[float], None],
                 before_sleep: Callable[[RetryCallState], None] | None = None) -> Retrying:
        """A tenacity ``Retrying`` with explicit stop, wait, retry and ``reraise=True``."""
        return Retrying(
            stop=stop_after_attempt(self.retries + 1),
            wait=self.wait,
            retry=retry_if_exception(lambda error: self.should_retry(error, idempotent)),
            reraise=True,
            sleep=sleep,
            before_sleep=before_sleep,
        )
