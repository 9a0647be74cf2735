"""The HTTP ERP sandbox's outgoing webhook: every change POSTed to one URL, signed per Standard Webhooks.

Body ``{"id", "entity", "action", "key", "occurred_at"}`` (``action`` ``save`` or ``delete``, ``occurred_at``
ISO 8601 UTC). Headers ``webhook-id`` (the body's ``id``), ``webhook-timestamp`` (Unix seconds) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`` keyed with the base64-decoded
part of the ``whsec_`` secret: the sandbox's own few lines, not the bridge's verifier. Sent after the write
is stored, from one background thread, in change order; a connection error or a 5xx/408/429 answer is tried
again (``attempts`` in all, ``retry_wait`` apart), anything else is given up on and kept in ``deliveries``.
"""

from __future__ import annotations

import base64
import binascii
import collections
import hashlib
import hmac
import json
import logging
import queue
import threading
import time
from typing import Any

import requests

from sandbox.erp.store import Change

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret; ValueError when it is not one."""
    if not secret.startswith("whsec_"):
        raise ValueError("the secret must start with whsec_")
    try:
        key = base64.b64decode(secret[len("whsec_"):], validate=True)
    except binascii.Error:
        raise ValueError("the part after whsec_ must be base64") from None
    if len(key) < 16:
        raise ValueError("the secret must decode to at least 16 bytes")
    return key


def signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def message(change: Change) -> dict[str, Any]:
    occurred = change.occurred_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"id": f"msg_erp_{change.cursor}", "entity": change.entity, "action": change.action, "key": change.key,
            "occurred_at": occurred}


class Webhook:
    """Where changes are sent (``configure``), the queue of messages and what became of each."""

    def __init__(self, attempts: int = 3, retry_wait: float = 0.2, timeout: float = 5.0) -> None:
        self.attempts, self.retry_wait, self.timeout = attempts, retry_wait, timeout
        self._lock = threading.Condition()
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._session = requests.Session()
        self._thread: threading.Thread | None = None
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.url, self._key, self._pending = "", b"", 0
            self.deliveries: collections.deque[dict[str, Any]] = collections.deque(maxlen=2000)
            while not self._queue.empty():
                self._queue.get_nowait()

    def configure(self, url: str, secret: str) -> None:
        """Send to ``url`` signed with ``secret`` (an empty URL switches it off); ValueError when either is bad."""
        if url and not url.startswith(("http://", "https://")):
            raise ValueError("url must be an http(s) URL")
        key = secret_key(secret) if url else b""
        with self._lock:
            self.url, self._key = url, key

    def __call__(self, change: Change) -> None:
        """Queue the change's message (the store's listener); nothing when no URL is set."""
        with self._lock:
            if self.url:
                self._pending += 1
                self._queue.put({"message": message(change), "url": self.url, "key": self._key})
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="erp-sandbox-webhook", daemon=True)
                    self._thread.start()

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {"url": self.url, "pending": self._pending, "deliveries": list(self.deliveries)}

    def wait_idle(self, timeout: float = 10.0) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self._pending == 0, timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            outcome = self._deliver(item["url"], item["key"], item["message"])
            with self._lock:
                self.deliveries.append(outcome)
                self._pending = max(self._pending - 1, 0)
                self._lock.notify_all()

    def _deliver(self, url: str, key: bytes, body: dict[str, Any]) -> dict[str, Any]:
        raw = json.dumps(body, separators=(",", ":")).encode()
        outcome: dict[str, Any] = {**body, "attempts": 0, "status": None, "error": None}
        for attempt in range(1, self.attempts + 1):
            outcome["attempts"] = attempt
            timestamp = int(time.time())
            headers = {"Content-Type": "application/json", "webhook-id": body["id"],
                       "webhook-timestamp": str(timestamp), "webhook-signature": signature(key, body["id"], timestamp,
                                                                                          raw)}
            try:
                response = self._session.post(url, data=raw, headers=headers, timeout=self.timeout)
                outcome["status"], outcome["error"] = response.status_code, None
                if response.status_code not in RETRY_STATUSES:
                    break
            except requests.RequestException as exc:
                outcome["error"] = f"{type(exc).__name__}: {exc}"
            if attempt < self.attempts:
                time.sleep(self.retry_wait)
        if outcome["error"] or (outcome["status"] or 0) >= 400:
            log.warning("erp sandbox webhook for %s/%s: %s", body["entity"], body["key"],
                        outcome["error"] or outcome["status"])
        return outcome
