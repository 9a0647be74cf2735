"""The error hierarchy's helpers: the root cause of a connection failure, the exit code of bad configuration."""

from __future__ import annotations

import socket

from core.errors import EXIT_CONFIG, network_cause


class Wrapper(Exception):
    """Like pika's connector errors: the cause sits in an attribute and ``str()`` is empty."""

    def __init__(self, exception: BaseException) -> None:
        super().__init__()
        self.exception = exception


class Workflow(Exception):
    def __init__(self, exceptions: list[BaseException]) -> None:
        super().__init__()
        self.exceptions = exceptions


def test_the_root_cause_is_dug_out_of_wrapped_errors():
    refused = ConnectionRefusedError(111, "Connection refused")
    assert network_cause(Exception(Workflow([Wrapper(refused)]))) == "connection refused"
    assert network_cause(socket.gaierror(-2, "Name or service not known")) == "name or service not known"


def test_pikas_texts_of_lost_streams_read_as_causes():
    assert network_cause(Exception("Stream connection lost: ConnectionResetError(104, 'Connection reset by peer')")) \
        == "connection reset by peer"
    assert network_cause(Exception("Transport indicated EOF")) == "the connection was closed by the other end"


def test_without_an_os_error_the_text_or_the_class_name_is_the_cause():
    assert network_cause(Exception("stack timeout")) == "stack timeout"
    assert network_cause(Wrapper(None)) == "Wrapper"


def test_bad_configuration_exits_78():
    assert EXIT_CONFIG == 78
