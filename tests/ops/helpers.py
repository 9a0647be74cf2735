"""Helpers of the operations tests that are not fixtures: reading queues, building ids."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import requests
from click.testing import CliRunner, Result

if TYPE_CHECKING:
    from pika.adapters.blocking_connection import BlockingChannel

    from core.settings import Settings


def event_id(entity: str, key: str) -> str:
    return f"evt-{entity}-{key}"


def depth(channel: BlockingChannel, queue: str) -> int:
    return channel.queue_declare(queue, passive=True).method.message_count


def drain(channel: BlockingChannel, queue: str) -> list[tuple[Any, bytes]]:
    """Take every message of ``queue`` (acked): [(properties, body), ...] in queue order."""
    return _read(channel, queue, keep=False)


def peek(channel: BlockingChannel, queue: str) -> list[tuple[Any, bytes]]:
    """Every message of ``queue``, left in place and in order."""
    return _read(channel, queue, keep=True)


def _read(channel: BlockingChannel, queue: str, keep: bool) -> list[tuple[Any, bytes]]:
    wanted, last = depth(channel, queue), 0
    taken: list[tuple[Any, bytes]] = []
    if wanted == 0:
        return taken
    channel.basic_qos(prefetch_count=min(wanted, 65535))
    for method, properties, body in channel.consume(queue, inactivity_timeout=5):
        if method is None:
            break
        taken.append((properties, body))
        last = method.delivery_tag
        if len(taken) >= wanted:
            break
    channel.cancel()
    if keep:
        channel.basic_nack(0, multiple=True, requeue=True)
        wait_for_depth(channel, queue, wanted)
    elif last:
        channel.basic_ack(last, multiple=True)
    return taken


def wait_for_depth(channel: BlockingChannel, queue: str, at_least: int) -> None:
    """Quorum queues take returned messages back through their log: wait until they show."""
    for _ in range(500):
        if depth(channel, queue) >= at_least:
            return
        channel.connection.sleep(0.01)
    raise AssertionError(f"{queue} did not get its {at_least} messages back")


def ids(messages: list[tuple[Any, bytes]]) -> list[str]:
    return [properties.message_id for properties, _body in messages]


def bodies(messages: list[tuple[Any, bytes]]) -> list[dict[str, Any]]:
    return [json.loads(body) for _properties, body in messages]


def invoke(command: Any, args: list[str], settings: Settings) -> Result:
    """Run a click command in-process with ``settings`` as its configuration (never the environment)."""
    return CliRunner().invoke(command, args, obj=settings, catch_exceptions=False)


class MagentoSandbox:
    """The running sandbox: ``url`` for the bridge, ``admin(method, path, body)`` for ``/__sandbox``."""

    def __init__(self, app: Any, url: str, token: str) -> None:
        self.app, self.url, self.token = app, url, token
        self.http = requests.Session()

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, f"{self.url}/__sandbox{path}", json=body, timeout=30)
        assert response.status_code < 400, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def generate_products(self, count: int, prefix: str = "SYN-", updated_at: str | None = None) -> dict[str, Any]:
        body = {"count": count, "prefix": prefix, **({"updated_at": updated_at} if updated_at else {})}
        return self.admin("POST", "/generate/products", body)

    def keys(self, entity: str) -> list[str]:
        return self.admin("GET", f"/records/{entity}")["keys"]

    def requests(self) -> list[dict[str, Any]]:
        return self.admin("GET", "/requests")["requests"]
