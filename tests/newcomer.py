"""A fresh clone in which ``landalloc demo`` has run: what ``make demo`` leaves a newcomer.

The demo takes minutes, so one run serves the command-line test of its output and the
documentation test that runs every documented line after it (``newcomer`` fixture in conftest).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GROUP = "newcomer"
"""xdist group of the tests using the folder: one worker holds them all and runs the demo once"""


@dataclass(frozen=True)
class Newcomer:
    """The clone's folder and the completed ``landalloc demo`` run in it."""

    folder: Path
    demo: subprocess.CompletedProcess


def environment() -> dict[str, str]:
    """The caller's environment with the installed ``landalloc`` first on PATH and no PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}", COLUMNS="200", MPLBACKEND="Agg")
    return env


def clone_files() -> list[str]:
    """The files a fresh clone holds (tracked, or new and not ignored): no .venv, no results."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True)
    return [name for name in listed.stdout.decode().split("\0") if name and (ROOT / name).is_file()]


def can_clone() -> bool:
    """Whether this is a git checkout whose files can be listed (a source archive is none)."""
    return shutil.which("git") is not None and (ROOT / ".git").exists()


def run_demo(folder: Path) -> Newcomer:
    """Copy the clone's files into ``folder`` and run the installed ``landalloc demo`` there."""
    for name in clone_files():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, folder / name)
    demo = subprocess.run([str(BIN / "landalloc"), "demo"], cwd=folder, env=environment(),
                          capture_output=True, text=True, timeout=1200)
    return Newcomer(folder, demo)
