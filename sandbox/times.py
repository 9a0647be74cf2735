"""Times as the stand-ins write and read them: the sandbox's own, so that a bug in the product's parsers shows.

Magento keeps date-times in UTC as ``YYYY-MM-DD HH:MM:SS``; the sandbox's notifications and admin API use
ISO 8601 with milliseconds and ``Z``. Input may be either form (a time without an offset is UTC).
"""

from __future__ import annotations

import datetime as dt

UTC = dt.UTC
MAGENTO_FORMAT = "%Y-%m-%d %H:%M:%S"


def utc_now() -> dt.datetime:
    return dt.datetime.now(UTC)


def utc_datetime(raw: str) -> dt.datetime:
    """An aware UTC datetime from ISO 8601 or Magento's form; raises ValueError."""
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{raw!r} is not an ISO 8601 date-time") from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def magento_time(value: dt.datetime) -> str:
    """Magento's column form of a time: UTC, ``YYYY-MM-DD HH:MM:SS``."""
    return value.astimezone(UTC).strftime(MAGENTO_FORMAT)


def iso(value: dt.datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, e.g. ``2024-06-01T12:00:00.000Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
