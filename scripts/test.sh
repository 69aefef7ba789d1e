#!/usr/bin/env bash
# The test command: installs what the tests need, then runs them. Tests start their own
# private Mosquitto brokers on free ports, SMTP servers in-process, and SQLite files in tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
# Lint and formatting first: one line each when clean, the offending lines when not.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
