"""Intake + schema validation, kcbx vs stock ``frictionless validate`` on the same data.

Baseline: frictionless 5 (error limit off) on the same rows and the same schema.
  1. CSV: the census of a demo district (default 1,000,000 rows) as kcbx's snapshot wrote it.
  2. xlsx: one census sheet of 100,000 rows (kcbx reads the Chinese headers; frictionless
     gets the same file with field names as headers, which is what it matches on).
Prints the seconds of each, the ratio, and whether the finding sets agree.

    python benchmarks/intake_vs_frictionless.py [--children 1000000] [--xlsx-rows 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

import frictionless
import polars as pl
import xlsxwriter
from common import compare, frictionless_findings, kcbx_findings, timed

from kcbx.config import load_config
from kcbx.demo import write_demo
from kcbx.schema import load_package
from kcbx.sources import read_workbook
from kcbx.tables import pull
from kcbx.tables.cells import normalise_series
from kcbx.tables.intake import empty_frame, intake
from kcbx.validation import Tables, check_schema

RESOURCES = ("units", "grid", "census")


def _link(src: Path, dst: Path) -> None:
    if not dst.exists():
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy(src, dst)


def subset_package(snapshot_tables: Path, out: Path, census_path: Path, census_format: str) -> Path:
    """A package of units, grid and census beside its files (frictionless wants relative paths)."""
    desc = json.loads((snapshot_tables / "datapackage.json").read_text(encoding="utf-8"))
    resources = []
    for res in desc["resources"]:
        if res["name"] not in RESOURCES:
            continue
        res = dict(res)
        _link(snapshot_tables / res["path"], out / res["path"])
        if res["name"] == "census":
            _link(census_path, out / census_path.name)
            res["path"], res["format"] = census_path.name, census_format
            res.pop("encoding", None)
            if census_format == "xlsx":
                res["schema"] = {**res["schema"], "fields": [
                    f for f in res["schema"]["fields"] if not f["name"].startswith("_")]}
        resources.append(res)
    desc["resources"] = resources
    path = out / f"package-{census_format}.json"
    path.write_text(json.dumps(desc, ensure_ascii=False), encoding="utf-8")
    return path


def kcbx_csv(snapshot_tables: Path) -> list:
    package = load_package()
    tables = {}
    for table in package.tables:
        if table.name in RESOURCES:
            frame = pl.read_csv(snapshot_tables / f"{table.name}.csv", infer_schema=False)
            frame = frame.with_columns(
                *(normalise_series(frame[f.name], f) for f in table.fields),
                pl.col("_row").cast(pl.Int64))
            tables[table.name] = frame
        else:
            tables[table.name] = empty_frame(table)
    return check_schema(Tables.build(package, tables, []))


def write_xlsx(census: pl.DataFrame, path: Path, header: list[str]) -> None:
    names = [c for c in census.columns if not c.startswith("_")]
    dates = {f.name for f in load_package().table("census").fields if f.type == "date"}
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet(load_package().table("census").title)
    fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, header)
    for r, row in enumerate(census.select(names).iter_rows(), start=1):
        for c, (name, value) in enumerate(zip(names, row, strict=True)):
            if value is None:
                continue
            if name in dates:
                try:
                    sheet.write_datetime(r, c, dt.datetime.fromisoformat(value), fmt)
                    continue
                except ValueError:
                    pass
            sheet.write_string(r, c, value)
    book.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kcbx-bench-"))
    times: dict[str, float] = {}
    print(f"Setup: demo district with {args.children:,} census rows in {work}")
    if not (work / "district" / "kcbx.yml").is_file():  # a --workdir from an earlier run is reused
        with timed("demo written", times):
            write_demo(work / "district", children=args.children)
    config = load_config(work / "district")
    with timed("kcbx pull (xlsx intake of every workbook)", times):
        snap = pull(config, load_package())
    tables_dir = snap.path / "tables"
    census = pl.read_csv(tables_dir / "census.csv", infer_schema=False)
    print(f"census rows: {census.height:,}")

    print("\n1. CSV, the whole census")
    with timed("kcbx read + normalise + schema checks", times):
        k_find = kcbx_csv(tables_dir)
    pkg_csv = subset_package(tables_dir, work, tables_dir / "census.csv", "csv")
    with timed("frictionless validate (limit_errors off)", times):
        report = frictionless.validate(str(pkg_csv), limit_errors=10**9)
    rows = {name: pl.read_csv(tables_dir / f"{name}.csv", infer_schema=False,
                              columns=["_row"])["_row"].cast(pl.Int64).to_list()
            for name in RESOURCES}
    stock = frictionless_findings(report, lambda res, n: rows[res][n - 2])
    package = load_package()
    by_sheet = {t.title: t.name for t in package.tables}
    by_sheet.update({title: name for title, name in (
        (s, "census") for s in census["_sheet"].unique().to_list())})
    titles = {(t.name, f.title): f.name for t in package.tables for f in t.fields}
    compare(kcbx_findings(k_find, by_sheet, titles), stock)
    ratio = times["frictionless validate (limit_errors off)"] / times[
        "kcbx read + normalise + schema checks"]
    print(f"  ratio: kcbx is {ratio:.1f}x faster than frictionless (target >= 30x)")

    print(f"\n2. xlsx, one census sheet of {args.xlsx_rows:,} rows")
    part = census.head(args.xlsx_rows)
    table = package.table("census")
    k_path, f_path = work / "census-titles.xlsx", work / "census-names.xlsx"
    write_xlsx(part, k_path, [f.title for f in table.fields])
    write_xlsx(part, f_path, [f.name for f in table.fields])
    ref = read_workbook(config.reference_path)
    with timed("kcbx read + intake + schema checks", times):
        result = intake(package, ref, [read_workbook(k_path)])
        x_find = check_schema(Tables.build(package, result.tables, result.files))
    pkg_x = subset_package(tables_dir, work, f_path, "xlsx")
    with timed("frictionless validate xlsx (limit_errors off)", times):
        x_report = frictionless.validate(str(pkg_x), limit_errors=10**9)
    stock_x = frictionless_findings(
        x_report, lambda res, n: n if res == "census" else rows[res][n - 2])
    by_sheet[table.title] = "census"
    compare(kcbx_findings([f for f in x_find if f.sheet == table.title], by_sheet, titles),
            {k for k in stock_x if k[0] == "census"})
    ratio_x = times["frictionless validate xlsx (limit_errors off)"] / times[
        "kcbx read + intake + schema checks"]
    print(f"  ratio: kcbx is {ratio_x:.1f}x faster than frictionless (target >= 15x)")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
