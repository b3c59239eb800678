"""An annotated copy of one school's workbook: findings coloured and commented in place.

The school's cells keep their values (formulas stay formulas); only fills and comments are
added, and a first sheet 校验结果 lists every finding with a link to its cell. Text the
copy writes is always stored as text: a value such as ``=1+1`` never becomes a formula.
"""

from __future__ import annotations

import datetime as dt
import warnings
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
from ...sources.guard import DEFAULT_LIMITS, MB, Limits, bound_sheets, check_workbook
from ...tables.intake import FileRecord
from . import package
from .layout import (
    AUTHOR,
    COLORS,
    GREY,
    HEADER,
    LINK_COLOR,
    NOTE_COLOR,
    NOTES,
    ORIGINAL,
    RESTORED_AUTHOR,
    RESULTS,
    TOP,
    WIDTHS,
    WRAPPED,
    Annotated,
    comment_height,
    marks,
    result_rows,
    summary,
)
from .locate import Cell, Locator

__all__ = ["AUTHOR", "HEADER", "ORIGINAL", "RESULTS", "WIDTHS", "Annotated", "write_annotated"]

FILLS = {severity: PatternFill("solid", fgColor=rgb) for severity, rgb in COLORS.items()}
OPENPYXL_SUFFIXES = (".xlsx", ".xlsm")


def write_annotated(source: Path | None, target: Path, findings: list[Finding],
                    record: FileRecord | None, title: str,
                    limits: Limits = DEFAULT_LIMITS, site_url: str | None = None) -> Annotated:
    """Copy ``source`` to ``target`` with ``findings`` marked; ``source`` None: list only.

    An xlsx/xlsm that passes the reading gate is patched as a package (``package``): every
    part the marks do not touch is copied as it is. Anything else (an .xls/.ods, a file
    with far cells, a package the patch cannot read) is opened with openpyxl or rebuilt
    from its values, and 校验结果 says so.

    ``site_url``: the published site; each policy rule's ID then links to its description."""
    if source is not None and source.is_file() and source.suffix.lower() in OPENPYXL_SUFFIXES:
        data = _fitting(source, limits)
        if data is not None:
            try:
                return package.write_patched(data, target, findings, record, title, site_url)
            except Exception:  # noqa: BLE001 - a package the patch cannot read: openpyxl's turn
                pass
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
    return _fitting(source, limits) is not None


def _fitting(source: Path, limits: Limits) -> bytes | None:
    """The file's bytes when it passes the reading gate and has no cells far out, else None."""
    try:
        if source.stat().st_size > limits.file_mb * MB:
            return None
        data = source.read_bytes()
        check_workbook(data, source.name, limits)
    except (OSError, SourceProblem):
        return None
    return None if bound_sheets(data, limits)[1] else data


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
                cell.comment = Comment(original, RESTORED_AUTHOR) if marker else None
                if cell.fill.fgColor.rgb in ours:
                    cell.fill = PatternFill()


def _mark(book: Workbook, findings: list[Finding], places: list[Cell | None]) -> int:
    def anchor(place: Cell) -> Cell:
        cell = _anchor(book[place.sheet], place.row, place.column)
        return Cell(place.sheet, cell.row, cell.column)

    todo = marks(findings, places, anchor)
    for mark in todo:
        cell = book[mark.cell.sheet].cell(mark.cell.row, mark.cell.column)
        cell.fill = FILLS[mark.severity]
        text = mark.text
        if cell.comment is not None and cell.comment.author != AUTHOR:
            text += f"{ORIGINAL}{cell.comment.text}"
        cell.comment = Comment(text, AUTHOR, height=comment_height(text), width=320)
    return sum(mark.count for mark in todo)


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
    _text(ws.cell(1, 1), title).font = Font(bold=True, size=14)
    _text(ws.cell(2, 1), summary(findings))
    if mode in NOTES:
        _text(ws.cell(3, 1), NOTES[mode]).font = Font(color=NOTE_COLOR)
    for c, (head, width) in enumerate(zip(HEADER, WIDTHS, strict=True), start=1):
        _text(ws.cell(TOP, c), head).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    for r, line in enumerate(result_rows(findings, places, site_url), start=TOP + 1):
        for c, value in enumerate(line.cells, start=1):
            cell = ws.cell(r, c)
            if isinstance(value, int):
                cell.value = value
            else:
                _text(cell, value)
            cell.alignment = Alignment(wrap_text=c in WRAPPED, vertical="top")
        ws.cell(r, 2).fill = FILLS.get(line.severity, FILLS[ERROR])
        if line.location is not None:
            link = ws.cell(r, 9)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=line.location, display=link.value)
            link.font = Font(color=LINK_COLOR, underline="single")
        rule = ws.cell(r, 10)
        rule.font = Font(size=8, color=GREY)
        if line.rule_url:
            rule.hyperlink = line.rule_url
            rule.font = Font(size=8, color=LINK_COLOR, underline="single")
        ws.row_dimensions[r].height = line.height
    ws.freeze_panes = ws.cell(TOP + 1, 1)
    _print_setup(ws, TOP, title)
    if findings:
        ws.auto_filter.ref = f"A{TOP}:{get_column_letter(len(HEADER))}{TOP + len(findings)}"


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
