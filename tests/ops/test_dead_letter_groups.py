"""Dead letters grouped by record: the newest is open, older ones superseded, a later sync resolves."""

from __future__ import annotations

import datetime as dt

from ops.dead_letter_groups import OPEN, RESOLVED, SUPERSEDED, group
from ops.dead_letters import read
from tests.ops.conftest import dead_letter

T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def letter(entity: str, key: str, event_id: str, minutes: int):
    notification, body, headers = dead_letter(entity, key, event_id=event_id,
                                              dead_at=T0 + dt.timedelta(minutes=minutes))
    return read(entity, notification.id, headers, body)


def states(groups) -> dict[str, tuple[str, str | None]]:
    return {judged.letter.id: (judged.state, judged.by) for found in groups for judged in found.letters}


def test_the_newest_letter_of_a_record_supersedes_the_older_ones():
    groups = group([letter("order", "7", "new", 5), letter("order", "7", "old", 1), letter("order", "8", "x", 3)],
                   {})
    assert [found.record for found in groups] == [("order", "8"), ("order", "7")]  # by their newest letter
    assert states(groups) == {"old": (SUPERSEDED, "new"), "new": (OPEN, None), "x": (OPEN, None)}
    assert groups[1].newest.letter.id == "new" and groups[1].settled == 1


def test_a_sync_after_a_letter_resolves_it_and_one_before_does_not():
    synced = {("order", "7"): T0 + dt.timedelta(minutes=3)}
    groups = group([letter("order", "7", "before", 1), letter("order", "7", "after", 5)], synced)
    assert states(groups) == {"before": (RESOLVED, "synced 2026-12-01T12:03:00.000Z"), "after": (OPEN, None)}
