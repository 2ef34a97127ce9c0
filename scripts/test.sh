#!/usr/bin/env bash
# Run the whole test suite, browser tests included.
# Usage: bash scripts/test.sh [pytest options]
# HERITAGE_VENV (and HERITAGE_CONSTRAINTS, see setup.sh) run it in another
# virtualenv, e.g. on the Datasette 1.0 alpha as CI does (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
venv=${HERITAGE_VENV:-.venv}
# The constraints belong to this virtualenv, remembered by it: not to the
# others the tests start servers from (tests/test_compat.py).
unset HERITAGE_CONSTRAINTS
# Browser tests drive Debian's Chromium; install it when we are root on
# Debian (CI is). Elsewhere they skip, and say so, when it is missing.
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Chromium for the browser tests (apt-get install chromium)..."
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
exec "$venv/bin/python" -m pytest "$@"
