"""gunicorn app factories for the bench: the real receiver, and the receiver without duplicate detection."""

from __future__ import annotations

import os

from flask import Flask

from bridge.app import assemble
from core.logs import configure_from
from core.settings import Settings


class NoDuplicateChecks:
    """A store that remembers nothing: every notification is published (measures the store's cost)."""

    def seen(self, event_id: str) -> bool:
        return False

    def record(self, event_id: str) -> None:
        return None

    def close(self) -> None:
        return None


def without_dedup() -> Flask:
    settings = Settings.from_env(os.environ)
    settings.validate_receiver()
    configure_from(settings)
    return assemble(settings, store=NoDuplicateChecks())
