"""``bridgectl``: the operator's command line; each sub-command lives in its own module, loaded on use."""

from __future__ import annotations

import importlib
import os
import sys

import click

from core.errors import EXIT_CONFIG, ConfigError
from core.settings import Settings
from ops import checkout

# name -> "module:attribute" of a click command; modules are imported only when their command runs.
COMMANDS: dict[str, str] = {
    "topology": "ops.topology_cmd:topology",
    "sandbox": "sandbox.cli:sandbox",
    "dlq": "ops.dlq_cmd:dlq",
    "backfill": "ops.backfill_cmd:backfill",
    "reconcile": "ops.reconcile_cmd:reconcile",
    "erp-poll": "ops.erp_poll_cmd:erp_poll",
    "status": "ops.status_cmd:status",
    "reports": "ops.reports_cmd:reports",
    "demo": "ops.demo:demo",
    "push": "ops.push_cmd:push",
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use, keeping ``bridgectl --help`` fast."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        if cmd_name in checkout.NEEDS_CHECKOUT and checkout.sandbox_root() is None:
            return checkout.unavailable(cmd_name)
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return _unavailable(cmd_name)
        return getattr(module, attribute)


def _unavailable(name: str) -> click.Command:
    @click.command(name=name, help="(not available in this build)")
    def command() -> None:
        raise click.ClickException(f"'{name}' is not available in this build")
    return command


class ConfigProblem(click.ClickException):
    """A bad or missing setting: the command ends with its reason and exit code 78 (``EXIT_CONFIG``)."""

    exit_code = EXIT_CONFIG


def load_settings_or_exit(**overrides: object) -> Settings:
    """Settings from the environment; a bad value ends the command with the variable's name."""
    try:
        return Settings.from_env(os.environ, {k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        raise ConfigProblem(str(exc)) from None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Operate the Magento-ERP bridge."""


def main() -> None:
    try:
        cli(prog_name="bridgectl")
    except ConfigError as exc:
        click.echo(f"bridgectl: {exc}", err=True)
        sys.exit(EXIT_CONFIG)


if __name__ == "__main__":
    main()
