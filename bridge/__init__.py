"""The receiver: a Flask app that authenticates Magento change notifications and publishes them durably."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def create_app(overrides: Mapping[str, Any] | None = None):  # noqa: ANN201 - returns flask.Flask
    """Build the receiver; ``overrides`` win over the environment (tests pass them instead of patching)."""
    from bridge.app import build_app

    return build_app(overrides)
