"""Google Sheets as a source: each unit's spreadsheet read whole in one ``spreadsheets.get``.

The workspace config maps units to spreadsheet keys (``sources.google.spreadsheets``) or
names a Drive folder whose spreadsheets are named ``<单位代码>…``. One request per school
reads every sheet it has — its title, merged ranges and each cell's formatted value (what
the school sees), through a ``fields`` mask — into a :class:`RawWorkbook`, so the same
intake and validation run as for xlsx, and no sheet is left unread because nobody expected
it (a school that starts 送教 this month, a renamed sheet). Naming sheets in advance would
also make one missing sheet fail the whole request.

A school that cannot be read becomes a :class:`SourceProblem` with a Chinese message; the
others are read as usual. The raw JSON Google returned is kept for the snapshot.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gspread
import requests
from google.auth.transport.requests import AuthorizedSession, Request
from gspread.utils import extract_id_from_url

from ..config import Config
from ..findings import Finding, finding
from ..schema import DataPackage, normalize_label
from .google_retry import GoogleFailure, Pacing, with_retries
from .google_setup import ENV_CREDENTIALS, GoogleSetupError
from .raw import RawSheet, RawWorkbook, SourceProblem, fill_merged

SCOPES = list(gspread.auth.DEFAULT_SCOPES)  # Sheets and Drive (forms create files)
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
DRIVE_FILES = gspread.urls.DRIVE_FILES_API_V3_URL
READ_PARAMS = {"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"}
# every sheet's title, merged ranges and formatted cell values: nothing else is sent
GRID_FIELDS = ("sheets(properties(title,sheetType),merges,"
               "data(startRow,startColumn,rowData(values(formattedValue))))")
SKIPPED_SHEETS = {normalize_label(t) for t in ("填报说明", "校验结果")}
LABEL_PREFIX = "google/"
_UNIT_IN_NAME = re.compile(r"^\s*([0-9A-Za-z]{2,20})(?![0-9A-Za-z])")
_A1_START = re.compile(r"!\$?([A-Za-z]+)\$?(\d+)")


# -- talking to Google -----------------------------------------------------------------------

_transport: requests.adapters.BaseAdapter | None = None


@contextmanager
def google_transport(adapter: requests.adapters.BaseAdapter) -> Iterator[None]:
    """Send every request kcbx makes to Google through ``adapter`` (tests: a local fake)."""
    global _transport
    before, _transport = _transport, adapter
    try:
        yield
    finally:
        _transport = before


@dataclass
class GoogleClient:
    """A gspread client and who it acts as (shown in “share with …” messages)."""

    gc: gspread.Client
    account: str | None = None
    kind: str = "authorized_user"  # or service_account

    @property
    def http(self) -> gspread.http_client.HTTPClient:
        return self.gc.http_client


def credentials_path(config: Config | None, explicit: str | Path | None = None) -> Path:
    """Where the credentials are: ``--credentials``, then $KCBX_GOOGLE_CREDENTIALS, then
    the config key ``sources.google.credentials``, then gspread's default files."""
    google = config.sources.google if config is not None else None
    candidates: list[tuple[Path, str]] = []
    if explicit:
        candidates.append((Path(explicit).expanduser(), "--credentials"))
    elif os.environ.get(ENV_CREDENTIALS):
        candidates.append((Path(os.environ[ENV_CREDENTIALS]).expanduser(), f"环境变量 {ENV_CREDENTIALS}"))
    elif google is not None and google.credentials and config is not None:
        candidates.append((config.path(google.credentials).expanduser(), "配置项 sources.google.credentials"))
    else:
        for path in (gspread.auth.DEFAULT_SERVICE_ACCOUNT_FILENAME,
                     gspread.auth.DEFAULT_AUTHORIZED_USER_FILENAME):
            if path.is_file():
                return path
        raise GoogleSetupError(
            "找不到 Google 凭据。请用 --credentials 指定凭据文件，或设置环境变量 "
            f"{ENV_CREDENTIALS}，或在 kcbx.yml 中设置 sources.google.credentials；也可以把服务账号"
            f"密钥放在 {gspread.auth.DEFAULT_SERVICE_ACCOUNT_FILENAME}。凭据文件不要放进代码仓库")
    path, origin = candidates[0]
    if not path.is_file():
        raise GoogleSetupError(f"找不到 Google 凭据文件 {path}（来自{origin}）")
    _refuse_repo(path)
    return path


