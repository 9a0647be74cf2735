"""``bridgectl status [--json]``: per entity, what waits, retries and died, who consumes, and the last hour.

Exit codes: 0 every figure was read, 1 the broker or the database could not be read (their fields are
empty, or null in JSON, and the reason is printed on stderr).
"""

from __future__ import annotations

import json
from typing import Any

import click

from core.entities import STREAMS
from ops.cmd_support import aligned, settings_from
from ops.status import FIELDS, Status, collect
from store.db import DatabaseError, ensure_schema, make_engine

TITLES = ("ENTITY", "QUEUED", "RETRYING", "DEAD", "CONSUMERS", "LAST RECONCILE", "SYNCED 1H", "FAILED 1H")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object keyed by entity.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Queue depths, retries, dead letters, consumers, last reconcile and last hour's outcomes, per entity."""
    settings = settings_from(ctx)
    engine = _engine(settings.database_url)
    try:
        figures = collect(settings.amqp_url, engine, STREAMS, settings.retry_delays)
    finally:
        if engine is not None:
            engine.dispose()
    click.echo(json.dumps(figures.entities, indent=2) if as_json else "\n".join(as_text(figures)))
    for problem in figures.problems:
        click.echo(f"bridgectl status: {problem}", err=True)
    if figures.problems:
        ctx.exit(1)


def as_text(figures: Status) -> list[str]:
    """The table, the retry tiers' depths, and how ``RETRYING`` is estimated."""
    rows = [(entity, *(row[field] for field in FIELDS)) for entity, row in figures.entities.items()]
    lines = aligned(TITLES, rows)
    tiers = ", ".join(f"{name.rsplit('.', 1)[-1]} {'-' if depth is None else depth}"
                      for name, depth in figures.tiers.items())
    lines.append(f"retry tiers (all entities): {tiers}")
    lines.append("RETRYING per entity is estimated from the sync reports (the tiers are shared); "
                 "SYNCED/FAILED 1H count synced and dead reports")
    return lines


def _engine(url: str) -> Any:
    try:
        engine = make_engine(url)
        ensure_schema(engine)
        return engine
    except DatabaseError as error:
        click.echo(f"bridgectl status: cannot open the database: {getattr(error, 'orig', error)}", err=True)
        return None
