"""What an annotated copy shows, whichever way it is written (package patch or openpyxl).

The 校验结果 sheet's texts and rows, the fill colours and the comment text of a marked cell
are made here once, so the two writers (``package`` and ``xlsx``) give the same cells.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ...findings import ERROR, Finding
from ...sources.guard import column_letters
from ...validation.rules import REGISTRY, rule_name
from .locate import Cell

RESULTS = "校验结果"
AUTHOR = "kcbx校验"
RESTORED_AUTHOR = "原批注"  # a school comment given back after our comment is removed
COLORS = {ERROR: "FFC7CE", "提醒": "FFEB9C"}
HEADER = ("序号", "严重程度", "问题类型", "工作表", "行", "列", "值", "问题说明", "位置", "规则编号")
WIDTHS = (5, 8, 16, 16, 6, 12, 14, 58, 18, 10)  # fits landscape A4 at a readable scale
WRAPPED = (3, 4, 7, 8)  # 1-based columns whose text wraps
ORIGINAL = "\n——原批注："
TOP = 5  # the header row of 校验结果
LINK_COLOR, NOTE_COLOR, GREY = "0563C1", "C00000", "808080"
NOTES = {"values": "原工作簿无法直接复制（如 .xls/.ods 格式），以下各表按单元格的值重建，仅供对照；"
                   "请在原报表中修改。",
         "list": "没有可供标注的报表文件（未报送或文件无法读取），只列出问题。"}


@dataclass(frozen=True)
class Annotated:
    """What one copy holds: how the school's data got in, and where each finding sits."""

    path: Path
    mode: str  # "copy" (the workbook itself), "values" (rebuilt from cell values), "list"
    located: int  # findings pointed at a cell
    listed: int  # all findings in 校验结果


@dataclass(frozen=True)
class ResultRow:
    """One finding's line in 校验结果 (``cells`` are columns 1..10; None leaves it empty)."""

    cells: tuple[int | str | None, ...]
    severity: str
    location: str | None  # internal link target, e.g. 'Sheet'!B3
    rule_url: str | None  # the rule's page on the published site
    height: float  # points: spreadsheet programs do not grow a row for wrapped text


@dataclass(frozen=True)
class Mark:
    """A cell to colour and comment: its worst severity and its findings' comment text."""

    cell: Cell
    severity: str
    text: str
    count: int


def summary(findings: list[Finding]) -> str:
    errors = sum(f.severity == ERROR for f in findings)
    if not findings:
        return "本次校验没有发现问题。"
    return (f"共 {len(findings)} 条：错误 {errors} 条，提醒 {len(findings) - errors} 条。"
            "红色单元格为错误，黄色为提醒，鼠标停在单元格上可看说明；点“位置”可跳到该单元格。"
            "改正后请在原报表中修改并重新报送。")


def result_rows(findings: list[Finding], places: list[Cell | None],
                site_url: str | None) -> list[ResultRow]:
    rows = []
    for i, (f, place) in enumerate(zip(findings, places, strict=True), start=1):
        ref = location = None
        if place is not None:
            ref = f"{place.sheet}!{column_letters(place.column)}{place.row}"
            location = f"{quote(place.sheet)}!{column_letters(place.column)}{place.row}"
        url = None
        if site_url and f.rule in REGISTRY:  # the rule's page in the published catalogue
            url = f"{site_url.rstrip('/')}/reference/rules.html#{f.rule.lower()}"
        cells = (i, f.severity, rule_name(f.rule), f.sheet, f.row, f.column, f.value, f.message,
                 ref, f.rule)
        height = 2 + 15 * max(lines(cells[c - 1], WIDTHS[c - 1]) for c in WRAPPED)
        rows.append(ResultRow(cells, f.severity, location, url, height))
    return rows


def marks(findings: list[Finding], places: list[Cell | None],
          anchor: Callable[[Cell], Cell]) -> list[Mark]:
    """The cells to mark: findings on one cell (after ``anchor``: a merged range's top-left)
    share its fill (the worst severity) and comment."""
    grouped: dict[Cell, list[Finding]] = {}
    for f, place in zip(findings, places, strict=True):
        if place is not None:
            grouped.setdefault(anchor(place), []).append(f)
    out = []
    for cell, items in grouped.items():
        severity = ERROR if any(f.severity == ERROR for f in items) else items[0].severity
        text = "\n".join(f"【{f.severity}】{f.message}" for f in items)
        out.append(Mark(cell, severity if severity in COLORS else ERROR, text, len(items)))
    return out


def comment_height(text: str) -> int:
    """Pixels: tall enough for the comment's lines at 30 characters each."""
    count = sum(1 + len(line) // 30 for line in text.split("\n"))
    return min(20 * count + 20, 600)


def lines(value: object, width: int) -> int:
    """Lines ``value`` wraps to in a column ``width`` characters wide (CJK counts two)."""
    text = "" if value is None else str(value)
    cells = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return max(1, -(-cells // max(width - 1, 1)))


def quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"
