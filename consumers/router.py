"""The consumer's handler for streams of both directions: a notification's origin picks the pipeline.

``python -m consumers stock erp.stock`` drains magento.stock (Magento's changes, written into the ERP by
``consumers.pipeline.Pipeline``) and erp.stock (the ERP's changes, written into Magento by the handler
registered for origin "erp"). The runner hands over the notifications of one record at a time; a record
never mixes origins (``Notification.record`` names its stream), so one handler takes the whole group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from consumers.dispatch import Outcome
from core.entities import parse_stream
from core.errors import ConfigError
from schemas.notification import Notification


class StreamHandler(Protocol):
    """A pipeline for one origin: handles one record's notifications; ``probe`` is its start-up check."""

    def __call__(self, notifications: list[Notification]) -> Outcome: ...

    def probe(self, entities: Sequence[str]) -> None: ...


class Router:
    """The runner's handler: each record's notifications go to the handler of their origin."""

    def __init__(self, handlers: Mapping[str | None, StreamHandler]) -> None:
        self._handlers = dict(handlers)

    def __call__(self, notifications: list[Notification]) -> Outcome:
        return self._handler(notifications[0].origin)(notifications)

    def probe(self, streams: Sequence[str]) -> None:
        """Each origin's start-up check, for the entities of the streams consumed from it."""
        by_origin: dict[str | None, list[str]] = {}
        for name in streams:
            origin, entity = parse_stream(name)
            by_origin.setdefault(origin, []).append(entity)
        for origin, entities in by_origin.items():
            self._handler(origin).probe(tuple(entities))

    def _handler(self, origin: str | None) -> StreamHandler:
        handler = self._handlers.get(origin)
        if handler is None:
            raise ConfigError(f"this consumer has no pipeline for changes from {origin or 'Magento'}")
        return handler

