"""The `wastewatch` command as installed (and `python -m wastewatch`): the CLI, with the two
commands that run the whole service wired in here, at the composition root, so the CLI
itself never reaches up to the service it is an interface of."""

import sys

from wastewatch.cli.main import main as commands
from wastewatch.web import WebError


def serve(config, stop) -> None:
    from .service import serve as run

    run(config, stop)


def demo(data_dir, duration, stop) -> None:
    from .demo import run_demo

    run_demo(data_dir, duration, stop)


def main(argv: list[str] | None = None) -> int:
    return commands(argv, serve=serve, demo=demo, expected=(WebError,))


if __name__ == "__main__":
    sys.exit(main())
