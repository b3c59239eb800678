"""Write small real xlsx workbooks and workspaces for tests (openpyxl, read back by kcbx)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from stdnum.cn import ric

from kcbx.schema import load_package

Rows = Sequence[Sequence[Any]]


def write_book(path: Path, sheets: Mapping[str, Rows]) -> Path:
    """A workbook with one sheet per entry: the rows exactly as given (row 1 first)."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def titles(table: str, *names: str) -> list[str]:
    t = load_package().table(table)
    return [t.field(n).title for n in names] if names else [f.title for f in t.fields]


def sheet(table: str, records: Sequence[Mapping[str, Any]], names: Sequence[str] | None = None,
          above: Rows = ()) -> tuple[str, list[list[Any]]]:
    """(sheet title, rows): optional rows above the header, the header, one row a record."""
    t = load_package().table(table)
    names = list(names or t.field_names)
    rows: list[list[Any]] = [list(r) for r in above]
    rows.append([t.field(n).title for n in names])
    rows.extend([rec.get(n) for n in names] for rec in records)
    return t.title, rows


def make_id(birth: dt.date, order: int, region: str = "110101") -> str:
    """A valid 18-character ID (GB 11643) for a fake person: odd order = 男."""
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


UNITS = [
    {"code": "JYJ", "name": "测试区教育局", "type": "区教育局", "parent_code": None,
     "township": "城区", "must_report": "否"},
    {"code": "A01", "name": "甲镇中心校", "type": "乡镇中心校", "parent_code": "JYJ",
     "township": "甲镇", "must_report": "是"},
    {"code": "A02", "name": "甲镇第一小学", "type": "小学", "parent_code": "A01",
     "township": "甲镇", "must_report": "是"},
]
GRID = [
    {"township": "甲镇", "village": "一村", "group": "1组", "unit_code": "A01", "person": "张某"},
    {"township": "甲镇", "village": "一村", "group": "2组", "unit_code": "A01", "person": "张某"},
]
CONFIG = """district: 测试区
period: 2022-10
pulled_on: 2022-11-04
"""


def cover(unit: str, **over: Any) -> dict[str, Any]:
    return {"unit_code": unit, "period": "2022-10", "filled_by": "李某", "phone": "13800000000",
            "submitted_on": dt.date(2022, 10, 28), "zero_report": "是", "approved_by": "王某",
            **over}


def census_row(**over: Any) -> dict[str, Any]:
    birth = over.pop("birth", dt.date(2014, 5, 6))
    return {"id_number": make_id(birth, 11), "name": "赵某一", "sex": "男", "birth_date": birth,
            "hukou_type": "本地户籍", "township": "甲镇", "village": "一村", "group": "1组",
            "guardian": "赵某父", "disability": "无", "key_group": "无", "status": "在校就读",
            "school": "甲镇第一小学", "grade": "三年级", **over}


def make_workspace(root: Path, books: Mapping[str, Mapping[str, Rows]] | None = None,
                   config: str = CONFIG) -> Path:
    """A workspace: kcbx.yml, 基础数据.xlsx (UNITS, GRID) and submissions/<name>.xlsx."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "kcbx.yml").write_text(config, encoding="utf-8")
    write_book(root / "基础数据.xlsx", dict([sheet("units", UNITS), sheet("grid", GRID)]))
    (root / "submissions").mkdir(exist_ok=True)
    for name, sheets in (books or {}).items():
        write_book(root / "submissions" / name, sheets)
    return root


# --------------------------------------------------------------------------------------
# Helpers added for test_intake / test_validation_schema / test_cli / test_config.
# --------------------------------------------------------------------------------------


def table_title(table: str) -> str:
    """The sheet title of a table (its Chinese title in the data package)."""
    return load_package().table(table).title


def write_reference(root: Path, units: Sequence[Mapping[str, Any]] = UNITS,
                    grid: Sequence[Mapping[str, Any]] = GRID, above: Rows = ()) -> Path:
    """(Re)write the workspace's 基础数据.xlsx with the given 单位名录 and 网格."""
    return write_book(root / "基础数据.xlsx",
                      dict([sheet("units", units, above=above), sheet("grid", grid, above=above)]))


def workspace(root: Path, books: Mapping[str, Mapping[str, Rows]] | None = None, *,
              units: Sequence[Mapping[str, Any]] = UNITS,
              grid: Sequence[Mapping[str, Any]] = GRID, config: str = CONFIG) -> Path:
    """Like ``make_workspace``, with a custom 单位名录 / 网格 when given."""
    make_workspace(root, books, config=config)
    if units is not UNITS or grid is not GRID:
        write_reference(root, units, grid)
    return root


def book(*sheets: tuple[str, Rows]) -> dict[str, Rows]:
    """The sheets of one workbook, from ``sheet(...)`` results (in order)."""
    return dict(sheets)


def run_validate(root: Path):
    """``pipeline.validate`` on the workspace at ``root``."""
    from kcbx import pipeline
    from kcbx.config import load_config

    return pipeline.validate(load_config(root))


def schema_layer(rule: str) -> bool:
    """Intake and schema-check kinds, and ID-1/ID-2 — not the other policy rules."""
    from kcbx.findings import KINDS

    return rule in KINDS or rule in ("ID-1", "ID-2")


def where(findings: Any, *, unit: Any = ..., sheet: str | None = None,
          file: str | None = None, policy: bool = False) -> set[tuple[Any, ...]]:
    """Findings as {(rule, sheet, row, column)}, optionally only one unit / sheet / file.

    Policy-rule findings (MATCH-1, REP-3 …) are left out unless ``policy`` is true.
    """
    items = getattr(findings, "findings", findings)
    return {
        (f.rule, f.sheet, f.row, f.column)
        for f in items
        if (policy or schema_layer(f.rule))
        and (unit is ... or f.unit_code == unit)
        and (sheet is None or f.sheet == sheet)
        and (file is None or f.file == file)
    }


