"""The command reference (docs/administrators/cli-reference.md), written from the parser itself,
so the manual cannot describe an option the command does not have, or miss one it has.

`scripts/reference.sh` writes it; a test fails when the page and the parser differ."""

import argparse
import os

from .main import _parser
from .options import CONFIG_ENV


def markdown() -> str:
    # The parser makes --config optional when the environment names a file; the manual is the
    # same whatever the shell that writes it has set.
    saved = os.environ.pop(CONFIG_ENV, None)
    try:
        parser = _parser()
    finally:
        if saved is not None:
            os.environ[CONFIG_ENV] = saved
    lines = [
        "# Command reference",
        "",
        "<!-- Written by scripts/reference.sh from the command's parser (cli/reference.py); do not edit. -->",
        "",
        "Every command and option of `wastewatch`, as `--help` prints them. Options marked "
        "*required* must be given; `--config` may be left out when `WASTEWATCH_CONFIG` names the file. "
        "[Commands](commands.md) explains what they are for.",
        "",
        f"`wastewatch {_usage(parser)}`",
        "",
    ]
    lines += _options(parser)
    for path, sub, text in _commands(parser, ()):
        lines += ["", f"## `wastewatch {' '.join(path)}`", ""]
        if sub.description or text:
            lines += [_escape(sub.description or text), ""]
        lines += [f"`wastewatch {' '.join(path)} {_usage(sub)}`".rstrip() + "", ""]
        lines += _options(sub)
    return "\n".join(lines).rstrip() + "\n"


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...]):
    """(path, parser, help) of every command that runs something, depth first in the parser's
    order."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                here = (*path, name)
                if sub.get_default("handler") is not None:
                    yield here, sub, helps.get(name) or ""
                yield from _commands(sub, here)


def _usage(parser: argparse.ArgumentParser) -> str:
    """The arguments part of the usage line, on one line."""
    parts = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        text = _spelling(action)
        parts.append(text if action.required else f"[{text}]")
    return " ".join(parts)


def _spelling(action: argparse.Action) -> str:
    if not action.option_strings:
        return action.metavar or action.dest.upper()
    flag = max(action.option_strings, key=len)
    if action.nargs == 0:
        return flag
    if action.choices is not None:
        return f"{flag} {{{','.join(map(str, action.choices))}}}"
    return f"{flag} {action.metavar or action.dest.upper()}"


def _options(parser: argparse.ArgumentParser) -> list[str]:
    rows = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        if action.help == argparse.SUPPRESS:
            continue
        what = _escape(action.help or "")
        if action.required and action.option_strings:
            what = f"*required*; {what}" if what else "*required*"
        rows.append(f"| `{_spelling(action)}` | {what} |")
    if not rows:
        return []
    return ["| argument | meaning |", "|---|---|", *rows]


def _escape(text: str) -> str:
    """Help text in a Markdown table cell: pipes escaped, argparse's %% as %."""
    return text.replace("%%", "%").replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":
    print(markdown(), end="")
