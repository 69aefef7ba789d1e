#!/usr/bin/env bash
# Prepare a fresh machine: Mosquitto (apt-get, when missing) and a virtualenv with Wastewatch.
# Usage: scripts/setup.sh [extras]   e.g. scripts/setup.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/apt.sh

if ! command -v mosquitto >/dev/null 2>&1 || ! command -v mosquitto_passwd >/dev/null 2>&1; then
    apt_install Mosquitto mosquitto mosquitto-clients
fi

# The monthly report's PDF: WeasyPrint lays out text with Pango, and Chinese needs a CJK font.
if ! python3 -c "import ctypes.util, sys; sys.exit(not ctypes.util.find_library('pangoft2-1.0'))"; then
    apt_install Pango libpango-1.0-0 libpangoft2-1.0-0
fi
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    apt_install "CJK fonts" fonts-noto-cjk
fi

if [ ! -x .venv/bin/python ]; then
    # Debian ships venv's pip bootstrap (ensurepip) in a package of its own.
    if ! python3 -c "import ensurepip" >/dev/null 2>&1; then
        apt_install python3-venv python3-venv
    fi
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
extras="${1:-}"
.venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
