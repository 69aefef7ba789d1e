"""The configuration reference (docs/administrators/configuration.md), written from the schema:
each key's type, default and bounds from its field, its meaning from its docstring. The manual
cannot describe a key the loader does not accept, or miss one it does.

`scripts/reference.sh` writes it; a test fails when the page and the schema differ."""

import datetime
import inspect
import types
import typing
from pathlib import Path

import annotated_types
from pydantic import AfterValidator, BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from . import channels, fields
from .fields import CHANNEL_SECRETS, SECRET_KEYS
from .schema import ConfigFile

# Text the schema checks further, named for what it must be.
CHECKED = {
    fields._email: "email address",
    fields._metric_name: "metric name",
    fields._timezone: "IANA time zone",
    fields._web_address: "web address",
    channels._address: "web address",
    fields._database_url: "PostgreSQL URL",
}

INTRO = """\
# Configuration reference

<!-- Written by scripts/reference.sh from config/schema.py (config/reference.py); do not edit. -->

One TOML file, validated at start. Unknown keys, wrong types and dangling references are errors
that name the file, the key and what is allowed, e.g.
`site.toml: mqtt.port: must be a valid integer (got '1883')`. Relative paths resolve against
the config file's folder. A secret may be given as the key or as `<key>_file`, a file holding
it: {secrets}. `config/example.toml` has every option with a comment, and
`wastewatch config check --config FILE` validates a file and summarises it.
"""


def markdown() -> str:
    secrets = ", ".join(f"`[{'.'.join(where)}] {key}`" for where, key in SECRET_KEYS)
    secrets += (
        ", and " + " and ".join(f"`{key}`" for key in CHANNEL_SECRETS) + " of each of the `[[channels]]`"
    )
    parts = [INTRO.format(secrets=secrets)]
    for name, field in ConfigFile.model_fields.items():
        model = _model(field.annotation)
        if model is None:
            continue
        if typing.get_origin(field.annotation) is list:
            parts.append(_section(f"[[{name}]]", model, (name,)))
        else:
            parts.append(_section(f"[{name}]", model, (name,)))
    return "\n".join(parts).rstrip() + "\n"


def _section(title: str, model: type[BaseModel], where: tuple[str, ...]) -> str:
    lines = [f"## `{title}`", ""]
    if model.__doc__ and model.__doc__ is not BaseModel.__doc__:
        lines += [inspect.cleandoc(model.__doc__), ""]
    lines += ["| key | type | default | meaning |", "|---|---|---|---|"]
    nested = []
    for key, field in model.model_fields.items():
        inner = _model(field.annotation)
        if inner is not None and typing.get_origin(field.annotation) not in (list, dict):
            nested.append((key, inner))  # a table of its own, e.g. [mqtt.tls], [sites.permit]
        lines.append(f"| `{key}` | {_kind(field)} | {_default(field)} | {_cell(field.description or '')} |")
    text = "\n".join(lines) + "\n"
    for key, inner in nested:
        text += "\n" + _section(f"[{'.'.join((*where, key))}]", inner, (*where, key))
    return text


def _model(annotation) -> type[BaseModel] | None:
    """The model a field holds (itself, in a list or optional), else None."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _kind(field: FieldInfo) -> str:
    text = _type(field.annotation)
    bounds = _bounds(field.metadata)
    return f"{text}, {bounds}" if bounds else text


def _type(annotation) -> str:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        named = [CHECKED[m.func] for m in args[1:] if isinstance(m, AfterValidator) and m.func in CHECKED]
        base = named[0] if named else _type(args[0])
        bounds = _bounds(args[1:])
        return f"{base}, {bounds}" if bounds else base
    if origin in (typing.Union, types.UnionType):
        kinds = [_type(a) for a in args if a is not type(None)]
        return " or ".join(kinds)
    if origin is typing.Literal:
        return ", ".join(f'`"{a}"`' if isinstance(a, str) else f"`{a}`" for a in args)
    if origin is list:
        return f"list of {_type(args[0])}"
    if origin is dict:
        return f"table of {_type(args[0])} → {_type(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "text",
        Path: "path",
        datetime.date: "date",
    }.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _bounds(metadata) -> str:
    """The limits pydantic checks, written as a person reads them: `1–65535`, `≥ 5`, `length 1–40`."""
    low = high = None
    shortest = longest = None
    said = []
    for item in metadata:
        if isinstance(item, FieldInfo):
            said.append(_bounds(item.metadata))
        elif isinstance(item, (annotated_types.Ge, annotated_types.Gt)):
            low = (
                item.ge if isinstance(item, annotated_types.Ge) else item.gt,
                isinstance(item, annotated_types.Gt),
            )
        elif isinstance(item, (annotated_types.Le, annotated_types.Lt)):
            high = (
                item.le if isinstance(item, annotated_types.Le) else item.lt,
                isinstance(item, annotated_types.Lt),
            )
        elif isinstance(item, annotated_types.MinLen) and item.min_length > 0:
            shortest = item.min_length
        elif isinstance(item, annotated_types.MaxLen):
            longest = item.max_length
    if shortest is not None or longest is not None:
        said.append(
            f"length {shortest}–{longest}"
            if shortest is not None and longest is not None
            else f"length ≥ {shortest}"
            if shortest is not None
            else f"length ≤ {longest}"
        )
    if low and high and not low[1] and not high[1]:
        said.insert(0, f"{low[0]}–{high[0]}")
    else:
        if low:
            said.insert(0, f"{'>' if low[1] else '≥'} {low[0]}")
        if high:
            said.append(f"{'<' if high[1] else '≤'} {high[0]}")
    return ", ".join(s for s in said if s)


def _default(field: FieldInfo) -> str:
    value = field.default
    if value is PydanticUndefined:
        return "required"
    if value is None or value == [] or value == {}:
        return "none"
    if isinstance(value, BaseModel):
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (str, Path)):
        return f'`"{value}"`'
    return f"`{value}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


if __name__ == "__main__":
    print(markdown(), end="")
