"""The files an installation's config consists of: the TOML file and every file it names.

A backup keeps them beside the data: a county restoring onto a new server needs the secrets
(`*_file`), the inventory (`sites_csv`, `villages_csv`) and its own rules, not only the
databases. The shipped rules and standards travel with the package and are left out.
"""

import tomllib
from pathlib import Path

from .loader import SHIPPED

# Keys whose value is a file (or a folder of them) relative to the config file's folder.
_NAMING = ("_file", "_csv")
_FOLDERS = ("standards_dir",)


def config_files(path: Path) -> list[Path]:
    """The config file and the existing files it names, absolute, each once, in a stable order.
    The config is assumed valid (the caller loaded it first)."""
    path = Path(path).resolve()
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    base = path.parent
    named: dict[Path, None] = {path: None}
    for key, value in _walk(raw):
        if not isinstance(value, str):
            continue
        target = (base / value).resolve()
        if target.is_relative_to(SHIPPED.resolve()):
            continue
        if key.endswith(_NAMING) and target.is_file():
            named[target] = None
        elif key in _FOLDERS and target.is_dir():
            named.update((f, None) for f in sorted(target.rglob("*")) if f.is_file())
    return list(named)


def _walk(node, key: str = ""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, key)
    else:
        yield key, node
