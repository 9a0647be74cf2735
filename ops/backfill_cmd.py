"""``bridgectl backfill ENTITY [ENTITY ...]``: publish a notification for every record Magento lists.

Exit codes: 0 every entity finished (or had finished before), 1 an entity was skipped, stopped or interrupted,
or a record Magento could not list was stepped over (the summary says what was not published and how to
resume), 2 bad arguments or configuration.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence

import click

from core.entities import ENTITIES
from core.settings import Settings
from ops.backfill import ALREADY_DONE, FINISHED, Backfill, EntityReport, Request
from ops.cmd_support import (
    Moment,
    is_terminal,
    open_database,
    plural,
    ready_publisher,
    require_magento,
    settings_from,
    stop_on_signals,
)
from ops.progress import BarProgress, LogProgress
from store.positions import BackfillPositions


@click.command()
@click.argument("entities", nargs=-1, required=True, type=click.Choice(ENTITIES), metavar="ENTITY...")
@click.option("--since", type=Moment(), help="Only records updated from this time on (ISO 8601 UTC, or an age: 7d).")
@click.option("--until", type=Moment(), help="Only records updated up to this time.")
@click.option("--batch-size", type=click.IntRange(min=1), help="Records per page (default BATCH_SIZE).")
@click.option("--delay", type=click.FloatRange(min=0), help="Seconds between pages (default BATCH_DELAY).")
@click.option("--resume", is_flag=True, help="Continue each entity's interrupted backfill after its last page.")
@click.pass_context
def backfill(ctx: click.Context, entities: Sequence[str], since: dt.datetime | None, until: dt.datetime | None,
             batch_size: int | None, delay: float | None, resume: bool) -> None:
    """Publish a notification for every record of each ENTITY, page by page, to the consumers' queues."""
    if since and until and until < since:
        raise click.UsageError("--until is before --since")
    settings = settings_from(ctx)
    request = Request(tuple(dict.fromkeys(entities)), since, until, batch_size or settings.batch_size,
                      settings.batch_delay if delay is None else delay, resume)
    reports = run(settings, request)
    click.echo("\n".join(summary(reports)))
    if any(report.status not in (FINISHED, ALREADY_DONE) or report.unlisted for report in reports):
        ctx.exit(1)


def run(settings: Settings, request: Request) -> list[EntityReport]:
    """Run ``request`` with the real client, publisher and database; SIGTERM/SIGINT stop after the page."""
    from magento.client import MagentoClient

    require_magento(settings)
    engine = open_database(settings.database_url)
    stop = threading.Event()
    progress = BarProgress() if is_terminal() else LogProgress()
    try:
        with (MagentoClient(settings) as client, ready_publisher(settings, "bridgectl-backfill") as publisher,
              stop_on_signals(stop)):
            return Backfill(client, publisher, BackfillPositions(engine), progress=progress, stop=stop).run(request)
    finally:
        engine.dispose()


def summary(reports: Sequence[EntityReport]) -> list[str]:
    """One block per entity: status and counts, then why and how to continue when it did not finish."""
    width = max(len(report.entity) for report in reports)
    lines = []
    for report in reports:
        lines.append(f"{report.entity.ljust(width)}  {report.status:<11} {_counts(report)}")
        indent = " " * (width + 2)
        lines.extend(f"{indent}{text}" for text in _details(report))
    return lines


def _counts(report: EntityReport) -> str:
    text = f"{plural(report.published, 'notification')} published"
    if report.published_total != report.published:
        text += f" ({report.published_total:,} by run {report.run_id} in all)"
    return text


def _details(report: EntityReport) -> list[str]:
    details = list(report.notes)
    if report.reason:
        details.append(report.reason)
    if report.invalid_keys:
        details.append(f"not published, no usable key: {', '.join(report.invalid_keys[:20])}")
    details.extend(_unlisted(report))
    if report.status not in (FINISHED, ALREADY_DONE):
        details.append(_not_published(report))
    return details


def _unlisted(report: EntityReport) -> list[str]:
    """A line per record Magento could not list, saying whether it was published anyway and what to do."""
    lines = []
    for record in report.unlisted:
        if record.published:
            outcome = "published by its id: if Magento cannot return it alone either, it is a dead letter"
        else:
            outcome = ("not published (its key cannot be read): fix it in Magento; saving it there sends it "
                       "(webhook or reconciler)")
        lines.append(f"record {record.key} cannot be listed ({record.error}); {outcome}")
    return lines


def _not_published(report: EntityReport) -> str:
    where = "from the start" if report.last_key is None else f"after key {report.last_key}"
    count = "the records" if report.remaining is None else plural(report.remaining, "record")
    return (f"not published: {count} {where}; when the cause is fixed: "
            f"bridgectl backfill {report.entity} --resume")
