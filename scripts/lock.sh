#!/usr/bin/env bash
# Write the lock files again from pyproject.toml: every package Wastewatch runs with, pinned to
# one version with the SHA-256 of each of its files on PyPI.
#   requirements/service.txt   the service, with the PostgreSQL and InfluxDB extras
#   requirements/test.txt      the same versions, and the tests' own packages
# scripts/setup.sh, CI and the install guide install from them with --require-hashes, so a fresh
# machine gets the versions the tests passed with. Run it after changing a dependency in
# pyproject.toml, or to take newer releases (delete the lock files first); then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/python" -m pip install --quiet "pip-tools>=7.4"
# Only PyPI: a machine's own wheel folders or indexes (pip.conf) would put hashes in the lock
# that no other machine can match.
compile() {
    env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
        "$tools/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
        --no-emit-index-url --no-emit-find-links "$@" pyproject.toml
}
compile --extra postgresql --extra influxdb -o requirements/service.txt
compile --extra test --extra postgresql --extra influxdb --constraint requirements/service.txt \
    -o requirements/test.txt
