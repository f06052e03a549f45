"""``make bench``: every benchmark in one run, then the README's Performance section.

Each benchmark runs in its own process (its own peak memory, no shared caches) and writes its
table to benchmarks/results/; this script then copies those tables into README.md between the
``<!-- performance -->`` markers, with the machine they were measured on.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import RESULTS

ROOT = Path(__file__).resolve().parent.parent
REAL = "instances/ordos,instances/inner-mongolia,instances/china"
STEPS: list[tuple[str, list[str], str]] = [
    ("compile_evaluate", ["--sizes", "2500,40000,250000,1000000", "--repeat", "3", "--instances", REAL],
     "compile_evaluate.md"),
    ("milp_bench", ["--limit", "120", "--no-presolve-rows", "--instances", "instances/inner-mongolia"], "milp.md"),
    *[("nsga_generation", ["--parcels", str(n), "--pop", "100", "--generations", "5"],
       f"nsga_generation_{n}.md") for n in (2500, 40000, 250000)],
    ("nsga_quality", ["--instance", "instances/demo", "--time-limit", "60", "--cache", "benchmarks/results/fronts"],
     "nsga_quality_demo.md"),
    ("distributed", ["--points", "21"], "distributed.md"),
    ("compact_floors", [], "compact_floors.md"),
]
START, END = "<!-- performance -->", "<!-- /performance -->"


def main() -> None:
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    sections, failed, steps = [], [], []
    for module, args, table in STEPS:
        print(f"== benchmarks.{module} {' '.join(args)}", flush=True)
        step = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", f"benchmarks.{module}", *args], cwd=ROOT)
        seconds = time.perf_counter() - step
        steps.append(f"| `{module} {' '.join(args)}` | {seconds:.0f} | {'ok' if done.returncode == 0 else 'failed'} |")
        print(f"   {seconds:.0f} s, exit {done.returncode}", flush=True)
        if done.returncode != 0:
            failed.append(module)
        elif (RESULTS / table).exists():
            sections.append(_demoted((RESULTS / table).read_text()))
    total = time.perf_counter() - started
    body = (f"{START}\nMeasured by `make bench` in {total / 60:.1f} min on {platform.platform()} "
            f"({platform.machine()}, {os.cpu_count()} CPUs; load average {load_before:.1f} at the start, "
            f"{os.getloadavg()[0]:.1f} at the end).\n\n"
            "| step | s | |\n|---|---:|---|\n" + "\n".join(steps) + "\n\n"
            + "\n".join(sections) + f"\n{END}")
    readme = ROOT / "README.md"
    text = readme.read_text()
    if START in text and END in text:
        text = text[:text.index(START)] + body + text[text.index(END) + len(END):]
    else:
        text += f"\n## Performance\n\n{body}\n"
    staged = readme.with_suffix(".md.tmp")
    staged.write_text(text)
    staged.replace(readme)
    print(f"README Performance section updated; total {total:.0f} s")
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")


def _demoted(table: str) -> str:
    """A results page's headings two levels down, so that they sit under the README's
    Performance section (``#`` becomes ``###``)."""
    return re.sub(r"^(#{1,4}) ", r"##\1 ", table, flags=re.MULTILINE)


if __name__ == "__main__":
    main()
