"""Land-class codes of survey and planning data, and the land use of the scenario each becomes.

The shipped table (``land_codes.csv`` beside this module, docs/data.md) covers two
classifications, whose codes overlap with different meanings (0601 is 工业用地 in one and
乡村道路用地 in the other), so a layer is read under one of them:

- ``gbt21010``: the working classification of the Third National Land Survey (三调), GB/T
  21010-2017 《土地利用现状分类》 with the survey's own codes (05H1, 08H1, 08H2, 0810A, 1104A,
  1107A, the 可调整 ``K`` codes); the ``DLBM`` of a county's ``DLTB`` layer.
- ``2023``: 《国土空间调查、规划、用途管制用地用海分类指南》 (自然资源部, 2023), in which
  planning data are coded; land uses only (sea uses 18-22 are no land use of the model).

Each code maps to one of the classes of :data:`SURVEY_LAND_USES` (the default seven and
``barren``); the ``note`` column says why where the choice is not obvious, and the drafted
scenario repeats those notes for the codes a county has. A planner who decides otherwise
passes her own table (same columns; ``classification`` may be left out).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from landalloc.instances.landcover.classes import LAND_USES
from landalloc.models.errors import InputError
from landalloc.models.files import CSV_ENCODING

SURVEY_LAND_USES = LAND_USES
"""The classes a survey is mapped to: the default seven plus ``barren`` (其他土地)."""
SHIPPED_TABLE = Path(__file__).resolve().parent / "land_codes.csv"
CLASSIFICATIONS: dict[str, str] = {
    "gbt21010": "三调工作分类 (GB/T 21010-2017 土地利用现状分类, with the survey's own codes)",
    "2023": "国土空间调查、规划、用途管制用地用海分类指南 (2023)",
}


@dataclass(frozen=True)
class CodeTable:
    """code -> land use, and the name and note of each code, under one classification."""

    classification: str
    source: str
    uses: dict[str, str]
    names: dict[str, str]
    notes: dict[str, str]


def code_table(classification: str = "gbt21010", path: str | Path | None = None) -> CodeTable:
    """The code table of ``classification``, from the shipped CSV or from the planner's ``path``.

    Raises InputError for an unknown classification, a table without ``code`` and ``use``
    columns, a repeated code or a use that is no class of :data:`SURVEY_LAND_USES`.
    """
    if classification not in CLASSIFICATIONS:
        raise InputError(f"unknown classification '{classification}'; use one of {', '.join(CLASSIFICATIONS)} "
                         f"({'; '.join(f'{k}: {v}' for k, v in CLASSIFICATIONS.items())})")
    source = Path(path) if path is not None else SHIPPED_TABLE
    try:
        table = pd.read_csv(source, dtype=str, keep_default_na=False, encoding=CSV_ENCODING)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: cannot read the code table ({exc}); give a UTF-8 CSV with columns "
                         "code,use (and optionally classification,name_zh,note)") from None
    missing = [c for c in ("code", "use") if c not in table]
    if missing:
        raise InputError(f"{source}: the code table needs columns code and use; missing {', '.join(missing)}")
    if "classification" in table:
        table = table[table["classification"] == classification]
    table = table.assign(code=table["code"].str.strip(), use=table["use"].str.strip())
    repeated = sorted(set(table["code"][table["code"].duplicated()]))
    if repeated:
        raise InputError(f"{source}: codes {', '.join(repeated)} appear more than once; keep one row per code")
    codes = [u.code for u in SURVEY_LAND_USES]
    wrong = table[~table["use"].isin(codes)]
    if len(wrong):
        raise InputError(f"{source}: codes {', '.join(wrong['code'][:5])} map to unknown uses "
                         f"{sorted(set(wrong['use']))}; allowed uses: {', '.join(codes)}")
    column = {c: table[c].tolist() if c in table else [""] * len(table) for c in ("name_zh", "note")}
    codes_here = table["code"].tolist()
    return CodeTable(classification, str(source), dict(zip(codes_here, table["use"])),
                     dict(zip(codes_here, column["name_zh"])), dict(zip(codes_here, column["note"])))


def survey_codes(values: pd.Series) -> pd.Series:
    """The codes of a survey column as text; a numeric column (a Shapefile or a spreadsheet that
    dropped the leading zero: 101 for 0101) gets its zero back, codes having an even length."""
    if values.dtype.kind in "if" and values.notna().all() and (values % 1 == 0).all():
        text = values.astype("int64").astype(str)
        return text.where(text.str.len() % 2 == 0, "0" + text)
    return values.astype(str).str.strip().where(values.notna(), "")


def map_codes(codes: pd.Series, table: CodeTable, column: str, source: str) -> pd.Series:
    """Each code's land use; unknown codes are refused, each with its count of parcels."""
    uses = codes.map(table.uses)
    unknown = uses.isna()
    if unknown.any():
        counts = codes[unknown].value_counts()
        listed = ", ".join(f"'{code}' ({count} parcel{'s' if count > 1 else ''})" for code, count in counts.items())
        other = next((k for k in CLASSIFICATIONS if k != table.classification
                      and codes[unknown].isin(code_table(k).uses).all()), None) if table.source == str(SHIPPED_TABLE) \
            else None
        hint = f"; they are codes of the {other} classification: pass --classification {other}" if other else \
            f"; add them to a copy of {Path(table.source).name} (columns code,use) and pass it with --code-table"
        raise InputError(f"{source}: column '{column}' has {len(counts)} code{'s' if len(counts) > 1 else ''} "
                         f"that the {table.classification} table does not know: {listed}{hint}")
    return uses
