"""The floors table of ``make bench`` on a tiny county: every row present, verdicts computed."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import benchmarks.common as common
from benchmarks import compact_floors


def test_floors_table_has_every_row_and_computed_verdicts(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    rows = compact_floors.build_table([400], 2.0, ["compact", "efficiency", "limits"], skip_cpsat=False,
                                      cache=str(tmp_path / "fronts"), name="floors")
    methods = [(r["case"].split(",")[0], r["method"]) for r in rows]
    assert methods == [("efficiency + compactness", "ours"), ("efficiency + compactness", "HiGHS, whole model"),
                       ("efficiency + compactness", "OR-Tools CP-SAT"), ("efficiency only", "ours"),
                       ("time limit: efficiency + compactness", "ours")]
    ours, highs, cpsat, efficiency, limit = rows
    for theirs in (highs, cpsat):
        assert theirs["verdict"] == ("met" if math.isfinite(theirs["ours/theirs gap"]) else "missed")
        assert theirs["gap"] >= 0 and theirs["seconds"] > 0
    met = ours["gap"] <= compact_floors.FLOORS["compact gap"][40_000] and ours["peak GB"] <= 8.0
    assert ours["verdict"] == ("met" if met else "missed")
    assert efficiency["verdict"] == ("met" if efficiency["status"].startswith("optimal")
                                     and efficiency["seconds"] <= 0.63 else "missed")
    assert limit["value"] == pytest.approx(ours["seconds"] / 2.0)
    assert limit["verdict"] == ("met" if limit["value"] <= 1.05 else "missed")
    table = pd.read_csv(tmp_path / "floors.csv")
    assert len(table) == 5 and set(table["verdict"]) <= {"met", "missed"}
    page = (tmp_path / "floors.md").read_text()
    assert "load average" in page and "OR-Tools CP-SAT" in page and "Notes:" in page
