"""The one error a config mistake becomes."""

from pathlib import Path


class ConfigError(Exception):
    """A config mistake: `file: key: message`."""

    def __init__(self, path: Path | str, key: str, message: str):
        self.path, self.key, self.message = str(path), key, message
        super().__init__(f"{path}: {key}: {message}" if key else f"{path}: {message}")
