"""Configuration: the strict TOML loader, the metric catalogue and the shipped data files."""

from .loader import Config, ConfigError, load_config

__all__ = ["Config", "ConfigError", "load_config"]
