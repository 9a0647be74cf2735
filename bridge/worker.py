"""The receiver's gunicorn worker: gthread, with request heads read by the event loop and bounded read times.

Stock gthread hands a connection to a thread as soon as its first bytes arrive; the thread then blocks in
the HTTP parser until the head is complete, with no time limit. A hundred clients that send a request line
and then one header every few seconds hold every thread, and nobody else is answered. ``ReceiverWorker``
reads each request head in the worker's event loop instead (non-blocking, no thread used) and hands the
connection to a thread only once the head is complete (an empty line seen, or more bytes than a head may
hold, which the parser then refuses). A head not complete within ``REQUEST_HEADER_TIMEOUT_SECONDS`` of
its first byte (of the connection, or of the end of the previous request) is closed. Once in a thread,
the rest of the request (its body) must arrive within ``REQUEST_BODY_TIMEOUT_SECONDS``, else the read
fails with ``RequestReadTimeout`` (the receiver answers 408). An unknown ``Transfer-Encoding`` gets 400
instead of gunicorn's 501: the request is malformed for this receiver, and the sender must not retry it.
"""

from __future__ import annotations

import errno
import os
import selectors
import socket
import time
from functools import partial
from typing import Any

from gunicorn import util
from gunicorn.http.errors import NoMoreData, UnsupportedTransferCoding
from gunicorn.workers.gthread import _DEFER, TConn, ThreadWorker

_HEAD_END = b"\r\n\r\n"
_COMPLETE, _CLOSED, _WAITING = object(), object(), object()
_RECV = 65536


class RequestReadTimeout(NoMoreData, TimeoutError):
    """The client did not send its request within the allowed time."""

    def __init__(self, seconds: float) -> None:
        super().__init__(b"")
        self.seconds = seconds

    def __str__(self) -> str:
        return f"the request was not received within {self.seconds:g} s"


class DeadlineSocket:
    """A client socket whose blocking reads end at ``deadline``; bytes read ahead by the event loop come first."""

    def __init__(self, sock: socket.socket) -> None:
        self.raw = sock
        self.head = bytearray()
        self.deadline: float | None = None
        self.budget = 0.0

    def recv(self, size: int) -> bytes:
        if self.head:
            data = bytes(self.head[:size])
            del self.head[:size]
            return data
        if self.deadline is None:
            return self.raw.recv(size)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise RequestReadTimeout(self.budget)
        previous = self.raw.gettimeout()  # a caller's own timeout (gunicorn's drain on close) still applies
        self.raw.settimeout(remaining if previous is None else min(previous, remaining))
        try:
            return self.raw.recv(size)
        except TimeoutError:
            raise RequestReadTimeout(self.budget) from None
        finally:
            self.raw.settimeout(previous)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def _timeout(name: str, default: float) -> float:
    """A positive number of seconds from the environment (validated by the settings in the master)."""
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


