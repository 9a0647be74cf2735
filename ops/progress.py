"""How a long run shows its progress: a tqdm bar on a terminal (records, total, rate, time left), else a log
line every ``interval`` seconds with the same figures."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import tqdm

from ops.backfill_report import Progress

log = logging.getLogger("ops.progress")


class BarProgress(Progress):
    """One tqdm bar per entity, on stderr."""

    def __init__(self, what: str = "records") -> None:
        self.what = what
        self._bars: dict[str, Any] = {}

    def start(self, entity: str, done: int, total: int | None) -> None:
        self._bars[entity] = tqdm.tqdm(total=total, initial=done, unit=f" {self.what}", desc=entity,
                                       dynamic_ncols=True)

    def advance(self, entity: str, count: int, total: int | None) -> None:
        bar = self._bars.get(entity)
        if bar is not None:
            bar.update(count)

    def finish(self, entity: str) -> None:
        bar = self._bars.pop(entity, None)
        if bar is not None:
            bar.close()


class LogProgress(Progress):
    """A log line per entity at most every ``interval`` seconds, and one at the end."""

    def __init__(self, interval: float = 10.0, clock: Callable[[], float] = time.monotonic,
                 what: str = "records") -> None:
        self.interval, self.clock, self.what = interval, clock, what
        self._state: dict[str, dict[str, Any]] = {}

    def start(self, entity: str, done: int, total: int | None) -> None:
        now = self.clock()
        self._state[entity] = {"done": done, "first": done, "total": total, "started": now, "logged": now}

    def advance(self, entity: str, count: int, total: int | None) -> None:
        state = self._state.get(entity)
        if state is None:
            return
        state["done"] += count
        if self.clock() - state["logged"] >= self.interval:
            state["logged"] = self.clock()
            log.info("%s: %s", entity, self.line(state))

    def finish(self, entity: str) -> None:
        state = self._state.pop(entity, None)
        if state is not None:
            log.info("%s: %s", entity, self.line(state))

    def line(self, state: dict[str, Any]) -> str:
        """``1,200 of 2,500 records (48%), 410/s, about 3 s left``."""
        done, total = state["done"], state["total"]
        elapsed = max(self.clock() - state["started"], 1e-9)
        rate = (done - state["first"]) / elapsed
        text = f"{done:,} {self.what}"
        if total:
            text = f"{done:,} of {total:,} {self.what} ({done * 100 // max(total, 1)}%)"
        text += f", {rate:,.0f}/s"
        if total and rate > 0 and done < total:
            text += f", about {(total - done) / rate:,.0f} s left"
        return text
