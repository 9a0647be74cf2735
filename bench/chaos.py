"""``make chaos``: the whole bridge on a bad day, then an end-to-end count of every accepted event id.

For ``--seconds`` (default 300, ``CHAOS_SECONDS``) a sender posts Standard-Webhooks-signed notifications
(products and stock of ``--products`` generated products, a few resent ids) to the receiver under gunicorn,
which publishes to RabbitMQ; two ``python -m consumers product stock`` processes sync them from the Magento
sandbox to the HTTP ERP sandbox. Meanwhile, at fixed points of the run:
- 15 % and 75 %: a consumer is killed with SIGKILL and started again 5 s later;
- 35 %: the broker goes down for ``--broker-outage-seconds`` (``rabbitmqctl stop_app``/``start_app`` with
  ``--broker-outage rabbitmqctl``; with ``proxy``, the default when other work shares the broker, every
  bridge connection goes through a TCP proxy that is cut: connections dropped and refused);
- 55 %: the ERP is down (its proxy cut: connections refused) for ``--erp-outage-seconds`` (default 60);
- the whole time: about 30 % of Magento calls time out, answer 429 or a 5xx (the sandbox's counted faults,
  re-armed every 2 s), and ``--slow-clients`` connections trickle one header every 5 s to the receiver.
Then the sender stops, the consumers get ``--drain-seconds`` to finish, and it prints: accepted (202),
in the ERP (a final synced/skipped report), dead, written twice (synced more than once), lost (accepted,
no final report, not in a queue), left unacked (still in a queue), 2xx answered while the broker was down.
Exit 1 when anything was lost or answered 2xx while the broker was down. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

from bench.chaos_parts import (
    MagentoFaults,
    Outages,
    Sender,
    SlowClients,
    final_reports,
    queued,
    rabbitmqctl,
    wait_until,
)
from bench.tcp_proxy import TcpProxy
from ops.demo_processes import Processes

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
VHOST = "bridge-chaos"
MAGENTO_TOKEN = "chaos-integration-token"
RETRY_DELAYS = (2, 5, 10, 20)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/chaos", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("CHAOS_SECONDS", "300")))
    parser.add_argument("--rate", type=float, default=20, help="notifications per second")
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--slow-clients", type=int, default=50)
    parser.add_argument("--broker-outage", choices=("proxy", "rabbitmqctl"), default="proxy")
    parser.add_argument("--broker-outage-seconds", type=float, default=20)
    parser.add_argument("--erp-outage-seconds", type=float, default=60)
    parser.add_argument("--drain-seconds", type=float, default=300)
    return parser.parse_args(argv)


def fresh_vhost() -> str:
    """The ``bridge-chaos`` vhost, deleted and re-created, as an AMQP URL."""
    ctl = shutil.which("rabbitmqctl") or sys.exit("chaos: rabbitmqctl is needed to create the bridge-chaos vhost")
    subprocess.run([ctl, "-q", "delete_vhost", VHOST], capture_output=True)
    rabbitmqctl(ctl, "add_vhost", VHOST)
    rabbitmqctl(ctl, "set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*")
    return f"amqp://guest:guest@127.0.0.1:5672/{VHOST}"


def environment(amqp_url: str, folder: Path, ports: dict[str, int], secret: str) -> dict[str, str]:
    return {"AMQP_URL": amqp_url, "DATABASE_URL": f"sqlite:///{folder / 'bridge.sqlite3'}",
            "WEBHOOK_SECRETS": secret, "MAGENTO_BASE_URL": f"http://127.0.0.1:{ports['magento']}",
            "MAGENTO_ACCESS_TOKEN": MAGENTO_TOKEN, "MAGENTO_TIMEOUT": "2", "MAGENTO_RETRIES": "1",
            "MAGENTO_BACKOFF_SECONDS": "0.2", "ERP_BACKEND": "http", "ERP_HTTP_URL": f"http://127.0.0.1:{ports['erp']}",
            "ERP_TIMEOUT": "5", "RETRY_DELAYS": ",".join(map(str, RETRY_DELAYS)), "MAX_ATTEMPTS": "15",
            "LOG_LEVEL": "INFO", "WEB_CONCURRENCY": "2", "PAUSE_PROBE_SECONDS": "5"}


class Chaos:
    def __init__(self, args: argparse.Namespace, processes: Processes, folder: Path) -> None:
        self.args, self.processes, self.folder = args, processes, folder
        self.outages = Outages()
        self.restarts = 0  # consumers that exited and were started again
        self.ctl = shutil.which("rabbitmqctl") or ""
        self.ports = {name: processes.free_port() for name in ("magento", "erp", "web")}
        self.broker_proxy = TcpProxy(("127.0.0.1", 5672)).start()
        self.erp_proxy: TcpProxy | None = None
        self.secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
        self.direct_amqp = fresh_vhost()
        amqp = self.direct_amqp if args.broker_outage == "rabbitmqctl" else self.broker_proxy.url_for(self.direct_amqp)
        self.env = environment(amqp, folder, self.ports, self.secret)

    def start(self) -> list[str]:
        bridgectl = str(BIN / "bridgectl")
        self.processes.start("magento", [bridgectl, "sandbox", "magento", "--port", str(self.ports["magento"]),
                                         "--token", MAGENTO_TOKEN, "--seed", "empty"], port=self.ports["magento"])
        erp_port = self.processes.free_port()
        self.processes.start("erp", [bridgectl, "sandbox", "erp", "--port", str(erp_port)], port=erp_port)
        self.erp_proxy = TcpProxy(("127.0.0.1", erp_port)).start()
        self.env["ERP_HTTP_URL"] = f"http://127.0.0.1:{self.erp_proxy.port}"
        self.erp_direct = f"http://127.0.0.1:{erp_port}"
        magento = self.env["MAGENTO_BASE_URL"]
        requests.post(f"{magento}/__sandbox/generate/products", json={"count": self.args.products,
                                                                      "prefix": "CHAOS-"}, timeout=60)
        skus = [str(key) for key in requests.get(f"{magento}/__sandbox/records/product", timeout=30).json()["keys"]]
        self.processes.start("web", [str(BIN / "gunicorn"), "-c", "bridge/gunicorn.conf.py", "--bind",
                                     f"127.0.0.1:{self.ports['web']}", "bridge:create_app()"], env=self.env,
                             port=self.ports["web"])
        for name in ("consumer-a", "consumer-b"):
            self.start_consumer(name)
        return skus

    def start_consumer(self, name: str) -> None:
        self.processes.start(name, [sys.executable, "-m", "consumers", "product", "stock"], env=self.env)

    def supervise(self) -> None:
        """Start again a consumer that exited (as a process manager would: the start-up check fails while
        Magento answers a fault)."""
        for name in ("consumer-a", "consumer-b"):
            child = self.processes.children.get(name)
            if child is not None and child[0].poll() is not None:
                child[1].close()
                os.replace(self.folder / f"{name}.log", self.folder / f"{name}-exit-{int(time.time() * 1000)}.log")
                del self.processes.children[name]
                self.restarts += 1
                self.start_consumer(name)

    def kill_consumer(self, name: str) -> None:
        proc, log = self.processes.children.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        log.close()
        os.replace(self.folder / f"{name}.log", self.folder / f"{name}-killed-{int(time.time() * 1000)}.log")
        print(f"chaos: SIGKILLed {name}", flush=True)

    def broker_down(self) -> None:
        """The outage window opens once the broker is surely down: ``rabbitmqctl`` takes a second or two to
        boot its own Erlang node, and the broker confirms messages until ``stop_app`` really stops it."""
        if self.args.broker_outage == "rabbitmqctl":
            rabbitmqctl(self.ctl, "stop_app")
        else:
            self.broker_proxy.cut()
        self.outages.broker_went_down()
        print("chaos: broker down", flush=True)

    def broker_up(self) -> None:
        """The window closes before the broker is asked to come back (it may answer before the command ends)."""
        self.outages.broker_came_back()
        if self.args.broker_outage == "rabbitmqctl":
            rabbitmqctl(self.ctl, "start_app")
        else:
            self.broker_proxy.restore()
        print("chaos: broker up", flush=True)

    def erp(self, down: bool) -> None:
        assert self.erp_proxy is not None  # start() made it
        (self.erp_proxy.cut if down else self.erp_proxy.restore)()
        print(f"chaos: ERP {'down' if down else 'up'}", flush=True)

    def schedule(self) -> list[tuple[float, str, Callable[[], object]]]:
        """(seconds from the start, what, how) for every fault of the run."""
        seconds, args = self.args.seconds, self.args
        return sorted([
            (seconds * 0.15, "kill consumer-a", lambda: self.kill_consumer("consumer-a")),
            (seconds * 0.15 + 5, "restart consumer-a", lambda: self.start_consumer("consumer-a")),
            (seconds * 0.35, "broker down", self.broker_down),
            (seconds * 0.35 + args.broker_outage_seconds, "broker up", self.broker_up),
            (seconds * 0.55, "ERP down", lambda: self.erp(True)),
            (seconds * 0.55 + args.erp_outage_seconds, "ERP up", lambda: self.erp(False)),
            (seconds * 0.75, "kill consumer-b", lambda: self.kill_consumer("consumer-b")),
            (seconds * 0.75 + 5, "restart consumer-b", lambda: self.start_consumer("consumer-b")),
        ], key=lambda step: step[0])

    def run(self) -> int:
        skus = self.start()
        wait_until(lambda: _ready(self.ports["web"]), 30, 0.2)
        slow = SlowClients(self.ports["web"], self.args.slow_clients).start()
        sender = Sender(f"http://127.0.0.1:{self.ports['web']}", self.secret, skus, self.args.rate,
                        self.outages).start()
        started, steps = time.monotonic(), self.schedule()
        faults, next_faults = MagentoFaults(self.env["MAGENTO_BASE_URL"]), started
        self.faults = faults
        while (elapsed := time.monotonic() - started) < self.args.seconds or steps:
            while steps and steps[0][0] <= elapsed:
                steps.pop(0)[2]()
            if elapsed < self.args.seconds and time.monotonic() >= next_faults:
                faults.tick()
                next_faults = time.monotonic() + 0.25
            if elapsed >= self.args.seconds:
                sender.stop()
            self.supervise()
            time.sleep(0.2)
        sender.stop()
        slow.stop()
        self.slow_opened = slow.opened
        faults.clear()
        return self.count(sender)

    def drained(self, accepted: set[str]) -> bool:
        """Every accepted id has a final report, and no copy of one waits in an entity or retry queue."""
        if not accepted <= set(final_reports(self.env["DATABASE_URL"])[0]):
            return False
        left = queued(self.direct_amqp, RETRY_DELAYS)
        return left["entity"] + left["retry"] == 0

    def count(self, sender: Sender) -> int:
        tally = sender.tally
        print(f"chaos: sending stopped; waiting up to {self.args.drain_seconds:g} s for the consumers", flush=True)
        deadline = time.monotonic() + self.args.drain_seconds
        while time.monotonic() < deadline and not self.drained(tally.accepted):
            self.supervise()
            time.sleep(2)
        for name in ("consumer-a", "consumer-b"):
            proc, _log = self.processes.children[name]
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(60)
        final, synced = final_reports(self.env["DATABASE_URL"])
        left = queued(self.direct_amqp, RETRY_DELAYS)
        done = tally.accepted & set(final)
        in_erp = sum(1 for event_id in done if final[event_id] in ("synced", "skipped"))
        dead = sum(1 for event_id in done if final[event_id] == "dead")
        twice = sum(1 for event_id in tally.accepted if synced.get(event_id, 0) > 1)
        unfinished = len(tally.accepted - set(final))
        lost = max(0, unfinished - left["entity"] - left["retry"])
        erp = requests.get(f"{self.erp_direct}/__sandbox/counters", timeout=10).json()
        print(f"\nchaos: {self.args.seconds:g} s at {self.args.rate:g}/s, broker outage by {self.args.broker_outage}")
        for label, value in (("accepted (202)", len(tally.accepted)), ("in the ERP (synced or unchanged)", in_erp),
                             ("dead-lettered", dead), ("written twice (synced more than once)", twice),
                             ("lost", lost), ("left unacked (still queued)", left["entity"] + left["retry"]),
                             ("202 answered while the broker was down", tally.ok_while_broker_down),
                             ("duplicates answered 200", tally.duplicates),
                             ("  of which while the broker was down", tally.duplicates_while_broker_down),
                             ("refused (status: count)", tally.refused), ("no answer", tally.errors),
                             ("Magento calls / faults injected", f"{self.faults.calls} / {self.faults.injected}"),
                             ("slow-client connections opened", self.slow_opened),
                             ("consumer restarts after an exit", self.restarts),
                             ("ERP writes / records", f"{sum(row['writes'] for row in erp['records'])} / "
                                                      f"{len(erp['records'])}")):
            print(f"  {label:42} {value}")
        return 1 if lost or tally.ok_while_broker_down else 0


def _ready(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folder = ROOT / "var" / "chaos"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"chaos: {args.seconds:g} s; logs in {folder}", flush=True)
    with Processes(folder) as processes:
        return Chaos(args, processes, folder).run()


if __name__ == "__main__":
    sys.exit(main())
