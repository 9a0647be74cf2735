"""The receiver's gunicorn worker (bridge/worker.py) under real gunicorn: slow clients, read deadlines, bad framing."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bridge.worker import DeadlineSocket, RequestReadTimeout
from tests import support
from tests.bridge.conftest import TOKEN, notification

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
THREADS = 3


@contextlib.contextmanager
def receiver(broker_url: str, tmp_path: Path, **env: str) -> Iterator[str]:
    """One gunicorn worker with THREADS threads and the given settings; yields its base URL."""
    port = support.free_port()
    full_env = {"AMQP_URL": broker_url, "DATABASE_URL": f"sqlite:///{tmp_path / 'bridge.sqlite3'}",
                "WEBHOOK_TOKENS": TOKEN, "WEB_CONCURRENCY": "1", "GUNICORN_CMD_ARGS": f"--threads {THREADS}", **env}
    args = [GUNICORN, "-c", "bridge/gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "bridge:create_app()"]
    with support.running(args, env=full_env, port=port):
        yield f"127.0.0.1:{port}"


class SlowClients:
    """Connections that send a request line, then one header every ``interval`` seconds, never finishing."""

    def __init__(self, address: str, count: int, interval: float) -> None:
        host, port = address.split(":")
        self.sockets = [socket.create_connection((host, int(port)), timeout=5) for _ in range(count)]
        self._stop = threading.Event()
        self._interval = interval
        self.closed_by_server = 0
        self.answers: list[bytes] = []
        for sock in self.sockets:
            sock.sendall(b"POST /webhooks/magento HTTP/1.1\r\nHost: x\r\n")
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    def _trickle(self) -> None:
        number = 0
        while not self._stop.wait(self._interval):
            number += 1
            for sock in list(self.sockets):
                try:
                    sock.sendall(b"X-Slow-%d: 1\r\n" % number)
                except OSError:
                    self._closed(sock)

    def _closed(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.settimeout(1)
            self.answers.append(sock.recv(4096))
        self.sockets.remove(sock)
        self.closed_by_server += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for sock in self.sockets:
            sock.close()


def raw_exchange(address: str, request: bytes) -> bytes:
    """Send raw bytes, return everything the server answers until it closes."""
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=15) as sock:
        sock.sendall(request)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
        return b"".join(chunks)


def test_slow_clients_holding_more_connections_than_threads_do_not_stop_others(broker: str, tmp_path: Path) -> None:
    with receiver(broker, tmp_path, REQUEST_HEADER_TIMEOUT_SECONDS="120") as address:
        slow = SlowClients(address, count=THREADS * 4, interval=0.5)
        try:
            body = notification("evt-among-slow-clients")
            headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
            answers = [requests.post(f"http://{address}/webhooks/magento", data=body, headers=headers, timeout=10),
                       requests.get(f"http://{address}/healthz", timeout=10)]
            assert [answer.status_code for answer in answers] == [202, 200]
            assert slow.closed_by_server == 0  # they are still connected: served alongside, not cut off
        finally:
            slow.close()


def test_a_request_head_that_does_not_arrive_in_time_is_closed_with_408(broker: str, tmp_path: Path) -> None:
    with receiver(broker, tmp_path, REQUEST_HEADER_TIMEOUT_SECONDS="1") as address:
        slow = SlowClients(address, count=2, interval=0.3)
        try:
            support.wait_for(lambda: slow.closed_by_server == 2, 30, message="the slow clients to be closed")
        finally:
            slow.close()
    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in slow.answers if answer)


def test_a_body_that_stops_arriving_is_answered_408(broker: str, tmp_path: Path) -> None:
    head = (b"POST /webhooks/magento HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
            + b"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":")
    with receiver(broker, tmp_path, REQUEST_BODY_TIMEOUT_SECONDS="1") as address:
        answer = raw_exchange(address, head)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"the body did not arrive in time" in answer


@pytest.fixture(scope="module")
def plain_receiver(broker_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with receiver(broker_url, tmp_path_factory.mktemp("worker")) as address:
        yield address


def test_an_unknown_transfer_coding_is_400_not_501(plain_receiver: str) -> None:
    answer = raw_exchange(plain_receiver, b"POST /webhooks/magento HTTP/1.1\r\nHost: x\r\n"
                                          b"Transfer-Encoding: xchunked\r\nContent-Type: application/json\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"xchunked" in answer and b"only chunked is accepted" in answer


def test_a_malformed_chunked_body_is_400(plain_receiver: str) -> None:
    request = (b"POST /webhooks/magento HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
               + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
    answer = raw_exchange(plain_receiver, request)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"the body could not be read" in answer


def test_keep_alive_requests_still_work(plain_receiver: str) -> None:
    with requests.Session() as session:
        answers = [session.get(f"http://{plain_receiver}/healthz", timeout=10) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]


def test_a_deadline_socket_serves_read_ahead_bytes_first_then_reads_until_its_deadline() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        wrapped = DeadlineSocket(ours)
        wrapped.head += b"GET / HTTP/1.1\r\n\r\n"
        theirs.sendall(b"more")
        wrapped.budget, wrapped.deadline = 0.2, time.monotonic() + 0.2
        assert wrapped.recv(4) == b"GET " and wrapped.recv(100) == b"/ HTTP/1.1\r\n\r\n"
        assert wrapped.recv(100) == b"more"
        with pytest.raises(RequestReadTimeout, match="not received within 0.2 s") as timed_out:
            wrapped.recv(100)
        assert isinstance(timed_out.value, TimeoutError)
        assert ours.gettimeout() is None  # the socket's own mode is left as it was


def test_pipelined_requests_sent_together_are_all_answered(plain_receiver: str) -> None:
    """Two requests of 4096 bytes fill the parser's first 8192-byte read exactly, so the third stays in the
    worker's read-ahead buffer, where the poller cannot see it: the worker must serve it from there."""
    host, port = plain_receiver.split(":")
    start = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: "
    padded = start + b"a" * (4096 - len(start) - 4) + b"\r\n\r\n"
    assert len(padded) == 4096
    with socket.create_connection((host, int(port)), timeout=15) as sock:
        sock.sendall(padded * 2 + b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answers = b""
        while data := sock.recv(65536):
            answers += data
    assert answers.count(b"HTTP/1.1 200 ") == 3


def test_tls_in_gunicorn_is_refused_at_start_up_with_one_line(broker_url: str, tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "receiver")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    env = {**os.environ, "AMQP_URL": broker_url, "WEBHOOK_TOKENS": TOKEN,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bridge.sqlite3'}"}
    args = [GUNICORN, "-c", "bridge/gunicorn.conf.py", "--certfile", str(tmp_path / "cert.pem"), "--keyfile",
            str(tmp_path / "key.pem"), "-b", f"127.0.0.1:{support.free_port()}", "bridge:create_app()"]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, cwd=support.ROOT)
    assert done.returncode == 1
    assert "cannot serve TLS: terminate TLS at the reverse proxy" in done.stderr
    assert "Booting worker" not in done.stderr
