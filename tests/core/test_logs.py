"""Logging never shows a token or secret, in text or JSON."""

from __future__ import annotations

import json
import logging

import pytest

from core.logs import JsonFormatter, Redactor, printable, printable_json


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


def test_printable_escapes_control_characters_surrogates_and_bidi_overrides():
    assert printable("plain é ✓") == "plain é ✓"
    assert printable("a\x1b[31mb\x07\x7f\x9b\u202e\ud800") == "a\\x1b[31mb\\x07\\x7f\\x9b\\u202e\\ud800"
    assert printable("one\ntwo\tthree") == "one\\x0atwo\\x09three"
    assert printable("one\ntwo\r", keep_newlines=True) == "one\ntwo\\x0d"


def test_printable_json_stays_json_and_says_the_same():
    data = {"key": "a\x9b\x7f\u202e\x1bé"}
    text = printable_json(json.dumps(data, ensure_ascii=False, indent=2))
    assert not any(char in text for char in "\x9b\x7f\u202e\x1b")
    assert json.loads(text) == data


def test_log_lines_carry_no_raw_control_characters_but_keep_their_newlines():
    record = _record("refused id %s\nsecond line", "evt\x1b[2J\x9b")
    Redactor().filter(record)
    assert record.getMessage() == "refused id evt\\x1b[2J\\x9b\nsecond line"
@pytest.fixture
def restored_logging():
    """Put the root and pika loggers back as they were after a test that calls ``configure``."""
    root, pika = logging.getLogger(), logging.getLogger("pika")
    handlers, level, pika_level = list(root.handlers), root.level, pika.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    pika.setLevel(pika_level)


def test_stored_error_texts_lose_credentials_and_personal_data(restored_logging):
    from core.logs import configure, scrub_stored

    configure(secrets=["odoo-admin-pw"])
    echoed = ("odoo answered 500: {'headers': {'Authorization': 'Bearer abc.def'}, 'password': 'odoo-admin-pw', "
              "'email': 'jane@example.com', \"telephone\": \"+49 30 1234567\", 'street': ['Main St 1', 'Apt 2'], "
              "'postcode': '10115'} call +1 (555) 123-4567 or bob.smith@mail.co.uk; Authorization: Basic dXNlcjpw")
    scrubbed = scrub_stored(echoed)
    for leaked in ("abc.def", "odoo-admin-pw", "jane@", "1234567", "Main St", "10115", "555", "bob.smith",
                   "dXNlcjpw"):
        assert leaked not in scrubbed
    assert "'email': '***'" in scrubbed and "'street': [***]" in scrubbed and "Authorization" in scrubbed


def test_ordinary_error_texts_are_stored_as_they_are():
    from core.logs import scrub_stored

    text = ("erp answered 422: Invalid field 'carrier_tracking_ref' on model 'stock.picking'; "
            "order 000000123, sku 24-MB01")
    assert scrub_stored(text) == text


def test_pikas_own_lines_show_only_at_debug(restored_logging):
    from core.logs import configure

    configure("INFO")
    assert not logging.getLogger("pika.adapters.blocking_connection").isEnabledFor(logging.ERROR)
    configure("DEBUG")
    assert logging.getLogger("pika.adapters.blocking_connection").isEnabledFor(logging.DEBUG)
