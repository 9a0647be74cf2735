"""The demo's child processes: started with their logs in the demo folder, all stopped together."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import IO

import click


class Processes:
    """Starts named child processes, watches them, and stops every one on exit (SIGTERM, then SIGKILL)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.children: dict[str, tuple[subprocess.Popen, IO[bytes]]] = {}

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for name in reversed(list(self.children)):
            self._stop(name)

    @staticmethod
    def free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    def start(self, name: str, args: list[str], *, env: dict[str, str] | None = None,
              port: int | None = None, timeout: float = 30) -> None:
        """Start ``args`` as ``name`` (log: <folder>/<name>.log); wait for ``port`` to open when given."""
        log = open(self.folder / f"{name}.log", "wb")
        proc = subprocess.Popen(args, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.children[name] = (proc, log)
        if port is not None:
            self._wait_for_port(name, port, timeout)

    def _wait_for_port(self, name: str, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
            time.sleep(0.1)
        raise click.ClickException(f"{name} did not open port {port}; see {self.folder / (name + '.log')}")

    def check_alive(self) -> None:
        """Raise with the log's tail when a child has exited."""
        for name, (proc, _log) in self.children.items():
            if proc.poll() is not None:
                tail = (self.folder / f"{name}.log").read_text(errors="replace")[-2000:]
                raise click.ClickException(f"{name} exited with {proc.returncode}:\n{tail}")

    def keep_running(self, receiver_url: str, env: dict[str, str]) -> None:
        """Leave everything up until Ctrl-C (DEMO_KEEP_RUNNING=1)."""
        click.echo(f"demo: still running. Receiver {receiver_url}/webhooks/magento, Magento sandbox "
                   f"{env['MAGENTO_BASE_URL']}, Odoo sandbox {env['ODOO_URL']}, AMQP {env['AMQP_URL']}, "
                   f"logs in {self.folder}. Ctrl-C stops it all.")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                self.check_alive()
                time.sleep(1)

    def _stop(self, name: str) -> None:
        proc, log = self.children[name]
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        log.close()
