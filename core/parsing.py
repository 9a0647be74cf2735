"""Pure parsers for configuration values and times; each raises ValueError with a readable reason."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

_WORD_SEPARATORS = re.compile(r"[\s,]+")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
_Number = TypeVar("_Number", int, float)


def word_list(raw: str) -> tuple[str, ...]:
    """Split on spaces and commas, dropping empty words."""
    return tuple(word for word in _WORD_SEPARATORS.split(raw.strip()) if word)


def path_list(raw: str) -> tuple[Path, ...]:
    paths = tuple(Path(word) for word in word_list(raw))
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise ValueError(f"no such file: {', '.join(missing)}")
    return paths


def positive_int(raw: str) -> int:
    return _positive(_number(raw, int, "a whole number"))


def non_negative_int(raw: str) -> int:
    return _non_negative(_number(raw, int, "a whole number"))


def positive_float(raw: str) -> float:
    return _positive(_number(raw, float, "a number"))


def non_negative_float(raw: str) -> float:
    return _non_negative(_number(raw, float, "a number"))


def _number(raw: str, kind: type[_Number], described: str) -> _Number:
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"must be {described}") from None


def _positive(value: _Number) -> _Number:
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


def _non_negative(value: _Number) -> _Number:
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


def boolean(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return raw
    return parse


def log_level(raw: str) -> str:
    level = raw.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
    logging.getLevelName(level)
    return level


def identifier(raw: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", raw):
        raise ValueError("must be letters, digits and underscores, not starting with a digit")
    return raw


def store_code(raw: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]+", raw):
        raise ValueError("must be a Magento store code (lower-case letters, digits, underscores)")
    return raw


def http_url_or_empty(raw: str) -> str:
    if raw == "":
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return raw.rstrip("/")


def amqp_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in {"amqp", "amqps"} or not parts.hostname:
        raise ValueError("must be an amqp:// or amqps:// URL such as amqp://guest:guest@127.0.0.1:5672/%2F")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise ValueError("its port must be a number from 1 to 65535, as in amqp://guest:guest@127.0.0.1:5672/%2F")
    return raw


def host_port(url: str, default_port: int = 5672) -> str:
    """``host:port`` of a URL (without credentials), for messages such as "cannot reach the broker at ..."."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = 5671 if parts.scheme == "amqps" and default_port == 5672 else default_port
    return f"{parts.hostname}:{port}"


def database_url(raw: str) -> str:
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", raw):
        raise ValueError("must be a SQLAlchemy URL starting sqlite:/// or postgresql://")
    return raw


def webhook_secret_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret: the base64-decoded part after ``whsec_``."""
    if not secret.startswith("whsec_"):
        raise ValueError("each secret must start with whsec_")
    try:
        key = base64.b64decode(secret[len("whsec_"):], validate=True)
    except binascii.Error:
        raise ValueError("the part after whsec_ must be base64") from None
    if len(key) < 16:
        raise ValueError("each secret must decode to at least 16 bytes")
    return key


def duration(raw: str) -> float:
    """Seconds from ``90``, ``90s``, ``15m``, ``24h``, ``2d`` or ``500ms``."""
    match = _DURATION.match(raw.strip().lower())
    if not match:
        raise ValueError("must be a duration such as 300, 120s, 15m, 24h or 2d")
    return float(match.group(1)) * _DURATION_UNITS[match.group(2)]


def delay_tiers(raw: str) -> tuple[int, ...]:
    tiers = tuple(positive_int(word) for word in word_list(raw))
    if not tiers:
        raise ValueError("must list at least one delay in seconds")
    if list(tiers) != sorted(set(tiers)):
        raise ValueError("delays must be distinct and increasing")
    return tiers


def utc_datetime(raw: str) -> dt.datetime:
    """A timezone-aware UTC datetime from ISO 8601 or Magento's ``YYYY-MM-DD HH:MM:SS`` (which is UTC)."""
    text = raw.strip().replace("Z", "+00:00")
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{raw!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def magento_timestamp(value: dt.datetime) -> str:
    """Magento's own date-time form (UTC, ``YYYY-MM-DD HH:MM:SS``), as used in searchCriteria filters."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