def _refuse_repo(path: Path) -> None:
    """Credentials never live in a git repository — kcbx's own or any other — where they
    would end up in a commit. Checked before the file is read."""
    for folder in path.resolve().parents:
        if (folder / ".git").exists():
            raise GoogleSetupError(
                f"凭据文件 {path} 在 git 代码仓库 {folder} 中，可能被提交到 git。请把它移到仓库之外"
                "（如区工作文件夹或用户目录）；如已提交过，请吊销这个密钥")


def load_credentials(path: Path) -> tuple[Any, str | None, str]:
    """google-auth credentials from a service-account key or an authorized-user file."""
    try:
        info = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise GoogleSetupError(f"Google 凭据文件 {path} 无法读取（{exc}）：应为 JSON 文件") from None
    if not isinstance(info, dict):
        raise GoogleSetupError(f"Google 凭据文件 {path} 的内容不是凭据")
    kind = info.get("type")
    try:
        if kind == "service_account":
            from google.oauth2.service_account import Credentials as ServiceAccount

            creds = ServiceAccount.from_service_account_info(info, scopes=SCOPES)
            return creds, creds.service_account_email, "service_account"
        if kind == "authorized_user":
            from google.oauth2.credentials import Credentials as UserCredentials

            creds = UserCredentials.from_authorized_user_info(info, scopes=SCOPES)
            return creds, info.get("account") or None, "authorized_user"
    except (ValueError, KeyError) as exc:
        raise GoogleSetupError(f"Google 凭据文件 {path} 不完整（{exc}）") from None
    if "installed" in info or "web" in info:
        stored = gspread.auth.DEFAULT_AUTHORIZED_USER_FILENAME
        if stored.is_file():
            return load_credentials(stored)
        raise GoogleSetupError(
            f"{path} 是 OAuth 客户端文件，还需要用浏览器授权一次：运行 kcbx google login "
            f"--credentials {path}（授权结果保存在 {stored}）")
    raise GoogleSetupError(f"不认识 Google 凭据文件 {path} 的类型（type = {kind!r}）：应为服务账号密钥"
                           "（service_account）或用户授权文件（authorized_user）")


def open_client(config: Config | None, credentials: str | Path | None = None) -> GoogleClient:
    """A gspread client over kcbx's own session (no gspread back-off; see google_retry)."""
    creds, account, kind = load_credentials(credentials_path(config, credentials))
    auth_session = requests.Session()
    session = AuthorizedSession(creds, auth_request=Request(auth_session))
    if _transport is not None:
        for s in (auth_session, session):
            s.mount("https://", _transport)
            s.mount("http://", _transport)
    return GoogleClient(gspread.Client(auth=None, session=session), account, kind)  # type: ignore[arg-type]


def spreadsheet_key(text: str) -> str:
    """A key from a key or a full spreadsheet address."""
    text = text.strip()
    if "/d/" in text:
        try:
            return extract_id_from_url(text)
        except gspread.exceptions.NoValidUrlKeyFound:
            return text
    return text


def spreadsheet_url(key: str) -> str:
    return gspread.urls.SPREADSHEET_DRIVE_URL % key


def source_label(unit: str) -> str:
    """The ``file`` findings of a Google unit name: ``google/<单位代码>``."""
    return f"{LABEL_PREFIX}{unit}"


# -- pulling ---------------------------------------------------------------------------------

@dataclass
class GoogleUnit:
    unit: str
    key: str
    name: str = ""  # the spreadsheet's name in Drive, when listed from a folder

    @property
    def label(self) -> str:
        return source_label(self.unit)


