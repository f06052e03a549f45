"""Instances from real land-cover rasters: class mapping, equal-area cells, derived layers, a plan.

>>> from instances.landcover import from_landcover
>>> built = from_landcover("modis", boundary=150600, districts="auto",
...                        residents=2_153_638, out="instances/ordos")  # doctest: +SKIP

See docs/real-data.md for every table, rule and parameter.
"""

from instances.landcover.build import LandcoverInstance, Rules, from_landcover
from instances.landcover.classes import LAND_USES, TABLES, ClassTable, SourceClass, class_table
from instances.landcover.grid import CHINA_ALBERS, equal_area_crs
from instances.landcover.presets import PRESETS, build_preset

__all__ = ["CHINA_ALBERS", "LAND_USES", "PRESETS", "TABLES", "ClassTable", "LandcoverInstance", "Rules",
           "SourceClass", "build_preset", "class_table", "equal_area_crs", "from_landcover"]
