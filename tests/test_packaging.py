"""The installed distribution holds the product only, and without a checkout bridgectl says what is missing.

Builds the wheel from a copy of the checkout (so the build leaves nothing behind in it) with the
environment's setuptools, installs it by unpacking it, and runs ``bridgectl`` from there with no access to
the checkout (``python -S``: the editable install's path hooks are not loaded either).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = {"core", "schemas", "store", "broker", "magento", "erp", "bridge", "consumers", "ops"}
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "var", "build", "*.egg-info", "__pycache__", ".pytest_cache")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source, out = tmp_path_factory.mktemp("source") / "checkout", tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, source, ignore=NOT_COPIED)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                    "-w", str(out), str(source)], check=True, capture_output=True, timeout=240)
    (built,) = out.glob("*.whl")
    return built


def test_the_wheel_holds_exactly_the_product_packages(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == PRODUCT
    assert all(f"{package}/__init__.py" in names for package in PRODUCT)


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    zipfile.ZipFile(wheel).extractall(target)
    return target


def bridgectl(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``bridgectl`` as installed from the wheel: the unpacked wheel, then the dependencies; no checkout."""
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), *sorted(dependencies)])}
    code = "import sys; from ops.cli import main; sys.argv[0] = 'bridgectl'; main()"
    return subprocess.run([sys.executable, "-S", "-c", code, *args], check=False, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize(("args", "what"), [
    (["demo"], "the sandbox is not installed with the package"),
    (["sandbox", "odoo", "--port", "8069"], "the sandboxes are not installed with the package"),
])
def test_installed_from_the_wheel_demo_and_sandbox_say_what_is_missing(installed, tmp_path, args, what):
    result = bridgectl(installed, tmp_path, *args)
    assert result.returncode == 78, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Error: bridgectl {args[0]} needs a checkout of the repository: {what}; run make install in a clone"]


def test_installed_from_the_wheel_the_product_commands_still_run(installed, tmp_path):
    result = bridgectl(installed, tmp_path, "topology", "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: bridgectl topology" in result.stdout
