"""``bridgectl erp-poll [--once] [--interval S] [ENTITY ...]``: publish what changed in the ERP.

With ``ERP_BACKEND=odoo`` it reads every watched Odoo model (stock: ``stock.quant`` and done ``stock.move``s)
from its watermark minus ODOO_POLL_OVERLAP; with ``ERP_BACKEND=http`` and ``ERP_HTTP_CHANGES=1`` it reads the
HTTP ERP's change feed. Without ``--once`` it polls every ERP_POLL_INTERVAL until SIGTERM or SIGINT, which stop
it between pages (the Procfile's ``erp-poller:`` process); an outage is logged once, the polls go on; exit 0.
With ``--once`` it polls each source once, prints a line per source and exits 1 when a poll failed.
A bad or missing setting exits 78.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence

import click

from core.errors import ConfigError
from core.settings import Settings
from ops.cli import ConfigProblem
from ops.cmd_support import aligned, open_database, ready_publisher, settings_from, stop_on_signals
from ops.erp_poll import SYNCED_FROM_ERP, ErpPoller, PollResult, Source
from ops.publishing import Publishing
from ops.reconcile_cmd import Duration
from ops.rounds import run_rounds
from store.db import Engine

log = logging.getLogger(__name__)
TITLES = ("SOURCE", "STATUS", "PUBLISHED", "REPEATS", "FROM", "WATERMARK")
NOTHING_TO_POLL = ("nothing to poll: ERP_BACKEND=http without ERP_HTTP_CHANGES=1 (an HTTP ERP without a change feed "
                   "sends its changes to POST /webhooks/erp)")


@click.command("erp-poll")
@click.argument("entities", nargs=-1, type=click.Choice(SYNCED_FROM_ERP), metavar="[ENTITY]...")
@click.option("--once", is_flag=True, help="Poll each source once, print what was published, and exit.")
@click.option("--interval", type=Duration(), help="Time between rounds (default ERP_POLL_INTERVAL).")
@click.option("--batch-size", type=click.IntRange(1, 1000), help="Rows per page (default BATCH_SIZE).")
@click.pass_context
def erp_poll(ctx: click.Context, entities: Sequence[str], once: bool, interval: float | None,
             batch_size: int | None) -> None:
    """Publish every ERP change since the last poll (Odoo's write_date watermark or the HTTP change feed)."""
    settings = settings_from(ctx)
    chosen = tuple(dict.fromkeys(entities)) or SYNCED_FROM_ERP
    with _poller(settings, chosen, batch_size or settings.batch_size) as poller:
        if poller is None:
            _nothing_to_poll(once)
            return
        run_rounds(ctx, poller.stop, once=once, lines=as_lines, round_once=poller.run_once,
                   forever=lambda: poller.run_forever(interval or settings.erp_poll_interval))


def as_lines(results: Sequence[PollResult]) -> list[str]:
    """A line per source, then the reason of each that did not simply finish."""
    rows = [(r.source, r.status, r.published, r.repeats, r.read_from, r.watermark) for r in results]
    lines = aligned(TITLES, rows)
    lines.extend(f"{result.source}: {result.reason}" for result in results if result.reason)
    return lines


def _nothing_to_poll(once: bool) -> None:
    """An HTTP ERP without a change feed: say so; as a long-running process, wait for the stop signal."""
    if once:
        click.echo(NOTHING_TO_POLL)
        return
    log.warning("erp-poll: %s; waiting for SIGTERM", NOTHING_TO_POLL)
    poller = ErpPoller(())
    with stop_on_signals(poller.stop):
        poller.stop.wait()


@contextlib.contextmanager
def _poller(settings: Settings, entities: Sequence[str], limit: int) -> Iterator[ErpPoller | None]:
    if settings.erp_backend == "http" and not settings.erp_http_changes:
        yield None
        return
    try:
        settings.validate_erp()
    except ConfigError as exc:
        raise ConfigProblem(str(exc)) from None
    engine = open_database(settings.database_url)
    try:
        with ready_publisher(settings, "bridgectl-erp-poll") as publisher, \
                _sources(settings, entities, publisher, engine, limit) as sources:
            yield ErpPoller(sources)
    finally:
        engine.dispose()


@contextlib.contextmanager
def _sources(settings: Settings, entities: Sequence[str], publisher: Publishing, engine: Engine,
             limit: int) -> Iterator[list[Source]]:
    from erp.odoo.changes import WATCHED
    from ops.erp_poll_sources import HttpFeedSource, OdooSource
    from store.erp_watermarks import ErpWatermarks

    watermarks = ErpWatermarks(engine)
    if settings.erp_backend == "http":
        from erp.http import HttpErpBackend
        from erp.http_changes import HttpChangeFeed

        feed = HttpChangeFeed(HttpErpBackend(settings.erp_http_url, settings.erp_http_token, settings.erp_timeout,
                                             pool_size=2))
        try:
            yield [HttpFeedSource(feed, publisher, watermarks, entities=entities, limit=limit)]
        finally:
            feed.close()
        return
    from erp.odoo.changes import OdooChanges
    from erp.odoo.rpc import OdooRpc

    rpc = OdooRpc.from_settings(settings)
    changes = OdooChanges(rpc)
    try:
        yield [OdooSource(changes, model, publisher, watermarks, overlap=settings.odoo_poll_overlap,
                          limit=limit) for entity in entities for model in WATCHED[entity]]
    finally:
        rpc.close()
