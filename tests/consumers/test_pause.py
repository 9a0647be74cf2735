"""The credentials gate: refused credentials close it (once), a probe that passes opens it again."""

from __future__ import annotations

from consumers.pause import CredentialsGate, refusal
from core.errors import ErpAuthError, ErpUnavailable, MagentoAuthError, MagentoForbidden, MagentoNotFound


class Probe:
    """A probe raising ``error`` while it is set; counts its calls."""

    def __init__(self) -> None:
        self.error: Exception | None = None
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        if self.error is not None:
            raise self.error


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


UNAUTHORIZED = MagentoAuthError("The consumer isn't authorized to access Magento_Sales::actions_view.", status=401)


def test_refused_credentials_close_the_gate_once_and_say_why(caplog) -> None:
    probe = Probe()
    probe.error = UNAUTHORIZED
    gate = CredentialsGate(probe, interval=30, clock=Clock())
    with caplog.at_level("WARNING", logger="consumers.pause"):
        assert gate.refused(UNAUTHORIZED) and gate.refused(UNAUTHORIZED)
    assert gate.paused and probe.calls == 1
    assert [record.getMessage().split(";")[0] for record in caplog.records] == [
        "paused: Magento refuses the integration token (401)"]


def test_other_errors_and_refusals_the_probe_does_not_confirm_leave_it_open() -> None:
    probe = Probe()
    gate = CredentialsGate(probe, interval=30)
    assert not gate.refused(ErpUnavailable("down"))
    assert not gate.refused(MagentoNotFound("gone", status=404))
    assert probe.calls == 0
    assert not gate.refused(MagentoForbidden("not for this resource", status=403))  # the probe passed
    probe.error = ErpUnavailable("Magento down")  # inconclusive: decides nothing
    assert not gate.refused(UNAUTHORIZED) and not gate.paused


def test_an_erp_refusing_the_login_closes_the_gate_without_a_probe() -> None:
    probe = Probe()
    gate = CredentialsGate(probe, interval=30)
    assert gate.refused(ErpAuthError("Access Denied")) and gate.paused and probe.calls == 0


def test_probes_are_spaced_by_the_interval_and_a_passing_probe_opens_the_gate() -> None:
    probe, clock = Probe(), Clock()
    probe.error = ErpAuthError("Access Denied")
    gate = CredentialsGate(probe, interval=30, clock=clock)
    assert gate.refused(probe.error)
    assert not gate.probe_due()
    clock.now += 30
    assert gate.probe_due() and not gate.probe_due()  # one probe at a time
    gate.probe_again()
    assert gate.paused and gate.reason == "the ERP refuses the credentials: Access Denied"
    clock.now += 30
    probe.error = None
    assert gate.probe_due()
    gate.probe_again()
    assert not gate.paused and not gate.probe_due()


def test_refusal_names_who_refuses() -> None:
    assert refusal(UNAUTHORIZED) == "Magento refuses the integration token (401)"
    assert refusal(ErpUnavailable("x")) is None
