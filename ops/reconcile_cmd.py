"""``bridgectl reconcile [--once] [--interval S] [ENTITY ...]``: publish what changed in Magento without a webhook.

Without ``--once`` it polls every RECONCILE_INTERVAL until SIGTERM or SIGINT, which stop it between pages
(the Procfile's ``reconciler:`` process); exit 0. With ``--once`` it polls each entity once, prints a line per
entity and exits 1 when a poll failed. No ENTITY means all of them (stock as an hourly full pass).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import click

from core import parsing
from core.entities import ENTITIES
from core.settings import Settings
from ops.cmd_support import aligned, open_database, ready_publisher, require_magento, settings_from
from ops.reconcile import FULL_PASS_EVERY, PollResult, Reconciler, Timing
from ops.rounds import run_rounds

TITLES = ("ENTITY", "STATUS", "PUBLISHED", "KNOWN", "SINCE", "WATERMARK")


class Duration(click.ParamType):
    """Seconds, or a duration such as ``90s``, ``5m``, ``1h``."""

    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        try:
            seconds = parsing.duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if seconds <= 0:
            self.fail("must be more than 0", param, ctx)
        return seconds


@click.command()
@click.argument("entities", nargs=-1, type=click.Choice(ENTITIES), metavar="[ENTITY]...")
@click.option("--once", is_flag=True, help="Poll each entity once, print what was published, and exit.")
@click.option("--interval", type=Duration(), help="Time between polls (default RECONCILE_INTERVAL).")
@click.option("--full-pass-every", type=Duration(), default=FULL_PASS_EVERY, show_default="1h",
              help="Stock has no updated_at: its full pass over every SKU runs at most this often.")
@click.pass_context
def reconcile(ctx: click.Context, entities: Sequence[str], once: bool, interval: float | None,
              full_pass_every: float) -> None:
    """Publish every record changed since the last poll, so a change whose webhook was lost still syncs."""
    settings = settings_from(ctx)
    chosen = tuple(dict.fromkeys(entities)) or ENTITIES
    with _reconciler(settings, full_pass_every) as reconciler:
        run_rounds(ctx, reconciler.stop, once=once, lines=as_lines, round_once=lambda: reconciler.run_once(chosen),
                   forever=lambda: reconciler.run_forever(chosen, interval or settings.reconcile_interval))


def as_lines(results: Sequence[PollResult]) -> list[str]:
    """A line per entity, then the reason of each that did not simply finish."""
    rows = [(r.entity, r.status, r.published, r.known, r.window_from, r.watermark) for r in results]
    lines = aligned(TITLES, rows)
    lines.extend(f"{result.entity}: {result.reason}" for result in results if result.reason)
    return lines


@contextlib.contextmanager
def _reconciler(settings: Settings, full_pass_every: float) -> Iterator[Reconciler]:
    from magento.client import MagentoClient

    require_magento(settings)
    engine = open_database(settings.database_url)
    try:
        with ready_publisher(settings, "bridgectl-reconcile") as publisher, MagentoClient(settings) as client:
            yield Reconciler(client, publisher, engine, erp_backend=settings.erp_backend,
                             timing=Timing.from_settings(settings, full_pass_every),
                             batch_size=settings.batch_size, batch_delay=settings.batch_delay)
    finally:
        engine.dispose()
