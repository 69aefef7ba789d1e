#!/usr/bin/env bash
# The demo: installs Wastewatch, then runs it on embedded defaults with a simulated fleet.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/wastewatch demo "$@"
