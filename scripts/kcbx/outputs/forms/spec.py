"""A unit's input form as plain data, independent of any spreadsheet program.

Everything a form holds is decided here, from the data package and the district's
reference tables: which sheets a unit gets, the columns in schema order with their hints,
number formats and validations, the 填报说明 sheet and the prefilled 报送信息 row. The
renderers (``xlsx.py`` here, the Google Sheets writer elsewhere) only draw a
:class:`FormSpec`; they decide nothing about content.

Conventions every renderer follows:

- Rows and columns are 1-based. Row ``banner_row`` (when ``banner`` is set) holds the
  banner text, row ``header_row`` the column titles, data starts at ``first_data_row`` and
  the formats, validations and unlocked (editable) cells cover ``data_rows`` rows.
- A custom validation formula is in the common Excel / LibreOffice / WPS / Google Sheets
  language, without the leading ``=``; ``{cell}`` stands for the column's first data cell
  as a relative reference (``A3``) — use :meth:`ValidationSpec.formula_for`. Validation
  formulas contain no array constants and stay under 255 characters (Excel's limits).
- Number formats are spreadsheet format codes: ``@`` text, ``yyyy-mm-dd``, ``0``,
  ``General``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ...district import (  # noqa: F401 - part of the spec's vocabulary
    HOME_TYPES,
    HOME_WORKBOOK,
    SCHOOL_TABLES,
    SCHOOL_TYPES,
    District,
    GridGroup,
    UnitInfo,
    unit_tables,
)
from ...names import safe_name
from ...schema import DataPackage, Field, Table
from .carry import Carried

# Validation kinds (Excel type / Google condition):
LIST = "list"  # ONE_OF_LIST
DATE = "date"  # DATE_BETWEEN
WHOLE = "whole"  # whole number; NUMBER_* with an integer check
DECIMAL = "decimal"  # NUMBER_*
CUSTOM = "custom"  # CUSTOM_FORMULA

# Comparison operators, with Excel's names: between, greaterThanOrEqual, lessThanOrEqual
BETWEEN = "between"
AT_LEAST = "greaterThanOrEqual"
AT_MOST = "lessThanOrEqual"

TEXT = "@"
DATE_FORMAT = "yyyy-mm-dd"
INTEGER_FORMAT = "0"
GENERAL = "General"

DATE_MIN = dt.date(1990, 1, 1)
DATE_MAX = dt.date(2099, 12, 31)

CELL = "{cell}"
CHECK_CHARS = "10X98765432"  # GB 11643: index = weighted sum mod 11

# Unit types that keep a 学籍 roster (学校线 tables); the others file only cover/台账/帮扶.
INSTRUCTIONS = "填报说明"

# Rows that carry formats and validations (the sheet stays editable below them too).
DATA_ROWS = {"cover": 1, "census": 5000, "roster": 5000, "teachers": 200}
DEFAULT_DATA_ROWS = 1000


@dataclass(frozen=True)
class ValidationSpec:
    """One column's data validation."""

    kind: str  # LIST, DATE, WHOLE, DECIMAL, CUSTOM
    choices: tuple[str, ...] = ()  # LIST: the dropdown, in order
    operator: str | None = None  # DATE / WHOLE / DECIMAL: BETWEEN, AT_LEAST, AT_MOST
    minimum: float | dt.date | None = None
    maximum: float | dt.date | None = None
    formula: str | None = None  # CUSTOM: no leading '=', CELL marks the first data cell
    strict: bool = True  # True: refuse (Excel errorStyle stop); False: warn, allow
    allow_blank: bool = True
    error_title: str = "输入有误"  # ≤ 32 characters
    error: str = ""  # ≤ 255 characters, Chinese, says what to type

    def formula_for(self, cell: str) -> str:
        """The custom formula with ``{cell}`` replaced by a reference such as ``A3``."""
        return (self.formula or "").replace(CELL, cell)


