"""``bridgectl reports``: what happened to each synced record, newest first, with the full error text."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from core import parsing
from core.entities import ENTITIES
from core.logs import printable, printable_json
from core.outcomes import STATUSES
from ops.cli import load_settings_or_exit
from ops.cmd_support import Moment, open_database
from store.db import DatabaseError
from store.reports import ReportStore

JSON_FIELDS = ("event_id", "entity", "key", "status", "attempts", "duration_ms", "error", "at")
TABLE_COLUMNS = (("AT", "at"), ("ENTITY", "entity"), ("KEY", "key"), ("ACTION", "action"),
                 ("STATUS", "status"), ("ATTEMPTS", "attempts"), ("MS", "duration_ms"),
                 ("DETAIL", "detail"), ("EVENT", "event_id"))


class Age(click.ParamType):
    """A duration such as ``30d`` or ``12h``."""

    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.timedelta:
        if isinstance(value, dt.timedelta):
            return value
        try:
            return dt.timedelta(seconds=parsing.duration(str(value)))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.group(invoke_without_command=True)
@click.option("--entity", type=click.Choice(ENTITIES), help="Only this entity.")
@click.option("--status", type=click.Choice(STATUSES), help="Only this outcome.")
@click.option("--since", type=Moment(), help="Only reports from this time on: ISO 8601, or an age like 30m, 1h, 2d.")
@click.option("--limit", type=click.IntRange(min=0), default=500, show_default=True,
              help="Newest reports shown; 0 shows all.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@click.option("--prune-older-than", type=Age(), metavar="DURATION",
              help="Delete reports older than this (e.g. 30d) instead of listing.")
@click.option("--database-url", metavar="URL", help="Read this database instead of DATABASE_URL.")
@click.pass_context
def reports(ctx: click.Context, entity: str | None, status: str | None, since: dt.datetime | None, limit: int,
            as_json: bool, prune_older_than: dt.timedelta | None, database_url: str | None) -> None:
    """List sync outcomes (synced, skipped, retrying, dead), newest first, with the full error text."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"database_url": database_url}
        return
    settings = load_settings_or_exit(DATABASE_URL=database_url)
    store = _open_store(settings.database_url)
    try:
        if prune_older_than is not None:
            deleted = store.prune(prune_older_than)
            click.echo(f"deleted {deleted} reports older than {_age(prune_older_than)}")
            return
        rows = store.query(entity=entity, status=status, since=since, limit=limit or None)
    except DatabaseError as exc:
        raise click.ClickException(f"cannot read the reports database: {getattr(exc, 'orig', exc)}") from None
    finally:
        store.engine.dispose()
    click.echo(as_json_text(rows) if as_json else as_table(rows))
    if limit and len(rows) == limit:
        click.echo(f"(showing the newest {limit}; --limit 0 shows all)", err=True)


@reports.command("prune")
@click.option("--older-than", type=Age(), metavar="DURATION",
              help="Delete reports older than this (e.g. 30d); default: REPORTS_RETENTION_DAYS days.")
@click.option("--database-url", metavar="URL", help="Prune this database instead of DATABASE_URL.")
@click.pass_context
def prune(ctx: click.Context, older_than: dt.timedelta | None, database_url: str | None) -> None:
    """Delete the reports older than the retention (REPORTS_RETENTION_DAYS), as consumers do hourly."""
    given = (ctx.obj or {}).get("database_url") if isinstance(ctx.obj, dict) else None
    settings = load_settings_or_exit(DATABASE_URL=database_url or given)
    age = older_than or dt.timedelta(days=settings.reports_retention_days)
    store = _open_store(settings.database_url)
    try:
        deleted = store.prune(age)
    except DatabaseError as exc:
        raise click.ClickException(f"cannot prune the reports database: {getattr(exc, 'orig', exc)}") from None
    finally:
        store.engine.dispose()
    click.echo(f"deleted {deleted} reports older than {_age(age)}")


def _open_store(url: str) -> ReportStore:
    return ReportStore(open_database(url))


def _age(age: dt.timedelta) -> str:
    seconds = age.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def as_json_text(rows: list[dict[str, Any]]) -> str:
    """The JSON array ``--json`` prints: exactly ``JSON_FIELDS``, ``at`` as ISO 8601 UTC."""
    items = [{name: parsing.iso(row[name]) if name == "at" else row[name] for name in JSON_FIELDS} for row in rows]
    return printable_json(json.dumps(items, indent=2, ensure_ascii=False))


def as_table(rows: list[dict[str, Any]]) -> str:
    """Aligned columns, one line per report, each error in full on the indented lines below it."""
    if not rows:
        return "no reports match"
    cells = [[_cell(name, row[name]) for _, name in TABLE_COLUMNS] for row in rows]
    widths = [max(len(title), *(len(line[index]) for line in cells)) for index, (title, _) in enumerate(TABLE_COLUMNS)]
    lines = [_aligned([title for title, _ in TABLE_COLUMNS], widths)]
    for row, line in zip(rows, cells):
        lines.append(_aligned(line, widths))
        if row["error"]:
            lines.extend(_error_lines(row["error_class"], row["error"]))
    lines.append(f"{len(rows)} report{'s' if len(rows) != 1 else ''}, newest first")
    return "\n".join(lines)


def _cell(name: str, value: Any) -> str:
    if value is None or value == "":
        return "-"
    if name == "at":
        return parsing.iso(value)
    return printable(str(value))


def _aligned(cells: list[str], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()


def _error_lines(error_class: str | None, error: str) -> list[str]:
    text = f"{error_class}: {error}" if error_class else error
    first, *rest = text.splitlines() or [""]
    return [f"    error: {printable(first)}", *(f"           {printable(line)}" for line in rest)]
