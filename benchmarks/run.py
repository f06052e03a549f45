"""``make bench``: every benchmark in one run, then the README's Performance section.

Each benchmark runs in its own process (its own peak memory, no shared caches) and writes its
table to benchmarks/results/; this script then copies those tables into README.md between the
``<!-- performance -->`` markers, with the machine they were measured on.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import RESULTS

ROOT = Path(__file__).resolve().parent.parent
STEPS: list[tuple[str, list[str], str]] = [
    ("compile_evaluate", ["--sizes", "2500,40000,250000,1000000", "--repeat", "3"], "compile_evaluate.md"),
    ("milp_bench", [], "milp.md"),
    ("nsga_generation", ["--parcels", "250000", "--pop", "100", "--generations", "5"],
     "nsga_generation_250000.md"),
    ("nsga_quality", ["--instance", "instances/demo", "--time-limit", "60", "--cache", "benchmarks/results/fronts"],
     "nsga_quality.md"),
    ("distributed", ["--points", "21"], "distributed.md"),
]
START, END = "<!-- performance -->", "<!-- /performance -->"


def main() -> None:
    started = time.perf_counter()
    sections, failed = [], []
    for module, args, table in STEPS:
        print(f"== benchmarks.{module} {' '.join(args)}", flush=True)
        step = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", f"benchmarks.{module}", *args], cwd=ROOT)
        print(f"   {time.perf_counter() - step:.0f} s, exit {done.returncode}", flush=True)
        if done.returncode != 0:
            failed.append(module)
        elif (RESULTS / table).exists():
            sections.append((RESULTS / table).read_text().replace("\n# ", "\n### ", 1).lstrip("# "))
    total = time.perf_counter() - started
    body = (f"{START}\nMeasured by `make bench` in {total / 60:.1f} min on {platform.platform()} "
            f"({platform.machine()}, 2 cores shared with other work: quote ratios, not absolute times).\n\n"
            + "\n".join(f"### {s}" for s in sections) + f"\n{END}")
    readme = ROOT / "README.md"
    text = readme.read_text()
    if START in text and END in text:
        text = text[:text.index(START)] + body + text[text.index(END) + len(END):]
    else:
        text += f"\n## Performance\n\n{body}\n"
    readme.write_text(text)
    print(f"README Performance section updated; total {total:.0f} s")
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
