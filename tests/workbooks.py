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
