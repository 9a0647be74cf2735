"""``bridgectl demo`` (``make demo``): the whole bridge on embedded defaults, end to end, in about a minute.

Starts the Magento sandbox (demo seed), the Odoo sandbox, the receiver under gunicorn and the consumers
(as the Procfile groups them), points the sandbox's signed change feed at the receiver, emits a change for
every record of every entity, waits until each one is synced, prints a summary and exits 0. With
``DEMO_KEEP_RUNNING=1`` everything stays up until Ctrl-C. Uses a RabbitMQ vhost of its own (``bridge-demo``)
and a database under ``var/demo/``, both reset at every run, so it never touches a real deployment.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click
import requests

from core import entities
from ops.demo_processes import Processes
from ops.demo_summary import print_summary, wait_until_synced

ROOT = Path(__file__).resolve().parent.parent
VHOST = "bridge-demo"
MAGENTO_TOKEN = "demo-integration-token"
ODOO = {"ODOO_DB": "bridge", "ODOO_USERNAME": "admin", "ODOO_PASSWORD": "admin"}
DEMO_SALE_RATES = (8.5, 21.0)  # the tax rates of the demo store's orders (sandbox/magento/seed/orders.json)
# The consumer processes as the Procfile starts them: the entity table's groups.
CONSUMER_GROUPS = {group: list(names) for group, names in entities.groups().items()}
# Records the demo emits first (what others depend on, so few are imported as dependencies); every other
# entity of the table follows in table order.
EMIT_FIRST = ("category", "product", "stock", "customer", "order")


def emit_order() -> list[str]:
    """Every entity, in the order the demo emits its records."""
    return sorted(entities.ENTITIES, key=lambda name: EMIT_FIRST.index(name) if name in EMIT_FIRST
                  else len(EMIT_FIRST))


def _demo_vhost() -> str:
    """A fresh ``bridge-demo`` vhost (deleted and re-created), as an AMQP URL; falls back to the default vhost."""
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        click.echo("demo: rabbitmqctl not found; using the default vhost /", err=True)
        return "amqp://guest:guest@127.0.0.1:5672/%2F"
    subprocess.run([ctl, "-q", "delete_vhost", VHOST], capture_output=True)
    for args in (["add_vhost", VHOST], ["set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*"]):
        subprocess.run([ctl, "-q", *args], check=True, capture_output=True)
    return f"amqp://guest:guest@127.0.0.1:5672/{VHOST}"


def _environment(amqp_url: str, folder: Path, ports: dict[str, int], secret: str) -> dict[str, str]:
    return {
        "AMQP_URL": amqp_url, "DATABASE_URL": f"sqlite:///{folder / 'bridge.sqlite3'}",
        "WEBHOOK_SECRETS": secret, "MAGENTO_BASE_URL": f"http://127.0.0.1:{ports['magento']}",
        "MAGENTO_ACCESS_TOKEN": MAGENTO_TOKEN, "ERP_BACKEND": "odoo",
        "ODOO_URL": f"http://127.0.0.1:{ports['odoo']}", **ODOO,
        "RETRY_DELAYS": "2,10,60", "LOG_LEVEL": "INFO",
    }


def _start_everything(processes: Processes, env: dict[str, str], ports: dict[str, int]) -> None:
    bridgectl = str(Path(sys.executable).parent / "bridgectl")
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    processes.start("magento", [bridgectl, "sandbox", "magento", "--port", str(ports["magento"]),
                                "--token", MAGENTO_TOKEN, "--seed", "demo"], port=ports["magento"])
    processes.start("odoo", [bridgectl, "sandbox", "odoo", "--port", str(ports["odoo"]), "--db", ODOO["ODOO_DB"],
                             "--login", ODOO["ODOO_USERNAME"], "--password", ODOO["ODOO_PASSWORD"],
                             "--currency", "EUR"],
                    port=ports["odoo"])
    _prepare_odoo(f"http://127.0.0.1:{ports['odoo']}")
    processes.start("web", [gunicorn, "-c", "bridge/gunicorn.conf.py", "--bind", f"127.0.0.1:{ports['web']}",
                            "bridge:create_app()"], env=env, port=ports["web"])
    for name, group in CONSUMER_GROUPS.items():
        processes.start(name, [sys.executable, "-m", "consumers", *group], env=env)


def _prepare_odoo(url: str) -> None:
    """What docs/odoo.md asks of an operator, done on the fresh sandbox: a sale tax for each of the demo
    store's rates (EUR, the store's currency, is activated by ``--currency``)."""
    for rate in DEMO_SALE_RATES:
        params = {"service": "object", "method": "execute_kw", "args": [
            ODOO["ODOO_DB"], 2, ODOO["ODOO_PASSWORD"], "account.tax", "create",
            [{"name": f"Sales {rate:g}%", "amount": rate, "amount_type": "percent", "type_tax_use": "sale"}]]}
        answer = requests.post(f"{url}/jsonrpc", json={"jsonrpc": "2.0", "method": "call", "id": 1,
                                                       "params": params}, timeout=10).json()
        if "error" in answer:
            raise click.ClickException(f"demo: the Odoo sandbox refused a tax: {answer['error']['data']['message']}")


def _emit_every_change(magento_url: str, receiver_url: str, secret: str) -> int:
    """Point the sandbox's change feed at the receiver and emit a change for every record; how many sent."""
    admin = f"{magento_url}/__sandbox"
    requests.put(f"{admin}/feed", json={"url": f"{receiver_url}/webhooks/magento", "secret": secret,
                                        "suppress": False}, timeout=10).raise_for_status()
    for entity in emit_order():
        requests.post(f"{admin}/feed/emit/{entity}", timeout=30).raise_for_status()
    requests.post(f"{admin}/feed/flush", json={"timeout": 60}, timeout=90).raise_for_status()
    feed = requests.get(f"{admin}/feed", timeout=10).json()
    if feed.get("failed"):
        raise click.ClickException(f"the receiver refused {feed['failed']} notifications: {feed}")
    return int(feed["sent"])


def _wait_for_ready(receiver_url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{receiver_url}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise click.ClickException("the receiver did not become ready (is RabbitMQ running?)")


@contextlib.contextmanager
def _demo_folder() -> Iterator[Path]:
    folder = ROOT / "var" / "demo"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    yield folder


@click.command()
@click.option("--timeout", default=180.0, show_default=True, help="Seconds to wait for every record to sync.")
def demo(timeout: float) -> None:
    """Run the whole bridge against the sandboxes, sync every entity, print a summary."""
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    with _demo_folder() as folder, Processes(folder) as processes:
        ports = {name: processes.free_port() for name in ("magento", "odoo", "web")}
        env = _environment(_demo_vhost(), folder, ports, secret)
        click.echo(f"demo: starting the sandboxes, the receiver and the consumers (logs in {folder})")
        _start_everything(processes, env, ports)
        receiver_url = f"http://127.0.0.1:{ports['web']}"
        _wait_for_ready(receiver_url)
        sent = _emit_every_change(env["MAGENTO_BASE_URL"], receiver_url, secret)
        click.echo(f"demo: the Magento sandbox sent {sent} signed notifications; waiting for the sync")
        wait_until_synced(env, sent, timeout, processes)
        healthy = print_summary(env)
        if os.environ.get("DEMO_KEEP_RUNNING") == "1":
            processes.keep_running(receiver_url, env)
    if not healthy:
        raise SystemExit(1)
