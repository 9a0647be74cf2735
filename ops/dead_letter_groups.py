"""One dead letter per record: dead letters grouped by record, and which of them later events settled.

Dead letters live in the broker's ``magento.<entity>.dead`` queues, where no message can be changed, so a
dead letter's state is worked out when the operator looks (``bridgectl dlq list``), from two facts:
- a newer dead letter of the same record **supersedes** it: only the newest one says what is wrong now
  (a replay fetches the record's current state either way);
- a later successful sync of the record (a replay, a reconcile, a newer notification: a ``synced`` or
  ``skipped`` report in ``sync_reports``, newer than the dead letter) **resolves** it.
``open`` is neither. ``bridgectl dlq purge --settled --yes`` removes the superseded and resolved ones.
Reports are kept ``REPORTS_RETENTION_DAYS``: a dead letter older than that can no longer be found resolved.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from core import parsing
from ops.dead_letters import DeadLetter

OPEN, SUPERSEDED, RESOLVED = "open", "superseded", "resolved"
SETTLED = (SUPERSEDED, RESOLVED)
Record = tuple[str, str | None]  # (entity, key); key None for a malformed body


@dataclasses.dataclass(frozen=True)
class Judged:
    """A dead letter and its state; ``by`` is the newer dead letter's id or the resolving sync's time."""

    letter: DeadLetter
    state: str
    by: str | None = None

    def listed(self) -> dict[str, Any]:
        return {**self.letter.listed(), "state": self.state, "settled_by": self.by}


@dataclasses.dataclass(frozen=True)
class Group:
    """Every dead letter of one record, oldest first; the newest says what is wrong now."""

    record: Record
    letters: tuple[Judged, ...]

    @property
    def newest(self) -> Judged:
        return self.letters[-1]

    @property
    def settled(self) -> int:
        return sum(judged.state in SETTLED for judged in self.letters)


def died_at(letter: DeadLetter) -> dt.datetime | None:
    """When the letter was dead-lettered (or last attempted), as an aware UTC time; None when unknown."""
    for text in (letter.dead_at, letter.last_attempt_at, letter.first_attempt_at):
        if text:
            try:
                return parsing.utc_datetime(text)
            except ValueError:
                continue
    return None


def group(letters: Iterable[DeadLetter], last_synced: Mapping[Record, dt.datetime]) -> list[Group]:
    """The letters by record (records in order of their newest letter), each judged open, superseded or
    resolved; ``last_synced`` maps a record to its latest successful sync."""
    by_record: dict[Record, list[DeadLetter]] = {}
    for letter in letters:
        by_record.setdefault((letter.entity, letter.key), []).append(letter)
    groups = []
    for record, members in by_record.items():
        members.sort(key=lambda letter: died_at(letter) or dt.datetime.min.replace(tzinfo=dt.UTC))
        synced = last_synced.get(record) if record[1] is not None else None
        judged = [_judge(letter, members[index + 1:], synced) for index, letter in enumerate(members)]
        groups.append(Group(record, tuple(judged)))
    return sorted(groups, key=lambda found: died_at(found.newest.letter) or dt.datetime.min.replace(
        tzinfo=dt.UTC))


def _judge(letter: DeadLetter, newer: Sequence[DeadLetter], synced: dt.datetime | None) -> Judged:
    when = died_at(letter)
    if synced is not None and when is not None and synced > when:
        return Judged(letter, RESOLVED, f"synced {parsing.iso(synced)}")
    if newer:
        return Judged(letter, SUPERSEDED, newer[-1].id)
    return Judged(letter, OPEN)
