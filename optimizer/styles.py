"""QGIS styles and the land-use classification inside ``layouts.gpkg``.

QGIS applies the style that a GeoPackage keeps for a layer in its ``layer_styles`` table (the
schema QGIS itself writes): opened in QGIS, ``layouts.gpkg`` shows the default solution in the
plan's land-use colours with bilingual legend labels ("耕地 cropland"), and every other solution
(and today's ``current_use``) is one click away under Layer Properties ▸ Style ▸ Load Style ▸
From Database. A plain attribute table ``land_uses`` carries each code's names, group and
planning-classification reference code (``reference``, e.g. ``01`` for 耕地), to join on any
solution column.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
import pyogrio

from landalloc.models.landuse import LandUse

STYLES = "layer_styles"
LOOKUP = "land_uses"
OUTLINE = "80,80,80,255"
"""Parcel outlines: thin and grey, so that colours carry the map."""


def use_legend(use: LandUse) -> str:
    """``耕地 cropland``: both names, once when they are the same (a class given one name)."""
    return use.name_en if use.name_zh == use.name_en else f"{use.name_zh} {use.name_en}"


def land_use_qml(uses: Sequence[LandUse], column: str) -> str:
    """A QGIS style (QML) that colours polygons by the land-use code in ``column``.

    Symbol properties are written both as ``<Option>`` maps (QGIS 3.26 and later) and as the
    older ``<prop>`` pairs, so that every QGIS 3 reads the colours.
    """
    root = ET.Element("qgis", version="3.28.0", styleCategories="Symbology")
    renderer = ET.SubElement(root, "renderer-v2", type="categorizedSymbol", attr=column, symbollevels="0",
                             enableorderby="0", forceraster="0")
    categories = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    for k, use in enumerate(uses):
        ET.SubElement(categories, "category", symbol=str(k), value=use.code, label=use_legend(use), render="true")
        symbols.append(_fill_symbol(str(k), use.color))
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")


def _fill_symbol(name: str, color: str) -> ET.Element:
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    props = {"color": f"{red},{green},{blue},255", "style": "solid", "outline_color": OUTLINE,
             "outline_style": "solid", "outline_width": "0.1", "outline_width_unit": "MM",
             "joinstyle": "bevel"}
    symbol = ET.Element("symbol", type="fill", name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"})
    options = ET.SubElement(layer, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(options, "Option", name=key, type="QString", value=value)
    for key, value in props.items():
        ET.SubElement(layer, "prop", k=key, v=value)
    return symbol


def write_styles(path: str | Path, uses: Sequence[LandUse], columns: Sequence[str], layer: str = "layouts") -> None:
    """Add ``layer_styles`` (one style per column of land-use codes, the first being QGIS's default)
    and the ``land_uses`` lookup table to the GeoPackage at ``path``, which already holds ``layer``."""
    path = Path(path)
    geometry = pyogrio.read_info(path, layer=layer).get("geometry_name") or "geom"
    now = pd.Timestamp.now(tz="UTC").floor("s")
    styles = pd.DataFrame({
        "f_table_catalog": "", "f_table_schema": "", "f_table_name": layer, "f_geometry_column": geometry,
        "styleName": list(columns), "styleQML": [land_use_qml(uses, c) for c in columns], "styleSLD": "",
        "useAsDefault": [i == 0 for i in range(len(columns))],
        "description": [f"land use of {c}, coloured by class (landalloc)" for c in columns],
        "owner": "", "ui": "", "update_time": now})
    pyogrio.write_dataframe(styles, path, layer=STYLES, driver="GPKG")
    lookup = pd.DataFrame([{"code": u.code, "name_en": u.name_en, "name_zh": u.name_zh, "group": u.group,
                            "reference": u.reference, "color": u.color} for u in uses])
    pyogrio.write_dataframe(lookup, path, layer=LOOKUP, driver="GPKG")
