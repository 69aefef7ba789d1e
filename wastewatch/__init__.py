"""Wastewatch: O&M monitoring for small rural wastewater treatment facilities.

Everything installs under this one name. The subpackages live in the repository's top-level
folders (`ingest/`, `alerts/`, `maintenance/`, `config/`, `store/`, `web/`, `cli/`), mapped
here by setuptools' package-dir (pyproject.toml): `wastewatch.ingest` is `ingest/`.
"""
