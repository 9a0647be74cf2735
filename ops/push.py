"""A full stock push (``bridgectl push stock``): the ERP's quantities of many SKUs written to Magento in chunks.

The SKUs (given, or every SKU the ERP lists) are walked in ``sorted()`` order in chunks whose source items fit
one save of MAGENTO_MAX_ITEMS (``StockConfig.skus_per_chunk``); each chunk is one ``StockPush.push`` call, the
same code the ``erp.stock`` consumer runs. After a chunk is written its last SKU is saved as the job's
position (``store.push_positions``), so ``--resume`` starts after it: a killed run resumed repeats no
confirmed chunk, and a chunk in flight when it was killed finds Magento already right (unchanged, not written).
A dry run reads everything and writes nothing (no position either). The echo rule does not apply to a full
push: its purpose is to make Magento right whatever the bridge wrote before.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable, Sequence

from consumers.to_magento import Pushed, StockPush
from core import parsing
from core.outcomes import SYNCED
from ops.backfill_report import Progress
from store.push_positions import PushPosition, PushPositions, chunks, remaining

JOB = "stock"


@dataclasses.dataclass
class PushReport:
    """What a push did: SKUs written and skipped (by reason), chunks, and whether it got to the end."""

    total: int = 0
    pushed: int = 0
    skipped: dict[str, int] = dataclasses.field(default_factory=dict)
    chunks: int = 0
    finished: bool = False
    resumed_after: str | None = None
    note: str | None = None

    def count(self, results: Sequence[Pushed]) -> None:
        for result in results:
            if result.outcome.status == SYNCED:
                self.pushed += 1
            else:
                reason = result.outcome.detail or "skipped"
                self.skipped[reason] = self.skipped.get(reason, 0) + 1


@dataclasses.dataclass
class StockPushRun:
    """One run of the push over ``pusher``; ``positions`` None: no resumable position (``--sku`` or dry run)."""

    pusher: StockPush
    positions: PushPositions | None
    progress: Progress = dataclasses.field(default_factory=Progress)
    stop: threading.Event = dataclasses.field(default_factory=threading.Event)
    show: Callable[[str], None] = print
    report: PushReport = dataclasses.field(default_factory=PushReport)  # of the current or last run

    def run(self, skus: Sequence[str], *, resume: bool = False, dry_run: bool = False) -> PushReport:
        """Push ``skus`` (sorted, once each); ``resume``: after the saved position of the last run."""
        report = self.report = PushReport()
        position = self._position(resume, report)
        if position is not None and position.finished:
            report.finished, report.note = True, "the last push finished; nothing to resume (run without --resume)"
            return report
        todo = remaining(skus, position)
        report.total = len(todo)
        self.progress.start(JOB, 0, len(todo))
        try:
            for chunk in chunks(todo, self.pusher.config.skus_per_chunk):
                if self.stop.is_set():
                    return report
                position = self._chunk(chunk, position, report, dry_run)
            report.finished = True
            if position is not None and self.positions is not None:
                self.positions.save(position.done(), parsing.utc_now())
        finally:
            self.progress.finish(JOB)
        return report

    def _position(self, resume: bool, report: PushReport) -> PushPosition | None:
        if self.positions is None:
            return None
        if resume:
            loaded = self.positions.load(JOB)
            if loaded is not None:
                report.resumed_after = loaded.last_sku
                return loaded
        return self.positions.start(JOB, uuid.uuid4().hex[:12], parsing.utc_now())

    def _chunk(self, chunk: list[str], position: PushPosition | None, report: PushReport,
               dry_run: bool) -> PushPosition | None:
        """Push one chunk, show its changes in a dry run, then save the position after its last SKU."""
        results = self.pusher.push(chunk, dry_run=dry_run)
        if dry_run:
            for result in results:
                for change in result.changes:
                    self.show(change.line())
        report.count(results)
        report.chunks += 1
        if position is not None and self.positions is not None:
            synced = sum(1 for result in results if result.outcome.status == SYNCED)
            position = position.after_chunk(chunk[-1], synced, len(results) - synced)
            self.positions.save(position, parsing.utc_now())
        self.progress.advance(JOB, len(chunk), report.total)
        return position


def all_skus(pusher: StockPush, page_size: int = 500) -> list[str]:
    """Every SKU the ERP lists (``ErpBackend.stock_skus``), sorted, once each."""
    return sorted({sku for page in pusher.backend.stock_skus(page_size) for sku in page})


def summary(report: PushReport, dry_run: bool) -> list[str]:
    """The lines the command ends with."""
    verb = "would be written" if dry_run else "written"
    lines = [f"stock: {report.pushed:,} of {report.total:,} SKUs {verb} in {report.chunks:,} chunks"
             + (f" (resumed after {report.resumed_after})" if report.resumed_after else "")]
    lines += [f"  skipped, {reason}: {count:,}" for reason, count in sorted(report.skipped.items())]
    if report.note:
        lines.append(f"  {report.note}")
    if not report.finished:
        lines.append("  interrupted: continue with bridgectl push stock --all --resume")
    return lines