def kid(n: int, *, male: bool = True, birth: dt.date = dt.date(2014, 5, 6)) -> str:
    """A valid ID number for test child ``n`` (0 <= n < 500); the 17th digit gives the sex."""
    return make_id(birth, 2 * n + (1 if male else 2))


def roster_row(**over: Any) -> dict[str, Any]:
    birth = over.pop("birth", dt.date(2014, 5, 6))
    ident = over.get("id_number", make_id(birth, 11))
    return {"student_no": "G" + ident if ident else None, "id_number": ident, "name": "赵某一",
            "sex": "男", "birth_date": birth, "grade": "三年级", "class_name": "3班",
            "attendance": "正常在校", "absent_days": 0, "head_teacher": "钱某", **over}


def dropout_row(**over: Any) -> dict[str, Any]:
    birth = over.pop("birth", dt.date(2009, 3, 2))
    return {"id_number": make_id(birth, 21), "name": "孙某二", "sex": "男", "birth_date": birth,
            "grade": "七年级", "township": "甲镇", "village": "一村", "kind": "辍学",
            "found_on": dt.date(2022, 10, 10), "reported_on": dt.date(2022, 10, 10),
            "reason": "厌学", "group_members": "张某、李某、王某", "owner": "张某",
            "result": "劝返中", **over}


def absence_row(**over: Any) -> dict[str, Any]:
    return {"id_number": make_id(dt.date(2014, 5, 6), 11), "name": "赵某一", "grade": "三年级",
            "class_name": "3班", "from_on": dt.date(2022, 10, 10), "days": 2, "reason": "病假",
            "followed_by": "钱某", "follow_up": "电话联系家长，已就医", "outcome": "已返校", **over}


def change_row(**over: Any) -> dict[str, Any]:
    return {"id_number": make_id(dt.date(2013, 7, 8), 31), "name": "周某三", "kind": "转入",
            "on": dt.date(2022, 9, 5), "from_school": "乙县第二小学", "proof": "齐全", **over}


def care_row(**over: Any) -> dict[str, Any]:
    return {"id_number": make_id(dt.date(2009, 3, 2), 21), "name": "孙某二", "mentor": "钱某",
            "on": dt.date(2022, 10, 20), "kind": "谈心谈话", "content": "谈心，了解学习困难",
            **over}


def home_row(**over: Any) -> dict[str, Any]:
    birth = over.pop("birth", dt.date(2012, 4, 3))
    ident = over.get("id_number", make_id(birth, 41))
    return {"id_number": ident, "student_no": "G" + ident if ident else None, "name": "吴某四",
            "sex": "男", "birth_date": birth, "disability": "肢体残疾", "disability_grade": "一级",
            "grade": "四年级", "township": "甲镇", "village": "一村", "guardian": "吴某父",
            "guardian_phone": "13900000000", "address": "甲镇一村1组8号", "site_type": "家庭",
            "applied_on": dt.date(2022, 9, 1), "assessed_on": dt.date(2022, 9, 5),
            "assessment": "适合送教上门", "started_on": dt.date(2022, 9, 13),
            "lead_teacher": "孙某", **over}


def iep_row(**over: Any) -> dict[str, Any]:
    return {"id_number": make_id(dt.date(2012, 4, 3), 41), "semester": "2022年秋季学期",
            "domain": "认知", "long_goal": "认识常见物品", "short_goal": "认识十种水果",
            "methods": "实物教学", "planned_visits": 16, "made_on": dt.date(2022, 9, 10),
            "made_by": "孙某", **over}


def visit_row(**over: Any) -> dict[str, Any]:
    return {"id_number": make_id(dt.date(2012, 4, 3), 41), "name": "吴某四",
            "on": dt.date(2022, 9, 13), "hours": 2, "teachers": "孙某、周某", "site_type": "家庭",
            "domains": "认知、生活自理", "content": "认识水果：苹果、香蕉、梨，练习用勺子吃饭",
            "family_task": "每天认水果卡片", "effect": "能认出三种水果", "parent_signed": "是",
            **over}


def teacher_row(**over: Any) -> dict[str, Any]:
    return {"name": "孙某", "sex": "男", "phone": "13700000000", "subject": "语文", **over}


def merge_cells(path: Path, sheet_title: str, *ranges: str) -> Path:
    """Merge cell ranges (``"A1:Q1"``) of a sheet in an existing workbook, like a school does."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb[sheet_title]
    for cells in ranges:
        ws.merge_cells(cells)
    wb.save(path)
    return path


class Formula:
    """A formula cell with the value a spreadsheet program cached for it."""

    def __init__(self, formula: str, value: Any) -> None:
        self.formula = formula
        self.value = value


class Text:
    """A cell written as text even when it looks like a formula (``=…``)."""

    def __init__(self, value: str) -> None:
        self.value = value


def write_book_xlsxwriter(path: Path, sheets: Mapping[str, Rows],
                          constant_memory: bool = False) -> Path:
    """Like ``write_book`` but with xlsxwriter: supports ``Formula`` (cached value) and ``Text``."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    for title, rows in sheets.items():
        ws = wb.add_worksheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, Formula):
                    ws.write_formula(r, c, value.formula, None, value.value)
                elif isinstance(value, Text):
                    ws.write_string(r, c, value.value)
                elif isinstance(value, dt.date):
                    ws.write_datetime(r, c, value, date_format)
                else:
                    ws.write(r, c, value)
    wb.close()
    return path
