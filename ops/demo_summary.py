"""The demo's waiting and its summary: records per entity in the ERP, dead letters, a report excerpt."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import click
import pika

from broker.amqp import connection_parameters
from broker.topology import dead_queue, entity_queue
from core.entities import ENTITIES
from core.outcomes import FINAL_STATUSES as FINAL
from core.settings import Settings
from store.db import Engine, make_engine
from store.report_queries import latest_statuses
from store.reports import ReportStore


def _finished_events(engine: Engine) -> int:
    """Event ids whose latest report is final (synced, skipped or dead); 0 before the reports table exists."""
    return sum(1 for status in latest_statuses(engine).values() if status in FINAL)


def wait_until_synced(env: dict[str, str], expected: int, timeout: float, processes: Any) -> None:
    """Wait until ``expected`` notifications have a final report, watching the processes meanwhile."""
    engine = make_engine(env["DATABASE_URL"])
    deadline, done = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        processes.check_alive()
        done = _finished_events(engine)
        if done >= expected:
            engine.dispose()
            return
        time.sleep(0.5)
    engine.dispose()
    raise click.ClickException(f"only {done} of {expected} notifications were synced within {timeout:g} s")


def _queue_depths(amqp_url: str) -> dict[str, tuple[int, int]]:
    connection = pika.BlockingConnection(connection_parameters(amqp_url, name="bridge-demo-summary"))
    try:
        channel = connection.channel()
        return {entity: (channel.queue_declare(entity_queue(entity), passive=True).method.message_count,
                         channel.queue_declare(dead_queue(entity), passive=True).method.message_count)
                for entity in ENTITIES}
    finally:
        connection.close()


def _erp_counts(env: dict[str, str]) -> dict[str, int]:
    from erp.odoo.backend import OdooBackend

    backend = OdooBackend.from_settings(Settings.from_env(env))
    try:
        return {entity: backend.count(entity) for entity in ENTITIES}
    finally:
        backend.close()


def print_summary(env: dict[str, str]) -> bool:
    """Print what reached the ERP and what failed; True when nothing was dead-lettered."""
    engine = make_engine(env["DATABASE_URL"])
    store = ReportStore(engine)
    counts = store.counts_since(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    depths, in_erp = _queue_depths(env["AMQP_URL"]), _erp_counts(env)
    click.echo(f"\n{'entity':<11} {'in Odoo':>8} {'synced':>7} {'skipped':>8} {'dead':>5} {'queued':>7}")
    for entity in ENTITIES:
        row = counts.get(entity, {})
        click.echo(f"{entity:<11} {in_erp[entity]:>8} {row.get('synced', 0):>7} {row.get('skipped', 0):>8} "
                   f"{depths[entity][1]:>5} {depths[entity][0]:>7}")
    click.echo("\nlatest sync reports:")
    for report in store.query(limit=8):
        text = report["error"] or report.get("detail") or ""
        click.echo(f"  {report['at']:%H:%M:%S} {report['status']:<8} {report['entity']:<10} "
                   f"{report['key']:<16} {report['duration_ms']:>5} ms {text}")
    dead = sum(dead for _queued, dead in depths.values())
    click.echo(f"\ndemo: {'every record synced' if not dead else f'{dead} dead letters (bridgectl dlq list)'}")
    engine.dispose()
    return dead == 0
