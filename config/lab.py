"""The laboratory methods (config/lab_methods.toml): the method standard, unit and detection
limit of each item a laboratory reports on effluent, and the names a laboratory sheet may
give it. Data with its sources, read once."""

import re
import tomllib
from functools import cached_property, lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError, as_config_error
from .fields import MetricName

METHODS = Path(__file__).with_name("lab_methods.toml")


class Method(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    item: MetricName
    names: list[str] = Field(min_length=1)
    method: str = Field(min_length=1)
    unit: str
    detection_limit: float | None = Field(None, gt=0)
    verified: bool


class Methods(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    methods: list[Method] = Field(min_length=1)

    def of(self, item: str) -> Method | None:
        return next((m for m in self.methods if m.item == item), None)

    def item_named(self, name: str) -> str | None:
        """The item a sheet's name for it means ("氨氮(以N计)", "NH3-N", "cod"), or None."""
        return self._by_name.get(squeeze(name))

    @cached_property
    def _by_name(self) -> dict[str, str]:
        # Built once: a laboratory's sheet asks for every row (100,000 rows: bench/lab.py).
        named = {squeeze(n): m.item for m in self.methods for n in m.names}
        return named | {m.item: m.item for m in self.methods}


def squeeze(text: str) -> str:
    """A name compared without spaces, case or the difference of full- and half-width brackets."""
    text = text.replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", text).lower()


@lru_cache(maxsize=4)
def load_methods(path: Path = METHODS) -> Methods:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"is not valid TOML ({exc})") from None
    try:
        methods = Methods.model_validate(raw)
    except ValidationError as exc:
        raise as_config_error(path, Methods, exc) from None
    items = [m.item for m in methods.methods]
    for item in items:
        if items.count(item) > 1:
            raise ConfigError(path, "methods", f"item {item!r} is listed twice")
    return methods
