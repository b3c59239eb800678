"""The 月报表 as a PDF to print, sign and stamp (typst, fonts as for the handbooks)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ...atomic import write_bytes
from ...errors import KcbxError
from ..fonts import FontError, FontSet, missing_chars, resolve_fonts, strings_in
from ..paper import printed
from ..typeset import compile_pdf
from .monthly import CASE_COLUMNS, MonthlyReport

TEMPLATE = Path(__file__).with_name("monthly.typ")
_PHONE = re.compile(r"[0-9][0-9-]*")


class ReportError(KcbxError):
    """A report could not be written."""


def fonts_for(config, folder: Path) -> FontSet:
    try:
        return resolve_fonts(config, folder / ".fonts")
    except FontError as exc:
        raise ReportError(str(exc)) from None


def _owner(value: str) -> list[str]:
    """“周某 13800000012” as its name and its phone number (the last word, when it is made of
    digits and hyphens); anything else as the name alone."""
    name, _, phone = value.rpartition(" ")
    return [name, phone] if name and _PHONE.fullmatch(phone) else [value, ""]


def payload(report: MonthlyReport, fonts: FontSet) -> dict:
    year, month = report.period.split("-")
    unit_columns = list(report.units[0]) if report.units else []
    return printed({
        "heading": f"{report.district}失学辍学（疑似辍学）学生月报表",
        "unit": report.title, "month": f"{year}年{int(month)}月",
        "new": report.new, "returned": report.returned, "open": report.open, "zero": report.zero,
        "unit_columns": unit_columns,
        "units": [[str(row[k]) for k in unit_columns] for row in report.units],
        "case_columns": list(CASE_COLUMNS),
        # 包保责任人 as [name, phone]: the phone on a line of its own sets the column's width
        "cases": [[case[k] for k in CASE_COLUMNS[:-1]] + [_owner(case[CASE_COLUMNS[-1]])]
                  for case in report.cases],
        "filled_by": report.filled_by or "＿＿＿＿", "phone": report.phone or "＿＿＿＿",
        "approved_by": report.approved_by or "＿＿＿＿",
        "submitted_on": report.submitted_on or "　　年　月　日",
    }) | {"fonts": fonts.families()}


def write_pdf(report: MonthlyReport, path: Path, fonts: FontSet, on: dt.date) -> Path:
    data = payload(report, fonts)
    strings = [*strings_in(data["cases"]), report.title, report.filled_by or ""]
    missing = missing_chars(fonts, strings)
    if missing:
        raise ReportError(f"月报表“{report.title}”中有字体里没有的字：{'、'.join(missing)}。"
                          "请在 kcbx.yml 的 fonts 中指定字更全的中文字体")
    write_bytes(path, compile_pdf(TEMPLATE, data, fonts, on, error=ReportError, what="月报表"))
    return path
