"""Class-mapping tables: from a land-cover product's classes to the scenario's land uses.

Each table row names a source class and the land use it becomes (first level of the 2023
territorial classification 《国土空间调查、规划、用途管制用地用海分类指南》), optionally a
*secondary* use that the class also suits (a mosaic of cropland and grassland suits both), and
whether the class lies inside the ecological red line by nature (water, wetland, forest, and
fragile land: bare sand and rock, snow and ice, tundra). docs/real-data.md explains each choice.

Land-cover maps have no separate class for public-service land, and only fine maps separate
villages from towns: built-up land maps to ``urban`` and :func:`landalloc.instances.landcover.derive.
settlement_split` turns small built-up patches into ``rural``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from landalloc.models.errors import InputError
from landalloc.models.files import CSV_ENCODING
from landalloc.models.landuse import DEFAULT_LAND_USES, LandUse

BARREN = LandUse(code="barren", name_en="barren and other land", name_zh="其他土地", group="ecological",
                 benefit=0.02, esv=0.37, color="#d9c9a3", reference="23 (2306 沙地, 2307 裸土地, 2308 裸岩石砾地)")
"""Bare sand, soil and rock. ``esv`` is the desert (荒漠) row of Xie et al. (2015): 1.10
equivalents × ~3,400 CNY/ha; ``benefit`` is a token 200 CNY/ha/yr (occasional grazing)."""

LAND_USES: tuple[LandUse, ...] = (*DEFAULT_LAND_USES, BARREN)
"""The classes of instances built from land cover: the default seven plus ``barren``."""

CODES: tuple[str, ...] = tuple(u.code for u in LAND_USES)

@dataclass(frozen=True)
class SourceClass:
    """One class of a land-cover product and what it becomes."""

    value: int
    name: str
    use: str
    secondary: str | None = None
    redline: bool = False


@dataclass(frozen=True)
class ClassTable:
    """A product's classes: value -> :class:`SourceClass`; other values are no data."""

    name: str
    reference: str
    rows: tuple[SourceClass, ...]

    def __post_init__(self) -> None:
        values = [r.value for r in self.rows]
        if len(set(values)) != len(values):
            raise InputError(f"class table {self.name}: duplicate source values {values}")
        for row in self.rows:
            for use in (row.use, row.secondary):
                if use is not None and use not in CODES:
                    raise InputError(f"class table {self.name}: value {row.value} ({row.name}) maps to "
                                     f"unknown use '{use}'; allowed: {', '.join(CODES)}")

    def by_value(self) -> dict[int, SourceClass]:
        return {r.value: r for r in self.rows}

    def markdown(self) -> str:
        """The table as Markdown, for READMEs and docs."""
        lines = ["| value | source class | land use | also suits | red line |", "|---:|---|---|---|:-:|"]
        lines += [f"| {r.value} | {r.name} | {r.use} | {r.secondary or ''} | {'yes' if r.redline else ''} |"
                  for r in self.rows]
        return "\n".join(lines)


def _table(name: str, reference: str, rows: list[tuple]) -> ClassTable:
    return ClassTable(name, reference, tuple(SourceClass(*row) for row in rows))


IGBP = _table("igbp", "IGBP legend of MODIS MCD12C1/MCD12Q1 Land_Cover_Type_1 (Friedl & Sulla-Menashe 2019, "
              "MCD12 user guide); 0 is water in MCD12C1, 17 in MCD12Q1", [
                  (0, "Water bodies", "water", None, True),
                  (1, "Evergreen needleleaf forests", "forest", None, True),
                  (2, "Evergreen broadleaf forests", "forest", None, True),
                  (3, "Deciduous needleleaf forests", "forest", None, True),
                  (4, "Deciduous broadleaf forests", "forest", None, True),
                  (5, "Mixed forests", "forest", None, True),
                  (6, "Closed shrublands", "forest", "grass", True),
                  (7, "Open shrublands", "grass", "forest", False),
                  (8, "Woody savannas", "forest", "grass", True),
                  (9, "Savannas", "grass", "forest", False),
                  (10, "Grasslands", "grass", None, False),
                  (11, "Permanent wetlands", "water", None, True),
                  (12, "Croplands", "crop", None, False),
                  (13, "Urban and built-up lands", "urban", None, False),
                  (14, "Cropland/natural vegetation mosaics", "crop", "grass", False),
                  (15, "Permanent snow and ice", "water", None, True),
                  (16, "Barren", "barren", None, True),
                  (17, "Water bodies (MCD12Q1)", "water", None, True),
              ])

