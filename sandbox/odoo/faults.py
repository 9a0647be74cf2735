"""Fault injection for the Odoo sandbox: latency, unavailability, HTTP errors, dropped connections,
Odoo server errors, revoked credentials, serialization failures and transactions held open before their
commit (``slow_commits``), set over ``/__sandbox/faults`` (see docs/odoo.md)."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

DEFAULT_ERROR_NAME = "psycopg2.errors.SerializationFailure"
DEFAULT_ERROR_MESSAGE = "could not serialize access due to concurrent update"
READ_METHODS = frozenset({"read", "search", "search_read", "search_count", "fields_get", "name_search",
                          "read_group", "default_get", "check_access_rights"})


@dataclasses.dataclass
class FaultPlan:
    """What the next calls to ``/jsonrpc`` suffer; counters go down by one per call they affect."""

    latency_ms: float = 0.0
    unavailable: bool = False
    fail_next: int = 0
    fail_status: int = 500
    retry_after: int | None = None
    drop_next: int = 0
    error_next: int = 0
    error_name: str = DEFAULT_ERROR_NAME
    error_message: str = DEFAULT_ERROR_MESSAGE
    revoked: bool = False
    serialization_failures: dict[str, int] = dataclasses.field(default_factory=dict)
    slow_commits: dict[str, float] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Fault:
    """The fault one call suffers: ``action`` is None, ``unavailable``, ``status``, ``drop`` or ``error``."""

    latency: float = 0.0
    action: str | None = None
    status: int = 200
    retry_after: int | None = None
    error_name: str = ""
    error_message: str = ""


_TYPES: dict[str, tuple[type[Any], ...]] = {
    "latency_ms": (int, float), "unavailable": (bool,), "fail_next": (int,), "fail_status": (int,),
    "retry_after": (int, type(None)), "drop_next": (int,), "error_next": (int,), "error_name": (str,),
    "error_message": (str,), "revoked": (bool,), "serialization_failures": (dict,),
    "slow_commits": (dict,),
}
MERGED = ("serialization_failures", "slow_commits")  # settings merged per model rather than replaced


def _check_holds(value: dict) -> None:
    for target, seconds in value.items():
        if (not isinstance(target, str) or isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                or not 0 <= seconds <= 600):
            raise ValueError('slow_commits must map "model" or "model.method" to seconds (0 to 600)')


def _check_counts(value: dict) -> None:
    for model, count in value.items():
        if not isinstance(model, str) or isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError("serialization_failures must map model names to counts of 0 or more")


class Faults:
    """The sandbox's current fault plan, safe to change while calls are being served."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plan = FaultPlan()

    def configure(self, changes: Any) -> dict[str, Any]:
        """Apply ``changes`` (a JSON object of FaultPlan fields); a bad one raises ValueError naming it."""
        if not isinstance(changes, dict):
            raise ValueError("the body must be a JSON object of fault settings")
        for key, value in changes.items():
            if key not in _TYPES:
                raise ValueError(f"unknown fault setting {key!r}; known: {', '.join(_TYPES)}")
            if isinstance(value, bool) and bool not in _TYPES[key] or not isinstance(value, _TYPES[key]):
                raise ValueError(f"{key} must be of type {' or '.join(t.__name__ for t in _TYPES[key])}")
            if key == "serialization_failures":
                _check_counts(value)
            if key == "slow_commits":
                _check_holds(value)
            if key == "fail_status" and not 400 <= value <= 599:
                raise ValueError("fail_status must be an HTTP error status (400-599)")
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                raise ValueError(f"{key} must be 0 or more")
        with self._lock:
            changes = {**changes, **{key: {**getattr(self._plan, key), **changes[key]}
                                     for key in MERGED if key in changes}}
            self._plan = dataclasses.replace(self._plan, **changes)
            return dataclasses.asdict(self._plan)

    def take_serialization_failure(self, model: str, method: str) -> bool:
        """Whether this write call on ``model`` fails with a serialization failure (consuming one count)."""
        if method in READ_METHODS:
            return False
        with self._lock:
            left = self._plan.serialization_failures.get(model, 0)
            if left:
                self._plan.serialization_failures[model] = left - 1
            return bool(left)

    def take_slow_commit(self, model: str, method: str) -> float:
        """Seconds this writing call holds its transaction open before committing (one use per setting)."""
        if method in READ_METHODS:
            return 0.0
        with self._lock:
            holds = self._plan.slow_commits
            for target in (f"{model}.{method}", model):
                if target in holds:
                    return float(holds.pop(target))
            return 0.0

    def clear(self) -> dict[str, Any]:
        with self._lock:
            self._plan = FaultPlan()
            return dataclasses.asdict(self._plan)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dataclasses.asdict(self._plan)

    @property
    def revoked(self) -> bool:
        with self._lock:
            return self._plan.revoked

    def take(self) -> Fault:
        """Decide the fault of one call, consuming one count of the counter that applies."""
        with self._lock:
            plan = self._plan
            latency = plan.latency_ms / 1000.0
            if plan.unavailable:
                return Fault(latency, "unavailable", 503)
            if plan.drop_next:
                plan.drop_next -= 1
                return Fault(latency, "drop")
            if plan.fail_next:
                plan.fail_next -= 1
                return Fault(latency, "status", plan.fail_status, plan.retry_after)
            if plan.error_next:
                plan.error_next -= 1
                return Fault(latency, "error", error_name=plan.error_name, error_message=plan.error_message)
            return Fault(latency)
