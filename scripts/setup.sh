#!/usr/bin/env bash
# Create a virtualenv (once) and install the package with its test dependencies.
# Run by serve.sh, test.sh and lint.sh; safe to run again.
#   HERITAGE_VENV        the virtualenv (default .venv)
#   HERITAGE_CONSTRAINTS a pip constraints file for it, remembered by the
#                        virtualenv: CI's extra environments live inside .venv/
#                        (so the checkout stays clean), e.g. .venv/datasette-1.0
#                        with .ci/datasette-1.0.txt (the Datasette 1.0 alpha).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${HERITAGE_VENV:-.venv}
PYTHON=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
  if ! "$PYTHON" -m venv "$venv" 2>/dev/null; then
    # Debian splits venv out of python3; install it when we can.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      rm -rf "$venv" && "$PYTHON" -m venv "$venv"
    else
      echo "error: '$PYTHON -m venv' failed; install python3-venv (sudo apt-get install python3-venv)" >&2
      exit 1
    fi
  fi
fi
if [ -n "${HERITAGE_CONSTRAINTS:-}" ]; then
  realpath "$HERITAGE_CONSTRAINTS" > "$venv/.heritage-constraints"
fi
constraints=$(cat "$venv/.heritage-constraints" 2>/dev/null || true)
# Reinstall when setup.py or the constraints change.
stamp=$venv/.installed-$(cat setup.py ${constraints:+"$constraints"} | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  "$venv/bin/pip" install -q --disable-pip-version-check -e '.[test]' ${constraints:+-c "$constraints"}
  # setuptools leaves egg-info in the checkout; the editable install keeps
  # its own metadata in the virtualenv.
  rm -rf datasette_heritage.egg-info
  rm -f "$venv"/.installed-*
  touch "$stamp"
fi
