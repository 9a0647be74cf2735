"""``bridgectl sandbox``: run a local stand-in for Magento, Odoo or an HTTP ERP."""

from __future__ import annotations

import click


@click.group()
def sandbox() -> None:
    """Run a local stand-in (tests, the demo and the benchmarks use these)."""


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, required=True)
@click.option("--token", required=True, help="The integration access token the sandbox accepts.")
@click.option("--seed", type=click.Choice(["demo", "empty"]), default="demo", show_default=True)
@click.option("--input-limit", type=click.IntRange(min=0), default=20, show_default=True,
              help="Items per REST input array (POST /V1/inventory/source-items), as Magento 2.4.3+ with its "
                   "input limits on; 0 turns the check off.")
def magento(host: str, port: int, token: str, seed: str, input_limit: int) -> None:
    """Magento 2.4 REST API stand-in under /rest/V1, /rest/all/V1 and /rest/<store>/V1."""
    from sandbox.magento.app import serve

    serve(host=host, port=port, token=token, seed=seed, input_limit=input_limit)


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, required=True)
@click.option("--db", default="bridge", show_default=True, help="Database name the sandbox accepts.")
@click.option("--login", default="admin", show_default=True)
@click.option("--password", default="admin", show_default=True, help="Password or API key.")
@click.option("--version", "version", type=click.Choice(["17", "18"]), default="17", show_default=True,
              help="Odoo version served (field names, server_version_info).")
@click.option("--install", "modules", multiple=True, type=click.Choice(["delivery", "stock_delivery"]),
              help="Install an optional module (stock_delivery: carrier_tracking_ref). Repeatable.")
@click.option("--currency", "currencies", multiple=True, help="Activate a currency (e.g. EUR). Repeatable.")
def odoo(host: str, port: int, db: str, login: str, password: str, version: str, modules: tuple[str, ...],
         currencies: tuple[str, ...]) -> None:
    """Odoo external API (JSON-RPC at /jsonrpc) stand-in with an in-memory ORM."""
    from sandbox.odoo.app import serve

    serve(host=host, port=port, db=db, login=login, password=password, version=int(version), modules=modules,
          currencies=currencies)


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, required=True)
@click.option("--token", default="", help="Bearer token required from the bridge (empty: none).")
def erp(host: str, port: int, token: str) -> None:
    """Generic HTTP ERP stand-in: PUT/DELETE/GET {url}/{entity}/{key}."""
    from sandbox.erp.app import serve

    serve(host=host, port=port, token=token)
