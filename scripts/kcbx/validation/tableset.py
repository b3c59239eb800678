"""The tables validation works on: a snapshot's tables as text and typed (``Tables``).

Its own module so that the checks (``schema_checks``, ``keys``, the rules) all import it
and none of them imports another for the type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ..schema import DataPackage
from ..tables.intake import FileRecord
from .frames import typed_frame


@dataclass
class Tables:
    """A snapshot's tables as text and typed, with which sheets lack which columns."""

    package: DataPackage
    text: dict[str, pl.DataFrame]
    typed: dict[str, pl.DataFrame] = field(default_factory=dict)
    absent: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (table, field)
    header_rows: dict[tuple[str, str], int] = field(default_factory=dict)  # (file, sheet) → row

    @classmethod
    def build(cls, package: DataPackage, text: dict[str, pl.DataFrame],
              files: list[FileRecord]) -> Tables:
        typed = {t.name: typed_frame(t, text[t.name]) for t in package.tables}
        absent: dict[tuple[str, str], list[str]] = {}
        header_rows = {(rec.source, rec.sheets[t]): row for rec in files
                       for t, row in rec.header_rows.items() if t in rec.sheets}
        for rec in files:
            for table_name, names in rec.absent.items():
                sheet = rec.sheets.get(table_name, "")
                for name in names:
                    absent.setdefault((table_name, name), []).append(f"{rec.source}\x00{sheet}")
        return cls(package, text, typed, absent, header_rows)
