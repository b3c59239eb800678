"""What the reading gate and the contained workers cost, and what a hostile corpus costs.

Baseline: python-calamine reading the same workbooks in this process, with no gate
(what kcbx did before). Measured:
  1. one 100,000-row census workbook: gate + extent scan + read in a worker vs the baseline;
  2. every workbook of a demo district (default 100,000 children): kcbx's contained
     parallel read vs the baseline read one after another;
  3. ``kcbx validate`` on the demo district with the hostile corpus of ``tests/hostile.py``
     added, vs on the demo district alone (wall time and peak memory of the process tree).

    python benchmarks/guarded_read.py [--children 100000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import io
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import python_calamine as calamine
import xlsxwriter
from common import timed

from kcbx.demo import write_demo
from kcbx.sources.contain import ReadJob, read_workbooks

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from hostile import CORPUS  # noqa: E402


def baseline_read(paths: list[Path]) -> None:
    for path in paths:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def census_book(path: Path, rows: int) -> Path:
    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = wb.add_worksheet("适龄儿童少年摸底表（户籍线）")
    for r in range(rows + 1):
        ws.write_row(r, 0, [f"某某{r}", "男", f"9901012014{r:06d}"[:17] + "X", "2014-01-01", "甲镇",
                            "一村", "1组", "本地户籍", "赵某父", "无", "无", "在校就读", "甲镇第一小学",
                            "三年级", "", "", ""])
    wb.close()
    return path


def validate(root: Path) -> tuple[float, float]:
    script = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
              "subprocess.run([sys.executable, '-m', 'kcbx', 'validate', '--json'], "
              "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
              "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True)
    seconds, kb = out.stdout.split()
    return float(seconds), int(kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kcbx-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    t: dict[str, float] = {}

    print(f"1. one census workbook of {args.rows:,} rows")
    big = census_book(work / "census.xlsx", args.rows)
    base, ours = "baseline: calamine in process, no gate", "kcbx: gate + extent scan + read in a worker"
    with timed(base, t):
        baseline_read([big])
    read_workbooks([ReadJob(big, big.name)])  # start the workers once, as a run does
    with timed(ours, t):
        read_workbooks([ReadJob(big, big.name)])
    print(f"  ratio kcbx / baseline: {t[ours] / t[base]:.2f}")

    district = work / "district"
    if not (district / "kcbx.yml").is_file():
        write_demo(district, children=args.children)
    books = sorted((district / "submissions").glob("*.xlsx"))
    print(f"2. the {len(books)} workbooks of a {args.children:,}-child demo district")
    base, ours = "baseline: calamine in process, one after another", "kcbx: contained read on all cores"
    with timed(base, t):
        baseline_read(books)
    with timed(ours, t):
        read_workbooks([ReadJob(p, p.name) for p in books])
    print(f"  ratio kcbx / baseline: {t[ours] / t[base]:.2f}")

    print("3. kcbx validate, demo district alone vs with the hostile corpus added")
    clean = work / "clean"
    hostile = work / "hostile"
    for target in (clean, hostile):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(district, target, ignore=shutil.ignore_patterns("build", "public"))
    for make in CORPUS.values():
        make(hostile / "submissions")
    base_s, base_mb = validate(clean)
    host_s, host_mb = validate(hostile)
    print(f"  baseline (demo alone): {base_s:.2f} s, peak {base_mb:.0f} MB")
    print(f"  with {len(CORPUS)} hostile files: {host_s:.2f} s, peak {host_mb:.0f} MB")
    print(f"  ratio hostile / baseline: {host_s / base_s:.2f} (time), {host_mb / base_mb:.2f} (memory)")
    shutil.rmtree(hostile, ignore_errors=True)
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