@dataclass(frozen=True)
class ColumnSpec:
    name: str  # schema field name
    title: str  # the header the school sees (schema title)
    hint: str  # schema description: header comment / note
    type: str  # schema type: string, date, integer, number, boolean
    required: str  # "是", "视情况" (conditional) or ""
    number_format: str  # TEXT, DATE_FORMAT, INTEGER_FORMAT, GENERAL
    width: float  # in characters
    validation: ValidationSpec | None = None
    text_kind: str = ""  # "id" (身份证号/学籍号), "phone", "code" or "" — all stored as text
    pii: bool = False


@dataclass(frozen=True)
class SheetSpec:
    """One data sheet: a table of the package."""

    table: str  # resource name
    title: str  # sheet title (the table's Chinese title)
    description: str
    columns: tuple[ColumnSpec, ...]
    banner: str | None  # text above the header (None: the header is row 1)
    header_row: int
    data_rows: int
    rows: tuple[tuple[str | None, ...], ...] = ()  # prefilled data rows, in column order
    protect_header: bool = True  # header row(s) locked; data cells editable

    @property
    def banner_row(self) -> int | None:
        return 1 if self.banner else None

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    @property
    def last_data_row(self) -> int:
        return self.header_row + self.data_rows

    @property
    def frozen_rows(self) -> int:
        """Rows kept in view when scrolling (banner and header)."""
        return self.header_row

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


@dataclass(frozen=True)
class InfoSheet:
    """A read-only sheet of text: lines, then a table (填报说明)."""

    title: str
    lines: tuple[str, ...]
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]


@dataclass(frozen=True)
class FormSpec:
    """One workbook: the instruction sheet first, then the data sheets in package order."""

    file_name: str  # "<单位代码>.xlsx", "空白模板.xlsx", "基础数据模板.xlsx"
    title: str  # document title
    unit_code: str | None
    unit_name: str | None
    instructions: InfoSheet
    sheets: tuple[SheetSpec, ...]

    def sheet(self, table: str) -> SheetSpec:
        for s in self.sheets:
            if s.table == table:
                return s
        raise KeyError(table)

    @property
    def tables(self) -> list[str]:
        return [s.table for s in self.sheets]


# --- building -------------------------------------------------------------------------------


def unit_forms(package: DataPackage, district: District, *, unit: str | None = None,
               all_sheets: bool = False, carried: Carried | None = None) -> list[FormSpec]:
    """The forms of every unit that must report (or of the one unit ``unit``)."""
    units = [district.unit(unit)] if unit else district.reporting_units
    return [unit_form(package, district, u.code, all_sheets=all_sheets, carried=carried)
            for u in units if u]


def unit_form(package: DataPackage, district: District, code: str,
              *, all_sheets: bool = False, carried: Carried | None = None) -> FormSpec:
    """One unit's form; ``carried``: its cumulative rows of an earlier month, prefilled."""
    info = district.unit(code)
    name = info.name if info else code
    lists = _unit_lists(district, code)
    sheets = []
    for table in unit_tables(package, district, code, all_sheets=all_sheets):
        rows: tuple[tuple[str | None, ...], ...] = ()
        if table.name == "cover":
            prefill = {"unit_code": code, "period": district.period}
            rows = (tuple(prefill.get(f.name) for f in table.fields),)
        elif carried is not None:
            rows = tuple(carried.of(code, table.name))
        room = max(DATA_ROWS.get(table.name, DEFAULT_DATA_ROWS), len(rows) + 100)
        sheets.append(sheet_spec(table, district, banner=f"{name}（{code}）{table.title}",
                                 lists=lists, rows=rows, data_rows=room))
    period = f"（{district.period}）" if district.period else ""
    title = f"{district.name or ''}{name}控辍保学月报表{period}"
    return FormSpec(
        file_name=f"{safe_name(code)}.xlsx", title=title, unit_code=code, unit_name=name,
        instructions=instructions(sheets, title, code=code,
                                  notes=carried.summary(code, package) if carried else ()),
        sheets=tuple(sheets),
    )


def blank_form(package: DataPackage, district: District | None = None) -> FormSpec:
    """Every submitted table, nothing prefilled, no unit-specific dropdowns."""
    district = district or District()
    sheets = [sheet_spec(t, district, banner=t.title) for t in package.submitted_tables]
    title = f"{district.name or ''}控辍保学月报表（空白模板）"
    return FormSpec(file_name="空白模板.xlsx", title=title, unit_code=None, unit_name=None,
                    instructions=instructions(sheets, title), sheets=tuple(sheets))


