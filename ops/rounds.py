"""What the polling commands share (``bridgectl reconcile``, ``bridgectl erp-poll``): a round's statuses and the
command's shape (poll until a stop signal, or once and print a line per source)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import click

from ops.cmd_support import stop_on_signals

DONE, FAILED, INTERRUPTED = "done", "failed", "interrupted"


class Round(Protocol):
    """One source's round: its status (DONE, FAILED, INTERRUPTED or a poller's own)."""

    status: str


def run_rounds(ctx: click.Context, stop: threading.Event, *, once: bool, forever: Callable[[], None],
               round_once: Callable[[], Sequence[Any]], lines: Callable[[Sequence[Any]], list[str]]) -> None:
    """Poll until SIGTERM/SIGINT sets ``stop``; or, with ``once``, one round whose lines are printed, exit 1
    when a source failed."""
    if not once:
        with stop_on_signals(stop):
            forever()
        return
    results = round_once()
    click.echo("\n".join(lines(results)))
    if any(result.status == FAILED for result in results):
        ctx.exit(1)
