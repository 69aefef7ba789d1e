#!/usr/bin/env bash
# The test command: installs what the tests need, then runs them. Tests start their own
# private Mosquitto brokers on free ports, SMTP servers in-process, and SQLite files in tmp;
# the state tests run again on PostgreSQL, each in a database of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
# The pages, emails and report are looked at in a real browser: Debian's Chromium, driven by
# Playwright (whose own browser download cannot be reached from here).
if ! command -v chromium >/dev/null 2>&1; then
    . scripts/apt.sh
    apt_install Chromium chromium fonts-noto-cjk
fi
WASTEWATCH_TEST_PG="${WASTEWATCH_TEST_PG:-$(scripts/postgres.sh)}"
export WASTEWATCH_TEST_PG
# Lint and formatting first: one line each when clean, the offending lines when not.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# The layer contracts (pyproject.toml [tool.importlinter]) on an installed copy: grimp reads a
# package from its folder, and the subpackages live in the top-level folders. Built from a
# copy of the tree, so that setuptools leaves no build/ here.
root="$PWD"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/src"
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$scratch/src"
if ! .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation --target "$scratch/site" \
        "$scratch/src" 2>"$scratch/pip.log"; then
    cat "$scratch/pip.log" >&2
    exit 1
fi
(cd "$scratch" && PYTHONPATH="$scratch/site" "$root/.venv/bin/lint-imports" --no-cache "$root/pyproject.toml")
# No InfluxDB 2.x server can be installed here: its contract tests (tests/store/test_influx.py)
# run against a server of yours when these three are set, and are said plainly to be left out
# when not (last, where it is read).
status=0
.venv/bin/python -m pytest "$@" || status=$?
if [ -z "${WASTEWATCH_TEST_INFLUXDB_URL:-}" ] || [ -z "${WASTEWATCH_TEST_INFLUXDB_TOKEN:-}" ] \
        || [ -z "${WASTEWATCH_TEST_INFLUXDB_ORG:-}" ]; then
    echo "NOTE: the InfluxDB contract tests were NOT run: set WASTEWATCH_TEST_INFLUXDB_URL, _TOKEN and" \
        "_ORG to run them against a real InfluxDB 2.x (README, Known limitations)."
fi
exit "$status"
