"""Assembles the receiver: settings, authenticators, duplicate store, broker link and routes."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from bridge.dedup import open_store
from bridge.endpoints import ADOBE_IO_PATH, MAGENTO_PATH, Authenticators, FastPath, adobe_io_endpoint, magento_endpoint
from bridge.erp_webhooks import ErpWebhooks, UrlTokens, erp_blueprint
from bridge.in_flight import InFlight
from bridge.receiver import Broker, Intake, SeenStore
from bridge.routes import make_blueprint, register_error_handlers
from bridge.signatures import AdobeSignatureVerifier, BearerTokens, StandardWebhooksVerifier
from broker.link import BrokerLink
from broker.topology import topology
from core.entities import STREAMS
from core.logs import configure_from
from core.settings import Settings
from store.db import in_memory, make_engine
from store.seen_events import SeenEvents

log = logging.getLogger(__name__)
EXTENSION = "bridge.receiver"


def build_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """The receiver from the environment plus ``overrides``; refuses to start without a way to authenticate."""
    settings = Settings.from_env(os.environ, overrides)
    settings.validate_receiver()
    configure_from(settings)
    return assemble(settings)


def check_configuration(env: Mapping[str, str] = os.environ) -> None:
    """Validate the receiver's settings once, before gunicorn forks workers; ``ConfigError`` says what is wrong."""
    Settings.from_env(env).validate_receiver()


def assemble(settings: Settings, *, store: SeenStore | None = None, broker: Broker | None = None) -> Flask:
    """The Flask app for ``settings``; ``store`` and ``broker`` replace the defaults (the bench uses this)."""
    auth = Authenticators(
        StandardWebhooksVerifier(settings.webhook_secrets, settings.webhook_tolerance_seconds),
        BearerTokens(settings.webhook_tokens),
        AdobeSignatureVerifier.from_pem_files(settings.adobe_io_public_keys),
    )
    intake = Intake(broker or default_broker(settings), store or default_store(settings), InFlight(),
                    wait_timeout=settings.publish_timeout_seconds)
    endpoints = {MAGENTO_PATH: magento_endpoint(intake, auth, settings.max_body_bytes),
                 ADOBE_IO_PATH: adobe_io_endpoint(intake, auth, settings.max_body_bytes,
                                                  settings.adobe_io_client_id)}
    debug = settings.log_level == "DEBUG"
    app = Flask("bridge")
    app.extensions[EXTENSION] = intake
    app.register_blueprint(make_blueprint(intake, endpoints))
    app.register_blueprint(erp_blueprint(ErpWebhooks(
        intake, UrlTokens(settings.erp_webhook_tokens),
        StandardWebhooksVerifier(settings.erp_webhook_secrets, settings.webhook_tolerance_seconds),
        settings.max_body_bytes)))
    register_error_handlers(app, debug_pid_header=debug)
    app.wsgi_app = FastPath(app.wsgi_app, endpoints, debug_pid_header=debug)  # type: ignore[method-assign]
    log.info("receiver configured: %d signing secret(s), %d token(s), %d Adobe key(s), %d ERP token(s), "
             "%d ERP secret(s), dedup window %d s", len(settings.webhook_secrets), len(settings.webhook_tokens),
             len(settings.adobe_io_public_keys), len(settings.erp_webhook_tokens), len(settings.erp_webhook_secrets),
             settings.dedup_window_seconds)
    return app


def default_broker(settings: Settings) -> BrokerLink:
    """One publisher per process that declares the layout it publishes to."""
    layout = topology(STREAMS, settings.retry_delays)
    return BrokerLink(settings.amqp_url, layout, publish_timeout=settings.publish_timeout_seconds)


def default_store(settings: Settings) -> SeenEvents:
    """The shared duplicate store; each request thread keeps a connection, so the pool has room for them."""
    pooled = {} if in_memory(settings.database_url) else {"pool_size": 32, "max_overflow": 32}
    engine = make_engine(settings.database_url, **pooled)
    return open_store(engine, settings.dedup_window_seconds)


def intake_of(app: Flask) -> Intake:
    """The receiver's Intake, for gunicorn hooks and tests."""
    return app.extensions[EXTENSION]


def start(app: Flask) -> None:
    """Open the broker connection now (gunicorn calls this in each worker after fork)."""
    intake_of(app).broker.start()


def stop(app: Flask) -> None:
    """Close the publisher and the duplicate store's writer (worker exit)."""
    intake = intake_of(app)
    intake.broker.close()
    intake.store.close()
