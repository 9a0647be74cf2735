"""The receiver fuzzer (``make fuzz``): generated hostile requests must never get a 5xx while the broker is up.

In-process (werkzeug test client, the whole WSGI app with its fast path, real broker and duplicate store)
for volume: at least 10,000 requests of fuzzed headers, bodies, signatures, sizes, unicode and control
characters. Then real sockets against gunicorn with the receiver's worker for what only a transport sees:
chunking (valid and malformed), transfer codings, declared lengths, header bytes. Counts by status are
printed; docs/receiver.md ("Fuzzing") records a run.
"""

from __future__ import annotations

import collections
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import support
from tests.bridge.conftest import TOKEN
from tests.bridge.fuzz_requests import Request, requests

pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(1800)]
IN_PROCESS_REQUESTS = 12_000
SOCKET_REQUESTS = 600
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, print_blob=True,
                    suppress_health_check=list(HealthCheck))


def report(name: str, statuses: collections.Counter, started: float) -> None:
    total = sum(statuses.values())
    print(f"\n{name}: {total} requests in {time.monotonic() - started:.1f} s; by status: "
          + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items(), key=str)))


def test_fuzzed_requests_in_process_never_get_a_5xx(make_app: Callable[..., Flask],
                                                    adobe_sign: Callable[[bytes], str]) -> None:
    client = make_app(adobe_io_client_id="fuzz-client", max_body_bytes="4096").test_client()
    statuses: collections.Counter = collections.Counter()
    started = time.monotonic()

    @fuzz_settings(IN_PROCESS_REQUESTS)
    @given(requests(adobe_sign))
    def send(request: Request) -> None:
        path, headers, body = request
        status = client.post(path, data=body, headers=headers).status_code
        statuses[status] += 1
        assert status < 500, (status, request)

    send()
    report("in-process", statuses, started)
    assert sum(statuses.values()) >= 10_000
    assert not [status for status in statuses if status >= 500]
    assert statuses[202] > 0 and statuses[400] > 0 and statuses[401] > 0  # the fuzz reached every stage


_HEADER_BYTES = st.binary(max_size=40).filter(lambda raw: b"\r" not in raw and b"\n" not in raw)


@st.composite
def framed(draw: st.DrawFn, authorised_body: bytes) -> bytes:
    """A raw HTTP/1.1 request whose framing (chunking, lengths, codings, header bytes) is fuzzed."""
    body = authorised_body if draw(st.integers(0, 4)) else draw(st.binary(max_size=200))
    lines = [b"POST /webhooks/magento HTTP/1.1", b"Host: fuzz", b"Authorization: Bearer " + TOKEN.encode(),
             b"Content-Type: application/json", b"Connection: close"]
    framing = draw(st.sampled_from(["length", "length", "chunked", "chunked", "bad-chunks", "coding", "short-length",
                                    "junk-header"]))
    if framing == "length":
        return b"\r\n".join(lines + [b"Content-Length: %d" % len(body), b"", body])
    if framing in ("chunked", "bad-chunks"):
        sizes = draw(st.lists(st.integers(1, 50), max_size=6))
        chunks, rest = [], body
        for size in sizes:
            piece, rest = rest[:size], rest[size:]
            chunks.append(b"%x\r\n%s\r\n" % (len(piece), piece) if framing == "chunked"
                          else draw(st.sampled_from([b"zz\r\n%s\r\n", b"%x;ext=\x01\r\n%s\r\n", b"%x\r\n%sXX"]))
                          .replace(b"%x", b"%x" % len(piece)).replace(b"%s", piece))
        chunks.append(b"%x\r\n%s\r\n0\r\n\r\n" % (len(rest), rest) if rest else b"0\r\n\r\n")
        return b"\r\n".join(lines + [b"Transfer-Encoding: chunked", b""]) + b"".join(chunks)
    if framing == "coding":
        coding = draw(st.sampled_from([b"xchunked", b"gzip", b"chunked, chunked", b"identity", b"chunked, gzip",
                                       b"\xff"]))
        return b"\r\n".join(lines + [b"Transfer-Encoding: " + coding, b"", body])
    if framing == "short-length":
        return b"\r\n".join(lines + [b"Content-Length: %d" % (len(body) + draw(st.integers(1, 5))), b"", body])
    name = draw(st.sampled_from([b"X-Fuzz", b"webhook-id", b"Content-Length", b"Bad Name", b"\xe9t\xe9"]))
    return b"\r\n".join(lines + [name + b": " + draw(_HEADER_BYTES), b"Content-Length: %d" % len(body), b"", body])


def exchange(address: tuple[str, int], raw: bytes) -> str:
    """The status code the server answers (or ``closed`` when it closes without an answer)."""
    with socket.create_connection(address, timeout=20) as sock:
        sock.sendall(raw)
        answer = b""
        while b"\r\n" not in answer:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    parts = answer.split(b" ", 2)
    return parts[1].decode() if len(parts) > 1 and answer.startswith(b"HTTP/") else "closed"


def test_fuzzed_framing_on_real_sockets_never_gets_a_5xx(broker: str, tmp_path: Path) -> None:
    port = support.free_port()
    env = {"AMQP_URL": broker, "DATABASE_URL": f"sqlite:///{tmp_path / 'bridge.sqlite3'}", "WEBHOOK_TOKENS": TOKEN,
           "WEB_CONCURRENCY": "1", "REQUEST_BODY_TIMEOUT_SECONDS": "0.5", "MAX_BODY_BYTES": "4096"}
    args = [GUNICORN, "-c", "bridge/gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "bridge:create_app()"]
    statuses: collections.Counter = collections.Counter()
    serial = iter(range(10**9))
    started = time.monotonic()
    with support.running(args, env=env, port=port):
        @fuzz_settings(SOCKET_REQUESTS)
        @given(st.data())
        def send(data: st.DataObject) -> None:
            body = b'{"id": "fuzz-%d", "entity": "product", "action": "save", "key": "MB-01"}' % next(serial)
            status = exchange(("127.0.0.1", port), data.draw(framed(body)))
            statuses[status] += 1
            assert not status.startswith("5"), status

        send()
    report("real sockets", statuses, started)
    assert not [status for status in statuses if status.startswith("5")]
    assert statuses["202"] > 0 and statuses["400"] > 0
