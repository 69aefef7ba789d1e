"""The version is one fact: pyproject.toml holds it, and the command, the changelog and the
console's footer all show that one."""

import re
import subprocess
import sys
import tomllib

from tests.support import ROOT
from wastewatch import __version__


def declared() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_the_command_and_the_changelog_show_the_version_pyproject_declares():
    version = declared()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert __version__ == version  # the installed metadata, read at import
    shown = subprocess.run(
        [sys.executable, "-m", "wastewatch", "--version"], capture_output=True, text=True, check=True
    )
    assert shown.stdout == f"wastewatch {version}\n"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.findall(r"^## (\d+\.\d+\.\d+)", changelog, re.M)[0] == version  # the newest entry
