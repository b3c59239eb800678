"""Where a finding sits in a school's workbook: sheet, row and column as the school sees them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ...findings import Finding
from ...schema import normalize_label
from ...tables.intake import HEADER_SCAN_ROWS, FileRecord

# Rules whose row is in another pull or workbook (REP-4: the row the case had last time;
# HOME-7: the child's row in last year's last pull): listed in 校验结果, never pointed at a
# cell of this copy.
ELSEWHERE_RULES = frozenset({"REP-4", "HOME-7"})


@dataclass(frozen=True)
class Cell:
    sheet: str  # the sheet title as in the workbook
    row: int  # 1-based
    column: int  # 1-based


class Locator:
    """Finds cells of one workbook; ``rows(sheet)`` gives the cell values of a sheet's rows."""

    def __init__(self, record: FileRecord | None, sheet_titles: Sequence[str],
                 header_cells: Callable[[str, int], Sequence[Any]]) -> None:
        self.record = record
        self.titles = list(sheet_titles)
        self._labels = {normalize_label(t): t for t in self.titles}
        self._header_cells = header_cells
        self._columns: dict[tuple[str, int], dict[str, int]] = {}

    def sheet(self, title: str | None) -> str | None:
        if not title:
            return None
        if title in self.titles:
            return title
        return self._labels.get(normalize_label(title))

    def header_row(self, sheet: str) -> int | None:
        if self.record is None:
            return None
        for table, title in self.record.sheets.items():
            if title == sheet:
                return self.record.header_rows.get(table)
        return None

    def columns(self, sheet: str, row: int) -> dict[str, int]:
        """Normalised header label → 1-based column, for the header row ``row``."""
        key = (sheet, row)
        if key not in self._columns:
            found: dict[str, int] = {}
            for i, value in enumerate(self._header_cells(sheet, row), start=1):
                if value is not None and str(value).strip():
                    found.setdefault(normalize_label(str(value)), i)
            self._columns[key] = found
        return self._columns[key]

    def locate(self, f: Finding) -> Cell | None:
        """The cell of ``f``, or None (no sheet, no row, a row of another pull)."""
        if f.rule in ELSEWHERE_RULES or f.row is None:
            return None
        if self.record is not None and f.file is not None and f.file != self.record.source:
            return None
        sheet = self.sheet(f.sheet)
        if sheet is None:
            return None
        if not f.column:  # a whole row (a duplicate key): its first cell
            return Cell(sheet, f.row, 1)
        column = self._column(sheet, f)
        return Cell(sheet, f.row, column) if column else None

    def _column(self, sheet: str, f: Finding) -> int | None:
        assert f.column
        wanted = [normalize_label(part) for part in (f.column, *f.column.split("、"))]
        rows = [r for r in (self.header_row(sheet), f.row) if r]
        rows += [r for r in range(1, HEADER_SCAN_ROWS + 1) if r not in rows]
        for row in rows:
            columns = self.columns(sheet, row)
            for label in wanted:
                if label in columns:
                    return columns[label]
            if row == self.header_row(sheet):
                break  # the known header row lacks it: a missing column, no cell
        return None
