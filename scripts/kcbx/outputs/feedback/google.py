"""Feedback in each school's own Google spreadsheet: 校验结果 rewritten, cells annotated.

Per school, two requests: one ``spreadsheets.get`` (sheet ids, sizes and what kcbx marked
last time) and one ``spreadsheets.batchUpdate`` that rewrites the 校验结果 worksheet
whole, clears last run's marks and colours and notes the offending cells (red 错误,
yellow 提醒, as in the xlsx copies). Only notes and fill colours of the school's sheets
are touched — never a value — and header rows are left as the form made them.

What was marked is kept in the spreadsheet's developer metadata (``kcbx.feedback``), so
the next run clears exactly those cells and nothing the school coloured itself.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from ...config import Config
from ...findings import ERROR, WARNING, Finding, Report
from ...sources.google import GoogleClient, GoogleSetupError, open_client, spreadsheet_url, workbook_from_raw
from ...sources.google_retry import GoogleFailure, Pacing, with_retries
from ...tables import Snapshot
from ...tables.intake import FileRecord
from ...validation.rules import rule_name
from .locate import Cell, Locator

RESULTS = "校验结果"
HEADER = ("序号", "严重程度", "问题类型", "工作表", "行", "列", "值", "问题说明", "位置", "规则编号")
WIDTHS = (50, 70, 150, 170, 50, 120, 150, 520, 90, 80)  # pixels
TOP_ROWS = 3  # title, note, header
METADATA_KEY = "kcbx.feedback"
METADATA_LIMIT = 25_000  # Google allows 30,000 characters of metadata per spreadsheet
COLOURS = {ERROR: {"red": 1.0, "green": 0xC7 / 255, "blue": 0xCE / 255},
           WARNING: {"red": 1.0, "green": 0xEB / 255, "blue": 0x9C / 255}}
HEAD_COLOUR = {"red": 0xD9 / 255, "green": 0xE1 / 255, "blue": 0xF2 / 255}
GREY = {"red": 0.4, "green": 0.4, "blue": 0.4}
LINK_COLOUR = {"red": 0x05 / 255, "green": 0x63 / 255, "blue": 0xC1 / 255}
MARK_FIELDS = "note,userEnteredFormat.backgroundColor"
SHEET_FIELDS = ("sheets.properties(sheetId,title,index,gridProperties(rowCount,columnCount)),"
                "developerMetadata(metadataId,metadataKey,metadataValue)")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class GoogleFeedback:
    """What happened for one unit's spreadsheet."""

    unit: str
    key: str
    url: str
    written: bool
    located: int = 0  # findings noted on a cell
    listed: int = 0  # findings in 校验结果
    message: str = ""  # why nothing was written (Chinese)


def write_google_feedback(config: Config, snapshot: Snapshot, report: Report,
                          client: GoogleClient | None = None, *,
                          credentials: str | Path | None = None, pacing: Pacing | None = None,
                          progress: Progress | None = None) -> list[GoogleFeedback]:
    """Write every Google unit's feedback for ``snapshot``; one school's failure skips only it."""
    index_file = snapshot.path / "raw" / "google" / "index.json"
    if not index_file.is_file():
        return []
    index = json.loads(index_file.read_text(encoding="utf-8"))
    pacing = pacing or Pacing()
    try:
        client = client or open_client(config, credentials)
    except GoogleSetupError as exc:
        return [GoogleFeedback(u["unit"], u["key"], u["url"], False, message=str(exc)) for u in index]
    records = {r.source: r for r in snapshot.files()}
    ordered = report.sorted()
    results: list[GoogleFeedback] = []
    stop: GoogleFailure | None = None
    for i, entry in enumerate(index, start=1):
        unit, key, source = entry["unit"], entry["key"], entry["source"]
        record = records.get(source)
        if stop is not None:
            results.append(GoogleFeedback(unit, key, entry["url"], False,
                                          message=stop.about(f"单位 {unit} 的 Google 表格（{key}）")))
        elif not entry.get("read") or record is None or not record.readable:
            results.append(GoogleFeedback(unit, key, entry["url"], False,
                                          message="本次没有读到这份表格，没有写反馈（原因见校验结果中的“文件无法读取”）"))
        else:
            raw = json.loads((snapshot.path / "raw" / "google" / f"{unit}.json").read_text(encoding="utf-8"))
            findings = [f for f in ordered
                        if f.file == source or (f.file is None and f.unit_code == unit)]
            title = (f"{report.unit_names.get(unit, unit)}（{unit}）{config.period} 报表校验结果")
            try:
                results.append(write_unit(client, key, unit, raw, record, findings, title,
                                          snapshot.name, pacing))
            except GoogleFailure as failure:
                results.append(GoogleFeedback(unit, key, entry["url"], False, message=failure.message))
                if failure.everywhere:
                    stop = failure
        if progress:
            progress("写 Google 表格反馈", i, len(index))
    return results


