"""The plan's rules as data: land-use classes, quotas, conversions, switches, targets, objectives.

A scenario is a TOML file (see docs/scenario.md for every key). Validation happens here, once,
so that compilation can trust it; every error names the key and the allowed values.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from landalloc.models.errors import InputError
from landalloc.models.landuse import DEFAULT_LAND_USES, LandUse

OBJECTIVES: tuple[str, ...] = ("efficiency", "equity", "ecology", "compactness", "change", "urban_rural_gap")
"""Every objective the model knows, in the order ``evaluate`` returns them."""
DEFAULT_OBJECTIVES: tuple[str, ...] = OBJECTIVES[:5]
"""The objectives of a scenario without ``[objectives]`` (the urban–rural gap is asked for by name)."""

NATURAL_SENSE: dict[str, str] = {
    "efficiency": "max", "equity": "max", "ecology": "max", "compactness": "max", "change": "min",
    "urban_rural_gap": "min",
}
UNITS: dict[str, str] = {
    "efficiency": "10^4 CNY/yr", "equity": "share of residents", "ecology": "10^4 CNY/yr",
    "compactness": "km of shared edge", "change": "ha", "urban_rural_gap": "share of residents",
}
"""Unit of each objective by default, as tables and chart axes print it; a scenario's ``[units]``
names the money unit of its own benefit and esv coefficients (:meth:`Scenario.objective_units`)."""
GROUPS: tuple[str, ...] = ("agricultural", "ecological", "construction")

Sense = Literal["max", "min"]


class _Strict(BaseModel):
    # TOML allows nan and inf; no quota, density or radius means anything with them
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Quota(_Strict):
    """Bounds in hectares on the area of one use or one group of uses."""

    min: float | None = Field(None, ge=0)
    max: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Quota:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g} ha) is above max ({self.max:g} ha); lower min or raise max")
        return self


class Rules(_Strict):
    """Switches for the hard constraints of the model; all on by default. ``cropland_max_slope``
    (degrees) is off unless given: no new cropland on parcels steeper than it (their ``slope``)."""

    conversion: bool = True
    basic_farmland: bool = True
    eco_redline: bool = True
    urban_boundary: bool = True
    quotas: bool = True
    cropland_balance: bool = True
    quality_weighted_balance: bool = False
    population_capacity: bool = True
    cropland_max_slope: float | None = Field(None, gt=0, le=90)
    construction_linkage: bool = False
    """城乡建设用地增减挂钩: off unless set (a plan opts into it); see :class:`Linkage`."""


class District(_Strict):
    """A district of the tree (county, township, ...): urban or rural, the population it must house,
    its names, the district it lies in (``parent``) and its ``level``."""

    kind: Literal["urban", "rural"] = "rural"
    population_target: float | None = Field(None, ge=0)
    name_en: str | None = None
    name_zh: str | None = None
    parent: str | None = None
    level: str | None = None


class Linkage(_Strict):
    """District pairs (城乡结对) each of which offsets its own new urban land with its reclaimed
    rural settlements, beside the whole plan's row (``rules.construction_linkage``)."""

    pairs: list[tuple[str, str]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _distinct(self) -> Linkage:
        for first, second in self.pairs:
            if first == second:
                raise ValueError(f"pair [{first!r}, {second!r}] links a district with itself; name two districts")
        return self


class Population(_Strict):
    """Housing capacity per hectare of each residential use (persons/ha)."""

    density: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=lambda: {"urban": 150.0, "rural": 40.0})


class Service(_Strict):
    """Public-service catchment: residents within ``radius_m`` metres are covered."""

    radius_m: float = Field(3000.0, gt=0)


class Compactness(_Strict):
    """Uses whose patches should be compact (shared boundary between same-use neighbours)."""

    uses: list[str] = Field(default_factory=lambda: ["crop", "forest", "urban"])


class Units(_Strict):
    """The money unit of the objectives summed from the scenario's own coefficients: efficiency
    (``benefit`` per ha) and ecology (``esv`` per ha). The other objectives' units are fixed."""

    efficiency: str = Field(UNITS["efficiency"], min_length=1)
    ecology: str = Field(UNITS["ecology"], min_length=1)