@dataclass
class GooglePull:
    """What a Google pull read: workbooks (or problems), findings, and the raw JSON."""

    books: list[RawWorkbook | SourceProblem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    raw: dict[str, dict[str, Any]] = field(default_factory=dict)  # unit → raw JSON
    units: list[GoogleUnit] = field(default_factory=list)

    def index(self) -> list[dict[str, str]]:
        """unit → spreadsheet, kept with the snapshot (feedback writes back to these)."""
        readable = {b.source for b in self.books if isinstance(b, RawWorkbook)}
        return [{"unit": u.unit, "key": u.key, "source": u.label, "url": spreadsheet_url(u.key),
                 "name": u.name, "read": u.label in readable} for u in self.units]

    def digest(self) -> str:
        """A hash over everything read (values, problems), so a changed cell makes a new pull."""
        h = hashlib.sha256()
        for book in self.books:
            if isinstance(book, SourceProblem):
                h.update(f"problem {book.source} {book.message}\n".encode())
            else:
                h.update(f"book {book.source} {book.digest}\n".encode())
        for f in self.findings:
            h.update(json.dumps(f.to_dict(), ensure_ascii=False, sort_keys=True).encode())
        return h.hexdigest()


def pull_google(
    config: Config,
    package: DataPackage,
    progress: Callable[[str, int, int], None] | None = None,
    *,
    credentials: str | Path | None = None,
    client: GoogleClient | None = None,
    pacing: Pacing | None = None,
) -> GooglePull:
    """Read every configured unit's spreadsheet; one school's failure never stops the others."""
    google = config.sources.google
    result = GooglePull()
    if google is None:
        return result
    pacing = pacing or Pacing()
    units = [GoogleUnit(code.strip(), spreadsheet_key(key)) for code, key in google.spreadsheets.items()]
    try:
        client = client or open_client(config, credentials)
    except GoogleSetupError as exc:
        result.units = units
        result.books = [SourceProblem(u.label, str(exc)) for u in units]
        if google.folder and not units:
            result.findings.append(finding("file-error", file=LABEL_PREFIX.rstrip("/"), detail=str(exc)))
        return result
    if google.folder:
        units += folder_units(client, google.folder, {u.unit for u in units}, result, pacing)
    result.units = units
    stop: GoogleFailure | None = None
    for i, unit in enumerate(units, start=1):
        if stop is not None:  # the same credential / project for every school: not asked again
            message = stop.about(unit_what(unit))
            result.books.append(SourceProblem(unit.label, message))
            result.raw[unit.unit] = {"unit": unit.unit, "key": unit.key, "error": stop.detail,
                                     "message": message}
            continue
        try:
            book, raw = read_unit(client, unit, pacing)
        except GoogleFailure as failure:
            result.books.append(SourceProblem(unit.label, failure.message))
            result.raw[unit.unit] = {"unit": unit.unit, "key": unit.key, "error": failure.detail,
                                     "message": failure.message}
            if failure.everywhere:
                stop = failure
        else:
            result.books.append(book)
            result.raw[unit.unit] = raw
        if progress:
            progress("读取 Google 表格", i, len(units))
    return result


def read_unit(client: GoogleClient, unit: GoogleUnit,
              pacing: Pacing) -> tuple[RawWorkbook, dict[str, Any]]:
    """One school's spreadsheet, every sheet, in one request: the workbook and the raw JSON."""
    data = with_retries(
        lambda: client.http.fetch_sheet_metadata(unit.key, {"includeGridData": "true",
                                                             "fields": GRID_FIELDS}),
        what=unit_what(unit), pacing=pacing, account=client.account)
    raw: dict[str, Any] = {"unit": unit.unit, "key": unit.key, "url": spreadsheet_url(unit.key),
                           "spreadsheet": data}
    return workbook_from_raw(raw), raw


def workbook_from_raw(raw: dict[str, Any]) -> RawWorkbook:
    """The RawWorkbook of a unit's raw JSON as kept in a snapshot (``raw/google/<单位代码>.json``).

    Pulls before one-request reading kept a ``batchGet`` of named sheets; they still read.
    """
    if "spreadsheet" in raw:
        data = raw["spreadsheet"]
        sheets = [grid_sheet(s) for s in data.get("sheets", [])
                  if s.get("properties", {}).get("sheetType", "GRID") == "GRID"
                  and normalize_label(s.get("properties", {}).get("title", "")) not in SKIPPED_SHEETS]
    else:
        data = raw.get("batchGet", {})
        sheets = [raw_sheet(title, vr) for title, vr in zip(raw.get("sheets", []),
                                                             data.get("valueRanges", []), strict=False)]
    digest = hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return RawWorkbook(source=source_label(raw["unit"]), sheets=sheets, digest=digest)


def grid_sheet(sheet: dict[str, Any]) -> RawSheet:
    """A sheet of ``spreadsheets.get`` (grid data, formatted values) as a RawSheet: rows as
    the school numbers them, merged ranges carrying their value down as in xlsx."""
    title = sheet.get("properties", {}).get("title", "")
    blocks = sheet.get("data") or [{}]
    block = blocks[0]
    top, left = block.get("startRow", 0), block.get("startColumn", 0)
    rows: list[list[Any]] = [[] for _ in range(top)]  # rows above the data Google sent
    for row in block.get("rowData", []):
        cells = [v.get("formattedValue", "") for v in row.get("values", [])]
        rows.append([*([""] * left), *cells])
    while rows and not any(c not in ("", None) for c in rows[-1]):
        rows.pop()
    merged = [((m.get("startRowIndex", 0), m.get("startColumnIndex", 0)),
               (m.get("endRowIndex", 1) - 1, m.get("endColumnIndex", 1) - 1))
              for m in sheet.get("merges", [])]
    fill_merged(rows, merged)
    return RawSheet(title=title, rows=rows, first_row=1)


def unit_what(unit: GoogleUnit) -> str:
    """How messages name a unit's spreadsheet."""
    return f"单位 {unit.unit} 的 Google 表格（{unit.key}）"


def raw_sheet(title: str, value_range: dict[str, Any]) -> RawSheet:
    """A batchGet value range as a RawSheet, rows numbered as the school sees them."""
    first_row, first_col = 1, 1
    match = _A1_START.search(value_range.get("range", ""))
    if match:
        first_col = gspread.utils.a1_to_rowcol(f"{match.group(1)}1")[1]
        first_row = int(match.group(2))
    pad: list[Any] = [None] * (first_col - 1)
    rows = [[*pad, *row] for row in value_range.get("values", [])]
    return RawSheet(title=title, rows=rows, first_row=first_row)


def folder_units(client: GoogleClient, folder: str, known: set[str], result: GooglePull,
                  pacing: Pacing) -> list[GoogleUnit]:
    """The spreadsheets of a Drive folder, named ``<单位代码>…`` (one request a page)."""
    what = f"Google 云端硬盘文件夹（{folder}）"
    params: dict[str, Any] = {
        "q": f"'{folder}' in parents and mimeType = '{SPREADSHEET_MIME}' and trashed = false",
        "fields": "nextPageToken,files(id,name)", "pageSize": 1000, "orderBy": "name",
        "supportsAllDrives": True, "includeItemsFromAllDrives": True,
    }
    files: list[dict[str, Any]] = []
    try:
        while True:
            page = with_retries(lambda: client.http.request("get", DRIVE_FILES, params=dict(params)).json(),
                                what=what, pacing=pacing, account=client.account)
            files += page.get("files", [])
            if not page.get("nextPageToken"):
                break
            params["pageToken"] = page["nextPageToken"]
    except GoogleFailure as failure:
        result.findings.append(finding("file-error", file=f"{LABEL_PREFIX}{folder}", detail=failure.message))
        return []
    units: list[GoogleUnit] = []
    first: dict[str, str] = {}
    for f in files:
        match = _UNIT_IN_NAME.match(f.get("name", ""))
        if match is None:
            result.findings.append(finding(
                "file-error", severity="提醒", file=f"{LABEL_PREFIX}{f.get('name', '')}",
                detail=f"文件夹中的 Google 表格「{f.get('name', '')}」的名称不以单位代码开头，未读取。"
                       "请把表格名称改为“单位代码+单位名称”，如“A01甲镇中心校”"))
            continue
        code = match.group(1)
        if code in known:
            continue
        if code in first:
            result.findings.append(finding("duplicate-workbook", unit_code=code,
                                           file=f"{LABEL_PREFIX}{f.get('name', '')}", value=code,
                                           other=first[code]))
            continue
        first[code] = f"{LABEL_PREFIX}{f.get('name', '')}"
        units.append(GoogleUnit(code, f["id"], f.get("name", "")))
    return units


