"""Every documented line runs: the ``sh`` and ``python`` blocks of README.md and docs/*.md.

They run in order, as a newcomer would run them: in a copy of the files a clone holds, with the
installed ``landalloc`` on PATH, after ``landalloc demo`` has run there (what ``make demo`` did).
Shell blocks run line by line with bash; a Python block runs whole, as one script. A block
preceded by ``<!-- not run: why -->`` is skipped; that is kept for lines the set-up itself is
(``make demo``) or that take far longer than a test may (``make bench``). A long solve gets its
short time limit in the doc itself, so what is tested is what is written.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.newcomer import GROUP, ROOT, Newcomer, environment

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUN = {"sh", "python"}
SHOWN = {"text", "toml", "csv", "json", "html"}
"""fence languages shown, never run; any other (bash, console, none) must be named sh or python"""
NOT_RUN = re.compile(r"<!--\s*not run:\s*(?P<why>.+?)\s*-->")
FENCE = re.compile(r"^```(?P<language>\S*)\s*$")
TIMEOUT = 600


@dataclass(frozen=True)
class Step:
    """One documented command (a shell line) or script (a Python block) and where it is written."""

    document: str
    line: int
    language: str
    source: str

    def __str__(self) -> str:
        return f"{self.document}:{self.line}"


def blocks(path: Path) -> list[tuple[int, str, str, str | None]]:
    """``(first line of the body, language, body, reason not run)`` of each fenced block of ``path``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        before = next((line for line in reversed(lines[:i]) if line.strip()), "")
        marker = NOT_RUN.search(before)
        end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), None)
        if end is None:
            raise AssertionError(f"{path.name}:{i + 1}: a code block is never closed")
        found.append((i + 2, fence["language"], "\n".join(lines[i + 1:end]), marker and marker["why"]))
        i = end + 1
    return found


def shell_lines(first: int, body: str) -> list[tuple[int, str]]:
    """``(line number, command)`` of each command in a shell block (``\\`` joins continued lines)."""
    commands, pending, start = [], "", first
    for number, line in enumerate(body.splitlines(), first):
        if not pending:
            start = number
        pending += line
        if pending.endswith("\\"):
            pending = pending[:-1]
            continue
        if pending.strip() and not pending.lstrip().startswith("#"):
            commands.append((start, pending.strip()))
        pending = ""
    return commands


def documented_steps() -> list[Step]:
    """Every step of every document, in reading order."""
    steps = []
    for path in DOCUMENTS:
        name = path.relative_to(ROOT).as_posix()
        for first, language, body, reason in blocks(path):
            if reason or language in SHOWN:
                continue
            assert language in RUN, (f"{name}:{first - 1}: a ```{language} block: write ```sh or ```python "
                                     f"so that it is run, ```text if it is output, or mark it "
                                     f"<!-- not run: why -->")
            if language == "sh":
                steps += [Step(name, line, language, command) for line, command in shell_lines(first, body)]
            else:
                steps.append(Step(name, first, language, body))
    return steps


STEPS = documented_steps()

@pytest.fixture(scope="module")
def newcomer_folder(newcomer: Newcomer) -> Path:
    """The clone in which ``landalloc demo`` has run (what ``make demo`` did), where the steps run."""
    demo = newcomer.demo
    assert demo.returncode == 0, f"landalloc demo failed:\n{demo.stdout[-3000:]}\n{demo.stderr[-3000:]}"
    return newcomer.folder


def test_documents_have_steps():
    """The README's command-line and Python examples are found (a broken parser finds nothing)."""
    readme = [step for step in STEPS if step.document == "README.md"]
    assert any(step.language == "python" for step in readme)
    assert any(step.source.startswith("landalloc solve") for step in readme)
    assert all(not step.source.startswith("make ") for step in STEPS), "make lines run outside the test"


@pytest.mark.xdist_group(GROUP)
@pytest.mark.parametrize("step", STEPS, ids=[f"{step} {step.source.splitlines()[0][:70]}" for step in STEPS])
def test_documented_step_runs(step: Step, newcomer_folder: Path):
    command = ["bash", "-o", "pipefail", "-c", step.source] if step.language == "sh" else [sys.executable, "-c", step.source]
    try:
        done = subprocess.run(command, cwd=newcomer_folder, env=environment(), capture_output=True, text=True,
                              timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{step}: still running after {TIMEOUT} s: {step.source}")
    assert done.returncode == 0, (f"{step}: exit code {done.returncode} from\n{step.source}\n"
                                  f"--- stdout (end)\n{done.stdout[-2000:]}\n--- stderr (end)\n{done.stderr[-3000:]}")