class ReceiverWorker(ThreadWorker):
    """gthread whose threads only ever see complete request heads, and whose reads have deadlines."""

    @classmethod
    def check_config(cls, cfg: Any, log: Any) -> None:
        """Refuse TLS at start-up (gunicorn then exits with this one line): heads are read before any TLS layer."""
        if cfg.is_ssl:
            raise RuntimeError("the receiver's worker reads request heads itself and cannot serve TLS: terminate "
                               "TLS at the reverse proxy (docs/receiver.md)")
        super().check_config(cfg, log)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = _timeout("REQUEST_HEADER_TIMEOUT_SECONDS", 10.0)
        self.body_timeout = _timeout("REQUEST_BODY_TIMEOUT_SECONDS", 10.0)
        self.max_head = self.cfg.limit_request_line + self.cfg.limit_request_field_size * 4 + 8192
        self.reading: dict[TConn, float] = {}

    def accept(self, listener: socket.socket) -> None:
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, client, address, listener.getsockname())  # TConn makes it non-blocking
        conn.sock = DeadlineSocket(client)
        self._read_head(conn)

    def on_client_socket_readable(self, conn: TConn, client: Any) -> None:
        """A kept-alive connection sent something: read the next head in the loop, not in a thread."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._read_head(conn, readable=True)

    def _read_head(self, conn: TConn, *, readable: bool = False) -> None:
        """Collect ``conn``'s next head; a socket known to be readable is read at once (usually the whole head),
        saving a round through the poller."""
        conn.sock.raw.setblocking(False)
        self.reading[conn] = time.monotonic() + self.header_timeout
        outcome = self._take_bytes(conn) if readable else _WAITING
        if outcome is _COMPLETE:
            self._dispatch(conn)
        elif outcome is _CLOSED:
            self._drop_reading(conn)
        else:
            self.poller.register(conn.sock.raw, selectors.EVENT_READ, partial(self._on_head_bytes, conn))

    def _on_head_bytes(self, conn: TConn, _client: Any) -> None:
        outcome = self._take_bytes(conn)
        if outcome is _COMPLETE:
            self.poller.unregister(conn.sock.raw)
            self._dispatch(conn)
        elif outcome is _CLOSED:
            self._drop_reading(conn)

    def _take_bytes(self, conn: TConn) -> object:
        """Read what arrived: ``_COMPLETE`` (a whole head is buffered), ``_CLOSED`` or ``_WAITING``."""
        wrapper: DeadlineSocket = conn.sock
        try:
            data = wrapper.raw.recv(_RECV)
        except (BlockingIOError, InterruptedError):
            return _WAITING
        except OSError:  # reset, timed out, gone: this client's connection only; the loop must go on
            return _CLOSED
        if not data:
            return _CLOSED
        wrapper.head += data
        return _COMPLETE if self._head_complete(wrapper) else _WAITING

    def _dispatch(self, conn: TConn) -> None:
        """Hand a connection whose head is buffered to a thread."""
        del self.reading[conn]
        conn.data_ready = True
        self.enqueue_req(conn)

    def _head_complete(self, wrapper: DeadlineSocket) -> bool:
        """Whether the bytes read ahead hold a whole head (or more than a head may hold: the parser refuses it)."""
        return _HEAD_END in wrapper.head or len(wrapper.head) > self.max_head

    def finish_request(self, conn: TConn, fs: Any) -> None:
        """As gthread, except that a kept-alive connection whose next request was read ahead with the previous
        one (pipelining) goes on at once: those bytes are in this worker's buffer, not readable on the socket."""
        wrapper = conn.sock
        if self.alive and isinstance(wrapper, DeadlineSocket) and wrapper.head and _kept_alive(fs) \
                and not conn.parser.unreader.buf.getvalue():
            if self._head_complete(wrapper):
                self.enqueue_req(conn)
            else:
                self._read_head(conn)
            return
        super().finish_request(conn, fs)

    def _drop_reading(self, conn: TConn, *, answer: bytes = b"") -> None:
        self.reading.pop(conn, None)
        try:
            self.poller.unregister(conn.sock.raw)
        except (KeyError, ValueError):
            pass
        if answer:
            try:
                conn.sock.raw.send(answer)
            except OSError:  # best effort: the client may be gone already
                pass
        self.nr_conns -= 1
        util.close(conn.sock.raw)

    def enqueue_req(self, conn: TConn) -> None:
        """Start the request's read budget as it goes to a thread."""
        if isinstance(conn.sock, DeadlineSocket):
            conn.sock.budget = self.body_timeout
            conn.sock.deadline = time.monotonic() + self.body_timeout
        super().enqueue_req(conn)

    def murder_pending(self) -> None:
        """Close heads that did not arrive in time (called by the loop every second), then gthread's own."""
        super().murder_pending()
        now = time.monotonic()
        late = [conn for conn, deadline in self.reading.items() if deadline <= now]
        for conn in late:
            self.log.debug("closed a connection whose request head did not arrive within %g s", self.header_timeout)
            self._drop_reading(conn, answer=_REQUEST_TIMEOUT)

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """400 for an unknown transfer coding (gunicorn says 501); gunicorn's answer for everything else."""
        if isinstance(exc, UnsupportedTransferCoding):
            self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
            try:
                util.write_error(client, 400, "Bad Request", f"{exc}: only chunked is accepted")
            except OSError:
                self.log.debug("Failed to send error message.")
            return
        super().handle_error(req, client, addr, exc)


def _kept_alive(fs: Any) -> bool:
    """Whether a finished ``handle`` future says the connection stays open for another request."""
    if fs.cancelled() or fs.exception() is not None:
        return False
    result = fs.result()
    return bool(result) and result is not _DEFER


_TIMEOUT_BODY = b'{"error":"the request head did not arrive in time","details":{}}'
_REQUEST_TIMEOUT = (b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(_TIMEOUT_BODY), _TIMEOUT_BODY))
