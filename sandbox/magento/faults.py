"""Injected faults: latency, hanging or dropped connections, 5xx bursts, 429s, a revoked token, disabled modules.

Counted faults ("the next N calls") are consumed in the order they were armed, one per REST call whose
path (from ``/V1``) starts with the fault's prefix; latency applies to every matching call and is not
consumed. The state is shared by the request threads, so every access holds the lock.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import threading
from collections.abc import Iterable
from typing import Any

from sandbox.magento.http import INTERNAL_ERROR, TOO_MANY_REQUESTS

log = logging.getLogger("sandbox.magento.app.faults")
KINDS = ("timeout", "drop", "error", "rate_limit")
ERROR_STATUSES = (500, 502, 503, 504)
_HTML = {502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable", 504: "504 Gateway Time-out"}


@dataclasses.dataclass
class Fault:
    """One armed fault: ``count`` more calls get it."""

    kind: str
    count: int
    prefix: str | None = None
    seconds: float = 0.0
    statuses: tuple[int, ...] = (503,)
    retry_after: int = 1
    served: int = 0

    def applies_to(self, path: str) -> bool:
        return self.count > 0 and (not self.prefix or path.startswith(self.prefix))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        """Back to a healthy store: no latency, nothing armed, the token valid, every module enabled."""
        with self._lock:
            self.latency_ms = 0.0
            self.latency_prefix: str | None = None
            self.armed: list[Fault] = []
            self.token_revoked = False
            self.disabled_modules: set[str] = set()

    def arm(self, kind: str, count: int, prefix: str | None = None, **options: Any) -> Fault:
        """Arm ``kind`` for the next ``count`` calls; raises ValueError for a bad kind, count or status."""
        if kind not in KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(KINDS)}")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError("count must be a whole number of calls, 1 or more")
        statuses = tuple(options.pop("statuses", None) or (503,))
        if any(status not in ERROR_STATUSES for status in statuses):
            raise ValueError(f"error statuses must be among {ERROR_STATUSES}")
        fault = Fault(kind, count, prefix or None, float(options.pop("seconds", 0) or 0), statuses,
                      int(options.pop("retry_after", 1)))
        if options:
            raise ValueError(f"unknown fault options: {', '.join(sorted(options))}")
        with self._lock:
            self.armed.append(fault)
        log.info("fault armed: %s for the next %d calls under %s", kind, count, prefix or "/")
        return fault

    def set_latency(self, milliseconds: float, prefix: str | None = None) -> None:
        if milliseconds < 0:
            raise ValueError("latency must be 0 or more milliseconds")
        with self._lock:
            self.latency_ms, self.latency_prefix = float(milliseconds), prefix or None
        log.info("latency set to %s ms under %s", milliseconds, prefix or "/")

    def latency_for(self, path: str) -> float:
        """Seconds of injected latency for a call to ``path``."""
        with self._lock:
            if self.latency_ms and (not self.latency_prefix or path.startswith(self.latency_prefix)):
                return self.latency_ms / 1000
        return 0.0

    def take(self, path: str) -> tuple[Fault, int] | None:
        """Consume the first armed fault that applies to ``path``: (fault, how many it served before)."""
        with self._lock:
            for fault in self.armed:
                if fault.applies_to(path):
                    fault.count -= 1
                    fault.served += 1
                    return fault, fault.served - 1
            self.armed = [fault for fault in self.armed if fault.count > 0]
        return None

    def set_modules(self, names: Iterable[str], enabled: bool) -> None:
        with self._lock:
            self.disabled_modules = (self.disabled_modules - set(names)) if enabled \
                else self.disabled_modules | set(names)
        log.info("modules %s %s", ", ".join(names), "enabled" if enabled else "disabled")

    def module_disabled(self, name: str) -> bool:
        with self._lock:
            return name in self.disabled_modules

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"latency_ms": self.latency_ms, "latency_prefix": self.latency_prefix,
                    "armed": [fault.to_dict() for fault in self.armed if fault.count > 0],
                    "token_revoked": self.token_revoked, "disabled_modules": sorted(self.disabled_modules)}


def error_response(fault: Fault, served: int) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of an injected 5xx: Magento's masked JSON 500, or a proxy's HTML page."""
    status = fault.statuses[served % len(fault.statuses)]
    if status == 500:
        body = '{"message":"' + INTERNAL_ERROR.format(report=secrets.token_hex(32)) + '"}'
        return 500, {"Content-Type": "application/json; charset=utf-8"}, body.encode()
    title = _HTML[status]
    page = f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n" \
           "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    headers = {"Content-Type": "text/html"}
    if status == 503:
        headers["Retry-After"] = str(fault.retry_after)
    return status, headers, page.encode()


def rate_limited_response(fault: Fault) -> tuple[int, dict[str, str], bytes]:
    body = '{"message":"' + TOO_MANY_REQUESTS + '","trace":null}'
    headers = {"Content-Type": "application/json; charset=utf-8", "Retry-After": str(fault.retry_after)}
    return 429, headers, body.encode()
