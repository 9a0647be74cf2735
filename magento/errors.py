"""Pure translation of Magento's error answers into ``core.errors`` classes with a readable sentence.

Magento's REST error body is ``{"message": "...%1... or ...%name...", "parameters": [...] or {...},
"errors": [{"message": ..., "parameters": ...}, ...], "trace": "..."}``; ``render`` fills the placeholders the
way Magento's own phrase renderer does (``%1`` is the first list item, ``%name`` a dict key) and appends the
nested ``errors``. ``classify`` turns status + body + headers into the error to raise; the raw body travels in
``error.body`` (trimmed to ``MAX_BODY_CHARS``), the sentence in ``error.message``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from collections.abc import Mapping
from typing import Any

from core.errors import (
    MagentoAuthError,
    MagentoError,
    MagentoForbidden,
    MagentoNotFound,
    MagentoRateLimited,
    MagentoServerError,
    MagentoTooManyItems,
    MagentoUnavailable,
    MagentoValidationError,
)

MAX_BODY_CHARS = 65536
SNIPPET_CHARS = 300
UNAVAILABLE_STATUSES = frozenset({408, 502, 503, 504})
# Statuses that prove Magento did not process the request, so even a non-idempotent write may be resent.
NOT_PROCESSED_STATUSES = frozenset({408, 429, 503})
AUTH_HINT = "the access token may have expired or lacks the resource permission"
ITEM_LIMIT = 'Maximum items of type "%type" is %max'  # EntityArrayValidator (Magento 2.4.3+ input limits)

_PLACEHOLDER = re.compile(r"%(\w+)")
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_DELTA_SECONDS = re.compile(r"^\d+(\.\d+)?$")


def fill(template: Any, parameters: Any) -> str:
    """``template`` with ``%1``/``%name`` replaced from ``parameters`` (a list or a dict); unknown ones stay."""
    text = "" if template is None else str(template)
    if isinstance(parameters, list):
        values = {str(index + 1): value for index, value in enumerate(parameters)}
    elif isinstance(parameters, Mapping):
        values = {str(name): value for name, value in parameters.items()}
    else:
        return text

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return _as_text(values[name]) if name in values else match.group(0)

    return _PLACEHOLDER.sub(replace, text)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def render(body: Mapping[str, Any]) -> str:
    """The readable sentence of a Magento error body: the message, then each nested error."""
    main = fill(body.get("message"), body.get("parameters")).strip()
    nested = body.get("errors")
    details = [fill(item.get("message"), item.get("parameters")).strip()
               for item in (nested if isinstance(nested, list) else []) if isinstance(item, Mapping)]
    details = [detail for detail in details if detail and detail != main]
    if not details:
        return main
    if not main:
        return "; ".join(details)
    return f"{main.rstrip('.')}: {'; '.join(details)}"


def sentence(status: int, reason: str, text: str) -> str:
    """The sentence for any error answer: Magento's rendered message, or a snippet of a non-Magento body."""
    try:
        body = json.loads(text) if text.strip() else None
    except ValueError:
        body = None
    if isinstance(body, Mapping) and (body.get("message") or body.get("errors")):
        rendered = render(body)
        if rendered:
            return rendered
    heading = f"HTTP {status} {reason}".strip()
    snippet = snippet_of(text)
    return f"{heading}: {snippet}" if snippet else heading


def snippet_of(text: str) -> str:
    """A short one-line excerpt of a body (HTML tags removed), for bodies that are not Magento's JSON."""
    flat = _SPACE.sub(" ", _TAG.sub(" ", text)).strip()
    return flat if len(flat) <= SNIPPET_CHARS else flat[:SNIPPET_CHARS] + "..."


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date); None when absent or invalid."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if _DELTA_SECONDS.match(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - now)


def error_class(status: int) -> type[MagentoError]:
    """The ``core.errors`` class for an HTTP error status."""
    if status == 429:
        return MagentoRateLimited
    if status in UNAVAILABLE_STATUSES:
        return MagentoUnavailable
    if status == 401:
        return MagentoAuthError
    if status == 403:
        return MagentoForbidden
    if status == 404:
        return MagentoNotFound
    if status >= 500:
        return MagentoServerError
    return MagentoValidationError


def classify(status: int, text: str, headers: Mapping[str, str], *, reason: str = "", call: str = "",
             now: float = 0.0) -> MagentoError:
    """The error to raise for an error answer; ``call`` (e.g. ``GET /V1/orders/5``) is named in the message."""
    cls = error_class(status)
    message = sentence(status, reason, text)
    if cls is MagentoAuthError:
        message = f"{message} ({AUTH_HINT})"
    if call:
        message = f"{message} [{call}]"
    retry_after = retry_after_seconds(_header(headers, "Retry-After"), now)
    details: dict[str, Any] = {"call": call, "may_have_reached_magento": status not in NOT_PROCESSED_STATUSES}
    limit = item_limit(text) if cls is MagentoValidationError else None
    if limit is not None:
        cls, details["max"] = MagentoTooManyItems, limit
    return cls(message, status=status, body=text[:MAX_BODY_CHARS], retry_after=retry_after, details=details)


def item_limit(text: str) -> int | None:
    """The ``%max`` of Magento's input-limit error body, or None when ``text`` is another answer."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, Mapping) or body.get("message") != ITEM_LIMIT:
        return None
    parameters = body.get("parameters")
    limit = parameters.get("max") if isinstance(parameters, Mapping) else None
    if isinstance(limit, int) and not isinstance(limit, bool):
        return limit
    return int(limit) if isinstance(limit, str) and limit.strip().isdigit() else None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None
