"""``bridgectl topology``: declare the broker layout (exchanges, queues, bindings) idempotently."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import click
import pika.exceptions

from broker.amqp import declare_all
from broker.topology import Topology
from broker.topology import topology as layout_of
from core.entities import STREAMS
from core.errors import broker_unreachable
from ops.cli import load_settings_or_exit


@click.command(name="topology")
@click.option("--dry-run", is_flag=True, help="Print the layout without connecting to the broker.")
def topology(dry_run: bool) -> None:
    """Declare magento.events, one quorum queue per entity with its dead-letter queue, and the retry tiers.

    Safe to run again: declaring what exists with the same arguments changes nothing. AMQP_URL and
    RETRY_DELAYS come from the environment.
    """
    settings = load_settings_or_exit()
    where = _describe(settings.amqp_url)
    if dry_run:
        layout = layout_of(STREAMS, settings.retry_delays)
    else:
        layout = _declare(settings.amqp_url, settings.retry_delays, where)
    click.echo(render(layout, where, declared=not dry_run))


def _declare(url: str, retry_delays: tuple[int, ...], where: str) -> Topology:
    try:
        return declare_all(url, STREAMS, retry_delays)
    except pika.exceptions.ChannelClosedByBroker as exc:
        raise click.ClickException(
            f"the broker at {where} refused the layout ({exc.reply_code} {exc.reply_text}); a queue or exchange "
            "already exists with other arguments: delete it (after draining it) or fix RETRY_DELAYS") from None
    except pika.exceptions.AMQPError as exc:
        raise click.ClickException(broker_unreachable(url, exc)) from None


def _describe(url: str) -> str:
    """host:port and vhost of an AMQP URL, never its password."""
    parts = urlsplit(url)
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    return f"{parts.hostname}:{parts.port or 5672} vhost {vhost}"


def render(layout: Topology, where: str, *, declared: bool) -> str:
    """The layout as operators see it in the management UI, one name per line."""
    lines = [f"{'declared on' if declared else 'layout for'} {where}:"]
    lines += [f"  exchange {exchange.name} ({exchange.type})" for exchange in layout.exchanges]
    for queue in layout.queues:
        kind = queue.arguments.get("x-queue-type", "classic")
        extra = f", TTL {queue.arguments['x-message-ttl'] // 1000} s" if "x-message-ttl" in queue.arguments else ""
        lines.append(f"  queue    {queue.name} ({kind}{extra})")
    for binding in layout.bindings:
        key = binding.routing_key or ", ".join(f"{k}={v}" for k, v in (binding.arguments or {}).items())
        lines.append(f"  binding  {binding.exchange} -> {binding.queue} [{key}]")
    return "\n".join(lines)
