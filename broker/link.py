"""The worker's one long-lived broker publisher, opened in the process that uses it (after fork)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from broker.publisher import Publisher
from broker.topology import Topology, events_exchange
from core.errors import BrokerUnavailable
from schemas.notification import Notification

log = logging.getLogger(__name__)


class BrokerLink:
    """Publishes notifications to ``magento.events`` through one Publisher per process.

    The Publisher starts on ``start()`` (gunicorn's ``post_worker_init``) or on first use. Until the first
    connection is ready, a publish waits up to ``publish_timeout``; afterwards an unready broker fails fast,
    so the sender gets its 503 at once while the Publisher reconnects in the background.
    """

    def __init__(self, url: str, layout: Topology, *, publish_timeout: float, name: str = "bridge-receiver",
                 publisher_factory: Callable[..., Publisher] = Publisher) -> None:
        self._url = url
        self._layout = layout
        self._publish_timeout = publish_timeout
        self._name = name
        self._factory = publisher_factory
        self._lock = threading.Lock()
        self._publisher: Publisher | None = None
        self._pid: int | None = None
        self._grace_until = 0.0

    def start(self) -> Publisher:
        """Open this process's Publisher (again after a fork); returns it."""
        with self._lock:
            if self._publisher is not None and self._pid == os.getpid() and not self._publisher.running:
                log.error("the receiver's publisher I/O thread had stopped; starting a new one (pid %d)", self._pid)
                self._publisher = None
            if self._publisher is None or self._pid != os.getpid():
                self._publisher = self._factory(self._url, name=f"{self._name}-{os.getpid()}", layout=self._layout,
                                                confirm_timeout=self._publish_timeout, max_reconnect_delay=2.0)
                self._publisher.start()
                self._pid = os.getpid()
                self._grace_until = time.monotonic() + self._publish_timeout
                log.info("receiver publisher started (pid %d)", self._pid)
            return self._publisher

    @property
    def ready(self) -> bool:
        publisher = self._publisher
        return publisher is not None and self._pid == os.getpid() and publisher.ready

    def health(self) -> str | None:
        """Why this process cannot publish now (``Publisher.health``), or None when it can."""
        publisher = self._publisher
        if publisher is None or self._pid != os.getpid():
            return "the broker connection is not started"
        return publisher.health()

    def publish(self, notification: Notification) -> None:
        """Publish persistently and wait for the broker's confirm; raises BrokerUnavailable."""
        publisher = self._publisher
        if publisher is None or self._pid != os.getpid() or not publisher.running:
            publisher = self.start()  # first use, after a fork, or replacing a publisher whose thread stopped
        if not publisher.ready:
            remaining = self._grace_until - time.monotonic()
            if remaining <= 0 or not publisher.wait_ready(remaining):
                raise BrokerUnavailable("the broker is not connected")
        publisher.publish(events_exchange(notification.origin), notification.routing_key, notification.to_body(),
                          message_id=notification.id, timeout=self._publish_timeout)

    def close(self) -> None:
        with self._lock:
            publisher, self._publisher = self._publisher, None
        if publisher is not None and self._pid == os.getpid():
            publisher.close()
            log.info("receiver publisher closed (pid %d)", os.getpid())
