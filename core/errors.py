"""The one error hierarchy: the exception's type carries the retry decision.

``RetryableError`` means "try again later" (the broker holds the message in a delay tier);
``PermanentError`` means "this will not succeed as it is" (the message is dead-lettered with its text).
Adapters raise the most specific subclass; callers decide by ``isinstance`` on the two roots, never by
catching ``OSError`` (requests' HTTPError is an OSError, and so is every socket error).
"""

from __future__ import annotations

import re
from typing import Any

from core.parsing import host_port

# The exit code of every process (receiver, consumers, bridgectl) refusing to start on bad configuration
# (sysexits.h EX_CONFIG): a process manager should not restart it until the configuration is fixed.
EXIT_CONFIG = 78


class ConfigError(Exception):
    """A missing or bad configuration value; the message names the variable."""


class BridgeError(Exception):
    """Base of every error that travels with a message into retries, dead letters and reports."""

    retryable = False
    source = "bridge"

    def __init__(self, message: str, *, status: int | None = None, body: str | None = None,
                 retry_after: float | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body
        self.retry_after = retry_after
        self.details = details or {}

    @property
    def error_class(self) -> str:
        return type(self).__name__

    def report_text(self) -> str:
        """The readable sentence for reports and dead letters, with the HTTP status when there is one."""
        prefix = f"{self.source} answered {self.status}: " if self.status else f"{self.source}: "
        return prefix + self.message


class RetryableError(BridgeError):
    retryable = True


class PermanentError(BridgeError):
    retryable = False


# Broker
class BrokerUnavailable(RetryableError):
    """The broker is unreachable, refused (nack) or did not confirm in time."""

    source = "rabbitmq"


class MessageUnroutable(BrokerUnavailable):
    """The broker returned a mandatory message: no queue is bound for its routing key."""


# Magento
class MagentoError(BridgeError):
    source = "magento"


class MagentoUnavailable(MagentoError, RetryableError):
    """Timeout, connection error, or 502/503/504 after the client's own retries."""


class MagentoRateLimited(MagentoUnavailable):
    """429 Too Many Requests; ``retry_after`` holds the server's hint in seconds."""


class MagentoAuthError(MagentoError, PermanentError):
    """401: the access token may have expired or lacks the resource permission."""


class MagentoForbidden(MagentoError, PermanentError):
    """403: the integration is not allowed to do this."""


class MagentoNotFound(MagentoError, PermanentError):
    """404: the record was deleted, or the route does not exist (module disabled)."""

    @property
    def route_missing(self) -> bool:
        return "does not match any route" in self.message


class MagentoValidationError(MagentoError, PermanentError):
    """400 (or another 4xx): Magento refused the request as it is."""


class MagentoTooManyItems(MagentoValidationError):
    """More items in one REST input array than Magento accepts (2.4.3+ input limits, 20 by default): refused by
    the client above MAGENTO_MAX_ITEMS before sending, or Magento's own 400 ``Maximum items of type "%type" is
    %max`` (``details["max"]`` then holds the store's limit). Permanent as it is: the caller sends smaller chunks."""


class MagentoServerError(MagentoError, RetryableError):
    """500 and other 5xx not listed as unavailable; retried by the broker, not in-process."""


class MagentoBadResponse(MagentoError, PermanentError):
    """A 2xx whose body is not the JSON the endpoint documents."""


class MagentoRelatedMissing(MagentoError, PermanentError):
    """404 on a record another one needs (an invoice's order): unlike MagentoNotFound, not a deletion of the
    record being synced, so nothing is deleted in the ERP."""


# ERP
class ErpError(BridgeError):
    source = "erp"


class ErpUnavailable(ErpError, RetryableError):
    """Timeout, connection error, 429 or 5xx from the ERP."""


class ErpRejected(ErpError, PermanentError):
    """The ERP refused the document (409, 422, other 4xx, or an Odoo validation/access error)."""


class ErpAuthError(ErpError, PermanentError):
    """The ERP refused the credentials."""


class NothingNewYet(ErpError, RetryableError):
    """An ERP webhook announced a change the ERP does not show yet (Odoo sends it before its commit): the
    consumer looks once more after the first retry delay."""


# Our own processing
class MappingError(PermanentError):
    """A Magento record could not be mapped to the ERP document."""

    source = "mapping"


class MalformedMessage(PermanentError):
    """A queued message whose body is not a valid notification."""

    source = "message"


class RecordBusy(RetryableError):
    """Another consumer holds the record's lease; the message is retried after a delay."""

    source = "sync-state"


def describe(error: BaseException) -> tuple[str, str]:
    """(error_class, readable text) for any exception, for reports and dead-letter headers."""
    if isinstance(error, BridgeError):
        return error.error_class, error.report_text()
    return type(error).__name__, f"unexpected error: {error}"


_WRAPPED_OS_ERROR = re.compile(r"\w+Error\(\d+, '([^']+)'\)")  # pika's text of a socket error: "...Error(104, '...')"


def broker_unreachable(url: str, error: BaseException) -> str:
    """``cannot reach the broker at host:port: cause`` (never the credentials), for logs and commands."""
    return f"cannot reach the broker at {host_port(url)}: {network_cause(error)}"


def network_cause(error: BaseException) -> str:
    """The root cause of a connection failure in a few words (``connection refused``, ``timed out``, a
    name that does not resolve), dug out of wrapped exceptions such as pika's, which print empty."""
    seen: set[int] = set()
    pending: list[Any] = [error]
    while pending:
        current = pending.pop(0)
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and (current.strerror or current.args):
            return (current.strerror or str(current.args[-1])).lower()
        nested = getattr(current, "exceptions", None) or ()
        pending.extend([getattr(current, "exception", None), *nested, *current.args,
                        current.__cause__, current.__context__])
    text = str(error).strip()
    wrapped = _WRAPPED_OS_ERROR.search(text)
    if wrapped:
        return wrapped.group(1).lower()
    if "indicated EOF" in text:
        return "the connection was closed by the other end"
    return text or type(error).__name__
