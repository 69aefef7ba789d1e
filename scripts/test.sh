#!/usr/bin/env bash
# The test command: installs what the tests need, then runs them. Tests start their own
# private Mosquitto brokers on free ports, SMTP servers in-process, and SQLite files in tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
exec .venv/bin/python -m pytest "$@"