class Scenario(_Strict):
    """Everything a plan states, validated; see docs/scenario.md."""

    name: str = "scenario"
    description: str = ""
    land_use: list[LandUse] = Field(default_factory=lambda: list(DEFAULT_LAND_USES))
    rules: Rules = Field(default_factory=Rules)
    quotas: dict[str, Quota] = Field(default_factory=dict)
    conversion: dict[str, list[str]] = Field(default_factory=dict)
    population: Population = Field(default_factory=Population)
    districts: dict[str, District] = Field(default_factory=dict)
    district_quotas: dict[str, dict[str, Quota]] = Field(default_factory=dict)
    fairness: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=dict)
    linkage: Linkage = Field(default_factory=Linkage)
    service: Service = Field(default_factory=Service)
    compactness: Compactness = Field(default_factory=Compactness)
    objectives: dict[str, Sense] = Field(default_factory=lambda: {o: NATURAL_SENSE[o] for o in DEFAULT_OBJECTIVES})
    units: Units = Field(default_factory=Units)

    @property
    def codes(self) -> list[str]:
        return [u.code for u in self.land_use]

    def objective_units(self) -> dict[str, str]:
        """Every objective's unit for display: :data:`UNITS` with the scenario's ``[units]``."""
        return {**UNITS, **self.units.model_dump()}

    def district_name(self, district: str, language: Literal["en", "zh"] = "en") -> str:
        """A district's name in ``language``; the other language's, or its id, when not given."""
        entry = self.districts.get(district)
        if entry is None:
            return district
        first, second = (entry.name_en, entry.name_zh) if language == "en" else (entry.name_zh, entry.name_en)
        return first or second or district

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        codes = self.codes
        if not codes:
            raise ValueError("land_use: the classification is empty; give at least one [[land_use]] table "
                             "or leave the key out for the default seven classes")
        if len(set(codes)) != len(codes):
            twice = sorted({c for c in codes if codes.count(c) > 1})
            raise ValueError(f"land_use: code {', '.join(repr(c) for c in twice)} is given to more than one "
                             "[[land_use]] table; give each class its own code (or delete the copy)")
        for use in self.land_use:
            if not (math.isfinite(use.benefit) and math.isfinite(use.esv)):
                raise ValueError(f"land_use: '{use.code}' has a benefit or esv that is not a finite number")
        _known("quotas", self.quotas, [*codes, *GROUPS])
        _known("conversion", self.conversion, codes)
        for source, targets in self.conversion.items():
            _known(f"conversion.{source}", targets, codes)
        _known("population.density", self.population.density, codes)
        _known("compactness.uses", self.compactness.uses, codes)
        _known("objectives", self.objectives, list(OBJECTIVES))
        if not self.objectives:
            raise ValueError("objectives: name at least one of " + ", ".join(OBJECTIVES))
        _quotas_agree(self.quotas, self.land_use)
        for district, quotas in self.district_quotas.items():
            _known(f"district_quotas.{district}", quotas, [*codes, *GROUPS])
            _quotas_agree(quotas, self.land_use)
        _tree_is_sound(self.districts)
        return self


def _quotas_agree(quotas: dict[str, Quota], uses: list[LandUse]) -> None:
    """Minimum quotas of uses must fit under the maximum of their group (the same hectares).

    Quotas that need the parcels (the county's area, what the rules allow) are checked by
    :func:`landalloc.models.presolve.presolve_check`.
    """
    for group in GROUPS:
        cap = quotas.get(group, Quota()).max
        members = [u.code for u in uses if u.group == group and (quotas.get(u.code, Quota()).min or 0) > 0]
        floor = sum(quotas[c].min or 0.0 for c in members)
        if cap is not None and floor > cap:
            parts = " + ".join(f"{c} {quotas[c].min:,.6g}" for c in members)
            raise ValueError(f"quotas contradict each other: the minimum quotas of {group} uses ({parts} = "
                             f"{floor:,.6g} ha) exceed the {group} maximum of {cap:,.6g} ha by "
                             f"{floor - cap:,.6g} ha; lower a minimum or raise quotas.{group}.max")


def _tree_is_sound(districts: dict[str, District]) -> None:
    """Every ``parent`` names a district, and no district lies (through its parents) in itself."""
    for key, district in districts.items():
        if district.parent is not None and district.parent not in districts:
            raise ValueError(f"districts.{key}.parent: unknown district '{district.parent}'"
                             f"{_did_you_mean(district.parent, list(districts))}; add a [districts.{district.parent}] "
                             "table for it or fix the parent")
    for key in districts:
        path, node = [key], districts[key].parent
        while node is not None:
            if node in path:
                cycle = " -> ".join([*path[path.index(node):], node])
                raise ValueError(f"districts: the parents {cycle} form a cycle; a district cannot lie in itself, "
                                 f"remove the parent of one of them")
            path.append(node)
            node = districts[node].parent


def _known(key: str, names: Any, allowed: list[str]) -> None:
    for name in names:
        if name not in allowed:
            raise ValueError(f"{key}: unknown name '{name}'{_did_you_mean(name, allowed)}; "
                             f"allowed: {', '.join(allowed)} (correct the name, or add a [[land_use]] table "
                             f"with code = \"{name}\")" if key != "objectives" else
                             f"{key}: unknown name '{name}'{_did_you_mean(name, allowed)}; "
                             f"allowed: {', '.join(allowed)}")


