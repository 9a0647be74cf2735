"""Fixtures for the broker adapter: the receiver's app (its broker link) and proxies in front of the broker."""

from __future__ import annotations

from tests.bridge.conftest import (  # noqa: F401  (fixtures the broker tests share with the receiver's)
    adobe_private_key,
    adobe_public_pem,
    broker_proxy,
    holding_proxy,
    make_app,
    receiver_settings,
)
