"""Discharge standards as data: which grade a site must meet and the limit of each pollutant.

The numbers live in config/standards/*.toml, each with its citation and a `verified` marker;
this module only reads them and applies the selection rules (docs/domain.md §3).
"""

import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wastewatch.config import ConfigError
from wastewatch.config.errors import as_config_error
from wastewatch.config.schema import MetricName, Site

Water = Literal["II", "III", "IV", "V", "none"]


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Band(_Model):
    waters: list[Water] = Field(min_length=1)
    min_capacity_m3d: float = Field(ge=0)
    grade: str


class KeyAreaStep(_Model):
    min_capacity_m3d: float = Field(ge=0)
    order: list[str] = Field(min_length=1)  # strictest grade first
    verified: bool
    citation: str


class Selection(_Model):
    verified: bool
    citation: str
    bands: list[Band] = Field(min_length=1)
    key_control_area: KeyAreaStep | None = None


class Grade(_Model):
    label_zh: str
    label_en: str


class LimitSpec(_Model):
    values: dict[str, float] = {}
    range: dict[str, Annotated[list[float], Field(min_length=2, max_length=2)]] = {}
    cold_values: dict[str, float] = {}
    cold_max_temp_c: float = 12.0
    before_2006_values: dict[str, float] = {}
    basis: Literal["sample", "daily_mean"]
    catering_only: bool = False
    verified: bool
    citation: str = Field(min_length=1)


class StandardFile(_Model):
    id: str
    name_zh: str
    name_en: str
    capacity_below_m3d: float | None = None
    capacity_at_least_m3d: float | None = None
    citation: str
    selection: Selection
    grades: dict[str, Grade]
    limits: dict[MetricName, LimitSpec]


@dataclass(frozen=True)
class Limit:
    """The limit one site must meet for one pollutant on one day, and where it comes from."""

    metric: str
    low: float | None  # pH only
    high: float
    basis: str
    standard: str
    grade: str
    grade_label: str
    verified: bool
    citation: str
    source: str  # "standard" or "permit: <reason>"
    temperature_note: str = ""  # which temperature-conditional value applies, and why

    def exceeded_by(self, value: float) -> bool:
        return value > self.high or (self.low is not None and value < self.low)

    def text(self) -> str:
        return f"{self.low:g}–{self.high:g}" if self.low is not None else f"{self.high:g}"


@dataclass(frozen=True)
class SiteStandard:
    """A site's standard and grade, chosen once from its capacity, water and permit."""

    site: Site
    standard: StandardFile
    grade: str
    reason: str  # how the grade was chosen, for emails and reports

    @property
    def grade_label(self) -> str:
        return self.standard.grades[self.grade].label_zh

    def controlled(self) -> list[str]:
        """The pollutants this site is judged on (and reports, if it measures them)."""
        names = [
            m
            for m, spec in self.standard.limits.items()
            if (self.grade in spec.values or self.grade in spec.range)
            and not (spec.catering_only and not self.site.catering)
        ]
        permit = self.site.permit
        return names + [m for m in (permit.limits if permit else {}) if m not in names]

    @cached_property
    def limits_without_temperature(self) -> dict[str, Limit | None]:
        """Each controlled pollutant's limit on a day without a water temperature: what a page
        shows beside a single reading. Kept: the site board asks for it at every request."""
        return {metric: self.limit(metric, None) for metric in self.controlled()}

    @property
    def temperature_dependent(self) -> set[str]:
        return {m for m, spec in self.standard.limits.items() if self.grade in spec.cold_values}

    def limit(self, metric: str, water_temp: float | None) -> Limit | None:
        """The limit for `metric` on a day whose mean water temperature is `water_temp`."""
        if metric not in self.controlled():
            return None
        std, permit = self.standard, self.site.permit
        if permit and metric in permit.limits:
            value = permit.limits[metric]
            low, high = (value[0], value[1]) if isinstance(value, list) else (None, value)
            spec = std.limits.get(metric)
            basis = spec.basis if spec else "daily_mean"
            return self._limit(
                metric, low, high, basis, True, f"排污许可 {permit.reason}", f"permit: {permit.reason}"
            )
        spec = std.limits[metric]
        verified = spec.verified and std.selection.verified
        if self.grade in spec.range:
            low, high = spec.range[self.grade]
            return self._limit(metric, low, high, spec.basis, verified, spec.citation, "standard")
        high, note = spec.values[self.grade], ""
        if self.grade in spec.before_2006_values and self.site.built_year and self.site.built_year < 2006:
            high = spec.before_2006_values[self.grade]
        if self.grade in spec.cold_values:
            cold = spec.cold_values[self.grade]
            if water_temp is None:
                relaxed = self.site.without_water_temp == "relaxed"
                high = cold if relaxed else high
                note = (
                    f"无水温数据，按站点配置取{'≤' if relaxed else '>'}{spec.cold_max_temp_c:g}℃限值"
                    f" (no water temperature: site config applies the "
                    f"{'relaxed' if relaxed else 'stricter'} value)"
                )
            elif water_temp <= spec.cold_max_temp_c:
                high = cold
                note = f"日均水温 {water_temp:.1f}℃ ≤ {spec.cold_max_temp_c:g}℃"
            else:
                note = f"日均水温 {water_temp:.1f}℃ > {spec.cold_max_temp_c:g}℃"
        return self._limit(metric, None, high, spec.basis, verified, spec.citation, "standard", note)

    def _limit(self, metric, low, high, basis, verified, citation, source, note="") -> Limit:
        """A limit of this site's standard and grade."""
        std = self.standard
        return Limit(
            metric, low, high, basis, std.id, self.grade, self.grade_label, verified, citation, source, note
        )


