"""The command line through its real entry point (the installed ``landalloc`` script)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from landalloc.instances import bundled
from tests.newcomer import GROUP, Newcomer

LANDALLOC = str(Path(sys.executable).parent / "landalloc")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([LANDALLOC, *args], capture_output=True, text=True, cwd=cwd, timeout=600,
                          env={"COLUMNS": "200", "PATH": str(Path(sys.executable).parent)})


@pytest.mark.xdist_group(GROUP)
def test_demo_summarises_evaluates_solves_and_reports(newcomer: Newcomer):
    done, results = newcomer.demo, newcomer.folder / "results"
    assert done.returncode == 0, done.stderr
    for fragment in ("parcels", "Land use today", "basic_farmland", "Current layout: objectives",
                     "efficiency", "quota_min[crop]", "population[", "Hypervolume", "reports:"):
        assert fragment in done.stdout, fragment
    for name in ("milp", "nsga2", "compared"):
        assert (results / "demo" / name / "report.html").exists()
    before = sorted(results.iterdir())
    assert run("demo", "--out", str(results), "--no-solve").returncode == 0
    assert not (results / "demo-2").exists() and sorted(results.iterdir()) == before


def _layout_csv(tmp_path: Path, instance: str, change: dict[int, str] | None = None) -> Path:
    import geopandas as gpd

    parcels = gpd.read_file(bundled(instance) / "parcels.gpkg", layer="parcels")
    table = pd.DataFrame({"parcel_id": parcels["parcel_id"], "use": parcels["current_use"]})
    for parcel, use in (change or {}).items():
        table.loc[table["parcel_id"] == parcel, "use"] = use
    path = tmp_path / "layout.csv"
    table.to_csv(path, index=False)
    return path


def test_check_exit_codes(tmp_path):
    # tiny today: the western district houses 300 of the 400 residents it must -> infeasible (1)
    today = run("check", str(bundled("tiny")), str(_layout_csv(tmp_path, "tiny")))
    assert today.returncode == 1, today.stdout + today.stderr
    assert "VIOLATED" in today.stdout and "population[west]" in today.stdout
    # parcel 6 (cropland inside the boundary) built up: 450 housed, and 3 ha of cropland remain
    grown = run("check", str(bundled("tiny")), str(_layout_csv(tmp_path, "tiny", {6: "urban", 7: "crop"})))
    assert grown.returncode == 0, grown.stdout + grown.stderr
    assert "feasible" in grown.stdout


def test_check_bad_input_exit_2(tmp_path):
    path = _layout_csv(tmp_path, "tiny", {3: "orchard"})
    done = run("check", str(bundled("tiny")), str(path))
    assert done.returncode == 2
    assert "orchard" in done.stderr and "Traceback" not in done.stderr
    missing = run("check", str(tmp_path / "nowhere"), str(path))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_generate_is_deterministic_and_loadable(tmp_path):
    for out in ("a", "b"):
        done = run("instance", "generate", "--parcels", "400", "--seed", "3", "--out", str(tmp_path / out / "c"))
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "a/c/scenario.toml").read_bytes() == (tmp_path / "b/c/scenario.toml").read_bytes()
    from landalloc.models import Instance

    first, second = Instance.load(tmp_path / "a/c"), Instance.load(tmp_path / "b/c")
    pd.testing.assert_frame_equal(first.parcels, second.parcels)
    assert first.compile().n_parcels == 400


def test_generate_refuses_to_overwrite(tmp_path):
    assert run("instance", "generate", "--parcels", "100", "--out", str(tmp_path / "x")).returncode == 0
    again = run("instance", "generate", "--parcels", "100", "--out", str(tmp_path / "x"))
    assert again.returncode == 2 and "force" in again.stderr


@pytest.mark.parametrize("args", [["instance", "generate", "--parcels", "x", "--out", "y"], ["nonsense"]])
def test_usage_errors_exit_2(args):
    assert run(*args).returncode == 2


def test_check_verifies_a_result_folder(tmp_path):
    import shutil

    from landalloc.models import Instance
    from landalloc.optimizer.front import ParetoFront
    from tests.test_verify import _feasible_layouts

    shutil.copytree(bundled("tiny"), tmp_path / "tiny")
    instance = Instance.load(tmp_path / "tiny")
    problem = instance.compile()
    layouts = _feasible_layouts(problem)
    record = {"instance": str(tmp_path / "tiny"), "inputs": instance.input_hashes(),
              "scenario": instance.scenario.model_dump()}
    ParetoFront.build(problem, ["efficiency", "ecology"], layouts, [{}] * len(layouts), "enum",
                      run=record).to_file(tmp_path / "result")
    ok = run("check", str(tmp_path / "tiny"), str(tmp_path / "result"))
    assert ok.returncode == 0 and "verified against" in ok.stdout
    front = pd.read_csv(tmp_path / "result/front.csv")
    front.loc[0, "ecology"] += 1
    front.to_csv(tmp_path / "result/front.csv", index=False)
    bad = run("check", str(tmp_path / "tiny"), str(tmp_path / "result"))
    assert bad.returncode == 1 and "does NOT verify" in bad.stdout
    (tmp_path / "result/run.json").unlink()
    broken = run("check", str(tmp_path / "tiny"), str(tmp_path / "result"))
    assert broken.returncode == 2 and "missing run.json" in broken.stderr and "Traceback" not in broken.stderr


def test_fix_geometries_option(tmp_path):
    import shapely

    from landalloc.instances.handmade import tiny_county
    from landalloc.instances.synthetic import write_instance

    parcels, scenario = tiny_county()
    x, y = parcels.geometry[4].bounds[:2]
    parcels.loc[4, "geometry"] = shapely.Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])
    write_instance(parcels, scenario, tmp_path / "bow_tie", "# bow-tie\n")
    layout = tmp_path / "layout.csv"
    pd.DataFrame({"parcel_id": parcels["parcel_id"], "use": parcels["current_use"]}).to_csv(layout, index=False)
    refused = run("check", str(tmp_path / "bow_tie"), str(layout))
    assert refused.returncode == 2 and "--fix-geometries" in refused.stderr
    repaired = run("check", str(tmp_path / "bow_tie"), str(layout), "--fix-geometries")
    assert repaired.returncode == 1 and "repaired 1 invalid" in repaired.stdout  # today's tiny layout is infeasible
