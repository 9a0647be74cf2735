"""Test helpers that are not fixtures: free ports, child processes, waiting, RabbitMQ vhosts.

The process, port and vhost helpers live in ``bench/harness.py`` (bench may not import tests); they are
re-exported here so that tests keep one place to import from.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from bench.harness import (  # noqa: F401  (re-exported for the tests)
    POSTGRES_ADMIN_URL,
    free_port,
    port_open,
    rabbitmqctl,
    running,
    stop,
    temporary_postgres_database,
    temporary_vhost,
    wait_for,
)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def empty_topology(amqp_url: str, delays: Sequence[int], *, name: str = "test-fixture") -> None:
    """Declare the whole topology (with these retry delays) on ``amqp_url`` and purge every queue."""
    import pika

    from broker.amqp import connection_parameters, declare
    from broker.topology import topology
    from core.entities import STREAMS

    layout = topology(STREAMS, delays)
    connection = pika.BlockingConnection(connection_parameters(amqp_url, name=name))
    try:
        channel = connection.channel()
        declare(channel, layout)
        for queue in layout.queues:
            channel.queue_purge(queue.name)
    finally:
        connection.close()


def odoo_execute_as(url: str, login: str, password: str, model: str, method: str, args: list,
                    kwargs: dict | None = None) -> object:
    """``execute_kw`` on the Odoo sandbox at ``url`` as the user ``login`` (its writes carry its ``write_uid``)."""
    import requests

    def call(service: str, method: str, args: list) -> object:
        body = {"jsonrpc": "2.0", "method": "call", "id": 1,
                "params": {"service": service, "method": method, "args": args}}
        answer = requests.post(f"{url}/jsonrpc", json=body, timeout=10).json()
        assert "error" not in answer, answer["error"]["data"]["message"]
        return answer.get("result")

    uid = call("common", "login", ["bridge", login, password])
    assert uid, f"the Odoo sandbox refused {login}"
    return call("object", "execute_kw", ["bridge", uid, password, model, method, args, kwargs or {}])


def odoo_execute(url: str, model: str, method: str, args: list, kwargs: dict | None = None) -> object:
    """``execute_kw`` on the Odoo sandbox at ``url`` as its admin; None when the method returned nothing (Odoo
    then leaves ``result`` out); an error answer fails the test with Odoo's message."""
    import requests

    body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw",
        "args": ["bridge", 2, "admin", model, method, args, kwargs or {}]}}
    answer = requests.post(f"{url}/jsonrpc", json=body, timeout=10).json()
    assert "error" not in answer, answer["error"]["data"]["message"]
    return answer.get("result")
