"""One import name: the installed distribution offers ``landalloc`` and nothing else at top level.

The repository's folders ``models/``, ``optimizer/`` and ``instances/`` install as
``landalloc.models``, ``landalloc.optimizer`` and ``landalloc.instances``, so a planner's project
with a ``models`` package of its own (any Django or ML project) keeps it. Each check runs a fresh
interpreter outside the checkout, where the checkout's folders are not on ``sys.path``.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPOSITORY_FOLDERS = ("models", "optimizer", "instances")


def python_in(folder: Path, code: str) -> subprocess.CompletedProcess:
    """Run ``code`` with the test's interpreter in ``folder``, without PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)


def test_only_landalloc_is_importable_outside_the_checkout(tmp_path):
    done = python_in(tmp_path, """
        import importlib.util
        for name in ("models", "optimizer", "instances"):
            assert importlib.util.find_spec(name) is None, f"{name} importable from {importlib.util.find_spec(name).origin}"
        import landalloc as la
        assert la.Instance.__module__ == "landalloc.models.instance"
        assert la.ParetoFront.__module__ == "landalloc.optimizer.front"
        assert la.evaluate.__module__ == "landalloc.models.evaluation"
        assert callable(la.milp.pareto) and callable(la.nsga.explore)
        assert {"Instance", "evaluate", "milp", "nsga", "ParetoFront"} <= set(dir(la))
        print("ok")
    """)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_a_projects_own_models_package_does_not_shadow_landalloc(tmp_path):
    for name in REPOSITORY_FOLDERS:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f'"""The project\'s own {name}."""\nOWNER = "project"\n')
    done = python_in(tmp_path, """
        import models, optimizer, instances
        import landalloc as la

        instance = la.Instance.load(la.bundled("tiny"))
        problem = instance.compile()
        result = la.evaluate(problem, problem.current_layout)
        assert result.objectives.shape == (1, len(la.OBJECTIVES)) and result.feasible.shape == (1,)
        assert models.OWNER == optimizer.OWNER == instances.OWNER == "project"
        print("ok")
    """)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_installed_distribution_names_only_landalloc(tmp_path):
    """The installed files (a wheel's, or an editable install's finder mapping) name only landalloc."""
    done = python_in(tmp_path, """
        import importlib.util, json
        from importlib.metadata import distribution
        from pathlib import Path

        installed = distribution("landalloc")
        files = [str(f) for f in installed.files or [] if not str(f).startswith("..")]
        mapping = {}
        for name in files:
            if name.startswith("__editable__") and name.endswith("_finder.py"):
                spec = importlib.util.spec_from_file_location("finder", installed.locate_file(name))
                finder = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(finder)
                mapping.update(finder.MAPPING)
        print(json.dumps({"location": str(installed.locate_file("")), "top_level": installed.read_text("top_level.txt"),
                          "files": files, "mapping": mapping}))
    """)
    assert done.returncode == 0, done.stderr
    installed = json.loads(done.stdout)
    assert "site-packages" in installed["location"], installed["location"]
    assert installed["top_level"].split() == ["landalloc"]
    tops = {Path(name).parts[0] for name in installed["files"]}
    packages = {top for top in tops if not top.endswith(".dist-info") and not top.startswith("__")}
    assert packages <= {"landalloc"}, sorted(tops)
    if any(top.startswith("__editable__") for top in tops):
        assert installed["mapping"], "an editable install without its finder's mapping"
        assert {key.split(".")[0] for key in installed["mapping"]} == {"landalloc"}, installed["mapping"]
    else:
        assert "landalloc" in packages, sorted(tops)


@pytest.mark.parametrize("name", REPOSITORY_FOLDERS)
def test_repository_folders_are_subpackages(name):
    module = importlib.import_module(f"landalloc.{name}")
    assert Path(module.__file__).parent.name == name
