"""The stand-ins the stock tests share: a Magento sandbox with a second source (berlin) and an Odoo sandbox
driven over JSON-RPC as its admin."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sandbox.magento.app import create_app as magento_app
from sandbox.magento.app import run_in_thread
from sandbox.odoo.app import ServerThread
from sandbox.odoo.app import create_app as odoo_app
from tests import support
from tests.ops.helpers import MagentoSandbox


class Odoo:
    """The Odoo sandbox at ``url``: ``execute`` calls ``execute_kw`` as its admin."""

    def __init__(self, url: str) -> None:
        self.url = url

    def execute(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None) -> Any:
        return support.odoo_execute(self.url, model, method, args, kwargs)


@contextlib.contextmanager
def magento_with_berlin(token: str) -> Iterator[MagentoSandbox]:
    """An empty Magento sandbox whose default stock has a second source, ``berlin``."""
    app = magento_app(token, "empty")
    with run_in_thread(app) as server:
        sandbox = MagentoSandbox(app, server.url, token)
        sandbox.admin("POST", "/inventory/sources", {"source_code": "berlin", "name": "Berlin", "stocks": [1]})
        yield sandbox


@contextlib.contextmanager
def odoo_sandbox() -> Iterator[Odoo]:
    """The Odoo sandbox (database ``bridge``, admin/admin) on a free port."""
    server = ServerThread(odoo_app(db="bridge", login="admin", password="admin"), port=support.free_port()).start()
    try:
        yield Odoo(server.url)
    finally:
        server.stop()