def reference_form(package: DataPackage, district: District | None = None) -> FormSpec:
    """The bureau's 基础数据 workbook: 单位名录 and 户籍网格包保表, empty."""
    district = district or District()
    sheets = [sheet_spec(t, district, banner=None, data_rows=DEFAULT_DATA_ROWS)
              for t in package.reference_tables]
    title = f"{district.name or ''}控辍保学基础数据（区教育局维护）"
    return FormSpec(file_name="基础数据模板.xlsx", title=title, unit_code=None, unit_name=None,
                    instructions=instructions(sheets, title, reference=True), sheets=tuple(sheets))


def sheet_spec(table: Table, district: District, *, banner: str | None,
               lists: dict[str, tuple[str, ...]] | None = None,
               rows: tuple[tuple[str | None, ...], ...] = (),
               data_rows: int | None = None) -> SheetSpec:
    lists = lists or {}
    columns = tuple(column_spec(table, f, district, lists) for f in table.fields)
    return SheetSpec(
        table=table.name, title=table.title, description=in_the_year(table.description, district.year),
        columns=columns,
        banner=banner, header_row=2 if banner else 1,
        data_rows=data_rows or DATA_ROWS.get(table.name, DEFAULT_DATA_ROWS), rows=rows,
    )


def column_spec(table: Table, f: Field, district: District,
                lists: dict[str, tuple[str, ...]]) -> ColumnSpec:
    text_kind = _text_kind(f)
    if f.type == "date":
        number_format = DATE_FORMAT
    elif f.type == "integer":
        number_format = INTEGER_FORMAT
    elif f.type == "number":
        number_format = GENERAL
    else:
        number_format = TEXT
    return ColumnSpec(
        name=f.name, title=f.title, hint=in_the_year(f.description, district.year), type=f.type,
        required=_required(f), number_format=number_format, width=_width(f, text_kind),
        validation=validation_for(table, f, district, lists), text_kind=text_kind, pii=f.pii,
    )


EXAMPLE_YEAR = 2022  # the schemas' examples ("例：2022-10-08", "2022年秋季学期") are of work year 2022
_EXAMPLE = re.compile(rf"(?<!\d){EXAMPLE_YEAR}(?=-\d\d|年)")


def in_the_year(hint: str, year: int | None) -> str:
    """A column's hint with its example dates moved into the form's work year: a 2024 form
    whose 个别化教学计划 example says 2022年秋季学期 shows a term its own list refuses."""
    if not year or year == EXAMPLE_YEAR:
        return hint
    return _EXAMPLE.sub(str(year), hint)


def validation_for(table: Table, f: Field, district: District,
                   lists: dict[str, tuple[str, ...]]) -> ValidationSpec | None:
    """The in-form check of one column, or None where only kcbx can check it."""
    key = f"{table.name}.{f.name}"
    if key in lists and lists[key]:
        strict = key != "census.school"
        message = ("请从下拉列表中选择本单位包保的村（居）民小组所在的" + f.title if strict
                   else "不在本区单位名单中。区外学校请照填全称；本区学校请从下拉列表中选择")
        return _list(f, lists[key], strict=strict, error=message)
    if f.enum:
        return _list(f, f.enum)
    if f.type == "boolean":
        return _list(f, (*f.true_values[:1], *f.false_values[:1]))
    if f.is_id_number:
        return ValidationSpec(
            kind=CUSTOM, formula=id_check_formula(CELL), error_title="身份证号有误",
            error=(f"「{f.title}」应为18位：17位数字加最后一位数字或X，且最后一位校验码要对得上。"
                   "您输入的号码有误，请对照户口簿或身份证逐位核对后重新输入"))
    if f.type == "date":
        return ValidationSpec(
            kind=DATE, operator=BETWEEN, minimum=DATE_MIN, maximum=DATE_MAX,
            error_title="日期有误",
            error=f"「{f.title}」请填写日期，如 2022-09-01（年-月-日）")
    if f.type in ("integer", "number"):
        return _number(f)
    if f.name == "student_no":
        return ValidationSpec(
            kind=CUSTOM, error_title="学籍号有误",
            formula=(f"AND(LEN({CELL})=19,OR(EXACT(LEFT({CELL},1),\"G\"),"
                     f"EXACT(LEFT({CELL},1),\"L\")))"),
            error="全国学籍号应为19位：G加18位身份证号，或临时学籍号L加18位数字字母")
    if f.pattern and f.pattern.startswith("^[0-9]{4}-(0[1-9]"):
        return ValidationSpec(
            kind=CUSTOM, error_title="报送月份有误",
            formula=(f"IFERROR(AND(LEN({CELL})=7,MID({CELL},5,1)=\"-\",--LEFT({CELL},4)>=2000,"
                     f"--RIGHT({CELL},2)>=1,--RIGHT({CELL},2)<=12),FALSE)"),
            error="报送月份请按“年-月”填写，如 2022-10")
    if f.name == "semester":
        return _list(f, semesters(district.year or dt.date.today().year))
    if table.name == "units" and f.name == "code":
        return ValidationSpec(
            kind=CUSTOM, error_title="单位代码有误",
            formula=f"AND(LEN({CELL})>=2,LEN({CELL})<=20)",
            error="单位代码为2–20位字母或数字，如 QSXX")
    return None


