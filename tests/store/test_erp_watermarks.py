"""ERP poll watermarks on SQLite and PostgreSQL: saved and read back whole, and moved only forward by
racing pollers on two engines (Odoo write_dates never go back; a cursor moves once from where it was)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from store.db import erp_watermarks
from store.erp_watermarks import ErpWatermarks
from store.poll_window import PollMark, fresh_rows
from tests.store.conftest import BOTH_DATABASES, engine_pair
from tests.store.test_sync_state_sql import run_together

NOW = dt.datetime(2026, 12, 6, 4, 0, tzinfo=dt.UTC)
SOURCE = "odoo:stock.quant"


@pytest.fixture(params=BOTH_DATABASES)
def engines(request: pytest.FixtureRequest) -> Iterator[list[Engine]]:
    """Two engines on one empty table: two pollers, as far as the database can tell."""
    with engine_pair(request, erp_watermarks) as pair:
        yield pair


def test_a_poll_state_is_saved_and_read_back_whole(engines):
    marks = ErpWatermarks(engines[0])
    assert marks.load(SOURCE) is None
    page = fresh_rows(PollMark(SOURCE), "stock.quant", [{"id": 1, "write_date": "2026-12-06 03:59:00"},
                                                        {"id": 2, "write_date": "2026-12-06 04:00:00"}])
    assert marks.advance(page.mark, NOW)
    assert ErpWatermarks(engines[1]).load(SOURCE) == page.mark
    assert marks.updated_at(SOURCE) == NOW
    assert set(marks.all()) == {SOURCE}


def test_a_watermark_never_goes_back_and_may_stay_at_its_second(engines):
    marks = ErpWatermarks(engines[0])
    newer = PollMark(SOURCE, "2026-12-06 04:00:00", frozenset({("stock.quant", 1, "2026-12-06 04:00:00")}))
    assert marks.advance(newer, NOW)
    assert not marks.advance(PollMark(SOURCE, "2026-12-06 03:59:59"), NOW)
    assert not marks.advance(PollMark(SOURCE), NOW)  # "nothing seen yet" does not erase a watermark
    assert marks.load(SOURCE) == newer
    same_second = PollMark(SOURCE, "2026-12-06 04:00:00", newer.seen | {("stock.quant", 2, "2026-12-06 04:00:00")})
    assert marks.advance(same_second, NOW)
    assert marks.load(SOURCE) == same_second
    with pytest.raises(ValueError):
        marks.advance(PollMark(SOURCE, "2026-12-06T05:00:00Z"), NOW)  # not Odoo's text: would not sort
    assert marks.advance(PollMark(SOURCE, "2026-12-06 05:00:00.250000"), NOW)
    assert marks.load(SOURCE).write_date == "2026-12-06 05:00:00"


def test_racing_pollers_on_two_engines_end_on_the_newest_watermark_and_never_go_back(engines):
    stamps = [f"2026-12-06 04:{minute:02d}:00" for minute in range(40)]
    random.Random(5).shuffle(stamps)
    pollers = 4
    stores = [ErpWatermarks(engines[number % 2]) for number in range(pollers)]
    start, done = threading.Barrier(pollers + 1), threading.Event()
    stored: list[str] = []
    observed: list[str] = []

    def advance(number: int) -> None:
        if number == pollers:  # the watcher: what a reader sees must never go back
            start.wait()
            while not done.is_set():
                mark = stores[0].load(SOURCE)
                if mark is not None:
                    observed.append(mark.write_date)
            return
        start.wait()
        for stamp in stamps[number::pollers]:
            if stores[number].advance(PollMark(SOURCE, stamp, published=1), NOW):
                stored.append(stamp)

    watcher = threading.Thread(target=advance, args=(pollers,))
    watcher.start()
    run_together(advance, pollers)
    done.set()
    watcher.join()

    assert stores[1].load(SOURCE).write_date == max(stamps) == max(stored)
    assert observed == sorted(observed)


def test_a_cursor_moves_only_from_where_the_poller_read_it(engines):
    marks = ErpWatermarks(engines[0])
    feed = PollMark("http:changes")
    assert marks.advance_cursor(dataclasses.replace(feed, cursor="c1", published=3), None, NOW)
    assert not marks.advance_cursor(dataclasses.replace(feed, cursor="c9"), None, NOW)  # not the first any more
    assert not marks.advance_cursor(dataclasses.replace(feed, cursor="c9"), "c0", NOW)  # read from an old one
    assert marks.advance_cursor(dataclasses.replace(feed, cursor="c2", published=5), "c1", NOW)
    assert marks.load("http:changes") == PollMark("http:changes", cursor="c2", published=5)
    with pytest.raises(ValueError):
        marks.advance_cursor(feed, "c2", NOW)


def test_racing_pollers_move_a_cursor_once_per_step(engines):
    pollers, steps = 4, 15
    stores = [ErpWatermarks(engines[number % 2]) for number in range(pollers)]
    start = threading.Barrier(pollers)
    moved: list[tuple[str | None, str]] = []
    lock = threading.Lock()

    def poll(number: int) -> None:
        start.wait()
        for _ in range(steps):
            current = stores[number].load("http:changes")
            expected = None if current is None else current.cursor
            following = str(0 if expected is None else int(expected) + 1)
            if stores[number].advance_cursor(PollMark("http:changes", cursor=following), expected, NOW):
                with lock:
                    moved.append((expected, following))

    run_together(poll, pollers)

    final = stores[0].load("http:changes").cursor
    assert len(moved) == int(final) + 1  # every step taken exactly once: no lost and no double move
    assert len({expected for expected, _ in moved}) == len(moved)


def test_reset_forgets_a_source(engines):
    marks = ErpWatermarks(engines[0])
    marks.advance(PollMark(SOURCE, "2026-12-06 04:00:00"), NOW)
    assert marks.reset(SOURCE) and not marks.reset(SOURCE)
    assert marks.load(SOURCE) is None
    assert marks.advance(PollMark(SOURCE, "2020-01-01 00:00:00"), NOW)  # a fresh start may begin anywhere
