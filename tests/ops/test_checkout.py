"""``bridgectl sandbox`` and ``bridgectl demo`` need a checkout: they find it, or say in one line what is missing."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ops import checkout
from ops.cli import cli


def test_in_a_checkout_the_sandbox_command_is_the_real_one():
    result = CliRunner().invoke(cli, ["sandbox", "--help"])
    assert result.exit_code == 0 and "magento" in result.output and "odoo" in result.output


@pytest.mark.parametrize(("args", "what"), [
    (["demo"], "the sandbox is not installed with the package"),
    (["sandbox", "magento", "--port", "8081", "--token", "t"], "the sandboxes are not installed with the package"),
])
def test_without_a_checkout_each_command_says_what_is_missing(monkeypatch, tmp_path, args, what):
    monkeypatch.setattr(checkout, "ROOT", tmp_path)  # where an installed ops finds no sandbox/
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 78
    assert result.stderr.strip().splitlines() == [
        f"Error: bridgectl {args[0]} needs a checkout of the repository: {what}; run make install in a clone"]


def test_without_a_checkout_help_still_lists_both_commands(monkeypatch, tmp_path):
    monkeypatch.setattr(checkout, "ROOT", tmp_path)
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "demo       (needs a checkout of the repository)" in result.output
    assert "sandbox    (needs a checkout of the repository)" in result.output
