"""The change feed: POST each record change to the bridge's receiver, signed per Standard Webhooks.

Body: the bridge's own notification ``{"id", "entity", "action", "key", "occurred_at", "source"}``.
Headers: ``webhook-id``, ``webhook-timestamp`` (wall-clock Unix seconds, even when the sandbox clock is
frozen, so a receiver's tolerance check passes) and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">`` keyed with the base64-decoded part of the ``whsec_`` secret. Deliveries run
on one background thread, retried (tenacity) on connection errors, 408, 429 and 5xx; ``suppress`` drops
changes silently, like a lost webhook.
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
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import requests
import tenacity

from sandbox.magento.store import Change
from sandbox.times import iso

log = logging.getLogger("sandbox.magento.app.feed")
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class _Retry(Exception):
    """A delivery attempt that may succeed when repeated."""


def sign(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one body."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks ``whsec_<base64>`` secret; raises ValueError."""
    if not secret.startswith("whsec_"):
        raise ValueError("the feed secret must start with whsec_")
    try:
        key = base64.b64decode(secret[len("whsec_"):], validate=True)
    except binascii.Error:
        raise ValueError("the part after whsec_ must be base64") from None
    if len(key) < 16:
        raise ValueError("the feed secret must decode to at least 16 bytes")
    return key


def feed_url(url: str) -> str:
    """An http(s) URL without its trailing slash, or ``""`` for no feed; raises ValueError."""
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        raise ValueError("the feed URL must be an http:// or https:// URL")
    return url.rstrip("/")


def notification(change: Change) -> dict[str, Any]:
    return {"id": f"msg_{uuid.uuid4().hex}", "entity": change.entity, "action": change.action, "key": change.key,
            "occurred_at": iso(change.occurred_at), "source": "sandbox"}


class Feed:
    """Queue and deliver change notifications; configure with ``configure(url, secret, suppress)``."""

    def __init__(self, *, attempts: int = 4, retry_wait: float = 0.5, timeout: float = 5.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.attempts, self.retry_wait, self.timeout, self._sleep = attempts, retry_wait, timeout, sleep
        self._lock = threading.Condition()
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._session = requests.Session()
        self.reset()

    def reset(self) -> None:
        """Forget the configuration, the counters and anything not yet delivered."""
        with self._lock:
            self.url, self.secret, self._key, self.suppress = "", "", b"", False
            self.counts = {"sent": 0, "failed": 0, "suppressed": 0, "unconfigured": 0}
            self.deliveries: collections.deque[dict[str, Any]] = collections.deque(maxlen=2000)
            self._pending = 0
        while not self._queue.empty():
            self._queue.get_nowait()

    def configure(self, url: str, secret: str, suppress: bool = False) -> None:
        """Raises ValueError for a URL that is not http(s) or a secret that is not ``whsec_<base64>``."""
        url = feed_url(url or "")
        key = secret_key(secret) if secret else b""
        if url and not key:
            raise ValueError("a feed URL needs a whsec_ secret to sign with")
        with self._lock:
            self.url, self.secret, self._key, self.suppress = url, secret, key, bool(suppress)
        log.info("change feed %s%s", url or "off", " (suppressed)" if suppress else "")

    def emit(self, changes: Iterable[Change], force: bool = False) -> int:
        """Queue a notification per change (``force`` ignores ``suppress``); returns how many were queued."""
        queued = 0
        with self._lock:
            for change in changes:
                if not self.url:
                    self.counts["unconfigured"] += 1
                elif self.suppress and not force:
                    self.counts["suppressed"] += 1
                else:
                    self._pending += 1
                    self._queue.put(notification(change))
                    queued += 1
            if queued:
                self._start()
        return queued

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="magento-sandbox-feed", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            message = self._queue.get()
            if message is None:
                return
            outcome = self._deliver(message)
            with self._lock:
                self.deliveries.append(outcome)
                self.counts["sent" if outcome["delivered"] else "failed"] += 1
                self._pending = max(self._pending - 1, 0)
                self._lock.notify_all()

    def _deliver(self, message: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            url, key = self.url, self._key
        outcome = {**{name: message[name] for name in ("id", "entity", "action", "key")}, "delivered": False,
                   "status": None, "attempts": 0, "error": None}
        retrying = tenacity.Retrying(stop=tenacity.stop_after_attempt(self.attempts),
                                     wait=tenacity.wait_fixed(self.retry_wait),
                                     retry=tenacity.retry_if_exception_type(_Retry), reraise=True, sleep=self._sleep)
        try:
            retrying(self._post_once, url, key, message, outcome)
            outcome["delivered"] = True
        except _Retry as exc:
            outcome["error"] = str(exc)
        except ValueError as exc:  # a 4xx other than 408/429: repeating the same request will not help
            outcome["error"] = str(exc)
        level = logging.DEBUG if outcome["delivered"] else logging.WARNING
        log.log(level, "feed %s %s %s/%s: %s", "delivered" if outcome["delivered"] else "gave up on",
                message["action"], message["entity"], message["key"], outcome["error"] or outcome["status"])
        return outcome

    def _post_once(self, url: str, key: bytes, message: dict[str, Any], outcome: dict[str, Any]) -> None:
        outcome["attempts"] += 1
        body = json.dumps(message, separators=(",", ":")).encode()
        timestamp = int(time.time())
        headers = {"Content-Type": "application/json", "webhook-id": message["id"],
                   "webhook-timestamp": str(timestamp), "webhook-signature": sign(key, message["id"], timestamp, body)}
        try:
            response = self._session.post(url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise _Retry(f"{type(exc).__name__}: {exc}") from None
        outcome["status"] = response.status_code
        if response.status_code in RETRY_STATUSES:
            raise _Retry(f"receiver answered {response.status_code}")
        if response.status_code >= 400:
            raise ValueError(f"receiver answered {response.status_code}: {response.text[:200]}")

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued notification was delivered or given up on; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: self._pending == 0, timeout)

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {"url": self.url, "secret_set": bool(self.secret), "suppress": self.suppress,
                    "pending": self._pending, **self.counts, "deliveries": list(self.deliveries)}

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=5)
        self._session.close()
