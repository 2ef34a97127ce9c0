#!/usr/bin/env bash
# Lint, format and type checks (ruff, mypy), as CI runs them.
# Fix lint and format with: .venv/bin/ruff check --fix . && .venv/bin/ruff format .
# mypy's settings are in pyproject.toml ([tool.mypy]: the whole package).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
