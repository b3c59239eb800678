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
