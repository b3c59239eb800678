"""An annotated copy of one school's workbook: findings coloured and commented in place.

The school's cells keep their values (formulas stay formulas); only fills and comments are
added, and a first sheet 校验结果 lists every finding with a link to its cell. Text the
copy writes is always stored as text: a value such as ``=1+1`` never becomes a formula.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from ...atomic import replacing
from ...findings import ERROR, Finding
from ...sources import SourceProblem
from ...sources.contain import read_contained
from ...sources.guard import DEFAULT_LIMITS, Limits, bound_sheets, check_workbook
from ...tables.intake import FileRecord
from ...validation.rules import REGISTRY, rule_name
from .locate import Cell, Locator

RESULTS = "校验结果"
AUTHOR = "kcbx校验"
FILLS = {ERROR: PatternFill("solid", fgColor="FFC7CE"), "提醒": PatternFill("solid", fgColor="FFEB9C")}
HEADER = ("序号", "严重程度", "问题类型", "工作表", "行", "列", "值", "问题说明", "位置", "规则编号")
WIDTHS = (5, 8, 16, 16, 6, 12, 14, 58, 18, 10)  # fits landscape A4 at a readable scale
OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")
ORIGINAL = "\n——原批注："


@dataclass(frozen=True)
class Annotated:
    """What one copy holds: how the school's data got in, and where each finding sits."""

    path: Path
    mode: str  # "copy" (the workbook itself), "values" (rebuilt from cell values), "list"
    located: int  # findings pointed at a cell
    listed: int  # all findings in 校验结果


def write_annotated(source: Path | None, target: Path, findings: list[Finding],
                    record: FileRecord | None, title: str,
                    limits: Limits = DEFAULT_LIMITS, site_url: str | None = None) -> Annotated:
    """Copy ``source`` to ``target`` with ``findings`` marked; ``source`` None: list only.

    ``site_url``: the published site; each policy rule's ID then links to its description."""
    book, mode = _open(source, limits)
    if RESULTS in book.sheetnames:  # a copy sent back: the old results are not the school's
        del book[RESULTS]
    _clear_old(book)
    locator = Locator(record, book.sheetnames, lambda s, r: _row_values(book[s], r))
    places = [locator.locate(f) for f in findings]
    located = _mark(book, findings, places)
    _results_sheet(book, findings, places, title, mode, site_url)
    with replacing(target) as tmp:
        book.save(tmp)
    return Annotated(target, mode, located, len(findings))


def _open(source: Path | None, limits: Limits) -> tuple[Workbook, str]:
    """The workbook itself when openpyxl can read it, else its values, else nothing.

    A file that does not pass the reading gate, or has cells far beyond any form, is not
    given to openpyxl (whose loops walk the whole rectangle up to the farthest cell).
    """
    if source is not None and source.is_file():
        if source.suffix.lower() in OPENPYXL_SUFFIXES and _fits(source, limits):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    book = load_workbook(source)
                if any(_has_formula(ws) for ws in book.worksheets):
                    book.calculation.fullCalcOnLoad = True  # copies keep no cached results
                return book, "copy"
            except Exception:  # noqa: BLE001 - any unreadable part: fall back to the values
                pass
        try:
            return _values_book(source, limits), "values"
        except SourceProblem:
            pass
    book = Workbook()
    book.remove(book.active)
    return book, "list"


def _fits(source: Path, limits: Limits) -> bool:
    try:
        data = source.read_bytes()
        check_workbook(data, source.name, limits)
    except (OSError, SourceProblem):
        return False
    return not bound_sheets(data, limits)[1]


def _has_formula(ws: Worksheet) -> bool:
    return any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def _values_book(source: Path, limits: Limits) -> Workbook:
    """An xlsx rebuilt from the cell values (xls/ods, or a file openpyxl cannot open)."""
    raw = read_contained(source, name=source.name, limits=limits)
    book = Workbook()
    book.remove(book.active)
    for sheet in raw.sheets:
        ws = book.create_sheet(sheet.title[:31])
        for r, row in enumerate(sheet.rows, start=sheet.first_row):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(r, c)
                _set(cell, value)
    return book


def _set(cell: XlCell, value: Any) -> None:
    """Write a value; text stays text (no formula, no number, no date guessing)."""
    if isinstance(value, dt.datetime | dt.date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd" if not isinstance(value, dt.datetime) or \
            value.time() == dt.time() else "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.time | dt.timedelta):
        cell.value = str(value)
        cell.data_type = "s"
    elif isinstance(value, bool | int | float):
        cell.value = value
    else:
        cell.value = str(value)
        cell.data_type = "s"


def _row_values(ws: Worksheet, row: int) -> list[Any]:
    if row > ws.max_row:
        return []
    return [c.value for c in ws[row]]


def _clear_old(book: Workbook) -> None:
    """Remove an earlier feedback's marks (a copy sent back), restoring the school's comments."""
    ours = {fill.fgColor.rgb for fill in FILLS.values()}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                comment = cell.comment
                if comment is None or comment.author != AUTHOR:
                    continue
                _, marker, original = comment.text.partition(ORIGINAL)
                cell.comment = Comment(original, "原批注") if marker else None
                if cell.fill.fgColor.rgb in ours:
                    cell.fill = PatternFill()


