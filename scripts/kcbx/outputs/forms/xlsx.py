"""Draw a :class:`~.spec.FormSpec` as an xlsx workbook (xlsxwriter).

Data columns carry an unlocked column format (number format of the spec), so the clerk can
type anywhere below the header while the sheet is protected; banner and header cells are
locked. Dropdowns whose choices do not fit Excel's 255-character inline list are kept in a
block of the 填报说明 sheet (which readers skip) and referenced through a defined name.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from ...atomic import replacing
from .spec import (
    AT_LEAST,
    AT_MOST,
    BETWEEN,
    CUSTOM,
    DATE,
    DECIMAL,
    LIST,
    WHOLE,
    FormSpec,
    InfoSheet,
    SheetSpec,
    ValidationSpec,
)

INLINE_LIST_LIMIT = 250  # Excel refuses inline lists over 255 characters
PROTECT_OPTIONS = {
    "select_locked_cells": True,
    "select_unlocked_cells": True,
    "format_columns": True,
    "format_rows": True,
    "insert_rows": True,
    "delete_rows": True,
    "sort": True,
    "autofilter": True,
}
READ_ONLY_OPTIONS = {"select_locked_cells": True, "select_unlocked_cells": True,
                     "format_columns": True}
_CRITERIA = {BETWEEN: "between", AT_LEAST: ">=", AT_MOST: "<="}
_KINDS = {DATE: "date", WHOLE: "integer", DECIMAL: "decimal"}


def write_form(spec: FormSpec, path: Path) -> Path:
    """Write ``spec`` to ``path`` (replaced in one step: a reader never sees half a file)."""
    with replacing(path) as tmp:
        _render(spec, str(tmp))
    return path


class _Styles:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.header = book.add_format({
            "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
            "align": "center", "valign": "vcenter", "locked": True, "num_format": "@"})
        self.required = book.add_format({
            "bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True,
            "align": "center", "valign": "vcenter", "locked": True, "num_format": "@"})
        self.banner = book.add_format({"bold": True, "font_size": 14, "align": "center",
                                       "valign": "vcenter", "locked": True})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.line = book.add_format({"text_wrap": False})
        self.info_head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.info = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
        self._data: dict[str, Format] = {}

    def data(self, number_format: str) -> Format:
        """The unlocked format of a data column."""
        if number_format not in self._data:
            self._data[number_format] = self.book.add_format(
                {"num_format": number_format, "locked": False})
        return self._data[number_format]


def _render(spec: FormSpec, filename: str) -> None:
    book = xlsxwriter.Workbook(filename, {
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    try:
        book.set_properties({"title": spec.title, "author": "kcbx",
                             "comments": "由 kcbx 按数据包 schemas/ 生成，请勿修改表头"})
        styles = _Styles(book)
        info = book.add_worksheet(spec.instructions.title)
        _write_info(info, spec.instructions, styles)
        lists = _ListBlock(book, info, spec.instructions, styles)
        for sheet in spec.sheets:
            _write_sheet(book.add_worksheet(sheet.title), sheet, styles, lists)
        info.activate()
    finally:
        book.close()


def _write_info(ws: Worksheet, info: InfoSheet, styles: _Styles) -> None:
    for c, width in enumerate(info.widths):
        ws.set_column(c, c, width)
    for r, line in enumerate(info.lines):
        ws.write_string(r, 0, line, styles.title if r == 0 else styles.line)
    top = len(info.lines) + 1
    for c, text in enumerate(info.header):
        ws.write_string(top, c, text, styles.info_head)
    for r, row in enumerate(info.rows, start=top + 1):
        for c, text in enumerate(row):
            ws.write_string(r, c, text, styles.info)
    ws.freeze_panes(top + 1, 0)
    ws.protect("", READ_ONLY_OPTIONS)


class _ListBlock:
    """Long dropdown lists, written to the right of the 填报说明 table, one column each."""

    def __init__(self, book: xlsxwriter.Workbook, ws: Worksheet, info: InfoSheet,
                 styles: _Styles) -> None:
        self.book, self.ws, self.styles = book, ws, styles
        self.top = len(info.lines) + 1
        self.next_col = len(info.header) + 1
        self.names: dict[tuple[str, ...], str] = {}

    def source(self, choices: tuple[str, ...], label: str) -> str:
        if choices in self.names:
            return self.names[choices]
        col = self.next_col
        self.next_col += 1
        self.ws.set_column(col, col, 18)
        self.ws.write_string(self.top, col, f"下拉选项：{label}", self.styles.info_head)
        for r, choice in enumerate(choices, start=self.top + 1):
            self.ws.write_string(r, col, choice, self.styles.info)
        letter = xl_col_to_name(col)
        name = f"kcbx_list_{len(self.names) + 1}"
        first, last = self.top + 2, self.top + 1 + len(choices)
        self.book.define_name(name, f"='{self.ws.name}'!${letter}${first}:${letter}${last}")
        self.names[choices] = f"={name}"
        return self.names[choices]


def _write_sheet(ws: Worksheet, sheet: SheetSpec, styles: _Styles, lists: _ListBlock) -> None:
    header = sheet.header_row - 1  # 0-based
    first, last = sheet.first_data_row - 1, sheet.last_data_row - 1
    for c, col in enumerate(sheet.columns):
        ws.set_column(c, c, col.width, styles.data(col.number_format))
    if sheet.banner:
        ncols = len(sheet.columns)
        if ncols > 1:
            ws.merge_range(0, 0, 0, ncols - 1, sheet.banner, styles.banner)
        else:
            ws.write_string(0, 0, sheet.banner, styles.banner)
        ws.set_row(0, 24)
    ws.set_row(header, 32)
    for c, col in enumerate(sheet.columns):
        ws.write_string(header, c, col.title, styles.required if col.required == "是"
                        else styles.header)
        if col.hint:
            ws.write_comment(header, c, col.hint, {
                "author": "kcbx", "x_scale": 2.5, "y_scale": max(1.5, len(col.hint) / 40)})
    for r, row in enumerate(sheet.rows, start=first):
        for c, value in enumerate(row):
            if value is not None:
                ws.write_string(r, c, value, styles.data(sheet.columns[c].number_format))
    for c, col in enumerate(sheet.columns):
        if col.validation is not None:
            options = _validation(col.validation, xl_rowcol_to_cell(first, c),
                                  f"{sheet.title}·{col.title}", lists)
            ws.data_validation(first, c, last, c, options)
    ws.freeze_panes(sheet.frozen_rows, 0)
    if sheet.protect_header:
        ws.protect("", PROTECT_OPTIONS)


def _validation(v: ValidationSpec, cell: str, label: str, lists: _ListBlock) -> dict[str, Any]:
    options: dict[str, Any] = {
        "ignore_blank": v.allow_blank,
        "error_type": "stop" if v.strict else "warning",
        "error_title": v.error_title[:32],
        "error_message": v.error[:255],
    }
    if v.kind == LIST:
        inline = "，".join(v.choices)
        if len(inline) + len(v.choices) > INLINE_LIST_LIMIT or any("," in c for c in v.choices):
            options.update(validate="list", source=lists.source(v.choices, label))
        else:
            options.update(validate="list", source=list(v.choices))
    elif v.kind == CUSTOM:
        options.update(validate="custom", value="=" + v.formula_for(cell))
    elif v.kind in _KINDS:
        options.update(validate=_KINDS[v.kind], criteria=_CRITERIA[v.operator or BETWEEN])
        low, high = _bound(v.minimum), _bound(v.maximum)
        if v.operator == AT_LEAST:
            options["value"] = low
        elif v.operator == AT_MOST:
            options["value"] = high
        else:
            options.update(minimum=low, maximum=high)
    else:  # pragma: no cover - a new kind must be drawn here first
        raise ValueError(f"unknown validation kind {v.kind}")
    return options


def _bound(value: float | dt.date | None) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