def write_unit(client: GoogleClient, key: str, unit: str, raw: dict[str, Any], record: FileRecord,
               findings: list[Finding], title: str, snapshot: str, pacing: Pacing) -> GoogleFeedback:
    """One school's feedback: one ``spreadsheets.get`` and one ``spreadsheets.batchUpdate``."""
    what = f"单位 {unit} 的 Google 表格（{key}）"  # as kcbx.sources.google.unit_what
    meta = with_retries(lambda: client.http.fetch_sheet_metadata(
        key, {"includeGridData": "false", "fields": SHEET_FIELDS}),
        what=what, pacing=pacing, account=client.account)
    sheets = {s["properties"]["title"]: s["properties"] for s in meta.get("sheets", [])}
    values = _raw_values(raw)
    locator = Locator(record, list(values), lambda s, r: _row(values.get(s, []), r))
    places = [locator.locate(f) for f in findings]
    marks = _marks(findings, places, record, sheets)

    requests: list[dict[str, Any]] = []
    results_id = _results_sheet(requests, sheets, len(findings))
    requests.append(_results_cells(results_id, title, snapshot, findings, places, sheets))
    requests += _column_widths(results_id)
    previous, boxes, metadata_id = _previous_marks(meta)
    live = {p["sheetId"]: p.get("gridProperties", {}) for p in sheets.values()}
    for sheet_id, (r0, r1, c0, c1) in sorted(boxes.items()):
        if sheet_id in live:
            requests.append({"updateCells": {"range": {
                "sheetId": sheet_id, "startRowIndex": r0, "endRowIndex": min(r1, live[sheet_id]["rowCount"]),
                "startColumnIndex": c0, "endColumnIndex": min(c1, live[sheet_id]["columnCount"])},
                "fields": MARK_FIELDS}})
    for sheet_id, row, col in sorted(previous - set(marks)):
        grid = live.get(sheet_id, {})
        if row < grid.get("rowCount", 0) and col < grid.get("columnCount", 0):
            requests.append(_cell_update(sheet_id, row, col, {}))
    for (sheet_id, row, col), (severity, notes) in sorted(marks.items()):
        cell = {"note": "\n".join(notes), "userEnteredFormat": {"backgroundColor": COLOURS[severity]}}
        requests.append(_cell_update(sheet_id, row, col, cell))
    requests.append(_metadata_request(set(marks), metadata_id))
    with_retries(lambda: client.http.batch_update(key, {"requests": requests}),
                 what=what, pacing=pacing, account=client.account)
    return GoogleFeedback(unit, key, spreadsheet_url(key), True,
                          located=sum(1 for p in places if p is not None and _in(p, record, sheets)),
                          listed=len(findings))


# -- the school's sheets: marks ---------------------------------------------------------------

Mark = tuple[int, int, int]  # sheetId, 0-based row, 0-based column


