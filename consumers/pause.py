"""Pausing the consumers while Magento or the ERP refuses the credentials (pure: no pika, no threads of its own).

When a handler fails because Magento answered 401/403 or the ERP refused its login, dead-lettering the
record would be wrong: every record after it fails the same way until an operator fixes the token. The
worker asks ``CredentialsGate.refused(error)``: the gate runs the probe (the consumer's start-up check: an
authenticated Magento call and the ERP's ``preflight``) and, when that is refused too, closes: the runner
stops consuming, the messages in hand go back to their queues, and the log says once why
(``paused: Magento refuses the integration token (401)``). The runner probes again every
``PAUSE_PROBE_SECONDS`` and consumes again once the probe passes. When the probe passes right away, the
Magento refusal was about that one record or resource (a 401/403 on one endpoint the integration may not
use), and the record fails as before. An ``ErpAuthError`` closes the gate without a probe (an ERP refuses a
login for every record); the gate opens when the probe, whose ERP half is the backend's ``preflight``, passes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from core.errors import BridgeError, ErpAuthError, MagentoAuthError, MagentoForbidden

log = logging.getLogger(__name__)

REFUSALS = (MagentoAuthError, MagentoForbidden, ErpAuthError)


def refusal(error: BaseException) -> str | None:
    """Who refuses what, in a few words, when ``error`` is refused credentials; None for any other error."""
    if isinstance(error, MagentoAuthError):
        return f"Magento refuses the integration token ({error.status or 401})"
    if isinstance(error, MagentoForbidden):
        return f"Magento refuses the integration access ({error.status or 403}): {error.message}"
    if isinstance(error, ErpAuthError):
        return f"the ERP refuses the credentials: {error.message}"
    return None


class CredentialsGate:
    """Open while the credentials are accepted; closed (``reason`` set) while Magento or the ERP refuses them.

    Thread-safe: workers call ``refused`` and ``paused``; the runner calls ``probe_due`` and ``probe_again``.
    """

    def __init__(self, probe: Callable[[], None], interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._probe = probe
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._probing = False
        self._next_probe = 0.0
        self.reason: str | None = None

    @property
    def paused(self) -> bool:
        return self.reason is not None

    def refused(self, error: BaseException) -> bool:
        """Whether ``error`` means the credentials are refused everywhere (the gate is, or now gets, closed)."""
        if refusal(error) is None:
            return False
        with self._lock:
            if self.reason is not None:
                return True
            # Magento answers 401/403 also for one resource the integration may not use: the probe decides.
            # An ERP that refuses the login refuses it for every record.
            reason = refusal(error) if isinstance(error, ErpAuthError) else self._check()
            if reason is None:
                return False
            self._close(reason)
            return True

    def probe_due(self) -> bool:
        """While closed: whether the next probe is due (and none runs); the caller then runs ``probe_again``."""
        with self._lock:
            if self.reason is None or self._probing or self._clock() < self._next_probe:
                return False
            self._probing = True
            return True

    def probe_again(self) -> None:
        """Probe while closed; open when the credentials are accepted again. Never raises."""
        try:
            reason = self._check()
        except Exception:  # a probe bug must not keep the consumer paused without a word
            log.exception("the credentials probe failed; probing again later")
            reason = self.reason
        with self._lock:
            self._probing = False
            self._next_probe = self._clock() + self._interval
            if reason is None and self.reason is not None:
                log.info("resumed: Magento and the ERP accept the credentials again (paused for: %s)", self.reason)
                self.reason = None
            elif reason is not None and reason != self.reason:
                log.warning("still paused: %s", reason)
                self.reason = reason

    def _check(self) -> str | None:
        """The probe's refusal, or None when it passed or failed for another reason (then it decides nothing)."""
        try:
            self._probe()
        except REFUSALS as error:
            return refusal(error)
        except BridgeError as error:
            log.info("credentials probe inconclusive (%s): %s", error.error_class, error.report_text())
        return None

    def _close(self, reason: str) -> None:
        self.reason = reason
        self._next_probe = self._clock() + self._interval
        log.warning("paused: %s; the messages go back to their queues, and the credentials are checked again "
                    "every %g s", reason, self._interval)
