"""The hand-made ``tiny`` instance: 12 parcels, 4 uses, small enough to enumerate every layout.

Run ``python -m landalloc.instances.handmade`` to rebuild ``instances/tiny`` from this file.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

CELL_M = 100.0
CURRENT = [["crop", "crop", "grass", "grass"],
           ["urban", "crop", "grass", "crop"],
           ["urban", "service", "grass", "urban"]]
"""Rows from north to south; columns west to east; parcel ids run row by row from 1."""


def tiny_county() -> tuple[gpd.GeoDataFrame, dict]:
    """Parcels and scenario of the tiny instance (a 3×4 grid of 1-ha cells)."""
    rows, cols = len(CURRENT), len(CURRENT[0])
    row, col = np.divmod(np.arange(rows * cols), cols)
    x0, y0 = 380_000.0, 4_290_000.0
    geometry = shapely.box(x0 + col * CELL_M, y0 - (row + 1) * CELL_M,
                           x0 + (col + 1) * CELL_M, y0 - row * CELL_M)
    current = np.array(CURRENT).ravel()
    rng = np.random.default_rng(7)
    codes = ("crop", "grass", "urban", "service")
    suit = np.round(rng.uniform(0.2, 0.9, (rows * cols, len(codes))), 2)
    for k, code in enumerate(codes):  # today's use is a good fit where it stands
        suit[current == code, k] = np.maximum(suit[current == code, k], 0.8)
    table = {
        "parcel_id": np.arange(1, rows * cols + 1),
        "current_use": current,
        "district": np.where(col < 2, "west", "east"),
        "pop": np.where(current == "urban", 100.0, 0.0),
        "farmland": np.isin(np.arange(1, 13), [1, 2]),
        "eco_redline": np.isin(np.arange(1, 13), [3]),
        "urban_boundary": (col < 2) | np.isin(np.arange(1, 13), [7, 12]),
        **{f"suit_{code}": suit[:, k] for k, code in enumerate(codes)},
        "crop_quality": np.round(rng.uniform(0.5, 1.0, rows * cols), 2),
    }
    parcels = gpd.GeoDataFrame(table, geometry=geometry, crs="EPSG:32649")
    scenario = {
        "name": "tiny",
        "description": "Twelve 1-ha parcels in two districts; every layout can be enumerated.",
        "land_use": [
            {"code": "crop", "name_en": "cropland", "name_zh": "耕地", "group": "agricultural",
             "benefit": 1.5, "esv": 1.4, "color": "#f5d76e"},
            {"code": "grass", "name_en": "grassland", "name_zh": "草地", "group": "ecological",
             "benefit": 0.3, "esv": 2.1, "color": "#a5d66f"},
            {"code": "urban", "name_en": "urban construction", "name_zh": "城镇建设用地",
             "group": "construction", "benefit": 30.0, "esv": 0.0, "color": "#d7301f"},
            {"code": "service", "name_en": "public service", "name_zh": "公共管理与公共服务用地",
             "group": "construction", "benefit": 8.0, "esv": 0.0, "color": "#7b3294"},
        ],
        "quotas": {"crop": {"min": 3.0}, "service": {"min": 1.0}, "construction": {"max": 6.0}},
        "conversion": {"urban": ["urban", "service"], "service": ["service", "urban"]},
        "population": {"density": {"urban": 150.0}},
        "districts": {"west": {"kind": "urban", "population_target": 400.0},
                      "east": {"kind": "rural", "population_target": 100.0}},
        "service": {"radius_m": 150.0},
        "compactness": {"uses": ["crop", "urban"]},
        "objectives": {"efficiency": "max", "equity": "max", "ecology": "max", "compactness": "max",
                       "change": "min"},
    }
    return parcels, scenario


README = """# tiny

Twelve 1-ha parcels (a 3×4 grid, 100 m cells, UTM zone 49N) in two districts, four land uses
(cropland, grassland, urban construction, public service). Two parcels are permanent basic
farmland, one lies inside the ecological red line, and the urban development boundary covers
the western district plus two eastern parcels. The western district must house 400 residents
(today 300 fit), so at least one more hectare must become urban.

It exists for the tests: its nine free parcels allow few enough layouts (at most 4^9) to
enumerate them all, so solvers' optima and Pareto fronts can be checked against brute force.

Made by `python -m landalloc.instances.handmade` from `instances/handmade.py`; suitabilities are drawn
with a fixed seed (7) and rounded to two decimals, then raised to at least 0.8 for today's use.
"""


if __name__ == "__main__":
    from landalloc.instances.synthetic import write_instance

    parcels, scenario = tiny_county()
    write_instance(parcels, scenario, Path(__file__).parent / "tiny", README, force=True)