def _did_you_mean(name: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(str(name), allowed, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def parse_scenario(data: dict[str, Any], source: str = "scenario") -> Scenario:
    """Validate a scenario given as a dict (e.g. parsed TOML); raise InputError naming the key."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(_explain(exc, source)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate ``scenario.toml``.

    Examples
    --------
    >>> scenario = load_scenario("instances/demo/scenario.toml")  # doctest: +SKIP
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InputError(f"{path}: saved as UTF-16 (Notepad's 'Unicode'); save the scenario as UTF-8 "
                             "(in Notepad: Save as, Encoding: UTF-8)")
        text = raw.decode("utf-8-sig")   # Notepad's byte-order mark is no TOML
    except FileNotFoundError:
        raise InputError(f"{path}: scenario file not found; every instance needs a scenario.toml: create one "
                         "(docs/scenario.md) or give another with --scenario") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); save the scenario as UTF-8 "
                         "(e.g. from GBK: iconv -f GBK -t UTF-8)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the scenario ({exc.strerror or exc}); give the path of a "
                         "readable scenario.toml file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: TOML syntax error: {exc}{_quote_line(text, str(exc))}; fix the file at "
                         "that line and column (strings need quotes, tables [brackets], keys = values)") from None
    return parse_scenario(data, str(path))


def _quote_line(text: str, message: str) -> str:
    """The offending line of a TOML file, quoted, when the parser's message gives its number."""
    found = re.search(r"line (\d+)", message)
    lines = text.splitlines()
    if not found or not 0 < int(found.group(1)) <= len(lines):
        return ""
    return f": `{lines[int(found.group(1)) - 1].strip()[:80]}`"


def _explain(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        if err["type"] == "extra_forbidden":
            parent = _model_at(err["loc"][:-1])
            allowed = list(parent.model_fields) if parent else []
            lines.append(f"unknown key '{key}'{_did_you_mean(str(err['loc'][-1]), allowed)}"
                         + (f"; allowed here: {', '.join(allowed)}" if allowed else "") + ": correct or remove it")
        else:
            msg = _not_a_number(err) or _right_form(err, key) or _with_fix(err)
            lines.append(f"'{key}': {msg}" if err["loc"] else msg)
    return f"{source}: invalid scenario: " + "; ".join(lines)


def _with_fix(err: Any) -> str:
    """pydantic's message, with the value given and what to do when pydantic says only what is wanted."""
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"].startswith("value_error") or ";" in msg:
        return msg   # the scenario's own checks already say the fix
    return f"{msg}, not {err.get('input')!r}; correct it in the scenario"


def _not_a_number(err: Any) -> str | None:
    """NaN and infinity by name: pydantic's 'greater than or equal to 0' hides what went wrong."""
    value = err.get("input")
    if isinstance(value, float) and not math.isfinite(value):
        name = "nan (not a number)" if math.isnan(value) else f"{value} (infinite)"
        return f"is {name}; give a finite number (TOML reads nan and inf as numbers)"
    if err["type"] == "float_parsing" and isinstance(value, str):
        number = re.match(r"\s*([-+]?[\d.,]+)", value)
        shown = number.group(1).replace(",", "") if number else "12000"
        return (f"is the text {value!r}, not a number; write the number without quotes or units, e.g. "
                f"{err['loc'][-1]} = {shown} (areas are hectares)")
    return None


def _right_form(err: Any, key: str) -> str | None:
    """A value of the wrong type, answered with an example of the right one in TOML."""
    if err["type"] not in ("model_type", "dict_type", "model_attributes_type"):
        return None
    model = _model_at(err["loc"])
    if model is None or not model.model_fields:
        return None
    value = err.get("input")
    numeric = [f for f, info in model.model_fields.items() if "float" in str(info.annotation)]
    if isinstance(value, (int, float)) and not isinstance(value, bool) and numeric:
        example = f"{numeric[-1]} = {value}"   # quotas.urban = 12000 most likely meant its maximum
    else:
        example = ", ".join(f"{f} = {_toml(info.default)}" for f, info in list(model.model_fields.items())[:2])
    return (f"needs a table, not {value!r}; write e.g. {key} = {{ {example} }} (its keys: "
            f"{', '.join(model.model_fields)})")


def _toml(value: Any) -> str:
    return "true" if value is True else "false" if value is False else '"…"' if isinstance(value, str) or \
        value is None else repr(value)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model found by walking ``loc`` from Scenario, for did-you-mean hints."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(str(part))
        if field is not None:  # otherwise a dict key such as quotas.<code>: stay on its model
            model = _inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
