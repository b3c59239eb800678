"""Raw workbooks → one normalised table per schema resource, with provenance.

Follows the reading conventions of ``tables.md``: sheets and headers matched by their
normalised Chinese titles, title rows and blank rows skipped, columns in any order,
unknown columns and sheets reported as 提醒, missing required columns as 错误.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import polars as pl

from ..findings import Finding, finding
from ..schema import DataPackage, Table, normalize_label
from ..sources import RawSheet, RawWorkbook, SourceProblem, Unchanged
from .cells import cell_text, column_text

# Columns every table carries besides its fields: where each row came from.
PROVENANCE = ("_unit", "_file", "_sheet", "_row")
KNOWN_EXTRA_SHEETS = {normalize_label(t) for t in ("填报说明", "校验结果")}
COVER = "cover"
HEADER_SCAN_ROWS = 30


@dataclass
class FileRecord:
    source: str
    unit_code: str | None
    digest: str
    sheets: dict[str, str] = field(default_factory=dict)  # table name → sheet title
    absent: dict[str, list[str]] = field(default_factory=dict)  # table → fields without column
    header_rows: dict[str, int] = field(default_factory=dict)  # table → header row number
    readable: bool = True


@dataclass
class Intake:
    """What a pull read: tables (all text + provenance), findings, and one record a file."""

    tables: dict[str, pl.DataFrame]
    findings: list[Finding]
    files: list[FileRecord]


@dataclass
class Reused:
    """What the last pull made of a workbook that has not changed since: its record, its
    rows of each table and its findings."""

    record: FileRecord
    frames: dict[str, pl.DataFrame]
    findings: list[Finding]


@dataclass
class _Columns:
    """Accumulates one table's rows from many sheets, column-wise."""

    table: Table
    parts: list[pl.DataFrame] = field(default_factory=list)

    def frame(self) -> pl.DataFrame:
        if not self.parts:
            return empty_frame(self.table)
        return pl.concat(self.parts, how="vertical")


def empty_frame(table: Table) -> pl.DataFrame:
    columns: dict[str, Any] = {name: pl.Series(name, [], dtype=pl.String)
                               for name in (*table.field_names, *PROVENANCE[:3])}
    columns["_row"] = pl.Series("_row", [], dtype=pl.Int64)
    return pl.DataFrame(columns)


def intake(
    package: DataPackage,
    reference: RawWorkbook | SourceProblem,
    submissions: Iterable[RawWorkbook | SourceProblem | Unchanged],
    reused: Mapping[str, Reused] | None = None,
) -> Intake:
    """Read the bureau's reference workbook and every unit's workbook into tables; an
    :class:`Unchanged` workbook brings what the last pull made of it (``reused``)."""
    columns = {t.name: _Columns(t) for t in package.tables}
    findings: list[Finding] = []
    files: list[FileRecord] = []

    if isinstance(reference, SourceProblem):
        findings.append(finding("file-error", file=reference.source, detail=reference.message))
        files.append(FileRecord(reference.source, None, "", readable=False))
    else:
        record = FileRecord(reference.source, None, reference.digest)
        _read_book(package, reference, None, package.reference_tables, columns, findings, record)
        findings.extend(_cut_findings(reference, None))
        files.append(record)

    seen_units: dict[str, str] = {}
    for book in submissions:
        if isinstance(book, SourceProblem):
            unit = _unit_from_name(book.source)
            findings.append(finding("file-error", unit_code=unit, file=book.source,
                                    detail=book.message))
            files.append(FileRecord(book.source, unit, "", readable=False))
            continue
        again = reused[book.source] if isinstance(book, Unchanged) and reused else None
        if again is not None:
            unit = again.record.unit_code or _unit_from_name(book.source)
            record = FileRecord(book.source, unit, again.record.digest)
        else:
            if not isinstance(book, RawWorkbook):
                raise TypeError(f"{book.source}: unchanged, but nothing of the last pull to reuse")
            unit = _unit_of(package, book)
            record = FileRecord(book.source, unit, book.digest)
        files.append(record)
        if unit in seen_units:
            findings.append(finding("duplicate-workbook", unit_code=unit, file=book.source,
                                    value=unit, other=seen_units[unit]))
            record.readable = False
            continue
        seen_units[unit] = book.source
        if again is not None:
            record.sheets, record.absent, record.header_rows = (
                dict(again.record.sheets), dict(again.record.absent), dict(again.record.header_rows))
            for name, frame in again.frames.items():
                columns[name].parts.append(frame)
            findings.extend(again.findings)
            continue
        _read_book(package, book, unit, package.submitted_tables, columns, findings, record)
        findings.extend(_cut_findings(book, unit))
        if COVER not in record.sheets:
            findings.append(finding(
                "missing-sheet", unit_code=unit, file=book.source,
                sheet=package.table(COVER).title,
                detail=f"已按文件名把本工作簿算作单位代码 {unit} 的报表；请从报表模板中补上这张表",
            ))

    tables = {name: acc.frame() for name, acc in columns.items()}
    return Intake(tables=tables, findings=findings, files=files)


