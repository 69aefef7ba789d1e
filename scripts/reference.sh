#!/usr/bin/env bash
# Writes the two reference pages of the manual from the code: the configuration reference from
# the schema (config/reference.py) and the command reference from the parser (cli/reference.py).
# tests/test_reference.py fails while either page differs from what this writes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
.venv/bin/python -m wastewatch.config.reference > docs/administrators/configuration.md
.venv/bin/python -m wastewatch.cli.reference > docs/administrators/cli-reference.md
echo "wrote docs/administrators/configuration.md and docs/administrators/cli-reference.md"
