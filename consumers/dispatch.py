"""The handler contract and the per-record scheduler that coalesces deliveries (pure: no pika, no threads).

The runner hands every delivery to a ``Dispatcher`` under its record ((entity, key)). ``next_group``
gives the next record to work on with ALL deliveries waiting for it, so notifications for one record
that wait together cost one handler call. A record is never handed out twice at once: deliveries that
arrive while it is in flight wait and form its next group. Records are served in the order they became
ready, and a record that finishes with more deliveries waiting goes to the back of the line, so one
hot record cannot starve the others. The dispatcher is not thread-safe: the runner guards it with a lock.

``AckLedger`` decides which acks the runner sends: one ``basic.ack`` with ``multiple=True`` for every
finished delivery below the oldest unfinished one, instead of one flushed ack per message.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

from core.outcomes import OUTCOME_STATUSES, SYNCED
from schemas.notification import Notification


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a handler did with a record: ``synced``, or ``skipped`` with a ``detail`` such as "unchanged".

    ``key``: the record key the handler resolved the notifications' key to (the SKU of a stock notification
    keyed by product id); reports name the record by it. None: the notifications' own key.
    """

    status: str = SYNCED
    detail: str | None = None
    key: str | None = None

    def __post_init__(self) -> None:
        if self.status not in OUTCOME_STATUSES:
            raise ValueError(f"an outcome's status is one of {OUTCOME_STATUSES}, not {self.status!r}")


# handler(notifications) -> Outcome. Every notification is about the same record, oldest first; the
# handler fetches the record fresh, so the latest state wins. It raises core.errors.RetryableError or
# PermanentError on failure; any other exception is treated as retryable ("unexpected error").
Handler = Callable[[list[Notification]], Outcome]


class Reporter(Protocol):
    """Told, once per delivery, the final status of this attempt: synced, skipped, retrying or dead.

    A reporter that stores reports later, in batches, may also have ``when_stored(callback)``: it calls
    ``callback`` (from any thread) once every report given so far is stored, and the runner acks or
    requeues a group's messages only then, so that no acked message ever lacks its report.
    """

    def __call__(self, notification: Notification, status: str, attempts: int, duration_ms: int,
                 error_class: str | None, error_text: str | None, detail: str | None) -> None: ...


def no_report(notification: Notification, status: str, attempts: int, duration_ms: int,
              error_class: str | None, error_text: str | None, detail: str | None) -> None:
    """The default reporter: reports nothing."""


Record = Hashable
T = TypeVar("T")


class Dispatcher(Generic[T]):
    """Groups items by record, at most ``limit`` records in flight, one group per record at a time."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the dispatcher needs a limit of at least 1")
        self.limit = limit
        self._waiting: dict[Record, list[T]] = {}
        self._ready: collections.deque[Record] = collections.deque()
        self._in_flight: set[Record] = set()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    @property
    def waiting(self) -> int:
        """Items received and not yet handed out."""
        return sum(len(items) for items in self._waiting.values())

    @property
    def idle(self) -> bool:
        return not self._in_flight and not self._waiting

    def is_in_flight(self, record: Record) -> bool:
        return record in self._in_flight

    def add(self, record: Record, item: T) -> None:
        """Queue ``item`` under ``record``; it joins the record's next group."""
        items = self._waiting.setdefault(record, [])
        items.append(item)
        if len(items) == 1 and record not in self._in_flight:
            self._ready.append(record)

    def next_group(self) -> tuple[Record, list[T]] | None:
        """The next record to work on and all its waiting items (now in flight), or None."""
        if len(self._in_flight) >= self.limit or not self._ready:
            return None
        record = self._ready.popleft()
        self._in_flight.add(record)
        return record, self._waiting.pop(record)

    def finish(self, record: Record) -> None:
        """Mark ``record`` done; items that arrived meanwhile make it ready again, behind the others."""
        self._in_flight.discard(record)
        if self._waiting.get(record):
            self._ready.append(record)

    def take_waiting(self) -> list[T]:
        """Remove and return every item not yet handed out (in-flight records stay in flight)."""
        items = [item for group in self._waiting.values() for item in group]
        self._waiting.clear()
        self._ready.clear()
        return items


@dataclasses.dataclass(frozen=True)
class Acks:
    """What to send now: ``multiple`` (or None) to ack with ``multiple=True``, ``singles`` one by one."""

    multiple: int | None = None
    singles: tuple[int, ...] = ()
    count: int = 0  # deliveries these acks settle


class AckLedger:
    """The delivery tags of one channel, and which of them may be acked together (pure; one thread).

    Tags arrive in increasing order (``received``). A finished delivery's ack is due (``finished``); a
    delivery nacked on its own needs nothing more (``settled``). ``take`` returns the highest due tag below
    which every tag is finished or settled (one ``multiple=True`` ack covers them all, and never a delivery
    still being worked on), and, when more than ``hold`` due acks wait above an unfinished delivery or the
    oldest of them has waited ``max_wait`` seconds, those acks one by one: a slow record must not keep the
    finished ones behind it unacked for long (they count against the prefetch, and a crash would redeliver
    them).
    """

    def __init__(self, hold: int, max_wait: float = 1.0) -> None:
        self.hold = hold
        self.max_wait = max_wait
        self._open: collections.deque[int] = collections.deque()  # received, not yet acked or nacked
        self._due: dict[int, float] = {}  # finished, ack not sent: since when
        self._settled: set[int] = set()  # among _open: acked or nacked on their own already

    @property
    def due(self) -> int:
        return len(self._due)

    def received(self, tag: int) -> None:
        self._open.append(tag)

    def finished(self, tag: int, now: float) -> None:
        self._due[tag] = now

    def settled(self, tag: int) -> None:
        self._settled.add(tag)

    def take(self, now: float, everything: bool = False) -> Acks:
        """The acks to send now (``everything``: every due ack, e.g. before closing the channel)."""
        multiple, count = self._take_prefix()
        singles: tuple[int, ...] = ()
        if self._due and (everything or len(self._due) > self.hold
                          or now - next(iter(self._due.values())) >= self.max_wait):
            singles = tuple(sorted(self._due))
            self._settled.update(singles)
            self._due.clear()
        return Acks(multiple, singles, count + len(singles))

    def _take_prefix(self) -> tuple[int | None, int]:
        """Remove the finished or settled tags at the front; the highest due one among them, and how many."""
        multiple, count = None, 0
        while self._open and (self._open[0] in self._due or self._open[0] in self._settled):
            tag = self._open.popleft()
            if self._due.pop(tag, None) is not None:
                multiple, count = tag, count + 1
            else:
                self._settled.discard(tag)
        return multiple, count
