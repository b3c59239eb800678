"""The year-end summary for the December review (12月份要对全年控辍保学工作进行总结): every
month of the calendar year — which spans two work years — gathered from the pulls the
workspace keeps (the latest pull of each month), each month judged with its own year's
settings (handed in by the caller: :func:`kcbx.pipeline.calendar_year`)."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from ...atomic import write_bytes
from ...config import Config
from ...errors import KcbxError
from ...schema import DataPackage
from ...tables import Snapshot, list_snapshots
from ...tables.snapshot import snapshots_dir
from ...validation import Tables, of_the_year, submitted_units, validate_snapshot
from . import aggregate

MONTH_COLUMNS = (("period", "月份"), ("units_due", "应报单位"), ("submitted", "已报"),
                 ("on_time", "按时"), ("completeness", "完整率%"), ("timeliness", "及时率%"),
                 ("school_age", "适龄儿童少年"), ("in_school", "在校就读"), ("home_taught", "送教上门"),
                 ("out_of_school", "失学辍学（含疑似）"), ("returned", "已劝返复学"),
                 ("still_out", "仍未返校"), ("overdue", "超期未推进"),
                 ("weekly_coverage", "每周送教覆盖率%"))
# a unit's problems over the year, from each month's findings: (label, rules, severity or None)
PROBLEMS = (("未报", ("REP-3",), "错误"), ("逾期", ("REP-3",), "提醒"),
            ("隐瞒不报", ("AGE-2", "REP-4"), None), ("送教上门不规范", ("HOME-2", "HOME-3", "HOME-7"), None),
            ("超期未推进", ("STEP-2",), None))
OPEN = "劝返中"


@dataclass(frozen=True)
class Month:
    """One month of the calendar year: its latest pull, its own year's settings, and the
    tables REP-4 (the pull before) and HOME-7 (the last pull of the year before) read."""

    snapshot: Snapshot
    config: Config
    previous: Tables | None = None
    last_year: Tables | None = None


@dataclass
class YearFigures:
    """The calendar year's figures, month by month, and each unit's year."""

    year: int
    district: str
    months: list[dict[str, Any]]  # per month: the district's rates, progress and 送教 coverage
    status: pl.DataFrame  # each unit's submission status per month
    problems: dict[str, Counter[str]]  # unit code → problem label → months or findings
    errors: Counter[str]  # unit code → months with any 错误
    due: Counter[str]  # unit code → months it had to report
    names: dict[str, str]  # unit code → name
    cases: dict[str, int]  # found / returned / still_out over the calendar year
    bureau: str = ""


def months_of(config: Config, year: int) -> dict[str, Snapshot]:
    """The latest snapshot of each month of calendar year ``year`` (of either work year)."""
    chosen: dict[str, Snapshot] = {}
    for snap in list_snapshots(snapshots_dir(config)):
        if snap.period.startswith(f"{year}-"):
            chosen[snap.period] = snap  # snapshots are oldest first: the last one wins
    return dict(sorted(chosen.items()))


def year_figures(config: Config, package: DataPackage, year: int,
                 months: dict[str, Month], progress=None) -> YearFigures:
    """Each month of ``months`` validated (as its own month was) and summed up."""
    if not months:
        raise KcbxError(f"没有 {year} 年的拉取记录，无法汇总全年。"
                        "请先逐月运行 kcbx pull 或 kcbx build")
    rows, status = [], []
    problems: dict[str, Counter[str]] = {}
    errors: Counter[str] = Counter()
    names: dict[str, str] = {}
    ledgers = []
    bureau = ""
    for i, (period, this) in enumerate(months.items(), 1):
        snap, month = this.snapshot, this.config
        tables = Tables.build(package, of_the_year(month, snap.tables()), snap.files())
        report = validate_snapshot(month, package, snap, this.previous, tables=tables,
                                   last_year=this.last_year)
        sent = submitted_units(tables, snap.files(), period)
        st = aggregate.submission_status(month, tables, sent)
        rates = aggregate.submission_rates(st).filter(pl.col("level") == "全区").to_dicts()[0]
        prog = aggregate.progress(month, tables, report)
        totals = {c: int(prog[c].sum()) for c in aggregate.PROGRESS_COUNTS}
        home = aggregate.home_teaching(month, tables, report).filter(pl.col("level") == "全区")
        coverage = home["weekly_coverage"][0] if home.height else None
        rows.append({**rates, **totals, "weekly_coverage": coverage})
        status.append(st)
        names.update(report.unit_names)
        for label, rules, severity in PROBLEMS:
            for f in report.findings:
                if f.rule in rules and (severity is None or f.severity == severity) and f.unit_code:
                    problems.setdefault(f.unit_code, Counter())[label] += 1
        errors.update({f.unit_code for f in report.findings if f.severity == "错误" and f.unit_code})
        units = tables.text["units"]
        bureau = next((n for n, t in units.select("name", "type").rows() if t == "区教育局" and n),
                      bureau)
        ledgers.append(tables.text["dropouts"].select("id_number", "name", "birth_date", "found_on",
                                                      "result", "returned_on"))
        if progress:
            progress("年度汇总", i, len(months))
    statuses = pl.concat(status, how="vertical")
    due = Counter(statuses["unit_code"].to_list())
    return YearFigures(year, config.district, rows, statuses, problems, errors, due, names,
                       _cases(ledgers, year), bureau or f"{config.district}教育局")


def _cases(ledgers: list[pl.DataFrame], year: int) -> dict[str, int]:
    """Cases of the calendar year, each child once (its latest state in the year's ledgers):
    found in the year, returned (复学/安置) in the year, and still out at its end."""
    key = pl.coalesce(pl.col("id_number"), pl.concat_str("name", "birth_date", separator="|"))
    cases = (pl.concat(ledgers, how="vertical").with_columns(key.alias("_key"))
             .filter(pl.col("_key").is_not_null()).unique("_key", keep="last"))
    y = str(year)
    return {"found": cases.filter(pl.col("found_on").str.starts_with(y)).height,
            "returned": cases.filter((pl.col("result") != OPEN) & pl.col("returned_on")
                                     .str.starts_with(y)).height,
            "still_out": cases.filter(pl.col("result").is_null() | (pl.col("result") == OPEN)).height}


def year_summary(config: Config, figures: YearFigures) -> Path:
    """``<outputs>/reports/<year>_年度总结.xlsx``: the months, and each unit month by month."""
    return _write(config, figures.year, figures.months, figures.status)


def _write(config: Config, year: int, rows: list[dict], status: pl.DataFrame) -> Path:
    path = config.outputs_path / "reports" / f"{year}_年度总结.xlsx"
    buf = io.BytesIO()  # written whole, then put in place in one step
    book = xlsxwriter.Workbook(buf, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    head = book.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1, "text_wrap": True})
    title = book.add_format({"bold": True, "font_size": 14})
    sheet = book.add_worksheet("月度汇总")
    sheet.write_string(0, 0, f"{config.district} {year} 年控辍保学工作月度汇总", title)
    for c, (_, label) in enumerate(MONTH_COLUMNS):
        sheet.write_string(2, c, label, head)
        sheet.set_column(c, c, 11)
    for r, row in enumerate(rows, start=3):
        for c, (key, _) in enumerate(MONTH_COLUMNS):
            value = row.get(key)
            if isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, str(value))
    matrix = book.add_worksheet("各单位报送情况")
    periods = sorted(status["period"].unique().to_list())
    units = status.select("unit_code", "unit_name", "township").unique(subset="unit_code",
                                                                        maintain_order=True)
    for c, label in enumerate(["单位代码", "单位名称", "乡镇（街道）", *periods]):
        matrix.write_string(0, c, label, head)
    cells = {(r["unit_code"], r["period"]): r["status"] for r in status.iter_rows(named=True)}
    for r, unit in enumerate(units.iter_rows(named=True), start=1):
        matrix.write_string(r, 0, unit["unit_code"])
        matrix.write_string(r, 1, unit["unit_name"] or "")
        matrix.write_string(r, 2, unit["township"] or "")
        for c, period in enumerate(periods, start=3):
            matrix.write_string(r, c, cells.get((unit["unit_code"], period), "—"))
    book.close()
    write_bytes(path, buf.getvalue())
    return path
