"""Writing one table to one worksheet, the way schools' sheets really look.

Headers are the schema's field titles; layouts vary the legal ways ``tables.md`` allows
(a merged title row above the header, shuffled columns, a blank row, half-width brackets,
an unknown extra column). The writer streams rows (xlsxwriter ``constant_memory``) and
tells where each tagged row landed, so planted mistakes get their spreadsheet row.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ..schema import Table
from .dates import text_date
from .model import CREATED, MonthCell, Row

EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()


@dataclass(frozen=True)
class Layout:
    title: str | None = None  # a merged title row above the header
    shuffle: bool = False  # columns in another order
    blank_after: int | None = None  # an empty row after this many data rows
    half_width: bool = False  # headers typed with () instead of （）
    extra: tuple[str, Callable[[Row], Any]] | None = None  # an unknown extra column
    text_dates: float = 0.03  # share of rows whose dates were typed as text


PLAIN = Layout()


@dataclass
class Written:
    """Where a table landed: its header row and the row of every tagged data row."""

    header: int
    rows: dict[str, int]
    count: int


class BookWriter:
    """An xlsx workbook with fixed properties (the same input gives the same bytes)."""

    def __init__(self, path: str, seed: str) -> None:
        self.book = xlsxwriter.Workbook(path, {"constant_memory": True})
        self.book.set_properties({"created": CREATED, "author": "kcbx 示例区（虚构数据）",
                                  "title": "示例区控辍保学报表（虚构数据）"})
        self.rng = random.Random(seed)
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.month = self.book.add_format({"num_format": "yyyy-mm"})
        self.head = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                          "text_wrap": True, "valign": "vcenter"})
        self.banner = self.book.add_format({"bold": True, "font_size": 14, "align": "center"})

    def close(self) -> None:
        self.book.close()

    def write(self, table: Table, rows: Iterable[Row], layout: Layout = PLAIN) -> Written:
        ws = self.book.add_worksheet(table.title)
        fields = list(table.fields)
        if layout.shuffle:
            self.rng.shuffle(fields)
        titles = [f.title for f in fields]
        if layout.half_width:
            titles = [t.replace("（", "(").replace("）", ")") for t in titles]
        names = [f.name for f in fields]
        extra = layout.extra
        if extra:
            titles.append(extra[0])
        for c, title in enumerate(titles):
            ws.set_column(c, c, max(10, min(2 * len(title) + 2, 30)))
        r = 0
        if layout.title:
            ws.merge_range(0, 0, 0, len(titles) - 1, layout.title, self.banner)
            r = 1
        for c, title in enumerate(titles):
            ws.write_string(r, c, title, self.head)
        ws.freeze_panes(r + 1, 0)
        header = r + 1
        r += 1
        tags: dict[str, int] = {}
        count = 0
        for row in rows:
            if count == layout.blank_after:
                r += 1
            style = -1
            if layout.text_dates and self.rng.random() < layout.text_dates:
                style = self.rng.randrange(3)
            self._row(ws, r, names, row, style)
            if extra:
                value = extra[1](row)
                if value is not None:
                    ws.write_string(r, len(names), str(value))
            tag = row.get("_tag")
            if tag:
                tags[tag] = r + 1
            r += 1
            count += 1
        return Written(header, tags, count)

    def _row(self, ws: Worksheet, r: int, names: list[str], row: Row, style: int) -> None:
        write_string, write_number = ws.write_string, ws.write_number
        date_format: Format = self.date
        for c, name in enumerate(names):
            value = row.get(name)
            if value is None:
                continue
            kind = type(value)
            if kind is str:
                if value:
                    write_string(r, c, value)
            elif kind is dt.date:
                if style >= 0:
                    write_string(r, c, text_date(value, style))
                else:
                    write_number(r, c, value.toordinal() - EXCEL_EPOCH, date_format)
            elif kind is int or kind is float:
                write_number(r, c, value)
            elif kind is MonthCell:
                write_number(r, c, value.value.toordinal() - EXCEL_EPOCH, self.month)
            else:
                raise TypeError(f"示例数据中有无法写入的值：{name}={value!r}")
