#!/usr/bin/env bash
# The test command: installs what the tests need, then runs them. Tests start their own
# private Mosquitto brokers on free ports, SMTP servers in-process, and SQLite files in tmp;
# the state tests run again on PostgreSQL, each in a database of its own.
#
#   scripts/test.sh            everything: lint, the layer contracts, the docs, every test
#   scripts/test.sh --quick    the same checks, and the tests on SQLite without the soak and
#                              the browser (a minute or two: the loop while changing code)
#
# Further arguments go to pytest (a path, -k NAME). The tests run in parallel, three at a time
# (WASTEWATCH_TEST_WORKERS; most of a test's time is spent waiting on a broker or a socket).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=()
if [ "${1:-}" = "--quick" ]; then
    shift
    quick=(-m "not soak and not browser and not pg")
fi
scripts/setup.sh test
# The pages, emails and report are looked at in a real browser: Debian's Chromium, driven by
# Playwright (whose own browser download cannot be reached from here).
if ! command -v chromium >/dev/null 2>&1; then
    . scripts/apt.sh
    apt_install Chromium chromium fonts-noto-cjk
fi
# The systemd units in deploy/ are checked offline by systemd's own `systemd-analyze`.
if ! command -v systemd-analyze >/dev/null 2>&1; then
    . scripts/apt.sh
    apt_install systemd systemd
fi
# The reverse proxy's example (deploy/nginx/) runs in front of the service in a test.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    . scripts/apt.sh
    apt_install nginx nginx
fi
WASTEWATCH_TEST_PG="${WASTEWATCH_TEST_PG:-$(scripts/postgres.sh)}"
export WASTEWATCH_TEST_PG
# Lint, formatting and the layer contracts first (scripts/lint.sh).
scripts/lint.sh
# No InfluxDB 2.x server can be installed here: its contract tests (tests/store/test_influx.py)
# run against a server of yours when these three are set, and are said plainly to be left out
# when not (last, where it is read).
status=0
.venv/bin/python -m pytest -n "${WASTEWATCH_TEST_WORKERS:-3}" "${quick[@]}" "$@" || status=$?
if [ -z "${WASTEWATCH_TEST_INFLUXDB_URL:-}" ] || [ -z "${WASTEWATCH_TEST_INFLUXDB_TOKEN:-}" ] \
        || [ -z "${WASTEWATCH_TEST_INFLUXDB_ORG:-}" ]; then
    echo "NOTE: the InfluxDB contract tests were NOT run: set WASTEWATCH_TEST_INFLUXDB_URL, _TOKEN and" \
        "_ORG to run them against a real InfluxDB 2.x (docs/administrators/limitations.md)."
fi
exit "$status"
