"""A district-scale build: cold, unchanged, and after one school resends.

Baselines measured in the same run:
  - the floor of an object-model feedback: openpyxl load + save of every submission;
  - ``kcbx validate`` on the same workspace, its kept report removed so that it validates
    (a build should cost about what validation costs);
  - ``kcbx validate`` on a copy of the workspace after the same resend: what a coordinator
    waits for to see that school's findings (it pulls the resent workbook, then validates).
Prints kcbx's feedback stage (cold, on all cores), ``kcbx build`` cold, unchanged, and
after one school's workbook is replaced by an edited copy, each as a ratio.

    python benchmarks/feedback_scale.py [--children 100000] [--workdir DIR]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
from common import demo_run, validate_again

from kcbx import pipeline
from kcbx.config import load_config

RESENDS = 3


def kcbx(root: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kcbx", *args], cwd=root, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    args, work, root = demo_run(__doc__.splitlines()[0], "run")
    books = sorted((root / "submissions").glob("*.xlsx"))
    print(f"{args.children:,} children, {len(books)} school workbooks")

    start = time.perf_counter()
    for path in books:
        openpyxl.load_workbook(path).save(work / "openpyxl-copy.xlsx")
    floor = time.perf_counter() - start
    print(f"  baseline: openpyxl load + save of every submission: {floor:.1f} s")

    config = load_config(root)
    run = pipeline.start(config)
    start = time.perf_counter()
    from kcbx.outputs.feedback import write_feedback

    write_feedback(config, run.snapshot, run.report)
    cold_feedback = time.perf_counter() - start
    print(f"  kcbx feedback stage, cold, all cores: {cold_feedback:.1f} s "
          f"({floor / cold_feedback:.1f}× faster than the openpyxl floor)")
    shutil.rmtree(root / "build", ignore_errors=True)

    cold = kcbx(root, "build")
    unchanged = kcbx(root, "build")
    validate = validate_again(root, kcbx)
    target = root / "submissions" / "QSXX.xlsx"
    copy = work / "run-validate"
    resent_runs, one_runs = [], []
    for k in range(RESENDS):  # each time an edited copy of the same school's workbook
        book = openpyxl.load_workbook(target)
        book.worksheets[0].cell(2, 3).value = f"吴某新{k}"
        book.save(target)
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(root, copy, symlinks=True)
        resent_runs.append(kcbx(copy, "validate"))
        shutil.rmtree(copy, ignore_errors=True)
        one_runs.append(kcbx(root, "build"))
    resent, one = statistics.median(resent_runs), statistics.median(one_runs)
    print(f"  baseline: kcbx validate (the snapshot validated again): {validate:.1f} s")
    print(f"  baseline: kcbx validate after the same resend (pull + validate), median of "
          f"{RESENDS}: {resent:.1f} s")
    print(f"  kcbx build cold: {cold:.1f} s ({cold / validate:.2f} × validate)")
    print(f"  kcbx build unchanged: {unchanged:.1f} s ({unchanged / validate:.2f} × validate)")
    print(f"  kcbx build after one school resends, median of {RESENDS}: {one:.1f} s "
          f"({one / validate:.2f} × validate; {one / resent:.2f} × validate after the same resend)")


if __name__ == "__main__":
    main()
