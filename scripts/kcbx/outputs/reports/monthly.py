"""失学辍学（疑似辍学）学生月报表: per unit, per 乡镇 and for the district, for paper filing.

The data (``monthly_reports``) is built on the columnar tables; the writers render it as
xlsx (text cells stay text: nothing from a submission becomes a formula) and as PDF.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import xlsxwriter

from ...atomic import write_bytes
from ...config import Config
from ...findings import Report
from ...names import safe_name
from ...validation import Tables
from .aggregate import OPEN, units_frame

STEP_NAMES = {1: "第一步 宣传教育", 2: "第二步 责令改正", 3: "第三步 行政处罚",
              4: "第四步 诉讼或强制执行"}
CASE_COLUMNS = ("序号", "单位", "姓名", "性别", "出生日期", "身份证号", "原就读学校及年级", "户籍地",
                "类型", "发现日期", "上报日期", "主要原因", "四步法进展", "劝返状态", "包保责任人")


@dataclass
class MonthlyReport:
    """One 月报表: a unit's, a 乡镇's (its units together) or the district's."""

    scope: str  # 单位 / 乡镇 / 全区
    title: str  # 单位名称, 乡镇名, or the district
    file_stem: str
    period: str
    district: str
    new: int = 0
    returned: int = 0
    open: int = 0
    cases: list[dict[str, str]] = field(default_factory=list)
    units: list[dict[str, str | int]] = field(default_factory=list)  # summary rows (乡镇/全区)
    filled_by: str = ""
    phone: str = ""
    approved_by: str = ""
    submitted_on: str = ""

    @property
    def zero(self) -> bool:
        return self.open == 0 and self.new == 0


def _progress(row: dict) -> str:
    for k, name in ((4, "step4_on"), (3, "step3_on"), (2, "step2_on"), (1, "step1_on")):
        if row.get(name):
            text = f"{STEP_NAMES[k]}（{row[name]}）"
            if k == 2 and row.get("step2_deadline"):
                text += f"，限期至 {row['step2_deadline']}"
            return text
    return "尚未开始（须立即开展宣传教育）"


def _cases(config: Config, tables: Tables, report: Report) -> pl.DataFrame:
    start, end = config.period_start, config.period_end
    d = tables.typed["dropouts"].with_columns(
        (pl.col("found_on").is_between(start, end)).fill_null(False).alias("_new"),
        ((pl.col("result").is_not_null() & (pl.col("result") != OPEN))
         & pl.col("returned_on").is_between(start, end)).fill_null(False).alias("_returned"),
        (pl.col("result").is_null() | (pl.col("result") == OPEN)).alias("_open"))
    focus = [(f, s, r) in report.focus for f, s, r in d.select("_file", "_sheet", "_row").iter_rows()]
    return (d.with_columns(pl.Series("_focus", focus, dtype=pl.Boolean))
            .filter(pl.col("_open") | pl.col("_new") | pl.col("_returned"))
            .sort(["_focus", "_unit", "found_on", "_row"], descending=[True, False, False, False],
                  nulls_last=True))


def _case_rows(frame: pl.DataFrame, names: dict[str, str]) -> list[dict[str, str]]:
    out = []
    for i, r in enumerate(frame.with_columns(pl.all().cast(pl.String)).iter_rows(named=True), 1):
        out.append({
            "序号": str(i), "单位": names.get(r["_unit"] or "", r["_unit"] or ""),
            "姓名": r["name"] or "", "性别": r["sex"] or "", "出生日期": r["birth_date"] or "",
            "身份证号": r["id_number"] or "",
            "原就读学校及年级": " ".join(x for x in (r["former_school"], r["grade"]) if x),
            "户籍地": "".join(x for x in (r["township"], r["village"]) if x),
            "类型": r["kind"] or "", "发现日期": r["found_on"] or "", "上报日期": r["reported_on"] or "",
            "主要原因": r["reason"] or "", "四步法进展": _progress(r), "劝返状态": r["result"] or "",
            "包保责任人": " ".join(x for x in (r["owner"], r["owner_phone"]) if x),
        })
    return out


