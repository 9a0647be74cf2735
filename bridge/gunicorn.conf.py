"""gunicorn settings for the receiver: ``gunicorn -c bridge/gunicorn.conf.py "bridge:create_app()"``.

gthread workers (``bridge.worker.ReceiverWorker``: request heads are read by the event loop, never by a
blocked thread, and every read has a deadline, so slow clients cannot hold the threads): the threads of one
worker share its one publisher connection, so concurrent requests share confirm round trips. Each worker
listens on its own SO_REUSEPORT socket, so the kernel spreads connections evenly over the workers (on one
shared socket, the least busy worker accepts most keep-alive connections and one core idles while the other
queues). The app is loaded in each worker (no preload), and ``post_worker_init`` opens the worker's publisher
after the fork. Command-line flags and GUNICORN_CMD_ARGS override anything here; bind follows gunicorn's
default ($PORT when set, as under honcho, else 127.0.0.1:8000).
"""

import os

worker_class = "bridge.worker.ReceiverWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = 12
reuse_port = True
keepalive = 5
timeout = 30
graceful_timeout = 20
preload_app = False
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
control_socket_disable = True
accesslog = None
proc_name = "bridge-receiver"


def on_starting(server):
    """Check the configuration in the master: a missing or bad value stops gunicorn with one clear line and
    exit code 78 (``EXIT_CONFIG``), as every other process of the bridge does."""
    import sys

    from bridge.app import check_configuration
    from core.errors import EXIT_CONFIG, ConfigError

    try:
        check_configuration()
    except ConfigError as error:
        print(f"receiver: cannot start: {error}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)


def post_worker_init(worker):
    """Open this worker's broker connection now that it runs in its own process; escape gunicorn's own log
    lines as the bridge's are (they may quote a client's request line or headers)."""
    from bridge.app import start
    from core.logs import Redactor

    for handler in worker.log.error_log.handlers:
        handler.addFilter(Redactor())
    start(worker.wsgi)


def worker_exit(server, worker):
    """Close the worker's publisher so unconfirmed publishes fail fast instead of hanging."""
    from bridge.app import stop

    wsgi = getattr(worker, "wsgi", None)
    if wsgi is not None and hasattr(wsgi, "extensions"):
        stop(wsgi)
