"""Wastewatch: O&M monitoring for small rural wastewater treatment facilities.

Everything installs under this one name. The subpackages live in the repository's top-level
folders (`ingest/`, `alerts/`, `maintenance/`, `config/`, `store/`, `web/`, `cli/`), mapped
here by setuptools' package-dir (pyproject.toml): `wastewatch.ingest` is `ingest/`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    # pyproject.toml is the one source; the installed metadata carries it.
    __version__ = version("wastewatch")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "unknown"
