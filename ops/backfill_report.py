"""What a backfill is asked for and what it reports: the request, each entity's outcome, progress hooks."""

from __future__ import annotations

import dataclasses
import datetime as dt

FINISHED, STOPPED, SKIPPED, INTERRUPTED, ALREADY_DONE = "finished", "stopped", "skipped", "interrupted", "done"


@dataclasses.dataclass(frozen=True)
class Request:
    """What the operator asked for."""

    entities: tuple[str, ...]
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    batch_size: int = 100
    delay: float = 0.0
    resume: bool = False


@dataclasses.dataclass(frozen=True)
class Unlisted:
    """A record Magento could not list: its sort key, whether it was published by that key, and why."""

    key: int
    published: bool
    error: str


@dataclasses.dataclass
class EntityReport:
    """The outcome for one entity: ``status`` is finished, stopped, skipped, interrupted or done (before)."""

    entity: str
    status: str
    run_id: str | None = None
    published: int = 0  # by this invocation
    published_total: int = 0  # by the run, resumes included
    remaining: int | None = None  # records not published, by Magento's count (None: unknown)
    last_key: int | None = None
    failed_pages: int = 0
    reason: str | None = None
    invalid_keys: list[str] = dataclasses.field(default_factory=list)
    unlisted: list[Unlisted] = dataclasses.field(default_factory=list)  # records stepped over
    notes: list[str] = dataclasses.field(default_factory=list)


class Progress:
    """Told how far each entity got; the command shows a bar or log lines."""

    def start(self, entity: str, done: int, total: int | None) -> None: ...

    def advance(self, entity: str, count: int, total: int | None) -> None: ...

    def finish(self, entity: str) -> None: ...
