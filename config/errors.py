"""The one error a config mistake becomes, and how pydantic's errors become it."""

import datetime
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .fields import CHANNEL_SECRETS, SECRET_KEYS


class ConfigError(Exception):
    """A config mistake: `file: key: message`."""

    def __init__(self, path: Path | str, key: str, message: str):
        self.path, self.key, self.message = str(path), key, message
        super().__init__(f"{path}: {key}: {message}" if key else f"{path}: {message}")


def as_config_error(
    path: Path, model: type[BaseModel], exc: ValidationError, prefix: str = ""
) -> ConfigError:
    """The ConfigError for a pydantic error: the deepest key, in the words of the config."""
    # With `int | MetricSpec`, pydantic reports both branches; the deepest error is the one
    # about what the user actually wrote (a typo inside the table, not "must be an integer").
    errors = exc.errors()
    error = max(errors, key=lambda e: len(e["loc"]))
    if len(error["loc"]) == len(errors[0]["loc"]):
        error = errors[0]
    loc = error["loc"]
    key = prefix + _dotted(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        allowed = ", ".join(parent.model_fields) if parent else ""
        return ConfigError(path, key, f"unknown key; allowed keys here: {allowed}")
    if kind == "missing":
        return ConfigError(path, key, "is required")
    if kind == "value_error":
        return ConfigError(path, key, str(error["ctx"]["error"]))
    message = error["msg"].replace("Input should be", "must be")
    if kind == "model_type":
        message = "must be a table"
    if _secret(loc):
        return ConfigError(path, key, f"{message} (the value is not shown: it is a secret)")
    got = error["input"]
    # TOML dates and times are shown as TOML writes them, not as Python's repr.
    shown = got.isoformat() if isinstance(got, (datetime.date, datetime.time)) else repr(got)
    return ConfigError(path, key, f"{message} (got {shown})")


def _secret(loc: tuple) -> bool:
    """Whether the key holds a secret (fields.SECRET_KEYS, and a channel's CHANNEL_SECRETS),
    whose value an error must not repeat."""
    path = tuple(part for part in loc if isinstance(part, str))
    if path[:1] == ("channels",):
        return path[-1] in CHANNEL_SECRETS
    return any(path == (*where, key) for where, key in SECRET_KEYS)


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("int", "MetricSpec", "constrained-int", "[key]") or "function-after" in str(part):
            continue  # pydantic names union members in the location; readers don't need them
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_at(model: Any, loc: tuple) -> type[BaseModel] | None:
    """Follow a pydantic error location down the models to the table it points into."""
    current = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            if part not in current.model_fields:
                if part == "MetricSpec":
                    continue  # pydantic names the union member it tried in the location
                return None
            current = current.model_fields[part].annotation
        elif get_origin(current) in (list, tuple):
            current = get_args(current)[0]
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """`Site | None` or `int | MetricSpec` → the model inside; containers stay as they are."""
    if get_origin(annotation) in (list, tuple, dict):
        return annotation
    for arg in get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation
