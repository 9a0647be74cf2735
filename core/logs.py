"""Logging set-up: one line per state change, as text or JSON, with secrets scrubbed from every line."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable

_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


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
        record.msg = self.scrub(record.getMessage())
        record.args = None
        return True


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
    handler.addFilter(Redactor(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pika logs every failed connection attempt at ERROR, with tracebacks; the bridge says it once, in its own
    # words (host, port, cause), so pika speaks only at DEBUG.
    logging.getLogger("pika").setLevel(logging.DEBUG if level == "DEBUG" else logging.CRITICAL)
    logging.getLogger("urllib3").setLevel(max(logging.WARNING, logging.getLevelName(level)))


def configure_from(settings: object) -> None:
    """Configure logging from a Settings object, scrubbing every secret it holds."""
    from core.settings import VARIABLES

    secrets: list[str] = []
    for variable in VARIABLES:
        value = getattr(settings, variable.attr)
        if variable.secret and value:
            secrets.extend(value if isinstance(value, tuple) else [str(value)])
    configure(settings.log_level, settings.log_format, secrets)  # type: ignore[attr-defined]
