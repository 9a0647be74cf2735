"""Logging never shows a token or secret, in text or JSON."""

from __future__ import annotations

import json
import logging

from core.logs import JsonFormatter, Redactor


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.makeLogRecord({"msg": message, "args": args, "levelname": "INFO", "name": "t"})


def test_configured_secrets_bearer_tokens_and_url_passwords_are_scrubbed():
    redactor = Redactor(["s3cret-value"])
    record = _record("calling with %s and Authorization: Bearer abc.DEF-123 via amqp://user:pw@host/",
                     "s3cret-value")
    redactor.filter(record)
    text = record.getMessage()
    assert "s3cret-value" not in text and "abc.DEF-123" not in text and ":pw@" not in text
    assert "Bearer ***" in text and "amqp://user:***@host/" in text


def test_json_lines_carry_extra_fields():
    record = _record("synced")
    record.entity = "product"
    payload = json.loads(JsonFormatter().format(record))
    assert payload["message"] == "synced" and payload["entity"] == "product" and payload["level"] == "INFO"
