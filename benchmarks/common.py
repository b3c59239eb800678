"""Shared pieces of the benchmarks: timing, memory, and mapping frictionless errors onto
kcbx's finding kinds so both tools' finding sets can be compared."""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CONSTRAINT_KINDS = {
    "required": "required-error",
    "enum": "enum-error",
    "pattern": "pattern-error",
    "minimum": "range-error",
    "maximum": "range-error",
    "exclusiveMinimum": "range-error",
}
FRICTIONLESS_KINDS = {"type-error": "type-error", "unique-error": "unique-error",
                      "primary-key": "primary-key-error", "foreign-key": "foreign-key-error"}
SCHEMA_KINDS = {*CONSTRAINT_KINDS.values(), *FRICTIONLESS_KINDS.values()}


@contextmanager
def timed(label: str, results: dict[str, float]) -> Iterator[None]:
    start = time.perf_counter()
    yield
    results[label] = time.perf_counter() - start
    print(f"  {label}: {results[label]:.2f} s", flush=True)


def peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def frictionless_findings(report: Any, row_of: Callable[[str, int], int]) -> set[tuple]:
    """(resource, kind, row, field) for each frictionless error that kcbx also checks."""
    if report.errors:
        raise SystemExit(f"frictionless could not run: {report.errors[0].message}")
    out = set()
    for task in report.tasks:
        for e in task.errors:
            kind = FRICTIONLESS_KINDS.get(e.type)
            if e.type == "constraint-error":
                name = e.note.split('"')[1] if '"' in e.note else ""
                kind = CONSTRAINT_KINDS.get(name)
            if kind is None:
                continue
            field = getattr(e, "field_name", None)
            if kind == "foreign-key-error":
                field = None
            out.add((task.name, kind, row_of(task.name, e.row_number), field))
    return out


def kcbx_findings(findings: list[Any], resource_of_sheet: dict[str, str],
                  name_of_title: dict[tuple[str, str], str]) -> set[tuple]:
    out = set()
    for f in findings:
        if f.rule not in SCHEMA_KINDS:
            continue
        res = resource_of_sheet.get(f.sheet)
        field = None if f.rule == "foreign-key-error" else name_of_title.get((res, f.column))
        out.add((res, f.rule, f.row, field))
    return out


def compare(kcbx: set[tuple], stock: set[tuple]) -> None:
    """Print the comparison; the one named, deliberate difference is duplicates."""
    kcbx_dups_first = {k for k in kcbx if k[1] in ("unique-error", "primary-key-error")}
    stock_dups = {k for k in stock if k[1] in ("unique-error", "primary-key-error")}
    same = (kcbx - kcbx_dups_first) == (stock - stock_dups) and stock_dups <= kcbx_dups_first
    print(f"  findings: kcbx {len(kcbx)}, frictionless {len(stock)}; "
          f"same finding set (kcbx also reports the first copy of each duplicate): {same}")
    if not same:
        only_k = sorted((kcbx - kcbx_dups_first) - (stock - stock_dups), key=str)[:10]
        only_s = sorted((stock - stock_dups) - (kcbx - kcbx_dups_first), key=str)[:10]
        print(f"    only kcbx: {only_k}\n    only frictionless: {only_s}")


def demo_run(description: str, run: str) -> tuple[argparse.Namespace, Path, Path]:
    """``--children N --workdir DIR``: (the arguments, the work folder, a fresh copy of the
    demo district — written once per work folder and size — to run in, named ``run``)."""
    from kcbx.demo import write_demo

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kcbx-bench-"))
    district = work / f"district-{args.children}"
    if not (district / "kcbx.yml").is_file():
        write_demo(district, children=args.children)
    root = work / run
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(district, root, ignore=shutil.ignore_patterns("build", "public"))
    return args, work, root


def validate_again(root: Path, kcbx: Callable[..., float]) -> float:
    """``kcbx validate`` of the pulled snapshot with its kept report removed (the validation
    itself), the faster of two runs: the baseline the build benchmarks compare with."""
    kept = root / "build" / "validation" / ".report-cache.json"

    def once() -> float:
        kept.unlink(missing_ok=True)
        return kcbx(root, "validate")

    return min(once(), once())