class Standards:
    """Every standard file in a folder, and the choice of one for each site."""

    def __init__(self, files: list[StandardFile]):
        self.files = files

    @classmethod
    def load(cls, folder: Path) -> "Standards":
        paths = sorted(Path(folder).glob("*.toml"))
        if not paths:
            raise ConfigError(folder, "", "no standard files (*.toml) in this folder")
        files = []
        for path in paths:
            try:
                raw = tomllib.loads(path.read_text(encoding="utf-8"))
                files.append(StandardFile.model_validate(raw))
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(path, "", f"is not valid TOML ({exc})") from None
            except ValidationError as exc:
                raise as_config_error(path, StandardFile, exc) from None
            _check_grades(path, files[-1])
        return cls(files)

    def for_site(self, site: Site) -> SiteStandard:
        std = next((f for f in self.files if _applies(f, site.capacity_m3d)), None)
        if std is None:
            raise ConfigError(
                "standards", f"site {site.id}", f"no standard applies to {site.capacity_m3d:g} m³/d"
            )
        band = next(
            (
                b
                for b in std.selection.bands
                if site.receiving_water in b.waters and site.capacity_m3d >= b.min_capacity_m3d
            ),
            None,
        )
        if band is None:
            raise ConfigError(
                "standards",
                f"site {site.id}",
                f"{std.id} has no grade for water {site.receiving_water} at {site.capacity_m3d:g} m³/d",
            )
        grade = band.grade
        reason = f"{_water_zh(site.receiving_water)}，设计规模 {site.capacity_m3d:g} m³/d"
        step = std.selection.key_control_area
        if step and site.key_control_area and site.capacity_m3d >= step.min_capacity_m3d:
            position = step.order.index(grade)
            if position > 0:
                grade = step.order[position - 1]
            reason += f"，岷江沱江重点控制区域（≥{step.min_capacity_m3d:g} m³/d 提高一级）"
        if site.permit and site.permit.grade:
            if site.permit.grade not in std.grades:
                raise ConfigError(
                    "sites",
                    f"site {site.id}, permit.grade",
                    f"{std.id} has no grade {site.permit.grade!r}; allowed: {', '.join(std.grades)}",
                )
            grade = site.permit.grade
            reason = f"排污许可：{site.permit.reason}"
        return SiteStandard(site, std, grade, reason)

    def for_sites(self, config) -> dict[str, "SiteStandard"]:
        """Every site's standard; a mistake names the file the site came from."""
        chosen = {}
        for site in config.sites:
            try:
                chosen[site.id] = self.for_site(site)
            except ConfigError as exc:
                raise ConfigError(
                    config.site_sources.get(site.id, config.path), exc.key, exc.message
                ) from None
        return chosen

    def unverified(self) -> list[str]:
        """One line per provisional value, for the start-up announcement."""
        lines = []
        for std in self.files:
            if not std.selection.verified:
                lines.append(f"{std.id} grade selection ({std.selection.citation})")
            for metric, spec in std.limits.items():
                if not spec.verified:
                    lines.append(f"{std.id} {metric} ({spec.citation})")
        return lines


def _applies(std: StandardFile, capacity: float) -> bool:
    return (std.capacity_below_m3d is None or capacity < std.capacity_below_m3d) and (
        std.capacity_at_least_m3d is None or capacity >= std.capacity_at_least_m3d
    )


def _check_grades(path: Path, std: StandardFile) -> None:
    named = [b.grade for b in std.selection.bands]
    if std.selection.key_control_area:
        named += std.selection.key_control_area.order
    for spec in std.limits.values():
        named += [*spec.values, *spec.range, *spec.cold_values, *spec.before_2006_values]
    for grade in named:
        if grade not in std.grades:
            raise ConfigError(
                path, "grades", f"grade {grade!r} is used but not defined; defined: {', '.join(std.grades)}"
            )


def _water_zh(water: str) -> str:
    return "受纳水体无明确功能" if water == "none" else f"受纳水体 {water} 类"
