#!/usr/bin/env bash
# Prepare a fresh machine: Mosquitto (apt-get, when missing) and a virtualenv with Wastewatch.
# Usage: scripts/setup.sh [extras]   e.g. scripts/setup.sh test
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v mosquitto >/dev/null 2>&1 || ! command -v mosquitto_passwd >/dev/null 2>&1; then
    echo "setup: installing Mosquitto with apt-get" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq mosquitto mosquitto-clients >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    # Debian ships venv's pip bootstrap (ensurepip) in a package of its own.
    if ! python3 -c "import ensurepip" >/dev/null 2>&1; then
        echo "setup: installing python3-venv with apt-get" >&2
        SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
    fi
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
extras="${1:-}"
.venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
