"""What the receiver does with an authentic notification: answer duplicates, publish, remember the id."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol

from bridge.rejection import broker_unavailable
from core.errors import BrokerUnavailable
from schemas.notification import Notification

log = logging.getLogger(__name__)


class SeenStore(Protocol):
    def seen(self, event_id: str) -> bool: ...
    def record(self, event_id: str) -> None: ...
    def close(self) -> None: ...


class Broker(Protocol):
    @property
    def ready(self) -> bool: ...

    def start(self) -> Any: ...
    def health(self) -> str | None: ...
    def publish(self, notification: Notification) -> None: ...
    def close(self) -> None: ...


class InFlightIds(Protocol):
    def begin(self, event_id: str) -> Any: ...
    def end(self, event_id: str) -> None: ...


@dataclasses.dataclass(frozen=True)
class Outcome:
    """The answer to one request: newly accepted ids and ids already accepted before."""

    accepted: tuple[str, ...]
    duplicates: tuple[str, ...]

    @property
    def status(self) -> int:
        return 202 if self.accepted else 200

    def body(self, batch: bool) -> dict[str, Any]:
        if batch:
            return {"accepted": list(self.accepted), "duplicates": list(self.duplicates)}
        if self.accepted:
            return {"accepted": self.accepted[0]}
        return {"accepted": self.duplicates[0], "duplicate": True}


class Intake:
    """Accepts notifications: a duplicate is answered from the store, anything new is published first."""

    def __init__(self, broker: Broker, store: SeenStore, in_flight: InFlightIds, *, wait_timeout: float) -> None:
        self.broker = broker
        self.store = store
        self._in_flight = in_flight
        self._wait_timeout = wait_timeout

    def accept(self, notifications: Sequence[Notification]) -> Outcome:
        """Accept every notification in order; the first broker failure raises a 503 Rejection."""
        accepted: list[str] = []
        duplicates: list[str] = []
        for notification in notifications:
            if notification.id in accepted or notification.id in duplicates:
                continue
            (accepted if self._accept_one(notification) else duplicates).append(notification.id)
        return Outcome(tuple(accepted), tuple(duplicates))

    def _accept_one(self, notification: Notification) -> bool:
        """True when published now, False when it is a duplicate."""
        deadline = time.monotonic() + self._wait_timeout
        while True:
            if self.store.seen(notification.id):
                log.debug("duplicate %s %s", notification.routing_key, notification.id)
                return False
            running = self._in_flight.begin(notification.id)
            if running is None:
                break
            if not running.wait(max(0.0, deadline - time.monotonic())):
                raise broker_unavailable("an earlier delivery of this event is still waiting for the broker")
        try:
            self.broker.publish(notification)
            self.store.record(notification.id)
        except BrokerUnavailable as exc:
            log.debug("not accepted %s: %s", notification.id, exc.message)
            raise broker_unavailable(exc.message) from None
        finally:
            self._in_flight.end(notification.id)
        log.debug("accepted %s %s key=%s", notification.routing_key, notification.id, notification.key)
        return True