def id_check_formula(cell: str) -> str:
    """True when ``cell`` holds an 18-character ID whose GB 11643 check character fits.

    17 digits weighted 2^(17-i) mod 11, summed mod 11, index into ``10X98765432``; the
    comparison ignores case (a lowercase x is read as X). Non-digits make it FALSE.
    """
    rows = 'ROW(INDIRECT("1:17"))'
    total = f"SUMPRODUCT(MID({cell},{rows},1)*MOD(2^(18-{rows}),11))"
    check = f'MID("{CHECK_CHARS}",MOD({total},11)+1,1)'
    return f"IFERROR(AND(LEN({cell})=18,{check}=RIGHT({cell},1)),FALSE)"


def semesters(year: int) -> tuple[str, ...]:
    """学期 choices around the work year: 2021年秋季学期 … 2023年春季学期."""
    return tuple(f"{y}年{s}学期" for y in (year - 1, year, year + 1) for s in ("春季", "秋季"))


def instructions(sheets: Iterable[SheetSpec], title: str, *, code: str | None = None,
                 reference: bool = False, notes: Iterable[str] = ()) -> InfoSheet:
    """填报说明: how to fill the workbook, then every column with its hint and choices."""
    sheets = list(sheets)
    if reference:
        lines = (
            title,
            "本工作簿由区教育局维护：单位名录列出全区各单位，户籍网格包保表列出每个村（居）民小组的包保单位。",
            "每张表第1行是表头，不能修改或删除；从第2行起每行填写一个单位或一个村（居）民小组。",
            "带下拉箭头的单元格请从下拉列表中选择；各列的填写要求见下表，也可把鼠标停在表头上查看。",
        )
    else:
        save_as = f"请保存为 {code}.xlsx 后报送（不要改文件名）。" if code else \
            "请把文件名改为本单位代码（如 QSXX.xlsx）后报送。"
        lines = (
            title,
            "每张工作表对应一张报表。第1行是表名，第2行是表头：表头已锁定，不能修改、删除或调换；"
            "从第3行起每行填写一条记录。",
            "带下拉箭头的单元格请从下拉列表中选择；日期按“年-月-日”填写，如 2022-09-01；"
            "身份证号、学籍号、电话等列已设为文本格式，请直接输入，输错的身份证号会被拒绝。",
            "报送信息每月都要填写；本单位没有的情况可以不填对应工作表，但不要删除工作表。"
            "台账类报表本学年累计填写，只增不删。",
            "各列的填写要求见下表，也可把鼠标停在表头上查看批注。" + save_as,
        )
        lines = (lines[0], *notes, *lines[1:])
    rows = []
    for s in sheets:
        rows.append((s.title, "（本表）", "", s.description, ""))
        for c in s.columns:
            choices = "、".join(c.validation.choices) if c.validation and c.validation.kind == LIST \
                else ""
            rows.append((s.title, c.title, c.required, c.hint, choices))
    return InfoSheet(
        title=INSTRUCTIONS, lines=lines, header=("工作表", "列名", "必填", "填写说明", "可选项"),
        rows=tuple(rows), widths=(24, 22, 8, 70, 40),
    )


