"""Options many commands share: which config file, and who does what."""

import argparse
import os
from pathlib import Path

CONFIG_ENV = "WASTEWATCH_CONFIG"


def add_config(parser: argparse.ArgumentParser) -> None:
    """--config, or $WASTEWATCH_CONFIG so it need not be typed on every command."""
    default = os.environ.get(CONFIG_ENV) or None
    parser.add_argument(
        "--config",
        type=Path,
        default=Path(default) if default else None,
        required=default is None,
        help=f"the TOML config file (default: ${CONFIG_ENV})",
    )


def add_by(parser: argparse.ArgumentParser, what: str = "does it") -> None:
    """--by: the person recorded in the history. Never the Unix login: several operators share
    one server account, and the record must name the person."""
    parser.add_argument(
        "--by",
        help=f"the person who {what}, as recorded in the history (default: [service] operator in the config)",
    )


def by(args, config) -> str | None:
    """The --by the command was given, or the config's operator; None when neither says."""
    return getattr(args, "by", None) or config.service.operator
