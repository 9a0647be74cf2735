"""Why a request was refused: an HTTP status, a readable sentence and field-level details (pure)."""

from __future__ import annotations

from typing import Any

RETRY_AFTER_SECONDS = 5


class Rejection(Exception):
    """A request the receiver refuses; rendered as ``{"error": ..., "details": {...}}`` with ``status``."""

    def __init__(self, status: int, error: str, details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.details = details or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "details": self.details}


def unauthenticated(error: str) -> Rejection:
    return Rejection(401, error, headers={"WWW-Authenticate": 'Bearer realm="magento-erp-bridge"'})


def broker_unavailable(reason: str) -> Rejection:
    """503 with Retry-After: the sender keeps the notification and tries again later."""
    return Rejection(503, "the broker is unavailable; nothing was accepted, retry later",
                     {"broker": reason}, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