def monthly_reports(config: Config, tables: Tables, report: Report,
                    submitted: set[str]) -> list[MonthlyReport]:
    """Every unit that sent a workbook, every 乡镇, and the district."""
    cases = _cases(config, tables, report)
    units = units_frame(tables)
    names = dict(zip(units["unit_code"], units["unit_name"], strict=True))
    cover = {r["_unit"]: r for r in tables.text["cover"].iter_rows(named=True)}
    period = config.period
    out: list[MonthlyReport] = []

    def make(scope: str, title: str, stem: str, frame: pl.DataFrame) -> MonthlyReport:
        return MonthlyReport(
            scope=scope, title=title, file_stem=f"{period}_月报表_{safe_name(stem)}", period=period,
            district=config.district, new=int(frame["_new"].sum()),
            returned=int(frame["_returned"].sum()), open=int(frame["_open"].sum()),
            cases=_case_rows(frame, names))

    def summary(codes: list[str]) -> list[dict[str, str | int]]:
        rows = []
        for code in codes:
            part = cases.filter(pl.col("_unit") == code)
            rows.append({"单位代码": code, "单位名称": names.get(code, ""),
                         "报送": "已报" if code in submitted else "未报",
                         "本月新增": int(part["_new"].sum()), "本月劝返复学": int(part["_returned"].sum()),
                         "累计未返": int(part["_open"].sum())})
        return rows

    for row in units.filter(pl.col("unit_code").is_in(sorted(submitted))).iter_rows(named=True):
        code = row["unit_code"]
        monthly = make("单位", row["unit_name"] or code, row["unit_name"] or code,
                       cases.filter(pl.col("_unit") == code))
        c = cover.get(code, {})
        monthly.filled_by, monthly.phone = c.get("filled_by") or "", c.get("phone") or ""
        monthly.approved_by, monthly.submitted_on = c.get("approved_by") or "", c.get("submitted_on") or ""
        out.append(monthly)
    due = units.filter(pl.col("must_report"))
    for town in due["township"].unique(maintain_order=True).drop_nulls().to_list():
        codes = due.filter(pl.col("township") == town)["unit_code"].to_list()
        # the 乡镇 government gets its units' cases and every case of a child of its 户籍
        monthly = make("乡镇", town, f"{town}汇总", cases.filter(
            pl.col("_unit").is_in(codes) | (pl.col("township") == town)))
        monthly.units = summary(codes)
        out.append(monthly)
    whole = make("全区", config.district, "全区汇总", cases)
    whole.units = summary(due["unit_code"].to_list())
    out.append(whole)
    return out


def write_xlsx(report: MonthlyReport, path: Path) -> Path:
    """The 月报表 as a workbook to print and sign (every value written as text or number)."""
    buf = io.BytesIO()  # written whole, then put in place in one step
    book = xlsxwriter.Workbook(buf, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False})
    sheet = book.add_worksheet("月报表")
    bold = book.add_format({"bold": True, "font_size": 16, "align": "center"})
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#EEEEEE", "text_wrap": True,
                            "valign": "vcenter", "align": "center"})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    year, month = report.period.split("-")
    sheet.merge_range(0, 0, 0, len(CASE_COLUMNS) - 1,
                      f"{report.district}失学辍学（疑似辍学）学生月报表", bold)
    sheet.write_string(1, 0, f"填报单位：{report.title}    报送月份：{year}年{int(month)}月    "
                             f"（截止本月底）")
    sheet.write_string(2, 0, f"本月新增 {report.new} 人；本月劝返复学（安置）{report.returned} 人；"
                             f"累计未返 {report.open} 人。"
                       + ("本月无失学辍学（疑似辍学）学生，零报告。" if report.zero else ""))
    r = 4
    if report.units:
        keys = list(report.units[0])
        for c, k in enumerate(keys):
            sheet.write_string(r, c, k, head)
        for row in report.units:
            r += 1
            for c, k in enumerate(keys):
                v = row[k]
                (sheet.write_number if isinstance(v, int) else sheet.write_string)(r, c, v, cell)
        r += 2
    for c, k in enumerate(CASE_COLUMNS):
        sheet.write_string(r, c, k, head)
    sheet.repeat_rows(r)
    for case in report.cases:
        r += 1
        for c, k in enumerate(CASE_COLUMNS):
            sheet.write_string(r, c, case[k], cell)
    if not report.cases:
        r += 1
        sheet.merge_range(r, 0, r, len(CASE_COLUMNS) - 1, "零报告：本月无失学辍学（疑似辍学）学生", cell)
    r += 2
    sheet.write_string(r, 0, f"填报人：{report.filled_by or '__________'}    联系电话："
                             f"{report.phone or '__________'}    单位负责人（签字）："
                             f"{report.approved_by or '__________'}    填报日期："
                             f"{report.submitted_on or '____年__月__日'}    （盖章）")
    widths = (5, 12, 9, 5, 11, 20, 16, 14, 8, 11, 11, 10, 28, 9, 16)
    for c, w in enumerate(widths):
        sheet.set_column(c, c, w)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    book.close()
    write_bytes(path, buf.getvalue())
    return path
