"""The retry decision and the headers of retry and dead-letter copies (pure: no pika, no clock of its own).

A message's ``bridge-attempts`` header counts the attempts already made; the attempt being decided is
that number plus one. A retryable failure goes to the delay tier for its attempt number (the first
failure to the first tier, the second to the second, the last tier again after that), or to the
smallest tier at least as long as the server's ``Retry-After`` when that is longer. When the attempt
that just failed is attempt ``MAX_ATTEMPTS``, or the failure is permanent, the message is dead.
Exceptions outside ``core.errors`` are treated as retryable (nothing is lost, and a persistent bug ends
in the dead-letter queue after ``MAX_ATTEMPTS`` with "unexpected error: ..." as its text).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from broker.topology import (
    DEFAULT_EXCHANGE,
    H_ATTEMPTS,
    H_DEAD_AT,
    H_ERROR,
    H_ERROR_CLASS,
    H_FIRST_ATTEMPT_AT,
    H_LAST_ATTEMPT_AT,
    RETRY_EXCHANGE,
    RETRY_TIER_HEADER,
    dead_queue,
    entity_queue,
    retry_tier,
)
from core.errors import MagentoAuthError, PermanentError, describe
from core.logs import scrub_stored
from core.settings import Settings

RETRY = "retry"
DEAD = "dead"
# AMQP headers travel in one frame (128 KiB by default): longer error texts are cut, with a marker.
MAX_ERROR_TEXT = 32_000
TOKEN_HINT = ("the Magento access token may have expired or lack this resource's permission: "
              "fix MAGENTO_ACCESS_TOKEN (or the integration's resources), then replay the dead letters")


@dataclasses.dataclass(frozen=True)
class Decision:
    """What happens to one failed delivery: ``retry`` in ``tier`` seconds, or ``dead``."""

    action: str
    attempts: int
    tier: int | None
    error_class: str
    error_text: str


@dataclasses.dataclass(frozen=True)
class BrokerRetryTiers:
    """The delay tiers (seconds, increasing) and how many attempts a message gets in all."""

    delays: tuple[int, ...]
    max_attempts: int

    @classmethod
    def from_settings(cls, settings: Settings) -> BrokerRetryTiers:
        return cls(tuple(settings.retry_delays), settings.max_attempts)

    def decide(self, error: BaseException, attempt: int) -> Decision:
        """The decision after attempt number ``attempt`` (1 for a first delivery) failed with ``error``."""
        error_class, error_text = error_report(error)
        if isinstance(error, PermanentError) or attempt >= self.max_attempts:
            return Decision(DEAD, attempt, None, error_class, error_text)
        tier = tier_for(attempt, self.delays, getattr(error, "retry_after", None))
        return Decision(RETRY, attempt, tier, error_class, error_text)


def tier_for(attempt: int, delays: Sequence[int], retry_after: float | None = None) -> int:
    """The delay tier after failed attempt ``attempt``: its own tier, or a longer one ``retry_after`` asks for."""
    if not delays:
        raise ValueError("at least one retry delay is needed")
    tier = delays[min(max(attempt, 1), len(delays)) - 1]
    if retry_after is not None and retry_after > tier:
        longer = [delay for delay in delays if delay >= retry_after]
        tier = longer[0] if longer else delays[-1]
    return tier


def error_report(error: BaseException) -> tuple[str, str]:
    """(error_class, readable text) for reports and headers, scrubbed of secrets and personal data
    (``core.logs.scrub_stored``); a Magento 401 says the token may have expired."""
    error_class, text = describe(error)
    text = scrub_stored(text) or ""
    if isinstance(error, MagentoAuthError) and "expired" not in text:
        text = f"{text} ({TOKEN_HINT})"
    if len(text) > MAX_ERROR_TEXT:
        text = text[:MAX_ERROR_TEXT] + f"... [cut: {len(text) - MAX_ERROR_TEXT} more characters]"
    return error_class, text


def attempts_made(headers: Mapping[str, Any] | None) -> int:
    """The attempts already made on a message, from its ``bridge-attempts`` header (0 when absent or bad)."""
    value: Any = (headers or {}).get(H_ATTEMPTS)
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def carried_headers(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    """The headers a copy keeps: everything except the broker's own ``x-`` headers and the retry tier."""
    return {name: value for name, value in (headers or {}).items()
            if not name.startswith("x-") and name != RETRY_TIER_HEADER}


def _failure_headers(headers: Mapping[str, Any] | None, decision: Decision, now: str) -> dict[str, Any]:
    copy = carried_headers(headers)
    first = copy.get(H_FIRST_ATTEMPT_AT)
    if isinstance(first, bytes):
        first = first.decode("utf-8", "replace")
    copy.update({
        H_ATTEMPTS: decision.attempts,
        H_FIRST_ATTEMPT_AT: first or now,
        H_LAST_ATTEMPT_AT: now,
        H_ERROR_CLASS: decision.error_class,
        H_ERROR: decision.error_text,
    })
    return copy


def retry_headers(headers: Mapping[str, Any] | None, decision: Decision, now: str) -> dict[str, Any]:
    """Headers of the copy sent to the retry exchange: attempts, times, last error and the tier to route by."""
    copy = _failure_headers(headers, decision, now)
    copy[RETRY_TIER_HEADER] = retry_tier(decision.tier or 0)
    return copy


def dead_headers(headers: Mapping[str, Any] | None, decision: Decision, now: str) -> dict[str, Any]:
    """Headers of the dead letter: attempts, first and last attempt, error class and text, time of death."""
    copy = _failure_headers(headers, decision, now)
    copy[H_DEAD_AT] = now
    return copy


def copy_route(entity: str, headers: Mapping[str, Any] | None, decision: Decision,
               now: str) -> tuple[str, str, dict[str, Any]]:
    """(exchange, routing key, headers) of the copy ``decision`` asks for, of a message from ``entity``'s queue."""
    if decision.action == RETRY:
        return RETRY_EXCHANGE, entity_queue(entity), retry_headers(headers, decision, now)
    return DEFAULT_EXCHANGE, dead_queue(entity), dead_headers(headers, decision, now)
