"""``bridgectl`` itself: bad settings end every command with one line and exit code 78."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ops.cli import cli


@pytest.mark.parametrize("url", ["amqp://guest:guest@127.0.0.1:99999/%2F", "amqp://127.0.0.1:abc/"])
def test_a_bad_port_in_amqp_url_is_one_configuration_line_and_exit_78(url):
    result = CliRunner().invoke(cli, ["status"], env={"AMQP_URL": url})
    assert result.exit_code == 78
    assert result.stderr.strip().splitlines() == [
        "Error: invalid configuration: AMQP_URL: its port must be a number from 1 to 65535, as in "
        "amqp://guest:guest@127.0.0.1:5672/%2F (got a secret value)"]
