"""``bridgectl push stock [--sku S ...] [--all] [--resume] [--dry-run]``: the ERP's stock written to Magento.

``--all`` pushes every SKU the ERP lists (Odoo: every product with an internal reference; the HTTP ERP:
``GET /stock``), SKUs Magento lacks reported as skipped; ``--sku`` pushes the named ones. A progress bar on a
terminal, log lines otherwise. Exit codes: 0 done, 1 interrupted or failed (``--all --resume`` continues),
2 bad arguments, 78 bad configuration.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import click

from core.errors import BridgeError, ConfigError
from core.settings import Settings
from ops.cli import ConfigProblem
from ops.cmd_support import is_terminal, open_database, require_magento, settings_from, stop_on_signals
from ops.progress import BarProgress, LogProgress
from ops.push import PushReport, StockPushRun, all_skus, summary


@click.group()
def push() -> None:
    """Push the ERP's data to Magento (today: stock)."""


@push.command()
@click.option("--sku", "skus", multiple=True, metavar="SKU", help="A SKU to push (repeat for more).")
@click.option("--all", "everything", is_flag=True, help="Every SKU the ERP lists, resumable.")
@click.option("--resume", is_flag=True, help="With --all: continue the last push after its last written chunk.")
@click.option("--dry-run", is_flag=True, help='Print "SKU source: magento_qty -> erp_qty" per change; write nothing.')
@click.pass_context
def stock(ctx: click.Context, skus: Sequence[str], everything: bool, resume: bool, dry_run: bool) -> None:
    """Write the ERP's stock quantities (STOCK_QUANTITY, per MAGENTO_SOURCES source) to Magento."""
    if bool(skus) == everything:
        raise click.UsageError("name SKUs with --sku, or push every SKU with --all")
    if resume and not everything:
        raise click.UsageError("--resume continues a push of --all")
    settings = settings_from(ctx)
    report = run(settings, list(skus), everything=everything, resume=resume, dry_run=dry_run)
    click.echo("\n".join(summary(report, dry_run)))
    if not report.finished:
        ctx.exit(1)


def run(settings: Settings, skus: list[str], *, everything: bool, resume: bool, dry_run: bool) -> PushReport:
    """Build the StockPush of the settings and run the push; SIGTERM/SIGINT stop after the chunk."""
    from consumers.to_magento import build_stock_push
    from store.push_positions import PushPositions

    require_magento(settings)
    engine = open_database(settings.database_url)
    pusher = build_stock_push(settings, engine=engine)
    positions = PushPositions(engine) if everything and not dry_run else None
    progress = BarProgress("SKUs") if is_terminal() else LogProgress(what="SKUs")
    walk = StockPushRun(pusher, positions, progress, threading.Event(), show=click.echo)
    try:
        pusher.probe()
        with stop_on_signals(walk.stop):
            return walk.run(all_skus(pusher) if everything else skus, resume=resume, dry_run=dry_run)
    except ConfigError as exc:
        raise ConfigProblem(str(exc)) from None
    except BridgeError as exc:
        click.echo(f"push stopped: {exc.report_text()}", err=True)
        walk.report.note = "the chunk that failed and those after it were not written"
        return walk.report
    finally:
        pusher.close()
        engine.dispose()
