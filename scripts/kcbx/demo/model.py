"""The demo's data shapes: the public result types and the rows handed to the writer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Progress = Callable[[str, int, int], None]
Row = dict[str, Any]

DISTRICT = "示例区"
YEAR = 2022
PERIOD = "2022-10"
PULLED_ON = dt.date(2022, 11, 4)
PREVIOUS_PERIOD = "2022-09"
PREVIOUS_PULLED_ON = dt.date(2022, 10, 5)
TERM = ("2022年秋季学期", dt.date(2022, 9, 1), dt.date(2023, 1, 13))
HOLIDAYS = (
    ("国庆节", dt.date(2022, 10, 1), dt.date(2022, 10, 7)),
    ("中秋节", dt.date(2022, 9, 10), dt.date(2022, 9, 12)),
)
WORKDAYS = (dt.date(2022, 10, 8), dt.date(2022, 10, 9))
REFERENCE_DATE = dt.date(2022, 8, 31)
SEMESTER = TERM[0]
CREATED = dt.datetime(2022, 11, 4, 8, 0, 0)  # fixed workbook 'created' → identical bytes
MARKER = ".kcbx-demo"


@dataclass(frozen=True)
class Planted:
    """One mistake planted on purpose, at the anchor cell the finding should point at.

    ``row`` is the 1-based spreadsheet row as the school sees it (title rows counted);
    ``file`` is the workbook, relative to the demo folder.
    """

    rule: str
    unit_code: str
    sheet: str
    row: int
    column: str
    note: str
    file: str = ""


@dataclass
class DemoSummary:
    dest: Path
    units: int
    children: int
    files: list[Path] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    type: str
    parent: str | None
    township: str
    grades: tuple[int, int] | None  # grades taught (1..9), None for offices
    must_report: bool = True


@dataclass(frozen=True)
class Group:
    township: str
    village: str
    group: str
    unit: str  # 包保单位代码

    @property
    def address(self) -> str:
        return f"{self.township}{self.village}{self.group}（虚构）"


@dataclass
class Plant:
    """A planted mistake before the writer knows its row: the row is found by ``tag``.

    ``tag`` None means the header row; ``column`` is a field name, or a title for a column
    that is not in the schema (the extra column).
    """

    rule: str
    unit: str
    table: str
    tag: str | None
    column: str
    note: str
    file: str = ""


@dataclass
class Book:
    """Everything one unit's workbook holds: rows per table name, and cover values."""

    unit: Unit
    cover: Row
    tables: dict[str, list[Iterable[Row]]] = field(default_factory=dict)

    def add(self, table: str, rows: Iterable[Row]) -> None:
        self.tables.setdefault(table, []).append(rows)


@dataclass(frozen=True)
class MonthCell:
    """报送月份 typed as 2022-10 that the spreadsheet turned into a date cell."""

    value: dt.date
