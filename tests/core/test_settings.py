"""Settings: parsed once from the environment, validated, with messages naming the bad variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.errors import ConfigError
from core.settings import VARIABLES, Settings

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_defaults_without_environment():
    settings = Settings.from_env({})
    assert settings.amqp_url == "amqp://guest:guest@127.0.0.1:5672/%2F"
    assert settings.webhook_tolerance_seconds == 300
    assert settings.max_body_bytes == 262144
    assert settings.retry_delays == (5, 30, 120, 600, 1800)
    assert settings.max_attempts == 8
    assert settings.noncritical_entities == ("category", "invoice", "shipment", "creditmemo")
    assert settings.reconcile_lookback == 86400
    assert settings.database_url == "sqlite:///var/bridge.sqlite3"
    assert settings.magento_store_code == "default" and settings.magento_write_store_code == "all"


def test_lists_split_on_spaces_and_commas():
    settings = Settings.from_env({"WEBHOOK_SECRETS": f"{SECRET}, {SECRET[:-2]}AA", "WEBHOOK_TOKENS": "a b,c"})
    assert settings.webhook_secrets == (SECRET, SECRET[:-2] + "AA")
    assert settings.webhook_tokens == ("a", "b", "c")


@pytest.mark.parametrize("name, value, fragment", [
    ("WEBHOOK_TOLERANCE_SECONDS", "soon", "whole number"),
    ("MAX_BODY_BYTES", "0", "greater than 0"),
    ("WEBHOOK_SECRETS", "not-a-secret", "whsec_"),
    ("LOG_FORMAT", "xml", "json, text"),
    ("RETRY_DELAYS", "30,5", "increasing"),
    ("NONCRITICAL_ENTITIES", "category,widget", "widget"),
    ("AMQP_URL", "http://x", "amqp://"),
    ("AMQP_URL", "amqp://h:99999/", "port must be a number from 1 to 65535"),
    ("AMQP_URL", "amqp://h:abc/", "port must be a number from 1 to 65535"),
    ("REPORTS_RETENTION_DAYS", "0", "greater than 0"),
    ("MAGENTO_VERIFY_TLS", "maybe", "true or false"),
    ("RECONCILE_OVERLAP", "two minutes", "duration"),
])
def test_bad_value_names_the_variable(name, value, fragment):
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({name: value})
    assert name in str(caught.value) and fragment in str(caught.value)


def test_secret_values_are_not_echoed_in_errors():
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"WEBHOOK_SECRETS": "whsec_!!!notbase64"})
    assert "notbase64" not in str(caught.value)


def test_overrides_win_and_are_parsed():
    settings = Settings.from_env({"MAX_ATTEMPTS": "3"}, {"MAX_ATTEMPTS": "5", "retry_delays": (1, 2)})
    assert settings.max_attempts == 5 and settings.retry_delays == (1, 2)
    with pytest.raises(ConfigError, match="unknown setting"):
        Settings.from_env({}, {"NOPE": "1"})


def test_settings_are_frozen():
    settings = Settings.from_env({})
    with pytest.raises(AttributeError):
        settings.max_attempts = 1


def test_receiver_refuses_to_start_without_a_way_to_authenticate():
    with pytest.raises(ConfigError, match="WEBHOOK_SECRETS or WEBHOOK_TOKENS"):
        Settings.from_env({}).validate_receiver()
    Settings.from_env({"WEBHOOK_TOKENS": "t0ken"}).validate_receiver()


def test_role_validation_names_missing_variables():
    with pytest.raises(ConfigError, match="MAGENTO_BASE_URL, MAGENTO_ACCESS_TOKEN"):
        Settings.from_env({}).validate_magento()
    with pytest.raises(ConfigError, match="ODOO_URL"):
        Settings.from_env({}).validate_erp()
    with pytest.raises(ConfigError, match="MAGENTO_CONSUMER_SECRET"):
        Settings.from_env({"MAGENTO_BASE_URL": "http://m", "MAGENTO_ACCESS_TOKEN": "t",
                           "MAGENTO_CONSUMER_KEY": "k"}).validate_magento()


def test_redacted_hides_secrets():
    settings = Settings.from_env({"MAGENTO_ACCESS_TOKEN": "s3cret-token", "ERP_HTTP_URL": "http://erp"})
    shown = settings.redacted()
    assert shown["magento_access_token"] == "***" and shown["erp_http_url"] == "http://erp"


def test_env_example_and_docs_list_every_variable():
    example = (ROOT / ".env.example").read_text()
    documented = (ROOT / "docs" / "configuration.md").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.M))
    names = {variable.env for variable in VARIABLES}
    assert names <= listed, f"missing from .env.example: {sorted(names - listed)}"
    missing_docs = sorted(name for name in names if f"`{name}`" not in documented)
    assert not missing_docs, f"missing from docs/configuration.md: {missing_docs}"


def test_the_receiver_refuses_a_dedup_window_shorter_than_the_signature_tolerance():
    settings = Settings.from_env({"WEBHOOK_SECRETS": SECRET, "WEBHOOK_TOLERANCE_SECONDS": "300",
                                  "DEDUP_WINDOW_SECONDS": "299"})
    with pytest.raises(ConfigError, match=r"DEDUP_WINDOW_SECONDS \(299\) is shorter than "
                                          r"WEBHOOK_TOLERANCE_SECONDS \(300\).*replayed"):
        settings.validate_receiver()
    Settings.from_env({"WEBHOOK_SECRETS": SECRET, "WEBHOOK_TOLERANCE_SECONDS": "300",
                       "DEDUP_WINDOW_SECONDS": "300"}).validate_receiver()


def test_the_erp_change_settings():
    defaults = Settings.from_env({})
    assert (defaults.odoo_poll_overlap, defaults.erp_poll_interval, defaults.erp_http_changes) == (300, 60, False)
    assert defaults.erp_webhook_tokens == () and defaults.erp_webhook_secrets == ()
    settings = Settings.from_env({"ODOO_POLL_OVERLAP": "10m", "ERP_HTTP_CHANGES": "1",
                                  "ERP_WEBHOOK_TOKENS": "new-token-0123456789, old-token-0123456789",
                                  "ERP_WEBHOOK_SECRETS": SECRET})
    assert settings.odoo_poll_overlap == 600 and settings.erp_http_changes is True
    assert settings.erp_webhook_tokens == ("new-token-0123456789", "old-token-0123456789")
    settings.validate_receiver()  # an ERP token or secret alone is a way to authenticate senders
    assert settings.redacted()["erp_webhook_tokens"] == "***"


@pytest.mark.parametrize("token", ["short", "has/a-slash-0123456789", "has space?0123456789", "ünïcode-0123456789"])
def test_an_erp_webhook_token_must_be_a_long_url_safe_path_segment(token):
    with pytest.raises(ConfigError, match="ERP_WEBHOOK_TOKENS: each token must be at least 16 characters"):
        Settings.from_env({"ERP_WEBHOOK_TOKENS": token})
