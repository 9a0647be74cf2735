"""run_rounds: the polling commands' shape (once: a line per source, exit 1 on a failure; else until stopped)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence

import click
from click.testing import CliRunner

from ops.rounds import DONE, FAILED, run_rounds


@dataclasses.dataclass
class Result:
    source: str
    status: str


def command(results: list[Result], calls: list[str]) -> click.Command:
    @click.command()
    @click.option("--once", is_flag=True)
    @click.pass_context
    def poll(ctx: click.Context, once: bool) -> None:
        stop = threading.Event()

        def forever() -> None:
            calls.append("forever")

        def lines(found: Sequence[Result]) -> list[str]:
            return [f"{result.source} {result.status}" for result in found]
        run_rounds(ctx, stop, once=once, forever=forever, round_once=lambda: results, lines=lines)
    return poll


def test_one_round_prints_a_line_per_source_and_exits_0_when_none_failed():
    result = CliRunner().invoke(command([Result("a", DONE), Result("b", "skipped")], []), ["--once"])
    assert (result.exit_code, result.output) == (0, "a done\nb skipped\n")


def test_one_round_exits_1_when_a_source_failed():
    result = CliRunner().invoke(command([Result("a", DONE), Result("b", FAILED)], []), ["--once"])
    assert (result.exit_code, result.output) == (1, "a done\nb failed\n")


def test_without_once_it_polls_until_stopped_and_prints_nothing():
    calls: list[str] = []
    result = CliRunner().invoke(command([Result("a", FAILED)], calls), [])
    assert (result.exit_code, result.output, calls) == (0, "", ["forever"])
