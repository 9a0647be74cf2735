"""What the bridgectl commands share: settings, time options, the database, the broker, output tables."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import click

from core import parsing
from core.errors import ConfigError
from core.logs import configure_from, printable
from core.settings import Settings
from ops.cli import ConfigProblem, load_settings_or_exit
from store.db import DatabaseError, Engine, ensure_schema, make_engine

if TYPE_CHECKING:
    from broker.publisher import Publisher


def settings_from(ctx: click.Context, **overrides: object) -> Settings:
    """The Settings handed in as the root context's ``obj`` (tests), else the environment's (logging set up)."""
    given = ctx.find_root().obj
    if isinstance(given, Settings):
        return given
    settings = load_settings_or_exit(**overrides)
    configure_from(settings)
    # A passive declare of a missing queue makes the broker close the channel, which pika logs as a warning;
    # the commands catch that and say what is missing in their own words, so pika's line is noise here.
    logging.getLogger("pika.channel").setLevel(logging.ERROR)
    return settings


class Moment(click.ParamType):
    """A moment: ISO 8601 (``2024-05-01T10:00:00Z``, ``2024-05-01 10:00:00`` is UTC) or an age (``30m``, ``2d``)."""

    name = "TIME"

    def __init__(self, now: Any = parsing.utc_now) -> None:
        self._now = now

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        text = str(value).strip()
        try:
            return self._now() - dt.timedelta(seconds=parsing.duration(text))
        except ValueError:
            pass
        try:
            return parsing.utc_datetime(text)
        except ValueError:
            self.fail(f"{text!r} is neither an ISO 8601 time (2024-05-01T10:00:00Z) "
                      "nor an age before now (30m, 1h, 2d)", param, ctx)


def open_database(url: str) -> Engine:
    """An engine on the bridge's database with its tables present; a failure ends the command clearly."""
    try:
        engine = make_engine(url)
        ensure_schema(engine)
    except DatabaseError as exc:
        raise click.ClickException(f"cannot open the database: {getattr(exc, 'orig', exc)}") from None
    return engine


def require_magento(settings: Settings) -> None:
    """End the command with the reason when the Magento settings are missing or unusable."""
    try:
        settings.validate_magento()
    except ConfigError as exc:
        raise ConfigProblem(str(exc)) from None


@contextlib.contextmanager
def ready_publisher(settings: Settings, name: str, unreachable: str = "cannot connect to the broker (AMQP_URL)"
                    ) -> Iterator[Publisher]:
    """A started Publisher that reached the broker (else the command ends saying ``unreachable``); closed after."""
    from broker.publisher import Publisher

    publisher = Publisher(settings.amqp_url, name=name).start()
    try:
        if not publisher.wait_ready(15):
            raise click.ClickException(unreachable)
        yield publisher
    finally:
        publisher.close()


def aligned(titles: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """Rows as left-aligned columns under their titles; None shows as ``-``, control characters as escapes."""
    cells = [[("-" if value is None or value == "" else printable(str(value))) for value in row] for row in rows]
    widths = [max([len(title)] + [len(line[index]) for line in cells]) for index, title in enumerate(titles)]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
            for line in [list(titles), *cells]]


def is_terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (stderr by default) is an interactive terminal, where progress bars belong."""
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT set ``stop`` (the run ends at its next safe point); restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, lambda _signum, _frame: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