def _raw_values(raw: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """Sheet title → rows (row 1 first) from the pull's raw batchGet JSON."""
    return {sheet.title: [[] for _ in range(sheet.first_row - 1)] + sheet.rows
            for sheet in workbook_from_raw(raw).sheets}


def _row(rows: list[list[Any]], number: int) -> list[Any]:
    return rows[number - 1] if 0 < number <= len(rows) else []


def _in(place: Cell, record: FileRecord, sheets: dict[str, dict[str, Any]]) -> bool:
    """A cell kcbx may mark: a data cell (below the header) of a sheet that still exists."""
    props = sheets.get(place.sheet)
    if props is None:
        return False
    header = next((record.header_rows.get(t) for t, s in record.sheets.items() if s == place.sheet), None)
    grid = props.get("gridProperties", {})
    return (place.row > (header or 0) and place.row <= grid.get("rowCount", 0)
            and place.column <= grid.get("columnCount", 0))


def _marks(findings: list[Finding], places: list[Cell | None], record: FileRecord,
           sheets: dict[str, dict[str, Any]]) -> dict[Mark, tuple[str, list[str]]]:
    """Each cell to mark: the worst severity among its findings, and their messages."""
    marks: dict[Mark, tuple[str, list[str]]] = {}
    for f, place in zip(findings, places, strict=True):
        if place is None or not _in(place, record, sheets):
            continue
        mark = (sheets[place.sheet]["sheetId"], place.row - 1, place.column - 1)
        severity, notes = marks.get(mark, (WARNING, []))
        text = f"【{f.severity}】{f.message}"
        if text not in notes:
            notes.append(text)
        marks[mark] = (ERROR if ERROR in (severity, f.severity) else WARNING, notes)
    return marks


def _cell_update(sheet_id: int, row: int, col: int, cell: dict[str, Any]) -> dict[str, Any]:
    """Set (or, with ``{}``, clear) one cell's note and fill — never its value."""
    return {"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": col},
                            "rows": [{"values": [cell]}], "fields": MARK_FIELDS}}


def _previous_marks(meta: dict[str, Any]) -> tuple[set[Mark], dict[int, list[int]], int | None]:
    """Last run's marks: single cells, and boxes (sheetId → [r0, r1, c0, c1]) when there
    were too many to list."""
    for md in meta.get("developerMetadata", []):
        if md.get("metadataKey") != METADATA_KEY:
            continue
        cells: set[Mark] = set()
        boxes: dict[int, list[int]] = {}
        try:
            data = json.loads(md.get("metadataValue") or "{}")
            for sheet, cols in data.get("cells", {}).items():
                for col, runs in cols.items():
                    cells.update((int(sheet), row, int(col)) for row in _runs_to_rows(runs))
            boxes = {int(sheet): [int(v) for v in box] for sheet, box in data.get("boxes", {}).items()}
        except (ValueError, AttributeError, TypeError):
            pass  # unreadable (edited by hand): nothing to clear
        return cells, boxes, md.get("metadataId")
    return set(), {}, None


def _metadata_request(marks: set[Mark], metadata_id: int | None) -> dict[str, Any]:
    """What was marked this run, compact (row runs per column), for the next run to clear.

    Past Google's metadata limit, each sheet's marks are kept as one box instead.
    """
    by: dict[str, dict[str, list[int]]] = {}
    for sheet_id, row, col in sorted(marks):
        by.setdefault(str(sheet_id), {}).setdefault(str(col), []).append(row)
    value = json.dumps({"version": 1, "cells": {s: {c: _rows_to_runs(rows) for c, rows in cols.items()}
                                                for s, cols in by.items()}}, separators=(",", ":"))
    if len(value) > METADATA_LIMIT:
        boxes = {}
        for sheet in {m[0] for m in marks}:
            mine = [m for m in marks if m[0] == sheet]
            boxes[str(sheet)] = [min(m[1] for m in mine), max(m[1] for m in mine) + 1,
                                 min(m[2] for m in mine), max(m[2] for m in mine) + 1]
        value = json.dumps({"version": 1, "boxes": boxes}, separators=(",", ":"))
    md = {"metadataKey": METADATA_KEY, "metadataValue": value, "location": {"spreadsheet": True},
          "visibility": "DOCUMENT"}
    if metadata_id is None:
        return {"createDeveloperMetadata": {"developerMetadata": md}}
    return {"updateDeveloperMetadata": {
        "dataFilters": [{"developerMetadataLookup": {"metadataId": metadata_id}}],
        "developerMetadata": {"metadataValue": value}, "fields": "metadataValue"}}


def _rows_to_runs(rows: list[int]) -> str:
    rows = sorted(set(rows))
    runs: list[str] = []
    start = prev = rows[0]
    for r in [*rows[1:], None]:
        if r is not None and r == prev + 1:
            prev = r
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if r is not None:
            start = prev = r
    return ",".join(runs)


def _runs_to_rows(runs: str) -> list[int]:
    rows: list[int] = []
    for part in filter(None, runs.split(",")):
        a, _, b = part.partition("-")
        rows += range(int(a), int(b or a) + 1)
    return rows


# -- the 校验结果 worksheet ---------------------------------------------------------------------

