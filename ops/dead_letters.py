"""Dead letters as data (pure: no pika): what one message of ``magento.<entity>.dead`` says, which ones an
operator's selector picks, and the copy a replay sends back.

Two kinds of dead letter sit in those queues:
- the bridge's own (``consumers/runner.py``): headers ``bridge-attempts``, ``bridge-first-attempt-at``,
  ``bridge-last-attempt-at``, ``bridge-error-class``, ``bridge-error``, ``bridge-dead-at``;
- the broker's, when a message was delivered ``DELIVERY_LIMIT`` + 1 times without an ack (a consumer crashed,
  was killed or timed out on it every time): no ``bridge-dead-at``, but RabbitMQ's ``x-death`` list, whose
  newest entry has ``reason`` ``delivery_limit``. Those are shown with the error class ``DeliveryLimitExceeded``.

A replay is by reference: the copy carries the same notification (``source`` = ``replay``) and event id, the
consumer fetches the record's current state. Its attempt counter starts afresh; the history stays in
``bridge-replays``, ``bridge-replayed-at`` and the error that killed it before (``bridge-replayed-error*``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from broker.topology import (
    DELIVERY_LIMIT,
    H_ATTEMPTS,
    H_DEAD_AT,
    H_ERROR,
    H_ERROR_CLASS,
    H_FIRST_ATTEMPT_AT,
    H_LAST_ATTEMPT_AT,
    entity_queue,
)
from consumers.retry import attempts_made, carried_headers
from core import parsing
from core.entities import STREAMS
from core.errors import MalformedMessage
from schemas.notification import Notification

H_REPLAYS = "bridge-replays"
H_REPLAYED_AT = "bridge-replayed-at"
H_REPLAYED_ERROR_CLASS = "bridge-replayed-error-class"
H_REPLAYED_ERROR = "bridge-replayed-error"
REPLAYED_ERROR_CHARS = 2000  # the previous error kept on a replayed copy (the whole text stays in the reports)
DELIVERY_LIMIT_EXCEEDED = "DeliveryLimitExceeded"
RESET_ON_REPLAY = (H_ATTEMPTS, H_FIRST_ATTEMPT_AT, H_LAST_ATTEMPT_AT, H_ERROR_CLASS, H_ERROR, H_DEAD_AT)
LIST_FIELDS = ("id", "entity", "key", "attempts", "first_attempt_at", "last_attempt_at", "error_class", "error")


@dataclasses.dataclass(frozen=True)
class DeadLetter:
    """One dead letter as read from ``magento.<entity>.dead``; ``notification`` is None for a malformed body."""

    id: str
    entity: str
    key: str | None
    action: str | None
    attempts: int
    first_attempt_at: str | None
    last_attempt_at: str | None
    dead_at: str | None
    error_class: str
    error: str
    replays: int
    headers: dict[str, Any]
    body: bytes
    notification: Notification | None
    problem: str | None = None

    @property
    def replayable(self) -> bool:
        return self.notification is not None

    def listed(self) -> dict[str, Any]:
        """The object ``dlq list --json`` prints for this dead letter."""
        return {name: getattr(self, name) for name in LIST_FIELDS}

    def whole(self) -> dict[str, Any]:
        """Everything, for ``dlq show``: the list fields, the headers and the body (JSON when it is JSON)."""
        return {**self.listed(), "action": self.action, "dead_at": self.dead_at, "replays": self.replays,
                "queue": f"{entity_queue(self.entity)}.dead", "body_problem": self.problem,
                "headers": self.headers, "body": _body_value(self.body)}


def read(entity: str, message_id: str | None, headers: Mapping[str, Any] | None, body: bytes) -> DeadLetter:
    """The ``DeadLetter`` of one message taken from ``entity``'s dead-letter queue."""
    plain = {str(name): plain_value(value) for name, value in (headers or {}).items()}
    notification, problem = _notification(body)
    origin = _bridge_origin(plain) if H_DEAD_AT in plain else _broker_origin(plain)
    return DeadLetter(
        id=message_id or (notification.id if notification else _body_id(body)),
        entity=entity,
        key=notification.key if notification else None,
        action=notification.action if notification else None,
        replays=_int(plain.get(H_REPLAYS)),
        headers=plain, body=body, notification=notification, problem=problem, **origin)


def _notification(body: bytes) -> tuple[Notification | None, str | None]:
    try:
        return Notification.from_body(body), None
    except MalformedMessage as error:
        return None, error.message


def _bridge_origin(headers: Mapping[str, Any]) -> dict[str, Any]:
    return {"attempts": attempts_made(headers), "first_attempt_at": _text(headers.get(H_FIRST_ATTEMPT_AT)),
            "last_attempt_at": _text(headers.get(H_LAST_ATTEMPT_AT)), "dead_at": _text(headers.get(H_DEAD_AT)),
            "error_class": _text(headers.get(H_ERROR_CLASS)) or "Unknown",
            "error": _text(headers.get(H_ERROR)) or "(the dead letter carries no error text)"}


