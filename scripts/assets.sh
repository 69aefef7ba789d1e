#!/usr/bin/env bash
# The console's vendored scripts, from web/assets/package-lock.json: installed by `npm ci` (the
# versions and integrity hashes the lock holds) and copied into web/static/vendor/, which the
# wheel ships and the service serves from its own origin (CSP script-src 'self'). The copies are
# committed, so running the service needs no Node; tests/web/test_assets.py checks that they are
# exactly what the lock installs. Run it after changing web/assets/package.json
# (`npm install --package-lock-only` there first).
set -euo pipefail
cd "$(dirname "$0")/../web/assets"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
vendor=../static/vendor
mkdir -p "$vendor"
cp node_modules/jsqr/dist/jsQR.js "$vendor/jsQR.js"
cp node_modules/jsqr/LICENSE "$vendor/jsQR.LICENSE"