# --- helpers ----------------------------------------------------------------------------------


def _unit_lists(district: District, code: str) -> dict[str, tuple[str, ...]]:
    """Dropdowns specific to one unit: its 包保 townships/villages/groups, the district's schools."""
    groups = [g for g in district.grid if g.unit_code == code]
    lists = {
        "census.township": _unique(g.township for g in groups),
        "census.village": _unique(g.village for g in groups),
        "census.group": _unique(g.group for g in groups),
    }
    schools = _unique(u.name for u in district.units if u.type in SCHOOL_TYPES)
    if schools:
        lists["census.school"] = schools
    return lists


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _list(f: Field, choices: tuple[str, ...], *, strict: bool = True,
          error: str | None = None) -> ValidationSpec:
    joined = "、".join(choices)
    message = error or f"「{f.title}」请从下拉列表中选择：{joined}"
    if len(message) > 255:
        message = f"「{f.title}」请从下拉列表中选择，不要手工输入其他内容"
    return ValidationSpec(kind=LIST, choices=tuple(choices), strict=strict,
                          error_title=f"{f.title}不是可选项"[:32], error=message)


def _number(f: Field) -> ValidationSpec:
    kind = WHOLE if f.type == "integer" else DECIMAL
    what = "整数" if kind == WHOLE else "数字"
    low, high = f.minimum, f.maximum
    if f.exclusive_minimum is not None:  # > min: only a formula says it exactly
        low_text = _num(f.exclusive_minimum)
        checks = [f"ISNUMBER({CELL})", f"{CELL}>{low_text}"]
        text = f"大于{low_text}"
        if high is not None:
            checks.append(f"{CELL}<={_num(high)}")
            text += f"、不超过{_num(high)}"
        return ValidationSpec(kind=CUSTOM, formula=f"AND({','.join(checks)})",
                              error_title=f"{f.title}超出范围"[:32],
                              error=f"「{f.title}」请填写{text}的{what}")
    if low is not None and high is not None:
        op, text = BETWEEN, f"{_num(low)}到{_num(high)}之间"
    elif low is not None:
        op, text = AT_LEAST, f"不小于{_num(low)}"
    elif high is not None:
        op, text = AT_MOST, f"不大于{_num(high)}"
    else:
        op, low, high, text = BETWEEN, -1e9, 1e9, ""
    return ValidationSpec(kind=kind, operator=op, minimum=low, maximum=high,
                          error_title=f"{f.title}超出范围"[:32],
                          error=f"「{f.title}」请填写{text}的{what}")


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _text_kind(f: Field) -> str:
    if f.is_id_number or f.name == "student_no":
        return "id"
    if "phone" in f.name:
        return "phone"
    if f.name in ("code", "unit_code", "parent_code"):
        return "code"
    return ""


def _required(f: Field) -> str:
    if f.required:
        return "是"
    if any(k in f.extra for k in ("requiredIf", "requiredUnless")):
        return "视情况"
    return ""


def _width(f: Field, text_kind: str) -> float:
    if text_kind == "id":
        return 22
    if f.type == "date":
        return 13
    if f.name in ("content", "follow_up", "plan", "reason_detail", "methods", "long_goal",
                  "short_goal", "remark", "address", "group_members", "effect"):
        return 30
    return max(10.0, min(2.2 * len(f.title) + 2, 28.0))


__all__ = [
    "AT_LEAST", "AT_MOST", "BETWEEN", "CUSTOM", "DATE", "DECIMAL", "LIST", "WHOLE",
    "ColumnSpec", "District", "FormSpec", "GridGroup", "InfoSheet", "SheetSpec", "UnitInfo",
    "ValidationSpec", "blank_form", "id_check_formula", "reference_form",
    "unit_form", "unit_forms", "unit_tables",
]