def _broker_origin(headers: Mapping[str, Any]) -> dict[str, Any]:
    deaths = headers.get("x-death")
    death = deaths[0] if isinstance(deaths, list) and deaths and isinstance(deaths[0], dict) else None
    if death is None:
        return {"attempts": attempts_made(headers), "first_attempt_at": _text(headers.get(H_FIRST_ATTEMPT_AT)),
                "last_attempt_at": _text(headers.get(H_LAST_ATTEMPT_AT)), "dead_at": None,
                "error_class": "Unknown",
                "error": "the message carries neither the bridge's error headers nor RabbitMQ's x-death: "
                         "something other than the bridge put it in this queue"}
    reason = str(death.get("reason") or "unknown")
    times = max(_int(death.get("count")), 1)
    deliveries = (DELIVERY_LIMIT + 1) * times if reason == "delivery_limit" else 0
    return {"attempts": attempts_made(headers) + deliveries,
            "first_attempt_at": _text(headers.get(H_FIRST_ATTEMPT_AT)),
            "last_attempt_at": _text(death.get("time")), "dead_at": _text(death.get("time")),
            "error_class": DELIVERY_LIMIT_EXCEEDED if reason == "delivery_limit" else f"BrokerDeadLettered:{reason}",
            "error": _broker_error_text(headers, death, reason, deliveries)}


def _broker_error_text(headers: Mapping[str, Any], death: Mapping[str, Any], reason: str, deliveries: int) -> str:
    queue = death.get("queue") or "its queue"
    if reason == "delivery_limit":
        text = (f"RabbitMQ dead-lettered it from {queue} after {deliveries} deliveries without an "
                "acknowledgement: a consumer crashed, was killed or timed out on it every time "
                "(see the consumer logs for that record)")
    else:
        text = f"RabbitMQ dead-lettered it from {queue} (reason: {reason})"
    previous = _text(headers.get(H_ERROR))
    if previous:
        text += f"; the bridge's last error before that: {_text(headers.get(H_ERROR_CLASS)) or ''}: {previous}"
    return text


@dataclasses.dataclass(frozen=True)
class Selection:
    """Which dead letters an operator chose: the queues to read, and optional id and time filters (ANDed)."""

    entities: tuple[str, ...] = STREAMS
    ids: frozenset[str] = frozenset()
    since: dt.datetime | None = None
    keys: frozenset[str] = frozenset()
    error_class: str | None = None

    @classmethod
    def build(cls, *, everything: bool = False, entity: str | None = None, ids: Iterable[str] = (),
              since: dt.datetime | None = None) -> Selection:
        """The selection of ``--all``, ``--entity``, ``--id`` and ``--since``; ValueError when none or a clash."""
        ids = frozenset(ids)
        narrowed = entity is not None or bool(ids) or since is not None
        if everything and narrowed:
            raise ValueError("--all cannot be combined with --entity, --id or --since")
        if not everything and not narrowed:
            raise ValueError("choose the dead letters: --all, --entity E, --id ID (repeatable) or --since T")
        if entity is not None and entity not in STREAMS:
            raise ValueError(f"unknown entity {entity!r}; known: {', '.join(STREAMS)}")
        return cls((entity,) if entity else STREAMS, ids, since)

    def matches(self, letter: DeadLetter) -> bool:
        if self.ids and letter.id not in self.ids:
            return False
        if self.keys and letter.key not in self.keys:
            return False
        if self.error_class is not None and letter.error_class.lower() != self.error_class.lower():
            return False
        if self.since is not None:
            when = _moment(letter.dead_at or letter.last_attempt_at)
            return when is not None and when >= self.since
        return True


def replay_copy(letter: DeadLetter, now: dt.datetime) -> tuple[str, bytes, dict[str, Any]]:
    """(routing key on the default exchange, body, headers) of the message that replays ``letter``."""
    if letter.notification is None:
        raise ValueError(f"dead letter {letter.id} cannot be replayed: {letter.problem}")
    notification = dataclasses.replace(letter.notification, source="replay")
    headers = {name: value for name, value in carried_headers(letter.headers).items()
               if name not in RESET_ON_REPLAY}
    headers.update({
        H_REPLAYS: letter.replays + 1,
        H_REPLAYED_AT: parsing.iso(now),
        H_REPLAYED_ERROR_CLASS: letter.error_class,
        H_REPLAYED_ERROR: _cut(letter.error, REPLAYED_ERROR_CHARS),
    })
    return entity_queue(notification.stream), notification.to_body(), headers


def plain_value(value: Any) -> Any:
    """A header value as JSON-friendly data: text for bytes, ISO 8601 for times, lists and dicts walked."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dt.datetime):
        return parsing.iso(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
    if isinstance(value, dict):
        return {str(name): plain_value(item) for name, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_value(item) for item in value]
    return value


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _int(value: Any) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


def _moment(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return parsing.utc_datetime(text)
    except ValueError:
        return None


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"... [cut: {len(text) - limit} more characters]"


def _body_id(body: bytes) -> str:
    """An id for a message that has neither a message id nor a readable notification id."""
    return "body-sha1-" + hashlib.sha1(body).hexdigest()[:16]


def _body_value(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return body.decode("utf-8", "replace")
