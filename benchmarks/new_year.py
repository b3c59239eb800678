"""A district rolled into a new work year: ``kcbx year`` + ``kcbx forms`` against a cold
``kcbx build`` of the same workspace (the issue's target: the roll-over costs less).

Setup: the demo district scaled to N census rows (default 100,000), copied twice. Measured,
each as the ``kcbx`` command in its own process (what a coordinator runs):
  baseline  ``kcbx build`` cold on the first copy (pull, validate, feedback, reports,
            handbooks, documents, site);
  new year  on the second copy, once pulled (``kcbx pull``, not timed): ``kcbx year 2023``,
            then ``kcbx forms`` (every unit's form carrying last year's rows, advanced).
Prints each time and the ratio new year / cold build (target < 1).

    python benchmarks/new_year.py [--children 100000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def kcbx(*args: str, cwd: Path) -> float:
    """Run one ``kcbx`` command (the installed script, as a user does); its wall time."""
    exe = shutil.which("kcbx") or ""
    command = [exe, *args] if exe else [sys.executable, "-m", "kcbx", *args]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                          env={**os.environ, "COLUMNS": "120"}, stdin=subprocess.DEVNULL)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"kcbx {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    from kcbx.demo import write_demo

    work = args.workdir or Path(tempfile.mkdtemp(prefix="kcbx-year-"))
    master = work / "master"
    if not (master / "kcbx.yml").is_file():
        print(f"writing the demo with {args.children:,} children in {master}", flush=True)
        write_demo(master, children=args.children)
    cold, rolled = work / "cold", work / "rolled"
    for copy in (cold, rolled):
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(master, copy)
    kcbx("pull", cwd=rolled)  # last year's October, pulled: the state `kcbx year` starts from

    build = kcbx("build", cwd=cold)
    print(f"  baseline: kcbx build, cold: {build:.2f} s", flush=True)
    year = kcbx("year", "2023", "--yes", cwd=rolled)
    print(f"  kcbx year 2023: {year:.2f} s", flush=True)
    forms = kcbx("forms", cwd=rolled)
    print(f"  kcbx forms (carried into 2023): {forms:.2f} s", flush=True)
    rows = sum(1 for _ in (rolled / "forms").glob("*.xlsx"))
    print(f"new year (year + forms) {year + forms:.2f} s for {rows} forms; "
          f"ratio to a cold build {(year + forms) / build:.2f}× (target < 1)")


if __name__ == "__main__":
    main()
