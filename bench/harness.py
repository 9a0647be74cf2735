"""Running a benchmark's pieces: free ports, child processes, waiting, throw-away RabbitMQ vhosts and databases.

The tests use the same helpers (``tests/support.py`` re-exports them); nothing here imports ``tests``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float = 15, interval: float = 0.05,
             message: str = "condition") -> object:
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


@contextlib.contextmanager
def running(args: Sequence[str], *, env: dict[str, str] | None = None, port: int | None = None,
            timeout: float = 20, cwd: Path = ROOT) -> Iterator[Any]:
    """Run a child process for the duration of the block (waiting for ``port`` to open), then stop it."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bridge-test-{uuid.uuid4().hex[:8]}.log"
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(list(args), env=full_env, cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            if port is not None:
                try:
                    wait_for(lambda: port_open(port) or proc.poll() is not None, timeout, message=f"port {port}")
                except AssertionError:
                    raise AssertionError(
                        f"{args[0]} did not open port {port}:\n{log_path.read_text()[-4000:]}") from None
                if proc.poll() is not None:
                    raise AssertionError(f"{args} exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
            proc.log_path = log_path  # type: ignore[attr-defined]
            yield proc
        finally:
            stop(proc)
    with contextlib.suppress(OSError):
        log_path.unlink()


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
    """Signal the child's whole process group and wait; SIGKILL if it does not exit in time."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    return proc.returncode


def rabbitmqctl(*args: str) -> None:
    exe = shutil.which("rabbitmqctl")
    if exe is None:
        raise RuntimeError("rabbitmqctl is needed to create the test vhost; run `make test`, which installs RabbitMQ")
    subprocess.run([exe, "-q", *args], check=True, stdout=subprocess.DEVNULL, timeout=60)


@contextlib.contextmanager
def temporary_vhost(prefix: str = "bridge-test") -> Iterator[str]:
    """A fresh RabbitMQ vhost (guest has full rights), deleted afterwards; yields its AMQP URL."""
    vhost = f"{prefix}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield f"amqp://guest:guest@127.0.0.1:5672/{quote(vhost, safe='')}"
    finally:
        rabbitmqctl("delete_vhost", vhost)


POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def temporary_postgres_database(admin_url: str = POSTGRES_ADMIN_URL, prefix: str = "bridge_test") -> Iterator[str]:
    """A throw-away database on the local PostgreSQL, dropped afterwards; yields its URL.

    Raises ``sqlalchemy.exc.OperationalError`` when the server does not answer.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except BaseException:
        admin.dispose()
        raise
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
