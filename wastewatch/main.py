"""The `wastewatch` command as installed (and `python -m wastewatch`): the CLI, with the two
commands that run the whole service wired in here, at the composition root, so the CLI
itself never reaches up to the service it is an interface of.

The CLI is imported when the command runs, not when this module is: the processes the
service spawns (the printing and page workers) load the installed script as their main
module, and each would otherwise carry every command's imports (some 100 MB).
"""

import sys


def serve(config, stop) -> None:
    from .service import serve as run

    run(config, stop)


def demo(data_dir, duration, stop) -> None:
    from .demo import run_demo

    run_demo(data_dir, duration, stop)


def main(argv: list[str] | None = None) -> int:
    from wastewatch.cli.main import main as commands
    from wastewatch.web import WebError

    return commands(argv, serve=serve, demo=demo, expected=(WebError,))


if __name__ == "__main__":
    sys.exit(main())
