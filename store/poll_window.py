"""Which rows of an Odoo poll are new: the watermark, its overlap, and the repeats inside it. Pure, no I/O.

Odoo stamps ``write_date`` with the transaction's start, so a long transaction commits rows dated before the
last poll, and RPC answers whole seconds while the database keeps microseconds. So each poll reads from the
watermark (the newest ``write_date`` seen, Odoo's clock) minus ``ODOO_POLL_OVERLAP`` seconds with ``>=``,
and drops the ``(model, id, write_date)`` already published inside that window. ``fresh_rows`` does the
dropping and computes the next state: the watermark moves to the newest ``write_date`` of the page (never
back), and the repeat set keeps only what the next poll can read again (stamped at or after the new
watermark minus the overlap), at most ``max_seen`` entries (the newest; one dropped early is at worst
published twice, never lost). A row dated before the overlap is not returned: the poll query never reads
it, and a transaction open longer than the overlap is the documented limit of polling.

Within one poll the poller pages by ``(write_date, id)`` keyset from ``read_from(mark, overlap)``, so a page
full of repeats never loops.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

DEFAULT_OVERLAP = 300  # seconds, ODOO_POLL_OVERLAP
MAX_SEEN = 50_000
ODOO_FORMAT = "%Y-%m-%d %H:%M:%S"

RecordId = int | str
Seen = tuple[str, RecordId, str]  # (model, id, write_date)


@dataclasses.dataclass(frozen=True)
class PollMark:
    """One source's poll state: Odoo's newest ``write_date`` seen and the repeats at or after it minus the
    overlap, or the HTTP change feed's opaque ``cursor``; ``published`` counts notifications so far."""

    source: str
    write_date: str | None = None
    seen: frozenset[Seen] = frozenset()
    cursor: str | None = None
    published: int = 0


@dataclasses.dataclass(frozen=True)
class PollPage:
    """What to publish from one page (in the page's order), and the state to save once they are confirmed."""

    rows: list[dict[str, Any]]
    mark: PollMark
    repeats: int = 0  # rows dropped as already published
    too_old: int = 0  # rows dated before the overlap window (not returned)


def odoo_write_date(value: Any) -> str:
    """A ``write_date`` as Odoo's RPC answers it, ``YYYY-MM-DD HH:MM:SS`` (fractions of a second dropped)."""
    if isinstance(value, dt.datetime):
        return value.strftime(ODOO_FORMAT)
    if not isinstance(value, str):
        raise ValueError(f"write_date {value!r} is not Odoo's 'YYYY-MM-DD HH:MM:SS'")
    whole = value.split(".", 1)[0]
    try:
        return dt.datetime.strptime(whole, ODOO_FORMAT).strftime(ODOO_FORMAT)
    except ValueError:
        raise ValueError(f"write_date {value!r} is not Odoo's 'YYYY-MM-DD HH:MM:SS'") from None


def shifted(write_date: str, seconds: float) -> str:
    """``write_date`` moved by ``seconds`` (negative: earlier), in Odoo's text form."""
    moment = dt.datetime.strptime(write_date, ODOO_FORMAT) + dt.timedelta(seconds=seconds)
    return moment.strftime(ODOO_FORMAT)


def read_from(mark: PollMark | None, overlap: float = DEFAULT_OVERLAP) -> str | None:
    """The ``write_date`` the next poll reads from with ``>=``; None for everything (no watermark yet)."""
    if mark is None or mark.write_date is None:
        return None
    return shifted(mark.write_date, -overlap)


def fresh_rows(mark: PollMark, model: str, rows: Iterable[Mapping[str, Any]],
               overlap: float = DEFAULT_OVERLAP, max_seen: int = MAX_SEEN) -> PollPage:
    """The rows of ``model`` (each with ``id`` and ``write_date``) not yet published, and the next state."""
    if overlap < 0:
        raise ValueError("the poll overlap must be 0 seconds or more")
    floor = read_from(mark, overlap)
    seen, fresh = set(mark.seen), []
    repeats = too_old = 0
    newest = mark.write_date
    for row in rows:
        stamp = odoo_write_date(row["write_date"])
        ident = (model, _record_id(row["id"]), stamp)
        if floor is not None and stamp < floor:
            too_old += 1
        elif ident in seen:
            repeats += 1
        else:
            seen.add(ident)
            fresh.append(dict(row))
            newest = stamp if newest is None else max(newest, stamp)
    kept = _kept(seen, read_from(dataclasses.replace(mark, write_date=newest), overlap), max_seen)
    state = dataclasses.replace(mark, write_date=newest, seen=kept, published=mark.published + len(fresh))
    return PollPage(fresh, state, repeats, too_old)


def _record_id(value: Any) -> RecordId:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"record id {value!r} is neither a number nor a text")
    return value


def _kept(seen: set[Seen], floor: str | None, max_seen: int) -> frozenset[Seen]:
    """The repeats the next poll can read again (stamped at or after ``floor``), the newest ``max_seen``."""
    inside = [ident for ident in seen if floor is None or ident[2] >= floor]
    if len(inside) > max_seen:
        inside.sort(key=lambda ident: (ident[2], ident[0], str(ident[1])), reverse=True)
        inside = inside[:max_seen]
    return frozenset(inside)


def encode_seen(seen: Iterable[Seen]) -> str:
    """The repeat set as stored: JSON ``{model: {write_date: [ids]}}``, sorted, compact."""
    grouped: dict[str, dict[str, list[RecordId]]] = {}
    for model, record_id, stamp in seen:
        grouped.setdefault(model, {}).setdefault(stamp, []).append(record_id)
    for stamps in grouped.values():
        for ids in stamps.values():
            ids.sort(key=lambda record_id: (isinstance(record_id, str), record_id))
    return json.dumps(grouped, sort_keys=True, separators=(",", ":"))


def decode_seen(text: str | None) -> frozenset[Seen]:
    """The repeat set from its stored JSON (empty for None or ``{}``)."""
    grouped = json.loads(text) if text else {}
    return frozenset((model, record_id, stamp) for model, stamps in grouped.items()
                     for stamp, ids in stamps.items() for record_id in ids)
