"""``kcbx forms --google``: each unit's form as a Google spreadsheet, in three requests.

Per unit: Drive ``files.create`` into the configured folder; one ``spreadsheets.batchUpdate``
that draws the whole :class:`~.spec.FormSpec` (sheets, headers with their hints as notes,
validations, number formats, frozen and protected header rows, the prefilled 报送信息);
one Drive permission for the unit's email. The spreadsheet is named ``<单位代码> …`` so a
pull by folder finds it.

Service accounts can no longer own new files: creating needs OAuth user credentials
(``kcbx google login``) or a folder on a Shared Drive where the service account is a member.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from openpyxl.utils import get_column_letter

from ...config import Config
from ...errors import KcbxError
from ...schema import DataPackage, load_package
from ...sources.google import (
    DRIVE_FILES,
    SPREADSHEET_MIME,
    GoogleClient,
    GooglePull,
    folder_units,
    open_client,
    spreadsheet_url,
)
from ...sources.google_retry import GoogleFailure, Pacing, with_retries
from .carry import carried_rows
from .district import load_district
from .spec import (
    AT_LEAST,
    AT_MOST,
    CUSTOM,
    DATE,
    DATE_FORMAT,
    DECIMAL,
    INTEGER_FORMAT,
    LIST,
    TEXT,
    WHOLE,
    FormSpec,
    InfoSheet,
    SheetSpec,
    ValidationSpec,
    unit_forms,
)

HEADER_FILL = {"red": 0xDD / 255, "green": 0xEB / 255, "blue": 0xF7 / 255}
REQUIRED_FILL = {"red": 0xFC / 255, "green": 0xE4 / 255, "blue": 0xD6 / 255}
NUMBER_FORMATS = {TEXT: {"type": "TEXT"}, DATE_FORMAT: {"type": "DATE", "pattern": "yyyy-mm-dd"},
                  INTEGER_FORMAT: {"type": "NUMBER", "pattern": "0"}}
DATE_CONDITIONS = {AT_LEAST: "DATE_ON_OR_AFTER", AT_MOST: "DATE_ON_OR_BEFORE"}
NUMBER_CONDITIONS = {AT_LEAST: "NUMBER_GREATER_THAN_EQ", AT_MOST: "NUMBER_LESS_THAN_EQ"}
SHARE_MESSAGE = ("这是本单位的控辍保学月报表（Google 表格），请按“填报说明”填写。"
                 "表头已锁定，请勿修改表名和表头。")
GOOGLE_LINE = "直接在本 Google 表格中填写即可，不用下载或上传；不要改表格名称，也不要删除或改名工作表。"
Progress = Callable[[str, int, int], None]


class GoogleFormsError(KcbxError):
    """Google forms cannot be made at all (no folder, no credentials)."""


@dataclass(frozen=True)
class GoogleForm:
    """One unit's outcome: the spreadsheet made (or why not)."""

    unit: str
    key: str | None
    name: str
    shared_with: str | None = None
    message: str = ""  # Chinese: what went wrong or was skipped

    @property
    def url(self) -> str | None:
        return spreadsheet_url(self.key) if self.key else None