def _cut_findings(book: RawWorkbook, unit: str | None) -> list[Finding]:
    """A 提醒 for each sheet the reader cut to the limits (cells far beyond any form)."""
    return [finding("sheet-cut", unit_code=unit, file=book.source, sheet=sheet, detail=detail)
            for sheet, detail in book.notes]


def _unit_from_name(source: str) -> str:
    return normalize_label(PurePath(source).stem)


def _unit_of(package: DataPackage, book: RawWorkbook) -> str:
    """The unit a workbook belongs to: 报送信息's 单位代码, else the file name."""
    return workbook_unit(package, book) or _unit_from_name(book.source)


def workbook_unit(package: DataPackage, book: RawWorkbook) -> str | None:
    """The 单位代码 a workbook's 报送信息 names (None when it names none)."""
    cover = package.table(COVER)
    for sheet in book.sheets:
        if package.table_for_sheet(sheet.title) is not cover:
            continue
        header = _find_header(cover, sheet)
        if header is None:
            return None
        row_index, positions = header
        idx = positions.get("unit_code")
        if idx is None:
            return None
        for row in sheet.rows[row_index + 1:]:
            if not _blank(row):
                return cell_text(row[idx] if idx < len(row) else None, cover.field("unit_code")) or None
        return None
    return None


def _read_book(
    package: DataPackage,
    book: RawWorkbook,
    unit: str | None,
    expected: list[Table],
    columns: dict[str, _Columns],
    findings: list[Finding],
    record: FileRecord,
) -> None:
    allowed = {t.name for t in expected}
    where = {"unit_code": unit, "file": book.source}
    if unit is None:  # the reference workbook: its two sheets must be there
        present = {package.table_for_sheet(s.title) for s in book.sheets}
        for table in expected:
            if table not in present:
                findings.append(finding("missing-sheet", sheet=table.title,
                                        detail="基础数据工作簿必须包含这张表", **where))
    for sheet in book.sheets:
        table = package.table_for_sheet(sheet.title)
        if table is None or table.name not in allowed or table.name in record.sheets:
            if normalize_label(sheet.title) not in KNOWN_EXTRA_SHEETS and not _empty(sheet):
                findings.append(finding("extra-sheet", sheet=sheet.title, **where))
            continue
        record.sheets[table.name] = sheet.title
        header = _find_header(table, sheet)
        if header is not None:
            record.header_rows[table.name] = sheet.first_row + header[0]
        frame = _read_sheet(table, sheet, findings, where)
        if frame is not None:
            absent = [f.name for f in table.fields if f.name not in frame.columns]
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(n) for n in absent)
            frame = frame.select(*table.field_names, *PROVENANCE)
            if absent:
                record.absent[table.name] = absent
            columns[table.name].parts.append(frame)


