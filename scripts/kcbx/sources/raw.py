"""What every source produces: sheets of raw cell values, before any table logic."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RawSheet:
    """A worksheet as cell values. ``rows[i]`` is spreadsheet row ``first_row + i``."""

    title: str
    rows: list[list[Any]]
    first_row: int = 1


@dataclass
class SourceProblem(Exception):
    """A file or spreadsheet that could not be read at all (Chinese ``message``)."""

    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}：{self.message}"


@dataclass
class RawWorkbook:
    """One school's submission: its sheets, and where it came from."""

    source: str  # file name relative to the submissions folder, or a spreadsheet key
    sheets: list[RawSheet] = field(default_factory=list)
    digest: str = ""  # sha256 of the bytes read, when the source is a file
    notes: list[tuple[str, str]] = field(default_factory=list)  # (sheet, what was cut) 提醒


@dataclass(frozen=True)
class Unchanged:
    """A workbook byte for byte as the last pull read it: not read again (the pull reuses
    what it made of it then)."""

    source: str
    digest: str


def fill_merged(rows: list[list[object]], ranges: list[tuple[tuple[int, int], tuple[int, int]]]):
    """Give every cell of a merged range the value of its top-left cell.

    Schools merge a 村 or 班级 down several rows; each row means that value.
    """
    for (r0, c0), (r1, c1) in ranges:
        if r0 >= len(rows):
            continue
        value = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if (r, c) != (r0, c0):
                    row[c] = value
