"""The console's vendored scripts are exactly what web/assets/package-lock.json installs: npm ci
from the lock (its integrity hashes checked by npm) in a folder of its own, compared byte for
byte with web/static/vendor/ (scripts/assets.sh copies them)."""

import shutil
import subprocess

from tests.support import ROOT

ASSETS = ROOT / "web" / "assets"
VENDOR = ROOT / "web" / "static" / "vendor"
COPIED = {"jsQR.js": "node_modules/jsqr/dist/jsQR.js", "jsQR.LICENSE": "node_modules/jsqr/LICENSE"}


def test_the_vendored_scripts_are_what_the_lock_file_installs(tmp_path):
    for name in ("package.json", "package-lock.json"):
        shutil.copy(ASSETS / name, tmp_path / name)
    done = subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for vendored, installed in COPIED.items():
        assert (VENDOR / vendored).read_bytes() == (tmp_path / installed).read_bytes(), vendored
    assert sorted(p.name for p in VENDOR.iterdir()) == sorted(COPIED)
