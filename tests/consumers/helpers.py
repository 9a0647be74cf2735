"""Helpers for the consumer engine's tests: publishing, queue depths, a recording handler and reporter."""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pika

from broker.topology import events_exchange
from consumers.dispatch import Outcome
from consumers.runner import Runner
from schemas.notification import Notification
from tests import support

if TYPE_CHECKING:
    from pika.adapters.blocking_connection import BlockingChannel


def notification(key: str, event: str, entity: str = "product", action: str = "save") -> Notification:
    return Notification(id=event, entity=entity, action=action, key=key, source="sandbox")


def publish(channel: BlockingChannel, note: Notification, headers: dict[str, Any] | None = None) -> None:
    """Publish ``note`` the way the receiver does: to the events exchange, persistent, message_id = event id."""
    properties = pika.BasicProperties(delivery_mode=2, message_id=note.id, headers=headers,
                                      content_type="application/json")
    channel.basic_publish(events_exchange(note.origin), note.routing_key, note.to_body(), properties)


def depth(channel: BlockingChannel, queue: str) -> int:
    """Ready messages in ``queue`` (unacked ones are not counted until their consumer goes away)."""
    return channel.queue_declare(queue, passive=True).method.message_count


def consumers_of(channel: BlockingChannel, queue: str) -> int:
    return channel.queue_declare(queue, passive=True).method.consumer_count


def wait_for_rows(reports: Reports, count: int, timeout: float = 20) -> None:
    support.wait_for(lambda: len(reports.rows) >= count, timeout, message=f"{count} report rows")


class RunningRunner:
    """A runner on a background thread; ``stop()`` joins it and re-raises what ``run()`` raised."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="test-runner", daemon=True)

    def _run(self) -> None:
        try:
            self.runner.run()
        except BaseException as error:  # handed to the test by stop()
            self.error = error

    def stop(self, timeout: float = 30) -> None:
        self.runner.stop()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the runner did not stop"
        if self.error is not None:
            raise self.error


class Recorder:
    """A thread-safe test handler: records calls and per-record concurrency, then runs ``behaviour``."""

    def __init__(self, behaviour: Callable[[list[Notification]], Outcome] | None = None) -> None:
        self.behaviour = behaviour
        self.lock = threading.Lock()
        self.calls: list[list[Notification]] = []
        self.active: collections.Counter = collections.Counter()
        self.max_active_per_record: collections.Counter = collections.Counter()
        self.running = 0
        self.max_running = 0

    def __call__(self, notifications: list[Notification]) -> Outcome:
        record = notifications[0].record
        with self.lock:
            self.calls.append(list(notifications))
            self.active[record] += 1
            self.max_active_per_record[record] = max(self.max_active_per_record[record], self.active[record])
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            return self.behaviour(notifications) if self.behaviour else Outcome()
        finally:
            with self.lock:
                self.active[record] -= 1
                self.running -= 1

    def calls_for(self, key: str) -> list[list[str]]:
        with self.lock:
            return [[note.id for note in call] for call in self.calls if call[0].key == key]


class Reports:
    """A test reporter keeping every row it is given."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: list[dict[str, Any]] = []

    def __call__(self, notification: Notification, status: str, attempts: int, duration_ms: int,
                 error_class: str | None, error_text: str | None, detail: str | None) -> None:
        with self.lock:
            self.rows.append({"event": notification.id, "stream": notification.stream, "key": notification.key,
                              "status": status,
                              "attempts": attempts, "duration_ms": duration_ms, "error_class": error_class,
                              "error_text": error_text, "detail": detail})

    def of(self, event: str) -> list[dict[str, Any]]:
        with self.lock:
            return [row for row in self.rows if row["event"] == event]

    def statuses(self, event: str) -> list[tuple[str, int]]:
        return [(row["status"], row["attempts"]) for row in self.of(event)]
