"""Logging set-up: one line per state change, as text or JSON, with secrets scrubbed from every line and
control characters escaped (``printable``, also used for what ``bridgectl`` prints)."""

from __future__ import annotations

import json
import logging
import re
import sys
import unicodedata
from collections.abc import Iterable

from core.settings import VARIABLES

_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unsafe(char: str) -> bool:
    """A control character (C0, DEL, C1), a lone surrogate or a bidirectional override: never printed raw."""
    return char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs")


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` safe for a terminal or a log line: control characters, lone surrogates and bidirectional
    overrides become ``\\xNN``/``\\uNNNN`` escapes (newlines and tabs too unless ``keep_newlines``)."""
    kept = "\n\t" if keep_newlines else ""
    if text.isprintable() and not any(char in _BIDI_CONTROLS for char in text):
        return text
    return "".join(_escape(char) if _unsafe(char) and char not in kept else char for char in text)


def printable_json(text: str) -> str:
    """JSON text (``ensure_ascii=False``) with the characters ``printable`` escapes written as ``\\uNNNN``."""
    return "".join(f"\\u{ord(char):04x}" if _unsafe(char) and char not in "\n" else char for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
# Personal data and credentials an ERP or Magento may echo in an error body, by field name (JSON, Python repr,
# form or header style): the value is replaced, the name kept so the error still says which field it was.
_PERSONAL_FIELDS = (r"e-?mail|telephone|phone|mobile|fax|street\d?|postcode|zip|city|first_?name|last_?name|"
                    r"middle_?name|dob|vat_id|taxvat|password|passwd|api_?key|access_?token|token|secret")
_KEYED_VALUE = re.compile(r"""(?i)(["']?\b(?:""" + _PERSONAL_FIELDS + r""")\b["']?\s*[:=]\s*)"""
                          r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\[[^\]]*\]|[^\s,;&}\]]+)""")
_AUTHORIZATION = re.compile(r"""(?i)(\bauthorization["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\r\n,;}]+)""")
_BASIC = re.compile(r"(?i)(basic\s+)[A-Za-z0-9+/=]{8,}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"\+\d[\d ().-]{6,}\d")
_stored_secrets: tuple[str, ...] = ()


class Redactor(logging.Filter):
    """Replaces configured secrets, bearer tokens and URL passwords with ``***`` in every record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({secret for secret in secrets if secret and len(secret) >= 4}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        text = _BEARER.sub(r"\1***", text)
        return _URL_PASSWORD.sub(r"\1***@", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = printable(self.scrub(record.getMessage()), keep_newlines=True)
        record.args = None
        return True


def scrub_personal(text: str) -> str:
    """``text`` without credentials and customers' personal data: Authorization values, fields such as email,
    telephone, street, postcode, names and tokens (by name), and e-mail addresses and +international phone
    numbers anywhere."""
    text = _AUTHORIZATION.sub(lambda match: match.group(1) + _masked(match.group(2)), text)
    text = _KEYED_VALUE.sub(lambda match: match.group(1) + _masked(match.group(2)), text)
    text = _BASIC.sub(r"\1***", text)
    text = _EMAIL.sub("***@***", text)
    return _PHONE.sub("***", text)


def _masked(value: str) -> str:
    """``***`` in the value's own quotes or brackets."""
    if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) > 1:
        return value[0] + "***" + value[0]
    return "[***]" if value.startswith("[") else "***"


def scrub_stored(text: str | None) -> str | None:
    """An error text as it may be stored in reports and dead letters: the log redactor's secrets (those of
    the last ``configure``), bearer tokens and URL passwords scrubbed, and personal data (``scrub_personal``)."""
    if not text:
        return text
    return scrub_personal(Redactor(_stored_secrets).scrub(text))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update({key: value for key, value in vars(record).items() if key not in _STANDARD_ATTRS})
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def configure(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    """Send the root logger to stderr in ``fmt`` at ``level``, scrubbing ``secrets``."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        formatter: logging.Formatter = JsonFormatter()
        formatter.converter = __import__("time").gmtime
    else:
        formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler.setFormatter(formatter)
    global _stored_secrets
    _stored_secrets = tuple(secrets)
    handler.addFilter(Redactor(_stored_secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pika logs every failed connection attempt at ERROR, with tracebacks; the bridge says it once, in its own
    # words (host, port, cause), so pika speaks only at DEBUG.
    logging.getLogger("pika").setLevel(logging.DEBUG if level == "DEBUG" else logging.CRITICAL)
    logging.getLogger("urllib3").setLevel(max(logging.WARNING, logging.getLevelName(level)))


def configure_from(settings: object) -> None:
    """Configure logging from a Settings object, scrubbing every secret it holds."""
    secrets: list[str] = []
    for variable in VARIABLES:
        value = getattr(settings, variable.attr)
        if variable.secret and value:
            secrets.extend(value if isinstance(value, tuple) else [str(value)])
    configure(settings.log_level, settings.log_format, secrets)  # type: ignore[attr-defined]
