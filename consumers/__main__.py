"""``python -m consumers STREAM [STREAM ...] [--concurrency N] [--prefetch N] [--handler MODULE:FUNCTION]``.

Consumes the named entities' queues until SIGTERM or SIGINT, then finishes what it holds and exits 0.
Exit codes: 0 stopped gracefully; 1 a broker error it cannot recover from, a forced stop, or Magento or the
ERP unreachable at start-up (the process manager should restart it); 2 bad arguments; 78 (``EXIT_CONFIG``)
bad configuration, including credentials the broker, Magento or the ERP refuse. ``--handler`` (for tests and
benchmarks) names a factory ``function(settings) -> (handler, reporter, close)`` used instead of
``consumers.pipeline.build_handler``;
with it, the Magento and ERP settings are not required.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

import tenacity

from core.entities import STREAMS
from core.errors import EXIT_CONFIG, BridgeError, ConfigError, MagentoAuthError, MagentoForbidden, RetryableError
from core.logs import configure_from, scrub_stored
from core.settings import Settings

log = logging.getLogger("consumers")

DEFAULT_FACTORY = "consumers.pipeline:build_handler"
EXIT_FAILED = 1
PREFLIGHT_ATTEMPTS = 5
PREFLIGHT_WAIT = tenacity.wait_exponential(multiplier=1, max=8)  # 1, 2, 4, 8 s between attempts
MAGENTO_HINT = "check MAGENTO_ACCESS_TOKEN and the integration's resources in Magento's admin"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m consumers",
                                     description="Consume Magento change notifications and sync them to the ERP.")
    parser.add_argument("entities", nargs="+", metavar="STREAM", choices=STREAMS,
                        help="queues to consume: an entity for Magento's changes (magento.<entity>), "
                             f"erp.<entity> for the ERP's; one of {', '.join(STREAMS)}")
    parser.add_argument("--concurrency", type=_positive, help="records handled in parallel (CONSUMER_CONCURRENCY)")
    parser.add_argument("--prefetch", type=_non_negative,
                        help="unacknowledged messages held per queue; 0 = 4 x concurrency (CONSUMER_PREFETCH)")
    parser.add_argument("--handler", metavar="MODULE:FUNCTION",
                        help="for tests and benchmarks: factory(settings) -> (handler, reporter, close)")
    return parser.parse_args(argv)


HandlerFactory = Callable[[Settings], tuple[Any, Any, Callable[[], None]]]


def load_factory(target: str) -> HandlerFactory:
    """The handler factory named ``module:function``; ConfigError with a clear reason when it is missing."""
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module_name.startswith(exc.name):
            raise
        raise ConfigError(f"--handler {target}: no module named {module_name!r}") from None
    factory: HandlerFactory | None = getattr(module, attribute or "", None)
    if not callable(factory):
        raise ConfigError(f"--handler {target}: {module_name} has no function {attribute!r}")
    return factory


def build(args: argparse.Namespace) -> tuple[Settings, Any, Any, Callable[[], None]]:
    """Settings (validated for the real pipeline) and the handler, reporter and close function."""
    overrides = {"CONSUMER_CONCURRENCY": args.concurrency, "CONSUMER_PREFETCH": args.prefetch}
    settings = Settings.from_env(os.environ, {k: v for k, v in overrides.items() if v is not None})
    configure_from(settings)
    if args.handler is None:
        settings.validate_magento()
        settings.validate_erp()
    handler, reporter, close = load_factory(args.handler or DEFAULT_FACTORY)(settings)
    return settings, handler, reporter, close


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings, handler, reporter, close = build(args)
    except ConfigError as exc:
        print(f"consumers: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    from consumers.runner import Runner, RunnerFailed

    probe = _probe_of(handler, args.entities)
    refused = preflight(probe)
    if refused is not None:
        close()
        return refused
    runner = Runner(settings, args.entities, handler, reporter, name=f"bridge-consumer {'+'.join(args.entities)}",
                    probe=probe)
    install_signal_handlers(runner)
    try:
        runner.run()
    except RunnerFailed as exc:
        print(f"consumers: {exc}", file=sys.stderr)
        return EXIT_CONFIG if exc.refused else EXIT_FAILED
    finally:
        close()
    return 0


def install_signal_handlers(runner: Any) -> None:
    """SIGTERM/SIGINT stop ``runner`` gracefully; a second signal exits at once (the broker requeues)."""
    def on_signal(signum: int, _frame: Any) -> None:
        if runner.stop_requested:
            os.write(2, b"second stop signal: exiting now; unacked messages go back to their queues\n")
            os._exit(EXIT_FAILED)
        runner.stop()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def _probe_of(handler: Any, entities: Sequence[str]) -> Callable[[], None] | None:
    """The handler's start-up check for ``entities`` (``Pipeline.probe``), when it has one."""
    probe = getattr(handler, "probe", None)
    return functools.partial(probe, tuple(entities)) if callable(probe) else None


def preflight(probe: Callable[[], None] | None, wait: Any = PREFLIGHT_WAIT) -> int | None:
    """Run the start-up check before consuming; on failure print one line and return the exit code.

    A refusal (credentials, a missing module) ends the start at once; Magento or the ERP unavailable is tried
    ``PREFLIGHT_ATTEMPTS`` times first (a 429 or a restart of theirs must not stop the consumer).
    """
    if probe is None:
        return None
    retrying = tenacity.Retrying(stop=tenacity.stop_after_attempt(PREFLIGHT_ATTEMPTS), wait=wait, reraise=True,
                                 retry=tenacity.retry_if_exception(lambda error: isinstance(error, RetryableError)))
    try:
        retrying(probe)
    except BridgeError as error:
        hint = f" ({MAGENTO_HINT})" if isinstance(error, (MagentoAuthError, MagentoForbidden)) else ""
        print(f"consumers: cannot start: {scrub_stored(error.report_text())}{hint}", file=sys.stderr)
        return EXIT_FAILED if error.retryable else EXIT_CONFIG
    log.info("start-up check passed: Magento and the ERP accept the credentials")
    return None


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _non_negative(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


if __name__ == "__main__":
    sys.exit(main())
