"""Instances from real land-cover rasters: class mapping, equal-area cells, derived layers, a plan.

>>> from landalloc.instances.landcover import from_landcover
>>> built = from_landcover("modis", boundary=150600, districts="auto",
...                        residents=2_153_638, out="instances/ordos")  # doctest: +SKIP

See docs/real-data.md for every table, rule and parameter.
"""

from landalloc.instances.landcover.build import LandcoverInstance, Rules, from_landcover
from landalloc.instances.landcover.classes import LAND_USES, TABLES, ClassTable, SourceClass, class_table
from landalloc.instances.landcover.grid import CHINA_ALBERS, equal_area_crs
from landalloc.instances.landcover.presets import PRESETS, build_preset

__all__ = ["CHINA_ALBERS", "LAND_USES", "PRESETS", "TABLES", "ClassTable", "LandcoverInstance", "Rules",
           "SourceClass", "build_preset", "class_table", "equal_area_crs", "from_landcover"]
