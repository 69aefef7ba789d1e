"""What every command shares: the one error for an operator's mistake, loading the config,
reading a time, naming what exists, and registering a subcommand."""

from datetime import datetime

from wastewatch.config import Config, load_config, logs
from wastewatch.config.text import local_time

from .options import add_config, by


class CommandError(Exception):
    """An operator's mistake, said in one sentence. `usage` marks a mistake in how the command
    was called (exit status 2, as argparse uses) rather than in what it was asked to do (1)."""

    def __init__(self, message: str, usage: bool = False):
        super().__init__(message)
        self.status = 2 if usage else 1


def load(args) -> Config:
    """The config the command names, with logging set up to write times in the service's zone."""
    config = load_config(args.config)
    logs.configure(config)
    return config


def when(text: str, config: Config, option: str) -> datetime:
    """An ISO date or time from the command line; local time when it names no zone."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"{option} {text!r} is not an ISO date or time such as 2026-10-01 or 2026-10-01T08:00", usage=True
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=config.tz)


def local(config: Config, ts: int | None) -> str:
    """A time for people: in the service's zone, to the minute, as the emails write it."""
    return "-" if ts is None else local_time(ts, config.tz)


def known(kind: str, value: str | None, names, where: str = "the config") -> None:
    """An unknown site, contractor or metric is an error naming those that exist (an empty
    listing would read as 'nothing there')."""
    if value is not None and value not in names:
        listed = ", ".join(sorted(names)) or "none"
        raise CommandError(f"unknown {kind} {value!r}; {where} has: {listed}")


def subcommand(sub, name: str, handler, text: str):
    """A subcommand that takes --config and runs `handler(args, config, when)`."""
    parser = sub.add_parser(name, help=text, description=text)
    parser.set_defaults(handler=configured(handler))
    add_config(parser)
    return parser


def configured(handler):
    """Load the config (one-sentence errors, logging) and settle --by before the handler runs;
    the handler reads times with `when(text)`."""

    def run(args):
        config = load(args)
        if hasattr(args, "by"):
            args.by = by(args, config)
            if not args.by:
                raise CommandError("say who does it: --by NAME, or set [service] operator in the config")
        return handler(args, config, lambda text: when(text, config, "--at"))

    return run
