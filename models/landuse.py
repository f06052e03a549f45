"""Land-use classes: codes, bilingual names, groups and per-hectare coefficients.

The default classification follows the first level of the 2023 territorial spatial land-use
classification (《国土空间调查、规划、用途管制用地用海分类指南》, which supersedes GB/T 21010-2017
for planning): 01 耕地, 03 林地, 04 草地, 05/17 湿地·陆地水域, and the construction land that
plans steer as 城镇建设用地, 村庄建设用地 and 08 公共管理与公共服务用地.

Coefficients (documented in docs/model.md):
- ``benefit`` — relative economic output, 10^4 CNY per ha per year, order of magnitude of
  county statistical yearbooks in north-western China (cropland gross output ~1.5, grazing
  ~0.3, urban land output ~30). They are scenario parameters, not data: override them.
- ``esv`` — ecosystem-service value, 10^4 CNY per ha per year, from the equivalent-factor table
  of Xie Gaodi et al. (2015, 自然资源学报 30(8)) summed over the 11 services, times the 2015
  national standard equivalent of about 3,400 CNY/ha. Construction land is given 0.
"""

from __future__ import annotations

from typing import Literal

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

Group = Literal["agricultural", "ecological", "construction"]


class LandUse(BaseModel):
    """One land-use class as a planner names it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="short code; parcels use suit_<code>")
    name_en: str = Field("", description="English name; the Chinese name or the code when not given")
    name_zh: str = Field("", description="Chinese name; the English name or the code when not given")
    group: Group
    benefit: float = Field(ge=0, description="10^4 CNY per ha per year")
    esv: float = Field(ge=0, description="ecosystem-service value, 10^4 CNY per ha per year")
    color: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    reference: str = ""

    @model_validator(mode="before")
    @classmethod
    def _names(cls, data: Any) -> Any:
        """A planner outside China has no Chinese name (and may have no English one): the other name, or the
        code, stands in, so every label has text."""
        if isinstance(data, dict):
            en, zh, code = data.get("name_en") or "", data.get("name_zh") or "", data.get("code", "")
            data = {**data, "name_en": en or zh or code, "name_zh": zh or en or code}
        return data


DEFAULT_LAND_USES: tuple[LandUse, ...] = (
    LandUse(code="crop", name_en="cropland", name_zh="耕地", group="agricultural",
            benefit=1.5, esv=1.40, color="#f5d76e", reference="01"),
    LandUse(code="forest", name_en="forest", name_zh="林地", group="ecological",
            benefit=0.45, esv=7.00, color="#2e7d32", reference="03"),
    LandUse(code="grass", name_en="grassland", name_zh="草地", group="ecological",
            benefit=0.30, esv=2.10, color="#a5d66f", reference="04"),
    LandUse(code="water", name_en="water and wetland", name_zh="水域湿地", group="ecological",
            benefit=0.60, esv=17.0, color="#4fa3e0", reference="05, 17"),
    LandUse(code="urban", name_en="urban construction", name_zh="城镇建设用地", group="construction",
            benefit=30.0, esv=0.0, color="#d7301f", reference="07-13 (城镇)"),
    LandUse(code="rural", name_en="rural settlement", name_zh="村庄建设用地", group="construction",
            benefit=4.0, esv=0.0, color="#fc8d59", reference="0703 and village land"),
    LandUse(code="service", name_en="public service", name_zh="公共管理与公共服务用地",
            group="construction", benefit=8.0, esv=0.0, color="#7b3294", reference="08"),
)
"""The default seven classes; a scenario's ``[[land_use]]`` tables replace them."""

CROPLAND = "crop"
URBAN = "urban"
RURAL = "rural"
SERVICE = "service"
"""Codes with a role in the rules: basic farmland stays ``crop``; the boundary limits new
``urban``; the construction linkage offsets new ``urban`` with ``rural`` settlements reclaimed;
``service`` land is what the equity objective counts. A custom classification that keeps these
codes keeps these rules."""
