#!/usr/bin/env bash
# Create the virtual environment, installing python3-venv with apt when the interpreter lacks it.
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
[ -x "$venv/bin/pip" ] && exit 0
command -v "$python" >/dev/null || { echo "make install: $python is needed (sudo apt-get install python3 python3-venv)" >&2; exit 1; }
if ! "$python" -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  if [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then
    echo "make install: installing python3-venv with apt" >&2
    ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null
    "$python" -m venv "$venv"
  else
    echo "make install: '$python -m venv' failed; install python3-venv (sudo apt-get install python3-venv)" >&2; exit 1
  fi
fi
"$venv/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
