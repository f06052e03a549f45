"""A result folder changed after landalloc wrote it (run.json cut short, a garbled front.csv, a
layout column gone): ``report``, ``check`` and ``--resume`` name the file at fault and exit 2 (bad input), and
``ParetoFront.read`` raises an InputError; never a traceback. The folder is written by the
installed command on the tiny instance."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from landalloc.instances import bundled
from landalloc.models.errors import InputError
from landalloc.optimizer.front import ParetoFront
from tests.test_cli import run

TINY = bundled("tiny")


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("damaged") / "milp"
    done = run("solve", str(TINY), "--objectives", "efficiency,equity", "--points", "3", "--out", str(out),
               "--no-report")
    assert done.returncode == 0, done.stderr
    return out


def _damage(written: Path, tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(written, folder)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


REPORT, CHECK = ("report",), ("check", str(TINY))


@pytest.mark.parametrize("name, text, blamed, refused", [
    ("run.json", '{"objectives": ["efficiency", "equ', "run.json", (REPORT, CHECK)),
    ("run.json", "[1, 2, 3]", "run.json", (REPORT, CHECK)),
    # check needs only the objectives and the layouts; a front needs the senses and land uses too
    ("run.json", '{"objectives": ["efficiency", "equity"]}', "run.json", (REPORT,)),
    ("front.csv", "no,such\ncolumns,here\n", "front.csv", (REPORT, CHECK)),
])
def test_a_damaged_folder_names_its_file(written, tmp_path, name, text, blamed, refused):
    folder = _damage(written, tmp_path, name, text)
    with pytest.raises(InputError, match=blamed):
        ParetoFront.read(folder)
    for command in ([*c, str(folder)] for c in refused):
        done = run(*command)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and blamed in done.stderr, (command, done.stderr)


def test_resume_from_a_cut_run_json_names_it(written, tmp_path):
    folder = _damage(written, tmp_path, "run.json", '{"method": "mi')
    done = run("solve", str(TINY), "--objectives", "efficiency,equity", "--points", "3", "--resume", str(folder),
               "--out", str(tmp_path / "resumed"))
    assert done.returncode == 2 and "Traceback" not in done.stderr and "run.json" in done.stderr, done.stderr