def _results_sheet(requests: list[dict[str, Any]], sheets: dict[str, dict[str, Any]], count: int) -> int:
    """The 校验结果 sheet id: added (first, frozen) when missing, grown when too small."""
    rows = max(TOP_ROWS + count + 1, 20)
    props = sheets.get(RESULTS)
    if props is None:
        used = {p["sheetId"] for p in sheets.values()}
        sheet_id = next(i for i in range(90_001, 99_999) if i not in used)
        requests.append({"addSheet": {"properties": {
            "sheetId": sheet_id, "title": RESULTS, "index": 0,
            "gridProperties": {"rowCount": rows, "columnCount": len(HEADER), "frozenRowCount": TOP_ROWS},
            "tabColor": COLOURS[ERROR]}}})
        return sheet_id
    grid = props.get("gridProperties", {})
    sheet_id = props["sheetId"]
    wanted = {"rowCount": max(rows, grid.get("rowCount", 0)),
              "columnCount": max(len(HEADER), grid.get("columnCount", 0)), "frozenRowCount": TOP_ROWS}
    requests.append({"updateSheetProperties": {
        "properties": {"sheetId": sheet_id, "gridProperties": wanted},
        "fields": "gridProperties(rowCount,columnCount,frozenRowCount)"}})
    return sheet_id


def _text(value: Any, *, bold: bool = False, colour: dict[str, float] | None = None,
          fill: dict[str, float] | None = None, wrap: bool = False) -> dict[str, Any]:
    """A cell written as text or a number — never a formula, whatever the text holds
    (the only formulas are the links kcbx makes itself)."""
    if value is None or value == "":
        cell: dict[str, Any] = {}
    elif isinstance(value, int):
        cell = {"userEnteredValue": {"numberValue": value}}
    else:
        cell = {"userEnteredValue": {"stringValue": str(value)}}
    fmt: dict[str, Any] = {"verticalAlignment": "TOP"}
    if bold or colour:
        fmt["textFormat"] = {**({"bold": True} if bold else {}),
                             **({"foregroundColor": colour} if colour else {})}
    if fill:
        fmt["backgroundColor"] = fill
    if wrap:
        fmt["wrapStrategy"] = "WRAP"
    cell["userEnteredFormat"] = fmt
    return cell


def _results_cells(sheet_id: int, title: str, snapshot: str, findings: list[Finding],
                   places: list[Cell | None], sheets: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One updateCells over the whole sheet: what it does not write is cleared."""
    errors = sum(f.severity == ERROR for f in findings)
    warnings = len(findings) - errors
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    summary = f"{title}：错误 {errors} 条，提醒 {warnings} 条" if findings else f"{title}：没有发现问题"
    rows = [
        {"values": [_text(summary, bold=True)]},
        {"values": [_text(f"本表由 kcbx 在每次校验后整张重写（{now}，快照 {snapshot}），请不要在本表中填写。"
                          "请按“问题说明”修改对应工作表中的单元格：错误标红、提醒标黄，并加了批注；"
                          "修改后等待下次校验，本表会自动更新。", colour=GREY)]},
        {"values": [_text(h, bold=True, fill=HEAD_COLOUR) for h in HEADER]},
    ]
    for n, (f, place) in enumerate(zip(findings, places, strict=True), start=1):
        link = _text("")
        props = sheets.get(place.sheet) if place else None
        if place is not None and props is not None:
            a1 = f"{get_column_letter(place.column)}{place.row}"
            link = _text("", colour=LINK_COLOUR)  # our own formula: a sheet id and a cell, nothing else
            link["userEnteredValue"] = {
                "formulaValue": f'=HYPERLINK("#gid={int(props["sheetId"])}&range={a1}","转到 {a1}")'}
        rows.append({"values": [
            _text(n), _text(f.severity, fill=COLOURS.get(f.severity)), _text(rule_name(f.rule)),
            _text(f.sheet or ""), _text(f.row if f.row is not None else ""), _text(f.column or ""),
            _text(f.value or ""), _text(f.message, wrap=True), link, _text(f.rule, colour=GREY)]})
    return {"updateCells": {"range": {"sheetId": sheet_id}, "rows": rows,
                            "fields": "userEnteredValue,userEnteredFormat,textFormatRuns,note"}}


def _column_widths(sheet_id: int) -> list[dict[str, Any]]:
    return [{"updateDimensionProperties": {
        "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": i, "endIndex": i + 1},
        "properties": {"pixelSize": w}, "fields": "pixelSize"}} for i, w in enumerate(WIDTHS)]


