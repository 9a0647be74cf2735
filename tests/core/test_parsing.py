"""Pure parsers for configuration values and Magento times."""

from __future__ import annotations

import datetime as dt

import pytest

from core import parsing


@pytest.mark.parametrize("raw, seconds", [("300", 300), ("120s", 120), ("15m", 900), ("24h", 86400),
                                          ("2d", 172800), ("500ms", 0.5), ("1.5h", 5400)])
def test_durations(raw, seconds):
    assert parsing.duration(raw) == seconds


def test_magento_times_are_utc():
    value = parsing.utc_datetime("2020-03-27 16:06:41")
    assert value == dt.datetime(2020, 3, 27, 16, 6, 41, tzinfo=dt.UTC)
    assert parsing.magento_timestamp(parsing.utc_datetime("2020-03-27T18:06:41+02:00")) == "2020-03-27 16:06:41"
    with pytest.raises(ValueError, match="ISO 8601"):
        parsing.utc_datetime("yesterday")


def test_webhook_secret_key_is_the_decoded_part():
    assert parsing.webhook_secret_key("whsec_" + "QUFBQUFBQUFBQUFBQUFBQQ==") == b"A" * 16
    with pytest.raises(ValueError, match="at least 16 bytes"):
        parsing.webhook_secret_key("whsec_QUFB")


def test_urls_lose_their_trailing_slash():
    assert parsing.http_url_or_empty("https://shop.example/") == "https://shop.example"
    with pytest.raises(ValueError):
        parsing.http_url_or_empty("shop.example")


def test_host_port_names_the_broker_without_credentials():
    assert parsing.host_port("amqp://u:secret@rabbit.example:5673/%2F") == "rabbit.example:5673"
    assert parsing.host_port("amqp://rabbit/") == "rabbit:5672"
    assert parsing.host_port("amqps://rabbit/") == "rabbit:5671"
