"""The repository checkout, for the two commands that need more than the installed package: sandbox and demo.

The distribution holds the product only (docs/architecture.md); the stand-ins in ``sandbox/`` come with a
clone. ``make install`` installs the package in editable mode, so ``ops`` is imported from the clone and the
clone's root is the parent of this file's folder: that root is put on ``sys.path`` for ``sandbox``. Installed
from a wheel, the parent is ``site-packages``, which has no ``sandbox``, and the commands say so in one line.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from core.errors import EXIT_CONFIG

ROOT = Path(__file__).resolve().parent.parent
NEEDS_CHECKOUT = {
    "sandbox": "the sandboxes are not installed with the package",
    "demo": "the sandbox is not installed with the package",
}


def sandbox_root(root: Path | None = None) -> Path | None:
    """The checkout holding ``sandbox/`` (put on ``sys.path``), or None when the package runs without one."""
    root = ROOT if root is None else root
    if not (root / "sandbox" / "__init__.py").is_file():
        return None
    if str(root) not in sys.path:
        sys.path.append(str(root))
    return root


def missing_checkout(command: str) -> str:
    """The one-line reason ``bridgectl <command>`` cannot run here."""
    return (f"bridgectl {command} needs a checkout of the repository: {NEEDS_CHECKOUT[command]}; "
            "run make install in a clone")


class CheckoutMissing(click.ClickException):
    """The command needs the repository's checkout: one line and exit code 78 (``EXIT_CONFIG``)."""

    exit_code = EXIT_CONFIG


def unavailable(command: str) -> click.Command:
    """A stand-in for ``command`` that exits 78 with ``missing_checkout`` (still listed by ``bridgectl --help``)."""
    @click.command(name=command, help="(needs a checkout of the repository)", context_settings={
        "ignore_unknown_options": True, "allow_extra_args": True})
    def needs_checkout() -> None:
        raise CheckoutMissing(missing_checkout(command))
    return needs_checkout