def _read_sheet(
    table: Table, sheet: RawSheet, findings: list[Finding], where: dict[str, Any]
) -> pl.DataFrame | None:
    header = _find_header(table, sheet)
    if header is None:
        if _empty(sheet):
            return None
        required = "、".join(f.title for f in table.fields if f.required) or "、".join(
            f.title for f in table.fields[:5])
        findings.append(finding("header-error", sheet=sheet.title, value=HEADER_SCAN_ROWS,
                                detail=required, **where))
        return None
    header_index, positions = header
    _header_findings(table, sheet, header_index, positions, findings, where)

    data: list[list[Any]] = []
    rows: list[int] = []
    for offset, row in enumerate(sheet.rows[header_index + 1:], start=header_index + 1):
        if not _blank(row):
            data.append(row)
            rows.append(sheet.first_row + offset)
    if table.name == COVER and len(data) > 1:
        findings.append(finding("cover-rows", sheet=sheet.title, row=rows[1], **where))
        data, rows = data[:1], rows[:1]

    n = len(data)
    frame: dict[str, pl.Series] = {}
    for f in table.fields:
        idx = positions.get(f.name)
        if idx is not None:  # absent columns are added (empty) by the caller
            frame[f.name] = column_text([r[idx] if idx < len(r) else None for r in data], f)
    frame["_unit"] = pl.Series("_unit", [where["unit_code"]] * n, dtype=pl.String)
    frame["_file"] = pl.Series("_file", [where["file"]] * n, dtype=pl.String)
    frame["_sheet"] = pl.Series("_sheet", [sheet.title] * n, dtype=pl.String)
    frame["_row"] = pl.Series("_row", rows, dtype=pl.Int64)
    return pl.DataFrame(frame)


def _header_findings(
    table: Table,
    sheet: RawSheet,
    header_index: int,
    positions: dict[str, int],
    findings: list[Finding],
    where: dict[str, Any],
) -> None:
    row_no = sheet.first_row + header_index
    labels = {f.label: f for f in table.fields}
    seen: set[str] = set()
    for cell in sheet.rows[header_index]:
        if not isinstance(cell, str) or not cell.strip():
            if cell not in (None, "") and not isinstance(cell, str):
                findings.append(finding("extra-label", sheet=sheet.title, row=row_no,
                                        column=str(cell), **where))
            continue
        label = normalize_label(cell)
        if label in labels:
            if label in seen:
                findings.append(finding("duplicate-label", sheet=sheet.title, row=row_no,
                                        column=cell.strip(), **where))
            seen.add(label)
        else:
            findings.append(finding("extra-label", sheet=sheet.title, row=row_no,
                                    column=cell.strip(), **where))
    for f in table.fields:
        if f.required and f.name not in positions:
            findings.append(finding("missing-label", sheet=sheet.title, row=row_no,
                                    column=f.title, **where))


def _find_header(table: Table, sheet: RawSheet) -> tuple[int, dict[str, int]] | None:
    """The header row (index into ``sheet.rows``) and each field's column position."""
    labels = {f.label: f.name for f in table.fields}
    need = min(2, len(labels))
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        positions: dict[str, int] = {}
        for col, cell in enumerate(row):
            if isinstance(cell, str) and cell:
                name = labels.get(normalize_label(cell))
                if name is not None and name not in positions:
                    positions[name] = col
        if len(positions) >= need and (best is None or len(positions) > len(best[1])):
            best = (index, positions)
            if len(positions) == len(labels):
                break
    return best


def _blank(row: list[Any]) -> bool:
    for cell in row:
        if cell is None:
            continue
        if type(cell) is str:
            if cell.strip():
                return False
        else:
            return False
    return True


def _empty(sheet: RawSheet) -> bool:
    return all(_blank(row) for row in sheet.rows)
