"""A local fake of the Google Sheets v4 and Drive v3 endpoints kcbx uses, for tests.

It is a ``requests`` transport adapter: mounted on the sessions the real gspread client
and google-auth use, it answers in-process (no sockets) with the JSON shapes and errors
Google sends. It keeps spreadsheets (sheets, cells as ``CellData``, notes, formats,
validations, frozen rows, protected ranges, developer metadata), Drive folders and
permissions, and a log of every request. Failures are configurable: 429 / 5xx, an
unshared or missing spreadsheet, revoked credentials, the service-account storage error.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from fake_google_cells import (
    _apply_mask,
    _col,
    _grid_values,
    _letters,
    _raw_value,
    _select,
    _type,
    _user_value,
    _with_formatted,
    _write_cell,
)

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
FOLDER_MIME = "application/vnd.google-apps.folder"
MESSAGES = {
    400: ("INVALID_ARGUMENT", "Invalid request."),
    401: ("UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access "
          "token, login cookie or other valid authentication credential."),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    404: ("NOT_FOUND", "Requested entity was not found."),
    429: ("RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Read requests' and limit 'Read "
          "requests per minute per user' of service 'sheets.googleapis.com' for consumer "
          "'project_number:1'."),
    500: ("INTERNAL", "Internal error encountered."),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
}


class Reply(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


def api_error(status: int, message: str | None = None, *, drive_reason: str | None = None) -> Reply:
    code, default = MESSAGES.get(status, ("UNKNOWN", "Error"))
    error: dict[str, Any] = {"code": status, "message": message or default, "status": code}
    if drive_reason:  # Drive v3 errors carry the legacy ``errors`` list
        error = {"code": status, "message": message or default,
                 "errors": [{"domain": "usageLimits" if "Rate" in drive_reason else "global",
                             "reason": drive_reason, "message": message or default}]}
    return Reply(status, {"error": error})


@dataclass
class Call:
    method: str
    kind: str  # token, values.batchGet, spreadsheets.get, spreadsheets.batchUpdate, drive.files.create …
    key: str | None
    params: dict[str, list[str]]
    body: Any
    status: int = 200


@dataclass
class Sheet:
    properties: dict[str, Any]
    cells: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    protected: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    conditional: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.properties["sheetId"]

    @property
    def title(self) -> str:
        return self.properties["title"]

    @property
    def size(self) -> tuple[int, int]:
        g = self.properties["gridProperties"]
        return g["rowCount"], g["columnCount"]


@dataclass
class Spreadsheet:
    key: str
    name: str
    sheets: list[Sheet]
    parents: list[str] = field(default_factory=list)
    permissions: list[dict[str, Any]] = field(default_factory=list)
    metadata: list[dict[str, Any]] = field(default_factory=list)
    shared: bool = True

    def sheet(self, title: str) -> Sheet | None:
        return next((s for s in self.sheets if s.title == title), None)

    def by_id(self, sheet_id: int) -> Sheet:
        for s in self.sheets:
            if s.id == sheet_id:
                return s
        raise api_error(400, f"No grid with id: {sheet_id}")


class FakeGoogle(BaseAdapter):
    """In-process Sheets v4 / Drive v3 / OAuth token endpoint."""

    def __init__(self) -> None:
        super().__init__()
        self.books: dict[str, Spreadsheet] = {}
        self.folders: dict[str, dict[str, Any]] = {}
        self.log: list[Call] = []
        self.failures: list[dict[str, Any]] = []
        self.tokens: set[str] = set()
        self.revoked = False
        self.service_account = False  # Drive refuses to let it own new files
        self._ids = itertools.count(1)

    # -- test helpers ---------------------------------------------------------------------
    def add_folder(self, folder_id: str, *, shared_drive: bool = False) -> str:
        self.folders[folder_id] = {"id": folder_id, "sharedDrive": shared_drive}
        return folder_id

    def add_spreadsheet(self, key: str, sheets: dict[str, list[list[Any]]], *, name: str = "",
                        folder: str | None = None) -> str:
        """A spreadsheet whose sheets hold ``rows`` as a school typed them (dates as dates)."""
        book = Spreadsheet(key, name or key, [], parents=[folder] if folder else [])
        for i, (title, rows) in enumerate(sheets.items()):
            sheet = Sheet({"sheetId": 100 + i, "title": title, "index": i, "sheetType": "GRID",
                           "gridProperties": {"rowCount": max(1000, len(rows) + 10), "columnCount": 26}})
            book.sheets.append(sheet)
            self.type_rows(sheet, rows)
        self.books[key] = book
        return key

    @staticmethod
    def type_rows(sheet: Sheet, rows: list[list[Any]], top: int = 0) -> None:
        for r, row in enumerate(rows, start=top):
            for c, value in enumerate(row):
                _type(sheet, r, c, value)

    def type_cell(self, key: str, title: str, row: int, col: int, value: Any) -> None:
        """One cell typed by the school, at 1-based (row, col)."""
        sheet = self.books[key].sheet(title)
        assert sheet is not None, title
        _type(sheet, row - 1, col - 1, value)

    def fail(self, status: int, *, times: int = 1, kind: str | None = None, key: str | None = None,
             reason: str | None = None, message: str | None = None) -> None:
        """The next ``times`` matching requests fail with ``status``."""
        self.failures.append({"status": status, "times": times, "kind": kind, "key": key,
                              "reason": reason, "message": message})

    def calls(self, kind: str | None = None, key: str | None = None) -> list[Call]:
        return [c for c in self.log if c.kind != "token" and (kind is None or c.kind == kind)
                and (key is None or c.key == key)]

    def values(self, key: str, title: str) -> list[list[str]]:
        sheet = self.books[key].sheet(title)
        assert sheet is not None, title
        return _grid_values(sheet, 0, 0, *sheet.size, "FORMATTED_VALUE")

    def cell(self, key: str, title: str, row: int, col: int) -> dict[str, Any]:
        """CellData at 1-based (row, col)."""
        sheet = self.books[key].sheet(title)
        assert sheet is not None, title
        return sheet.cells.get((row - 1, col - 1), {})

    # -- transport ------------------------------------------------------------------------
    def close(self) -> None:
        pass

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        url = urlsplit(request.url or "")
        params = parse_qs(url.query, keep_blank_values=True)
        body = _body(request)
        call = Call(request.method or "GET", "?", None, params, body)
        self.log.append(call)
        try:
            result = self._route(request, url.netloc, unquote(url.path), params, body, call)
            status, payload, headers = 200, result, {}
        except Reply as reply:
            status, payload, headers = reply.status, reply.body, reply.headers
        call.status = status
        return _response(request, status, payload, headers)

    def _route(self, request: requests.PreparedRequest, host: str, path: str,
               params: dict[str, list[str]], body: Any, call: Call) -> Any:
        if host == "oauth2.googleapis.com":
            call.kind = "token"
            return self._token(body)
        m = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(.*)", path)
        if host == "sheets.googleapis.com" and m:
            key, rest = m.groups()
            call.key = key
            call.kind = _sheets_kind(request.method or "GET", rest)
            self._check(request, call)
            book = self._book(key)
            return self._sheets(book, call.kind, rest, params, body)
        m = re.fullmatch(r"/drive/v3/files(?:/([^/]+))?(/permissions)?", path)
        if host == "www.googleapis.com" and m:
            file_id, perms = m.groups()
            call.key = file_id
            call.kind = ("drive.permissions.create" if perms else "drive.files.create"
                         if request.method == "POST" else "drive.files.delete"
                         if request.method == "DELETE" else
                         "drive.files.get" if file_id else "drive.files.list")
            self._check(request, call)
            return self._drive(call.kind, file_id, params, body)
        raise Reply(404, "<html><body>Not Found</body></html>")

    def _token(self, body: Any) -> Any:
        if self.revoked:
            raise Reply(400, {"error": "invalid_grant",
                              "error_description": "Token has been expired or revoked."})
        token = f"ya29.fake-{next(self._ids)}"
        self.tokens.add(token)
        return {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _check(self, request: requests.PreparedRequest, call: Call) -> None:
        auth = request.headers.get("Authorization", "")
        if self.revoked or auth.removeprefix("Bearer ") not in self.tokens:
            raise api_error(401)
        for rule in self.failures:
            if rule["times"] > 0 and rule["kind"] in (None, call.kind) and rule["key"] in (None, call.key):
                rule["times"] -= 1
                if rule["status"] == 502:  # Google's front end answers 502 with an HTML page
                    raise Reply(502, "<!DOCTYPE html><html><title>Error 502 (Server Error)!!1</title></html>")
                raise api_error(rule["status"], rule["message"], drive_reason=rule["reason"])

    def _book(self, key: str) -> Spreadsheet:
        book = self.books.get(key)
        if book is None:
            raise api_error(404)
        if not book.shared:
            raise api_error(403)
        return book

    # -- Sheets v4 ------------------------------------------------------------------------
    def _sheets(self, book: Spreadsheet, kind: str, rest: str, params: dict[str, list[str]],
                body: Any) -> Any:
        if kind == "spreadsheets.get":
            return _select(self._spreadsheet_json(book, params), _one(params, "fields"))
        if kind in ("values.batchGet", "values.get"):
            option = _one(params, "valueRenderOption") or "FORMATTED_VALUE"
            texts = params.get("ranges", []) if kind == "values.batchGet" else [rest.removeprefix("/values/")]
            ranges = [_resolve(book, r) for r in texts]
            out = []
            for sheet, (r0, c0, r1, c1), text in ranges:
                vr = {"range": text, "majorDimension": "ROWS"}
                values = _grid_values(sheet, r0, c0, r1, c1, option)
                if values:
                    vr["values"] = values
                out.append(vr)
            if kind == "values.get":
                return out[0]
            return {"spreadsheetId": book.key, "valueRanges": out}
        if kind == "spreadsheets.batchUpdate":
            return self._batch_update(book, body)
        if kind == "values.update":
            return self._write_values(book, unquote(rest.removeprefix("/values/")), body["values"],
                                      _input_option(_one(params, "valueInputOption")))
        if kind == "values.batchUpdate":
            option = _input_option(body.get("valueInputOption"))
            return {"responses": [self._write_values(book, d["range"], d["values"], option)
                                  for d in body.get("data", [])]}
        if kind in ("values.clear", "values.batchClear"):
            texts = body["ranges"] if kind == "values.batchClear" else [rest[len("/values/"):-len(":clear")]]
            for text in texts:
                sheet, (r0, c0, r1, c1), _ = _resolve(book, text)
                for (r, c), cell in sheet.cells.items():
                    if r0 <= r < r1 and c0 <= c < c1:
                        cell.pop("userEnteredValue", None)
            return {"spreadsheetId": book.key}
        raise api_error(404)

    def _spreadsheet_json(self, book: Spreadsheet, params: dict[str, list[str]]) -> dict[str, Any]:
        grid = _one(params, "includeGridData") == "true"
        sheets = []
        for s in book.sheets:
            item: dict[str, Any] = {"properties": copy.deepcopy(s.properties)}
            if s.protected:
                item["protectedRanges"] = copy.deepcopy(s.protected)
            if s.merges:
                item["merges"] = copy.deepcopy(s.merges)
            if s.conditional:
                item["conditionalFormats"] = copy.deepcopy(s.conditional)
            if grid:
                last = 1 + max((k[0] for k in s.cells), default=-1)
                item["data"] = [{"rowData": [{"values": [_with_formatted(s.cells.get((r, c), {}))
                                                         for c in range(s.size[1])]}
                                             for r in range(min(s.size[0], last))]}]
            sheets.append(item)
        return {"spreadsheetId": book.key, "properties": {"title": book.name, "locale": "zh_CN",
                                                          "timeZone": "Asia/Shanghai"},
                "sheets": sheets, "developerMetadata": copy.deepcopy(book.metadata),
                "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.key}/edit"}

    def _write_values(self, book: Spreadsheet, text: str, values: list[list[Any]],
                      user: bool) -> dict[str, Any]:
        sheet, (r0, c0, _r1, _c1), _ = _resolve(book, text)
        for r, row in enumerate(values, start=r0):
            for c, value in enumerate(row, start=c0):
                cell = dict(sheet.cells.get((r, c), {}))
                if value == "" or value is None:
                    cell.pop("userEnteredValue", None)
                else:
                    cell["userEnteredValue"] = _user_value(value, cell) if user else _raw_value(value)
                sheet.cells[(r, c)] = cell
        return {"spreadsheetId": book.key, "updatedRange": text, "updatedRows": len(values)}

    def _batch_update(self, book: Spreadsheet, body: Any) -> Any:
        """Applied to a copy and swapped in: a failing request leaves the spreadsheet as it was.

        Cells are copy-on-write (a write replaces the cell's dict), so the copy shares them.
        """
        work = copy.copy(book)
        work.metadata = copy.deepcopy(book.metadata)
        work.sheets = [Sheet(copy.deepcopy(s.properties), dict(s.cells), copy.deepcopy(s.protected),
                             copy.deepcopy(s.merges), copy.deepcopy(s.conditional)) for s in book.sheets]
        replies = []
        for i, req in enumerate(body.get("requests", [])):
            if len(req) != 1:
                raise api_error(400, f"Invalid requests[{i}]: exactly one kind of request expected")
            (name, args), = req.items()
            handler = getattr(self, f"_req_{name}", None)
            if handler is None:
                raise api_error(400, "Invalid JSON payload received. "
                                f"Unknown name \"{name}\" at 'requests[{i}]'")
            try:
                replies.append(handler(work, args) or {})
            except Reply as reply:
                msg = reply.body["error"]["message"]
                raise api_error(400, f"Invalid requests[{i}].{name}: {msg}") from None
        self.books[book.key] = work
        return {"spreadsheetId": book.key, "replies": replies}

    def _req_addSheet(self, book: Spreadsheet, args: dict[str, Any]) -> Any:
        props = copy.deepcopy(args.get("properties", {}))
        title = props.get("title") or f"工作表{len(book.sheets) + 1}"
        if book.sheet(title):
            raise _duplicate_title(title)
        sheet_id = props.get("sheetId", 1000 + next(self._ids))
        if any(s.id == sheet_id for s in book.sheets):
            raise api_error(400, f"Sheet with id {sheet_id} already exists.")
        grid = {"rowCount": 1000, "columnCount": 26, **props.get("gridProperties", {})}
        index = min(props.get("index", len(book.sheets)), len(book.sheets))
        sheet = Sheet({**props, "sheetId": sheet_id, "title": title, "index": index,
                       "sheetType": "GRID", "gridProperties": grid})
        book.sheets.insert(index, sheet)
        _reindex(book)
        return {"addSheet": {"properties": copy.deepcopy(sheet.properties)}}

    def _req_deleteSheet(self, book: Spreadsheet, args: dict[str, Any]) -> None:
        sheet = book.by_id(args["sheetId"])
        if len(book.sheets) == 1:
            raise api_error(400, "You can't remove all the sheets in a document.")
        book.sheets.remove(sheet)
        _reindex(book)

    def _req_updateSheetProperties(self, book: Spreadsheet, args: dict[str, Any]) -> None:
        props = args["properties"]
        sheet = book.by_id(props["sheetId"])
        title = props.get("title")
        if title and title != sheet.title and book.sheet(title):
            raise _duplicate_title(title)
        _apply_mask(sheet.properties, props, args["fields"])
        if "index" in props:
            book.sheets.remove(sheet)
            book.sheets.insert(min(props["index"], len(book.sheets)), sheet)
            _reindex(book)

    def _req_updateSpreadsheetProperties(self, book: Spreadsheet, args: dict[str, Any]) -> None:
        if "title" in args["properties"]:
            book.name = args["properties"]["title"]

    def _req_updateCells(self, book: Spreadsheet, args: dict[str, Any]) -> None:
        rows = args.get("rows", [])
        if "range" in args:
            sheet, (r0, c0, r1, c1) = _grid(book, args["range"])
        else:
            start = args["start"]
            sheet = book.by_id(start.get("sheetId", 0))
            r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
            r1 = r0 + len(rows)
            c1 = c0 + max((len(r.get("values", [])) for r in rows), default=0)
        _inside(sheet, r1, c1)
        for r in range(r0, r1):
            row = rows[r - r0].get("values", []) if r - r0 < len(rows) else []
            for c in range(c0, c1):
                data = row[c - c0] if c - c0 < len(row) else {}
                if "range" in args or c - c0 < len(row):
                    _write_cell(sheet, r, c, data, args["fields"])

    def _req_repeatCell(self, book: Spreadsheet, args: dict[str, Any]) -> None:
        sheet, (r0, c0, r1, c1) = _grid(book, args["range"])
        _inside(sheet, r1, c1)
        for r, c in itertools.product(range(r0, r1), range(c0, c1)):
            _write_cell(sheet, r, c, args["cell"], args["fields"])

    def _req_setDataValidation(self, book: Spreadsheet, args: dict[str, Any]) -> None:
        sheet, (r0, c0, r1, c1) = _grid(book, args["range"])
        _inside(sheet, r1, c1)
        rule = args.get("rule")
        if rule is not None and "condition" not in rule:
            raise api_error(400, "Invalid data validation rule: a condition is required")
        for r, c in itertools.product(range(r0, r1), range(c0, c1)):
            _write_cell(sheet, r, c, {"dataValidation": rule} if rule else {}, "dataValidation")

    def _req_addProtectedRange(self, book: Spreadsheet, args: dict[str, Any]) -> Any:
        pr = copy.deepcopy(args["protectedRange"])
        sheet, _ = _grid(book, pr["range"])
        pr["protectedRangeId"] = next(self._ids)
        sheet.protected.append(pr)
        return {"addProtectedRange": {"protectedRange": pr}}

    def _req_addConditionalFormatRule(self, book: Spreadsheet, args: dict[str, Any]) -> None:
        rule = args["rule"]
        sheet, _ = _grid(book, rule["ranges"][0])
        sheet.conditional.insert(args.get("index", 0), copy.deepcopy(rule))

    def _req_mergeCells(self, book: Spreadsheet, args: dict[str, Any]) -> None:
        sheet, (r0, c0, r1, c1) = _grid(book, args["range"])
        _inside(sheet, r1, c1)
        sheet.merges.append({"sheetId": sheet.id, "startRowIndex": r0, "endRowIndex": r1,
                             "startColumnIndex": c0, "endColumnIndex": c1})

    def _req_updateDimensionProperties(self, book: Spreadsheet, args: dict[str, Any]) -> None:
        book.by_id(args["range"]["sheetId"])

    def _req_appendDimension(self, book: Spreadsheet, args: dict[str, Any]) -> None:
        grid = book.by_id(args["sheetId"]).properties["gridProperties"]
        grid["rowCount" if args["dimension"] == "ROWS" else "columnCount"] += args["length"]

    def _req_createDeveloperMetadata(self, book: Spreadsheet, args: dict[str, Any]) -> Any:
        md = {**copy.deepcopy(args["developerMetadata"]), "metadataId": next(self._ids)}
        book.metadata.append(md)
        return {"createDeveloperMetadata": {"developerMetadata": md}}

    def _req_updateDeveloperMetadata(self, book: Spreadsheet, args: dict[str, Any]) -> Any:
        found = [m for m in book.metadata if any(_matches(m, f) for f in args["dataFilters"])]
        for m in found:
            _apply_mask(m, args["developerMetadata"], args["fields"])
        return {"updateDeveloperMetadata": {"developerMetadata": copy.deepcopy(found)}}

    def _req_deleteDeveloperMetadata(self, book: Spreadsheet, args: dict[str, Any]) -> Any:
        gone = [m for m in book.metadata if _matches(m, args["dataFilter"])]
        book.metadata = [m for m in book.metadata if m not in gone]
        return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": gone}}

    # -- Drive v3 -------------------------------------------------------------------------
    def _drive(self, kind: str, file_id: str | None, params: dict[str, list[str]], body: Any) -> Any:
        if kind == "drive.files.create":
            parents = body.get("parents", [])
            for p in parents:
                if p not in self.folders:
                    raise api_error(404, f"File not found: {p}.", drive_reason="notFound")
            if self.service_account and not any(self.folders[p]["sharedDrive"] for p in parents):
                raise api_error(403, "Service Accounts do not have storage quota. Leverage shared drives "
                                "(https://developers.google.com/workspace/drive/api/guides/about-shareddrives),"
                                " or use OAuth delegation instead.", drive_reason="storageQuotaExceeded")
            if body.get("mimeType") != SPREADSHEET_MIME:
                raise api_error(400, "Only spreadsheets are faked", drive_reason="badRequest")
            key = f"fake-sheet-{next(self._ids)}"
            self.books[key] = Spreadsheet(key, body.get("name", "无标题电子表格"), [Sheet(
                {"sheetId": 0, "title": "工作表1", "index": 0, "sheetType": "GRID",
                 "gridProperties": {"rowCount": 1000, "columnCount": 26}})], parents=parents)
            return {"kind": "drive#file", "id": key, "name": self.books[key].name,
                    "mimeType": SPREADSHEET_MIME}
        if kind == "drive.files.list":
            q = _one(params, "q") or ""
            folder = re.search(r"'([^']+)' in parents", q)
            files = [{"id": b.key, "name": b.name, "mimeType": SPREADSHEET_MIME} for b in self.books.values()
                     if (folder is None or folder.group(1) in b.parents) and b.shared]
            return {"files": sorted(files, key=lambda f: f["name"])}
        book = self.books.get(file_id or "")
        if book is None:
            raise api_error(404, f"File not found: {file_id}.", drive_reason="notFound")
        if kind == "drive.files.get":
            return {"id": book.key, "name": book.name, "mimeType": SPREADSHEET_MIME}
        if kind == "drive.files.delete":
            del self.books[book.key]
            return {}
        if body.get("type") in ("user", "group") and "@" not in str(body.get("emailAddress", "")):
            raise api_error(400, "Bad Request. User message: \"Invalid email address\"",
                            drive_reason="invalidSharingRequest")
        perm = {"kind": "drive#permission", "id": str(next(self._ids)), **body}
        book.permissions.append(perm)
        return perm


# -- helpers --------------------------------------------------------------------------------

def _sheets_kind(method: str, rest: str) -> str:
    if rest == "":
        return "spreadsheets.get" if method == "GET" else "?"
    return {":batchUpdate": "spreadsheets.batchUpdate", "/values:batchGet": "values.batchGet",
            "/values:batchUpdate": "values.batchUpdate", "/values:batchClear": "values.batchClear",
            }.get(rest, "values.clear" if rest.endswith(":clear") else
                  "values.update" if method == "PUT" else "values.get")


def _body(request: requests.PreparedRequest) -> Any:
    raw = request.body
    if not raw:
        return {}
    text = raw.decode() if isinstance(raw, bytes) else raw
    if (request.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(text).items()}
    return json.loads(text)


def _response(request: requests.PreparedRequest, status: int, payload: Any,
              headers: dict[str, str]) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp.reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                   429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
                   503: "Service Unavailable"}.get(status, "")
    is_text = isinstance(payload, str)
    resp._content = (payload if is_text else json.dumps(payload, ensure_ascii=False)).encode()
    resp.headers = CaseInsensitiveDict({"Content-Type": "text/html" if is_text else
                                        "application/json; charset=UTF-8", **headers})
    resp.encoding = "utf-8"
    resp.url = request.url or ""
    resp.request = request
    return resp


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _resolve(book: Spreadsheet, text: str) -> tuple[Sheet, tuple[int, int, int, int], str]:
    """An A1 range (``'表'!A1:C9``, ``表``) → sheet, 0-based half-open rectangle, its echo."""
    m = re.fullmatch(r"(?:'((?:[^']|'')+)'|([^'!]+))(?:!([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?)?", text)
    sheet = book.sheet((m.group(1) or "").replace("''", "'") or (m.group(2) or "")) if m else None
    if sheet is None or m is None:
        raise api_error(400, f"Unable to parse range: {text}")
    rows, cols = sheet.size
    r0 = int(m.group(4)) - 1 if m.group(4) else 0
    c0 = _col(m.group(3)) if m.group(3) else 0
    r1 = int(m.group(6)) if m.group(6) else (r0 + 1 if m.group(4) and not m.group(5) else rows)
    c1 = _col(m.group(5)) + 1 if m.group(5) else (c0 + 1 if m.group(3) and m.group(4) and
                                                  m.group(6) is None else cols)
    quoted = "'" + sheet.title.replace("'", "''") + "'"
    return sheet, (r0, c0, r1, c1), f"{quoted}!{_letters(c0)}{r0 + 1}:{_letters(c1 - 1)}{r1}"


def _grid(book: Spreadsheet, gr: dict[str, Any]) -> tuple[Sheet, tuple[int, int, int, int]]:
    sheet = book.by_id(gr.get("sheetId", 0))
    rows, cols = sheet.size
    return sheet, (gr.get("startRowIndex", 0), gr.get("startColumnIndex", 0),
                   gr.get("endRowIndex", rows), gr.get("endColumnIndex", cols))


def _inside(sheet: Sheet, r1: int, c1: int) -> None:
    rows, cols = sheet.size
    if r1 > rows:
        raise api_error(400, f"GridCoordinate.rowIndex[{r1 - 1}] is after last row in grid[{rows - 1}]")
    if c1 > cols:
        raise api_error(400, f"GridCoordinate.columnIndex[{c1 - 1}] is after last column in grid[{cols - 1}]")


def _reindex(book: Spreadsheet) -> None:
    for i, s in enumerate(book.sheets):
        s.properties["index"] = i


def _matches(md: dict[str, Any], flt: dict[str, Any]) -> bool:
    lookup = flt.get("developerMetadataLookup", {})
    return all(md.get(k) == v for k, v in lookup.items() if k in ("metadataKey", "metadataId"))


def _duplicate_title(title: str) -> Reply:
    return api_error(400, f'A sheet with the name "{title}" already exists. Please enter another name.')


def _input_option(option: str | None) -> bool:
    if option not in ("RAW", "USER_ENTERED"):
        raise api_error(400, "'valueInputOption' is required but not specified")
    return option == "USER_ENTERED"


# -- for tests: credentials and a workspace whose units answer from Google --------------------

def write_credentials(path: Any) -> Any:
    """An authorized-user credentials file (fake refresh token: the fake issues tokens)."""
    path.write_text(json.dumps({"type": "authorized_user", "client_id": "kcbx-test.apps.example",
                                "client_secret": "fake-secret", "refresh_token": "1//fake-refresh"}),
                    encoding="utf-8")
    return path


def google_config(credentials: Any, spreadsheets: dict[str, str], folder: str | None = None,
                  extra: str = "") -> str:
    """kcbx.yml text: the tests' district with ``sources.google`` set."""
    lines = ["district: 测试区", "period: 2022-10", "pulled_on: 2022-11-04", extra,
             "sources:", "  google:", f"    credentials: {credentials}"]
    if spreadsheets:
        lines.append("    spreadsheets:")
        lines += [f"      {unit}: {key}" for unit, key in spreadsheets.items()]
    if folder:
        lines.append(f"    folder: {folder}")
    return "\n".join(lines) + "\n"
