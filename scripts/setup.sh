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
# The charts' tick labels: a monospace face whose width the report knows (maintenance/report/charts.py).
if ! fc-list "DejaVu Sans Mono" 2>/dev/null | grep -q .; then
    apt_install "DejaVu fonts" fonts-dejavu-core
fi

if [ ! -x .venv/bin/python ]; then
    # Debian ships venv's pip bootstrap (ensurepip) in a package of its own.
    if ! python3 -c "import ensurepip" >/dev/null 2>&1; then
        apt_install python3-venv python3-venv
    fi
    python3 -m venv .venv
fi
extras="${1:-}"
# The versions come from the lock files (requirements/, written by scripts/lock.sh), every file
# checked against its SHA-256; Wastewatch itself is then installed editable, without resolving
# anything again. Installed once, and again only when pyproject.toml, the lock or the extras
# change: an editable install sees every other change as it is made. pip's own output goes to a
# log, shown only when the install fails.
lock="requirements/service.txt"
[ -z "$extras" ] || lock="requirements/test.txt"
stamp=".venv/.installed"
hash="$(cat pyproject.toml requirements/*.txt | sha256sum | cut -d' ' -f1)"
read -r had_hash had_extras 2>/dev/null <"$stamp" || true
# An install with the test extras serves the demo too.
if [ "${had_hash:-}" != "$hash" ] || { [ -n "$extras" ] && [ "${had_extras:-}" != "$extras" ]; }; then
    echo "setup: installing Wastewatch${extras:+ with [$extras]} into .venv from $lock (once; again when it changes)" >&2
    if ! { .venv/bin/python -m pip install --quiet --upgrade pip \
            && .venv/bin/python -m pip install --quiet --require-hashes -r "$lock" \
            && .venv/bin/python -m pip install --quiet --no-deps -e ".${extras:+[$extras]}"; } >.venv/pip.log 2>&1; then
        cat .venv/pip.log >&2
        echo "setup: the install failed (the log above is also in .venv/pip.log)" >&2
        exit 1
    fi
    echo "$hash ${extras:-none}" >"$stamp"
fi
