"""An instance: a folder of parcels and a scenario, loaded and validated together."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from landalloc.models.compile import compile_problem
from landalloc.models.errors import InputError, first_ids
from landalloc.models.files import CSV_ENCODING
from landalloc.models.parcels import RASTER_SUFFIXES, VECTOR_SUFFIXES, read_parcels, validate_parcels
from landalloc.models.problem import Problem
from landalloc.models.scenario import Scenario, load_scenario, parse_scenario

PARCEL_FILES = ("parcels.gpkg", "parcels.parquet", "parcels.shp", "landuse.tif")


@dataclass(frozen=True, eq=False, repr=False)
class Instance:
    """Validated parcels (GeoDataFrame) plus the scenario that governs them."""

    parcels: gpd.GeoDataFrame
    scenario: Scenario
    path: Path | None = None

    @classmethod
    def load(cls, path: str | Path, scenario: str | Path | Scenario | None = None,
             fix_geometries: bool = False, layer: str | None = None) -> Instance:
        """Load an instance folder (``parcels.gpkg`` + ``scenario.toml``) or a parcel file.

        Parameters
        ----------
        path : an instance folder, or a parcel file (GeoPackage, GeoParquet, Shapefile,
            land-use GeoTIFF) with ``scenario.toml`` beside it.
        scenario : another scenario file to apply to the same parcels, or a validated
            :class:`Scenario` (e.g. the one a result folder's run.json recorded).
        fix_geometries : repair invalid geometries with ``shapely.make_valid``, keeping their
            polygonal parts, and remove overlaps (each shared piece kept by the parcel listed
            first); :attr:`repairs` says what was repaired.
        layer : the layer of the parcel file to read; by default the one named ``parcels``
            (or the file's only layer).

        Raises
        ------
        InputError : anything in docs/errors.md, naming the file, column or key and the fix.

        Examples
        --------
        >>> instance = Instance.load("instances/demo")  # doctest: +SKIP
        >>> problem = instance.compile()                # doctest: +SKIP
        """
        path = Path(path)
        if not path.exists():
            raise InputError(f"{path}: no such instance folder or parcel file; check the path (or create the "
                             "instance with landalloc instance generate/import)")
        if path.is_dir():
            found = [path / f for f in PARCEL_FILES if (path / f).exists()]
            if not found:
                raise InputError(f"{path}: no parcel file; an instance folder holds one of "
                                 f"{', '.join(PARCEL_FILES)} and scenario.toml: add the parcels under one of "
                                 "these names, or give the parcel file itself")
            parcel_file, folder = found[0], path
        elif path.suffix.lower() in VECTOR_SUFFIXES + RASTER_SUFFIXES:
            parcel_file, folder = path, path.parent
        else:
            raise InputError(f"{path}: not an instance folder or parcel file; give a folder, or a parcel file "
                             f"({', '.join(VECTOR_SUFFIXES + RASTER_SUFFIXES)})")
        chosen = scenario if isinstance(scenario, Scenario) else load_scenario(scenario or folder / "scenario.toml")
        raw = read_parcels(parcel_file, chosen.codes, layer=layer)
        parcels = validate_parcels(raw, chosen.codes, str(parcel_file), fix_geometries=fix_geometries)
        return cls(parcels=parcels, scenario=chosen, path=folder)

    @property
    def repairs(self) -> list[str]:
        """What loading repaired (e.g. invalid geometries with ``fix_geometries=True``); empty if nothing."""
        return list(self.parcels.attrs.get("repairs", []))

    @property
    def warnings(self) -> list[str]:
        """What loading found suspicious but not wrong: gaps between parcels, quotas that look
        like km² given for ha; empty if nothing."""
        return list(self.parcels.attrs.get("warnings", [])) + quota_unit_warnings(self.parcels, self.scenario)

    def with_scenario(self, **changes: Any) -> Instance:
        """A variant of this instance for a sensitivity run: ``changes`` deep-merged into the
        scenario, the result validated like a scenario.toml.

        Each keyword is a top-level scenario key (docs/scenario.md): tables (``quotas``,
        ``rules``, ``districts``, ``objectives``...) merge key by key, other values (``land_use``,
        lists, numbers) replace the old one, and a key given ``None`` is removed (back to its
        default). Give ``name=`` to tell the variants apart in results. The parcels are shared,
        and validated again only when the land-use classification changes.

        Raises
        ------
        InputError : an unknown key (with a did-you-mean) or an invalid value, as for scenario.toml.

        Examples
        --------
        >>> tighter = instance.with_scenario(name="crop_2000", quotas={"crop": {"min": 2000}},
        ...                                  rules={"cropland_balance": False})  # doctest: +SKIP
        """
        merged = _deep_merge(self.scenario.model_dump(), changes)
        source = f"with_scenario({', '.join(changes)}) on scenario '{self.scenario.name}'"
        scenario = parse_scenario(merged, source)
        parcels = self.parcels if scenario.codes == self.scenario.codes else \
            validate_parcels(self.parcels, scenario.codes, source)
        return Instance(parcels=parcels, scenario=scenario, path=self.path)

    def __repr__(self) -> str:
        where = f" from {self.path}" if self.path is not None else ""
        districts = self.parcels["district"].nunique()
        objectives = ", ".join(f"{o} ({s})" for o, s in self.scenario.objectives.items())
        return (f"Instance({self.scenario.name!r}{where}: {len(self.parcels):,} parcels in {districts:,} districts, "
                f"{len(self.scenario.codes)} uses ({', '.join(self.scenario.codes)}), objectives {objectives})")

    def compile(self) -> Problem:
        """The numeric problem that every engine reads."""
        name = self.scenario.name if self.path is None else f"{self.path.name}/{self.scenario.name}"
        return compile_problem(self.parcels, self.scenario, name)

    def input_hashes(self) -> dict[str, str]:
        """SHA-256 of every file of the instance folder, for run.json provenance."""
        if self.path is None:
            return {}
        return {f.name: hashlib.sha256(f.read_bytes()).hexdigest()
                for f in sorted(self.path.iterdir()) if f.is_file()}

    def layout_from_codes(self, codes: pd.Series | np.ndarray, source: str = "layout") -> np.ndarray:
        """Use indices from land-use codes given in parcel order."""
        index = {c: i for i, c in enumerate(self.scenario.codes)}
        values = pd.Series(np.asarray(codes, dtype=object))
        mapped = values.map(index)
        if mapped.isna().any():
            bad = values[mapped.isna()]
            ids = self.parcels["parcel_id"].to_numpy()[mapped.isna().to_numpy()]
            raise InputError(f"{source}: unknown land-use codes {sorted(set(map(str, bad)))[:5]} at parcels "
                             f"{first_ids(ids.tolist())}; allowed: {', '.join(self.scenario.codes)}")
        return mapped.to_numpy(np.int64)

    def read_layout(self, path: str | Path) -> np.ndarray:
        """Read a layout: CSV ``parcel_id,use`` or a GeoPackage/any vector file with a ``use`` column."""
        path = Path(path)
        if not path.exists():
            raise InputError(f"{path}: layout file not found")
        try:
                table = pd.read_csv(path, encoding=CSV_ENCODING, dtype={"parcel_id": str}) \
                if path.suffix.lower() == ".csv" else gpd.read_file(path, engine="pyogrio")
        except pd.errors.EmptyDataError:
            raise InputError(f"{path}: the file is empty; a layout has a header line parcel_id,use and one row "
                             "per parcel") from None
        except Exception as exc:
            raise InputError(f"{path}: cannot read layout ({exc}); save it as CSV with columns parcel_id,use "
                             "(or a GeoPackage with a 'use' column)") from None
        for col in ("parcel_id", "use"):
            if col not in table.columns:
                header = ",".join(map(str, table.columns))
                hint = " (its columns are separated by ';': save it with commas, e.g. Excel's 'CSV UTF-8')" \
                    if ";" in header or "\t" in header else ""
                raise InputError(f"{path}: missing column '{col}'{hint}; a layout has columns parcel_id,use")
        ids = self.parcels["parcel_id"]
        _refuse_scientific_ids(table["parcel_id"], path)
        if table["parcel_id"].dtype == object:
            table["parcel_id"] = table["parcel_id"].str.strip()
        table = table.astype({"parcel_id": ids.dtype}, errors="ignore")
        dup = table["parcel_id"][table["parcel_id"].duplicated()]
        if len(dup):
            raise InputError(f"{path}: parcel ids listed twice: {first_ids(dup.tolist())}; give each parcel one row")
        by_id = table.set_index("parcel_id")["use"]
        missing = ~ids.isin(by_id.index)
        if missing.any():
            raise InputError(f"{path}: no use given for parcels {first_ids(ids[missing].tolist())}; "
                             "a layout gives one use for every parcel of the instance")
        extra = ~by_id.index.isin(ids)
        if extra.any():
            raise InputError(f"{path}: parcels {first_ids(by_id.index[extra].tolist())} are not in the instance; "
                             "remove them, or check that the layout belongs to this instance")
        return self.layout_from_codes(by_id.loc[ids].to_numpy(), str(path))


SCIENTIFIC = r"[+-]?\d(\.\d+)?[eE][+-]?\d+"
"""An id as Excel shows a long number it has rounded: 1.23457E+11."""


def _refuse_scientific_ids(ids: pd.Series, path: Path) -> None:
    """Excel turns long numeric ids into 1.23457E+11 and saves them so: the ids are lost, not doubled."""
    text = ids.astype(str).str.strip()
    rounded = text.str.fullmatch(SCIENTIFIC).to_numpy()
    if rounded.any():
        rows = (np.flatnonzero(rounded) + 2).tolist()   # +2: the header is line 1
        raise InputError(f"{path}: column 'parcel_id' holds ids in scientific notation ({text[rounded].iloc[0]} "
                         f"at lines {first_ids(rows)}): Excel rounded long ids when it saved the file, so they no "
                         "longer name parcels; write the layout again from landalloc or GIS, or format the column "
                         "as Text in Excel before pasting the ids")


def quota_unit_warnings(parcels: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Quotas a hundred times below (or above) today's area: likely km² given where ha belong."""
    groups = {u.code: u.group for u in scenario.land_use}
    today = parcels.groupby("current_use")["area_ha"].sum()
    by_group = today.groupby(today.index.map(groups)).sum()
    total = float(parcels["area_ha"].sum())
    found = []
    for name, quota in scenario.quotas.items():
        now = float(today.get(name, by_group.get(name, 0.0)))
        if quota.max is not None and 0 < quota.max * 100 <= now:
            found.append(f"quotas.{name}.max is {quota.max:,.6g} ha but today's {name} covers {now:,.6g} ha, "
                         f"{now / quota.max:,.0f} times more: quotas are in hectares (1 km² = 100 ha); if you "
                         f"meant {quota.max:,.6g} km², write max = {quota.max * 100:,.6g}")
        if quota.min is not None and quota.min > 100 * total > 0:
            found.append(f"quotas.{name}.min is {quota.min:,.6g} ha, more than 100 times the county's "
                         f"{total:,.6g} ha: quotas are in hectares, not m² (1 ha = 10,000 m²); divide it by 10,000")
    return found


def _deep_merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` merged in: mappings key by key, other values replaced, None removes."""
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