def _mark(book: Workbook, findings: list[Finding], places: list[Cell | None]) -> int:
    grouped: dict[tuple[str, str], tuple[XlCell, list[Finding]]] = {}
    for f, place in zip(findings, places, strict=True):
        if place is not None:
            cell = _anchor(book[place.sheet], place.row, place.column)
            grouped.setdefault((place.sheet, cell.coordinate), (cell, []))[1].append(f)
    for cell, items in grouped.values():
        severity = ERROR if any(f.severity == ERROR for f in items) else items[0].severity
        cell.fill = FILLS.get(severity, FILLS[ERROR])
        text = "\n".join(f"【{f.severity}】{f.message}" for f in items)
        if cell.comment is not None and cell.comment.author != AUTHOR:
            text += f"{ORIGINAL}{cell.comment.text}"
        lines = sum(1 + len(line) // 30 for line in text.split("\n"))
        cell.comment = Comment(text, AUTHOR, height=min(20 * lines + 20, 600), width=320)
    return sum(len(items) for _cell, items in grouped.values())


def _anchor(ws: Worksheet, row: int, column: int) -> XlCell:
    """The cell to mark; inside a merged range, its top-left cell."""
    cell = ws.cell(row, column)
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if cell.coordinate in rng:
                return ws.cell(rng.min_row, rng.min_col)
    return cell  # type: ignore[return-value]


def _results_sheet(book: Workbook, findings: list[Finding], places: list[Cell | None],
                   title: str, mode: str, site_url: str | None = None) -> None:
    ws = book.create_sheet(RESULTS, 0)
    for other in book.worksheets:
        other.sheet_view.tabSelected = other is ws
    book.active = 0
    errors = sum(f.severity == ERROR for f in findings)
    _text(ws.cell(1, 1), title).font = Font(bold=True, size=14)
    if findings:
        summary = (f"共 {len(findings)} 条：错误 {errors} 条，提醒 {len(findings) - errors} 条。"
                   "红色单元格为错误，黄色为提醒，鼠标停在单元格上可看说明；点“位置”可跳到该单元格。"
                   "改正后请在原报表中修改并重新报送。")
    else:
        summary = "本次校验没有发现问题。"
    _text(ws.cell(2, 1), summary)
    notes = {"values": "原工作簿无法直接复制（如 .xls/.ods 格式），以下各表按单元格的值重建，仅供对照；"
                       "请在原报表中修改。",
             "list": "没有可供标注的报表文件（未报送或文件无法读取），只列出问题。"}
    if mode in notes:
        _text(ws.cell(3, 1), notes[mode]).font = Font(color="C00000")
    top = 5
    for c, (head, width) in enumerate(zip(HEADER, WIDTHS, strict=True), start=1):
        _text(ws.cell(top, c), head).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    for i, (f, place) in enumerate(zip(findings, places, strict=True), start=1):
        r = top + i
        ws.cell(r, 1).value = i
        _text(ws.cell(r, 2), f.severity).fill = FILLS.get(f.severity, FILLS[ERROR])
        _text(ws.cell(r, 3), rule_name(f.rule))
        _text(ws.cell(r, 4), f.sheet)
        if f.row is not None:
            ws.cell(r, 5).value = f.row
        _text(ws.cell(r, 6), f.column)
        _text(ws.cell(r, 7), f.value)
        _text(ws.cell(r, 8), f.message)
        if place is not None:
            ref = f"{get_column_letter(place.column)}{place.row}"
            link = _text(ws.cell(r, 9), f"{place.sheet}!{ref}")
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"{_quote(place.sheet)}!{ref}",
                                       display=link.value)
            link.font = Font(color="0563C1", underline="single")
        rule = _text(ws.cell(r, 10), f.rule)
        rule.font = Font(size=8, color="808080")
        if site_url and f.rule in REGISTRY:  # the rule's page in the published catalogue
            rule.hyperlink = f"{site_url.rstrip('/')}/reference/rules.html#{f.rule.lower()}"
            rule.font = Font(size=8, color="0563C1", underline="single")
        for c in range(1, len(HEADER) + 1):
            ws.cell(r, c).alignment = Alignment(wrap_text=c in (3, 4, 7, 8), vertical="top")
        # spreadsheet programs do not grow a row for wrapped text on opening: say how tall
        ws.row_dimensions[r].height = 2 + 15 * max(_lines(ws.cell(r, c).value, WIDTHS[c - 1])
                                                   for c in (3, 4, 7, 8))
    ws.freeze_panes = ws.cell(top + 1, 1)
    _print_setup(ws, top, title)
    if findings:
        ws.auto_filter.ref = f"A{top}:{get_column_letter(len(HEADER))}{top + len(findings)}"


def _lines(value: object, width: int) -> int:
    """Lines ``value`` wraps to in a column ``width`` characters wide (CJK counts two)."""
    text = "" if value is None else str(value)
    cells = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return max(1, -(-cells // max(width - 1, 1)))


def _print_setup(ws: Worksheet, header_row: int, title: str) -> None:
    """Landscape A4, one page wide, the header row on every page, a footer naming the page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.left.text = title.replace("&", "&&")
    ws.oddFooter.right.text = "第 &P 页，共 &N 页"


def _text(cell: XlCell, value: str | None) -> XlCell:
    if value is not None:
        cell.value = value
        cell.data_type = "s"  # "=…" stays text
    return cell


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"