def load_emails(path: Path) -> dict[str, str]:
    """``单位代码,邮箱`` rows of a CSV file (a header row is allowed)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise GoogleFormsError(f"邮箱文件 {path} 无法读取（{exc}）：应为 UTF-8 的 CSV，每行“单位代码,邮箱”") \
            from None
    emails: dict[str, str] = {}
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or (n == 1 and "@" not in "".join(cells)):
            continue
        if len(cells) < 2 or "@" not in cells[1]:
            raise GoogleFormsError(f"邮箱文件 {path} 第{n}行应为“单位代码,邮箱”，如 A01,a01@example.edu.cn")
        emails[cells[0]] = cells[1]
    return emails


def create_google_forms(config: Config, *, credentials: str | Path | None = None,
                        client: GoogleClient | None = None, folder: str | None = None,
                        emails: dict[str, str] | None = None, unit: str | None = None,
                        all_sheets: bool = False, package: DataPackage | None = None,
                        pacing: Pacing | None = None, progress: Progress | None = None,
                        carry: bool = True) -> list[GoogleForm]:
    """Create each reporting unit's Google form (skipping units that already have one),
    carrying what the unit reported last as the xlsx forms do (``carry``)."""
    google = config.sources.google
    folder = folder or (google.folder if google else None)
    if not folder:
        raise GoogleFormsError("请指定存放表格的 Google 云端硬盘文件夹：--folder 文件夹编号，"
                               "或 kcbx.yml 中的 "
                               "sources.google.folder（文件夹网址 /folders/ 后面的一串字符）")
    package = package or load_package()
    district = load_district(config, package)
    if unit is not None and district.unit(unit) is None:
        raise GoogleFormsError(f"单位名录中没有单位代码 {unit}")
    carried = carried_rows(config, package, district) if carry else None
    specs = unit_forms(package, district, unit=unit, all_sheets=all_sheets, carried=carried)
    if not specs:
        raise GoogleFormsError("单位名录中没有“是否报送月报”为“是”的单位，没有要新建的表格")
    emails = {**(google.emails if google else {}), **(emails or {})}
    pacing = pacing or Pacing()
    client = client or open_client(config, credentials)
    known = dict(google.spreadsheets) if google else {}
    known.update(_existing(client, folder, pacing))
    results: list[GoogleForm] = []
    stop: GoogleFailure | None = None
    for i, spec in enumerate(specs, start=1):
        code = spec.unit_code or ""
        name = f"{code} {spec.title}"
        if code in known:
            results.append(GoogleForm(code, known[code], name, message="已有这个单位的表格，未重新创建"))
        elif stop is not None:
            results.append(GoogleForm(code, None, name, message=stop.message))
        else:
            try:
                results.append(create_form(client, spec, folder, emails.get(code), pacing))
            except GoogleFailure as failure:
                results.append(GoogleForm(code, None, name, message=failure.message))
                if failure.everywhere or failure.kind == "storage":
                    stop = failure
        if progress:
            progress("创建 Google 表格", i, len(specs))
    return results


def _existing(client: GoogleClient, folder: str, pacing: Pacing) -> dict[str, str]:
    """Units that already have a spreadsheet in the folder (one Drive list request)."""
    return {u.unit: u.key for u in folder_units(client, folder, set(), GooglePull(), pacing)}


def create_form(client: GoogleClient, spec: FormSpec, folder: str, email: str | None,
                pacing: Pacing) -> GoogleForm:
    """Three requests: create in ``folder``, draw the form, share with ``email``."""
    code = spec.unit_code or ""
    name = f"{code} {spec.title}"
    what = f"单位 {code} 的 Google 表格"

    def call(method: str, url: str, **kw: Any) -> Any:
        return with_retries(lambda: client.http.request(method, url, **kw).json(), what=what,
                            pacing=pacing, account=client.account)

    made = call("post", DRIVE_FILES, json={"name": name, "mimeType": SPREADSHEET_MIME, "parents": [folder]},
                params={"supportsAllDrives": True, "fields": "id,name"})
    key = made["id"]
    try:
        with_retries(lambda: client.http.batch_update(key, {"requests": form_requests(spec)}),
                     what=what, pacing=pacing, account=client.account)
    except GoogleFailure as failure:  # an empty spreadsheet would only confuse: remove it
        try:
            client.http.request("delete", f"{DRIVE_FILES}/{key}", params={"supportsAllDrives": True})
        except Exception:  # noqa: BLE001 - best effort; the message below says what to do
            failure.message += f"（未能删除已建的空表格 {spreadsheet_url(key)}，请手动删除）"
        raise
    if not email:
        return GoogleForm(code, key, name, message="没有这个单位的邮箱，表格未共享：请用 --emails 或 "
                                                   "sources.google.emails 提供，或在 Google 表格中手动共享")
    try:
        call("post", f"{DRIVE_FILES}/{key}/permissions",
             json={"type": "user", "role": "writer", "emailAddress": email},
             params={"supportsAllDrives": True, "sendNotificationEmail": True, "emailMessage": SHARE_MESSAGE})
    except GoogleFailure as failure:
        return GoogleForm(code, key, name, message=f"表格已建好，但未能共享给 {email}：{failure.message}")
    return GoogleForm(code, key, name, shared_with=email)


def write_mapping(path: Path, results: list[GoogleForm]) -> Path:
    """A kcbx.yml fragment (``sources.google.spreadsheets``) for the forms made."""
    mapping = {r.unit: r.key for r in results if r.key}
    text = yaml.safe_dump({"sources": {"google": {"spreadsheets": mapping}}}, allow_unicode=True,
                          sort_keys=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# kcbx forms --google 生成：把下面的表格编号合并到 kcbx.yml\n" + text, encoding="utf-8")
    return path


# -- the one batchUpdate ----------------------------------------------------------------------

def form_requests(spec: FormSpec) -> list[dict[str, Any]]:
    """Everything of a form as the requests of one ``spreadsheets.batchUpdate``.

    The new spreadsheet's first sheet (id 0) becomes 填报说明; data sheets get ids 1, 2, ….
    """
    requests: list[dict[str, Any]] = [{"updateSpreadsheetProperties": {
        "properties": {"locale": "zh_CN", "timeZone": "Asia/Shanghai"}, "fields": "locale,timeZone"}}]
    requests += _info_sheet(spec.instructions)
    for index, sheet in enumerate(spec.sheets, start=1):
        requests += _data_sheet(sheet, index)
    return requests


def _online(line: str) -> str:
    """填报说明 lines are written for a workbook file; online there is no file to save."""
    for start in ("请保存为", "请把文件名"):
        if start in line and ".xlsx" in line:
            return line[:line.index(start)] + GOOGLE_LINE
    return line


def _info_sheet(info: InfoSheet) -> list[dict[str, Any]]:
    top = len(info.lines) + 1  # a blank row, then the table
    rows = [{"values": [_cell(_online(line), bold=n == 0)]} for n, line in enumerate(info.lines)]
    rows.append({"values": []})
    rows.append({"values": [_cell(h, bold=True, fill=HEADER_FILL) for h in info.header]})
    rows += [{"values": [_cell(v, wrap=True) for v in row]} for row in info.rows]
    grid = {"rowCount": len(rows), "columnCount": len(info.header), "frozenRowCount": top + 1}
    return [
        {"updateSheetProperties": {"properties": {"sheetId": 0, "title": info.title, "gridProperties": grid},
                                   "fields": "title,gridProperties(rowCount,columnCount,frozenRowCount)"}},
        {"updateCells": {"start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0}, "rows": rows,
                         "fields": "userEnteredValue,userEnteredFormat"}},
        *_widths(0, info.widths),
        {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0},
                                                  "description": "填报说明（只读）", "warningOnly": False}}},
    ]


def _data_sheet(sheet: SheetSpec, sheet_id: int) -> list[dict[str, Any]]:
    ncols = len(sheet.columns)
    first = sheet.first_data_row - 1  # 0-based
    out: list[dict[str, Any]] = [{"addSheet": {"properties": {
        "sheetId": sheet_id, "title": sheet.title, "index": sheet_id,
        "gridProperties": {"rowCount": sheet.last_data_row, "columnCount": ncols,
                           "frozenRowCount": sheet.frozen_rows}}}}]
    if sheet.banner:
        out.append(_put(sheet_id, 0, [[_cell(sheet.banner, bold=True, size=14)]]))
        if ncols > 1:
            out.append({"mergeCells": {"range": _range(sheet_id, 0, 1, 0, ncols), "mergeType": "MERGE_ALL"}})
    header = []
    for col in sheet.columns:
        fill = REQUIRED_FILL if col.required == "是" else HEADER_FILL
        cell = _cell(col.title, bold=True, wrap=True, fill=fill)
        note = "\n".join(p for p in (f"【{'必填' if col.required == '是' else '视情况必填'}】"
                                     if col.required else "", col.hint) if p)
        if note:
            cell["note"] = note
        header.append(cell)
    out.append(_put(sheet_id, sheet.header_row - 1, [header],
                    fields="userEnteredValue,userEnteredFormat,note"))
    for c, col in enumerate(sheet.columns):
        data = _range(sheet_id, first, sheet.last_data_row, c, c + 1)
        number_format = NUMBER_FORMATS.get(col.number_format)
        if number_format is not None:
            out.append({"repeatCell": {
                "range": data, "cell": {"userEnteredFormat": {"numberFormat": number_format}},
                "fields": "userEnteredFormat.numberFormat"}})
        if col.validation is not None:
            cell = f"{get_column_letter(c + 1)}{sheet.first_data_row}"
            out.append({"setDataValidation": {"range": data, "rule": validation_rule(col.validation, cell)}})
    if sheet.rows:  # prefilled (报送信息: 单位代码, 报送月份), after the formats: kept as text
        rows = [[_cell(v) if v is not None else {} for v in row] for row in sheet.rows]
        out.append(_put(sheet_id, first, rows, fields="userEnteredValue"))
    out += _widths(sheet_id, [c.width for c in sheet.columns])
    if sheet.protect_header:
        out.append({"addProtectedRange": {"protectedRange": {
            "range": _range(sheet_id, 0, sheet.header_row, 0, ncols),
            "description": "表头（请勿修改）", "warningOnly": False}}})
    return out


def validation_rule(v: ValidationSpec, cell: str) -> dict[str, Any]:
    """A spec validation as a Google ``DataValidationRule`` (``cell``: the first data cell)."""
    if v.kind == LIST:
        condition = {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": c} for c in v.choices]}
    elif v.kind == DATE:
        condition = _compare(v, DATE_CONDITIONS, "DATE_BETWEEN")
    elif v.kind == DECIMAL:
        condition = _compare(v, NUMBER_CONDITIONS, "NUMBER_BETWEEN")
    elif v.kind == WHOLE:  # Google has no whole-number condition: a formula says it
        checks = [f"ISNUMBER({cell})", f"{cell}=INT({cell})"]
        if v.minimum is not None and v.operator != AT_MOST:
            checks.append(f"{cell}>={_bound(v.minimum)}")
        if v.maximum is not None and v.operator != AT_LEAST:
            checks.append(f"{cell}<={_bound(v.maximum)}")
        condition = _formula(f"AND({','.join(checks)})")
    elif v.kind == CUSTOM:
        condition = _formula(v.formula_for(cell))
    else:  # pragma: no cover - a new kind must be drawn here first
        raise ValueError(f"unknown validation kind {v.kind}")
    return {"condition": condition, "inputMessage": v.error, "strict": v.strict,
            "showCustomUi": v.kind == LIST}


def _compare(v: ValidationSpec, single: dict[str, str], between: str) -> dict[str, Any]:
    if v.operator in single:
        bound = v.minimum if v.operator == AT_LEAST else v.maximum
        return {"type": single[v.operator], "values": [{"userEnteredValue": _bound(bound)}]}
    return {"type": between, "values": [{"userEnteredValue": _bound(v.minimum)},
                                        {"userEnteredValue": _bound(v.maximum)}]}


def _formula(text: str) -> dict[str, Any]:
    return {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": "=" + text}]}


def _bound(value: float | dt.date | None) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _cell(text: str, *, bold: bool = False, wrap: bool = False, size: int | None = None,
          fill: dict[str, float] | None = None) -> dict[str, Any]:
    fmt: dict[str, Any] = {"verticalAlignment": "MIDDLE"}
    if bold or size:
        fmt["textFormat"] = {**({"bold": True} if bold else {}), **({"fontSize": size} if size else {})}
    if wrap:
        fmt["wrapStrategy"] = "WRAP"
    if fill:
        fmt["backgroundColor"] = fill
        fmt["horizontalAlignment"] = "CENTER"
    return {"userEnteredValue": {"stringValue": text}, "userEnteredFormat": fmt}


def _put(sheet_id: int, row: int, rows: list[list[dict[str, Any]]],
         fields: str = "userEnteredValue,userEnteredFormat") -> dict[str, Any]:
    return {"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": 0},
                            "rows": [{"values": r} for r in rows], "fields": fields}}


def _range(sheet_id: int, r0: int, r1: int, c0: int, c1: int) -> dict[str, int]:
    return {"sheetId": sheet_id, "startRowIndex": r0, "endRowIndex": r1,
            "startColumnIndex": c0, "endColumnIndex": c1}


def _widths(sheet_id: int, widths: Any) -> list[dict[str, Any]]:
    return [{"updateDimensionProperties": {
        "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": c, "endIndex": c + 1},
        "properties": {"pixelSize": int(w * 7 + 12)}, "fields": "pixelSize"}} for c, w in enumerate(widths)]


