"""Progress: log lines with done, total, rate and time left, at most one per interval."""

from __future__ import annotations

import logging

from ops.progress import BarProgress, LogProgress


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_log_lines_carry_the_figures_and_are_spaced_by_the_interval(caplog):
    ticks = Ticks()
    progress = LogProgress(interval=10, clock=ticks)
    caplog.set_level(logging.INFO, logger="ops.progress")
    progress.start("product", 0, 2500)
    ticks.now += 4
    progress.advance("product", 400, None)  # within the interval: no line
    ticks.now += 6
    progress.advance("product", 600, None)
    ticks.now += 5
    progress.finish("product")
    assert [record.getMessage() for record in caplog.records] == [
        "product: 1,000 of 2,500 records (40%), 100/s, about 15 s left",
        "product: 1,000 of 2,500 records (40%), 67/s, about 22 s left",
    ]


def test_a_resumed_run_counts_its_rate_from_where_it_resumed(caplog):
    ticks = Ticks()
    progress = LogProgress(interval=1, clock=ticks)
    caplog.set_level(logging.INFO, logger="ops.progress")
    progress.start("order", 900, 1000)
    ticks.now += 2
    progress.advance("order", 100, None)
    assert caplog.records[-1].getMessage() == "order: 1,000 of 1,000 records (100%), 50/s"


def test_without_a_total_only_the_count_and_rate_show():
    ticks = Ticks()
    progress = LogProgress(clock=ticks)
    progress.start("stock", 0, None)
    ticks.now += 1
    assert progress.line({"done": 5, "first": 0, "total": None, "started": 99.0}) == "5 records, 2/s"


def test_the_bar_counts_records(capsys):
    bar = BarProgress()
    bar.start("product", 10, 30)
    bar.advance("product", 20, None)
    assert bar._bars["product"].n == 30
    bar.finish("product")
    assert "product" not in bar._bars and "30/30" in capsys.readouterr().err