WORLDCOVER = _table("worldcover", "ESA WorldCover 10 m v100/v200 product user manual (Zanaga et al. 2021, 2022)", [
    (10, "Tree cover", "forest", None, True),
    (20, "Shrubland", "grass", "forest", False),
    (30, "Grassland", "grass", None, False),
    (40, "Cropland", "crop", None, False),
    (50, "Built-up", "urban", None, False),
    (60, "Bare / sparse vegetation", "barren", "grass", True),
    (70, "Snow and ice", "water", None, True),
    (80, "Permanent water bodies", "water", None, True),
    (90, "Herbaceous wetland", "water", None, True),
    (95, "Mangroves", "water", "forest", True),
    (100, "Moss and lichen", "grass", None, True),
])

CLCD = _table("clcd", "CLCD, the annual China Land Cover Dataset at 30 m (Yang & Huang 2021, ESSD 13: 3907-3925)", [
    (1, "Cropland", "crop", None, False),
    (2, "Forest", "forest", None, True),
    (3, "Shrub", "forest", "grass", True),
    (4, "Grassland", "grass", None, False),
    (5, "Water", "water", None, True),
    (6, "Snow/Ice", "water", None, True),
    (7, "Barren", "barren", None, True),
    (8, "Impervious", "urban", None, False),
    (9, "Wetland", "water", None, True),
])

GLOBELAND30 = _table("globeland30", "GlobeLand30 (National Geomatics Center of China; Chen et al. 2015, "
                     "ISPRS J. 103: 7-27), 30 m, 2000/2010/2020", [
                         (10, "Cultivated land", "crop", None, False),
                         (20, "Forest", "forest", None, True),
                         (30, "Grassland", "grass", None, False),
                         (40, "Shrubland", "forest", "grass", True),
                         (50, "Wetland", "water", None, True),
                         (60, "Water bodies", "water", None, True),
                         (70, "Tundra", "grass", None, True),
                         (80, "Artificial surfaces", "urban", None, False),
                         (90, "Bareland", "barren", "grass", True),
                         (100, "Permanent snow and ice", "water", None, True),
                     ])

TABLES: dict[str, ClassTable] = {t.name: t for t in (IGBP, WORLDCOVER, CLCD, GLOBELAND30)}
"""The shipped tables by name: ``igbp``, ``worldcover``, ``clcd``, ``globeland30``."""


def class_table(classes: str | Path | ClassTable) -> ClassTable:
    """A shipped table by name, a table object, or a CSV file with ``value,name,use[,secondary][,redline]``.

    Examples
    --------
    >>> class_table("igbp").by_value()[12].use
    'crop'
    """
    if isinstance(classes, ClassTable):
        return classes
    if isinstance(classes, str) and classes.lower() in TABLES:
        return TABLES[classes.lower()]
    path = Path(classes)
    if not path.is_file():
        raise InputError(f"classes: '{classes}' is neither a shipped table ({', '.join(TABLES)}) nor a "
                         "CSV file with columns value,name,use[,secondary][,redline]")
    with path.open(newline="", encoding=CSV_ENCODING) as handle:
        reader = csv.DictReader(handle)
        missing = {"value", "name", "use"} - set(reader.fieldnames or ())
        if missing:
            raise InputError(f"{path}: missing column(s) {', '.join(sorted(missing))}; a class table has "
                             "columns value,name,use and optionally secondary,redline")
        rows = []
        for n, row in enumerate(reader, start=2):
            try:
                value = int(row["value"])
            except ValueError:
                raise InputError(f"{path}: line {n}: 'value' must be an integer, got {row['value']!r}") from None
            redline = str(row.get("redline") or "").strip().lower() in ("1", "true", "yes")
            rows.append(SourceClass(value, row["name"].strip(), row["use"].strip(),
                                    (row.get("secondary") or "").strip() or None, redline))
    return ClassTable(path.stem, str(path), tuple(rows))
