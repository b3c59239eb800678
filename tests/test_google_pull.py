"""Pulling schools' Google spreadsheets: the real gspread client against a local fake.

Each workspace has two submitting units: A01 sends an xlsx workbook with one planted
mistake (its finding shows the xlsx units are still read whatever happens to Google),
A02 (and in some tests A03) answer from Google Sheets.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from fake_google import FakeGoogle, google_config, write_credentials
from kcbx import pipeline
from kcbx.config import load_config
from kcbx.schema import load_package
from kcbx.sources.google import (
    ENV_CREDENTIALS,
    GRID_FIELDS,
    GoogleSetupError,
    credentials_path,
    google_transport,
    open_client,
    pull_google,
)
from kcbx.sources.google_retry import MAX_DELAY, TRIES, Pacing
from workbooks import (
    UNITS,
    absence_row,
    book,
    census_row,
    cover,
    home_row,
    kid,
    make_id,
    roster_row,
    run_validate,
    sheet,
    table_title,
    where,
    workspace,
)

CENSUS = table_title("census")
ROSTER = table_title("roster")
COVER = table_title("cover")
PLANTED = ("enum-error", CENSUS, 3, "性别")  # A01's xlsx mistake
UNITS3 = [*UNITS, {"code": "A03", "name": "甲镇第二小学", "type": "小学", "parent_code": "A01",
                   "township": "甲镇", "must_report": "是"}]
# The sheets a 小学's form has (kcbx forms: cover, school-line tables, 台账, 关爱帮扶)
SCHOOL_SHEETS = ("cover", "roster", "dropouts", "absences", "changes", "care")


def a01_book() -> dict:
    return book(sheet("cover", [cover("A01")]),
                sheet("census", [census_row(id_number=kid(400), name="钱某甲"),
                                 census_row(id_number=kid(401), name="钱某乙", sex="男生")]))


def school_sheets(unit: str, **tables: list[dict]) -> dict[str, list[list]]:
    """A 小学's Google form as the school filled it: every sheet of its form, header row 1."""
    out = dict([sheet("cover", [cover(unit)])])
    for name in SCHOOL_SHEETS[1:]:
        title, rows = sheet(name, tables.get(name, []))
        out[title] = rows
    return out


def a02_sheets() -> dict[str, list[list]]:
    return school_sheets("A02", roster=[roster_row(id_number=kid(1)),
                                        roster_row(id_number=kid(2), name="赵某二", grade="十年级")])


A02_FINDING = ("enum-error", ROSTER, 3, "年级")


@pytest.fixture
def fake():
    google = FakeGoogle()
    with google_transport(google):
        yield google


def make(tmp_path, fake: FakeGoogle, sheets: dict | None = None, *, units=UNITS, extra_units=()):
    tmp_path.mkdir(parents=True, exist_ok=True)
    creds = write_credentials(tmp_path / "google-credentials.json")
    fake.add_spreadsheet("key-A02", sheets if sheets is not None else a02_sheets())
    mapping = {"A02": "key-A02", **{u: f"key-{u}" for u in extra_units}}
    return workspace(tmp_path / "ws", {"A01.xlsx": a01_book()}, units=units,
                     config=google_config(creds, mapping))


def test_one_request_per_school_reads_every_sheet(tmp_path, fake):
    fake.add_spreadsheet("key-A03", school_sheets("A03", roster=[roster_row(id_number=kid(7))]))
    root = make(tmp_path, fake, units=UNITS3, extra_units=["A03"])

    report = run_validate(root)

    assert [c.kind for c in fake.calls()] == ["spreadsheets.get", "spreadsheets.get"]
    assert {c.key for c in fake.calls()} == {"key-A02", "key-A03"}
    get = fake.calls(key="key-A02")[0]
    assert get.params["fields"] == [GRID_FIELDS] and "ranges" not in get.params
    assert "formattedValue" in GRID_FIELDS and "userEnteredValue" not in GRID_FIELDS
    assert where(report, unit="A02") == {A02_FINDING}
    assert where(report, unit="A03") == set()
    assert where(report, unit="A01") == {PLANTED}
    snap, _ = pipeline.current_snapshot(load_config(root))
    roster = snap.table("roster").filter(snap.table("roster")["_unit"] == "A02")
    assert roster.select("_file", "_sheet", "_row").rows() == [("google/A02", ROSTER, 2),
                                                               ("google/A02", ROSTER, 3)]
    assert roster["birth_date"].to_list() == ["2014-05-06"] * 2


def test_raw_json_kept_and_repull_is_idempotent(tmp_path, fake):
    root = make(tmp_path, fake)
    config = load_config(root)

    first, pulled = pipeline.current_snapshot(config)
    again, pulled_again = pipeline.current_snapshot(config)

    assert pulled and not pulled_again and again.path == first.path
    assert len(fake.calls("spreadsheets.get")) == 2  # Google can only be compared by reading it
    raw = json.loads((first.path / "raw" / "google" / "A02.json").read_text(encoding="utf-8"))
    assert raw["key"] == "key-A02"
    sheets = {s["properties"]["title"]: s for s in raw["spreadsheet"]["sheets"]}
    row = sheets[ROSTER]["data"][0]["rowData"][2]["values"]
    assert [v.get("formattedValue") for v in row[:3]] == ["G" + kid(2), kid(2), "赵某二"]
    index = json.loads((first.path / "raw" / "google" / "index.json").read_text(encoding="utf-8"))
    assert index == [{"unit": "A02", "key": "key-A02", "source": "google/A02", "read": True, "name": "",
                      "url": "https://docs.google.com/spreadsheets/d/key-A02"}]
    assert (first.path / "raw" / "submissions" / "A01.xlsx").is_file()

    fake.type_rows(fake.books["key-A02"].sheet(ROSTER), [["G" + kid(2), kid(2), "赵某三"]], top=2)
    changed, pulled_changed = pipeline.current_snapshot(config)

    assert pulled_changed and changed.path != first.path
    assert "赵某三" in changed.table("roster")["name"].to_list()


def test_google_and_xlsx_give_identical_findings(tmp_path, fake):
    birth = dt.date(2013, 2, 3)
    rows = {
        "cover": [cover("A02", submitted_on=dt.date(2022, 10, 31), zero_report="是的")],
        "roster": [roster_row(id_number=kid(1)),
                   roster_row(id_number=kid(2), name="赵某二", grade="十年级", absent_days=40),
                   roster_row(id_number=make_id(birth, 11)[:-1] + "0", name="赵某三", birth=birth),
                   roster_row(id_number=kid(4), name=None, sex="女", class_name=None),
                   roster_row(id_number=kid(5), name="赵某五", birth_date="2014/13/45")],
        "absences": [absence_row(id_number=kid(1), days=0, reason="旷课"),
                     absence_row(id_number=kid(9), from_on=dt.date(2022, 11, 30))],
    }
    sheets = school_sheets("A02", **{k: v for k, v in rows.items() if k != "cover"})
    sheets[COVER] = sheet("cover", rows["cover"])[1]
    from_google = make(tmp_path / "g", fake, sheets)
    as_xlsx = workspace(tmp_path / "x", {"A01.xlsx": a01_book(), "A02.xlsx": sheets})

    def a02(root):
        return sorted((f.rule, f.severity, f.sheet, f.row, f.column, f.value, f.message)
                      for f in run_validate(root).findings if f.unit_code == "A02")

    google_findings = a02(from_google)
    assert len(google_findings) >= 8, google_findings  # the planted mistakes are found …
    assert {f[0] for f in google_findings} >= {"enum-error", "range-error", "ID-1", "required-error"}
    assert google_findings == a02(as_xlsx)  # … and exactly as from the same sheet in xlsx


@pytest.mark.parametrize("change", ["rename", "short-title", "delete", "new"])
def test_renamed_deleted_or_unexpected_sheets_cost_no_request_and_are_read_as_xlsx(tmp_path, fake, change):
    root = make(tmp_path, fake)
    book_ = fake.books["key-A02"]
    sheet_ = book_.sheet(ROSTER)
    if change == "delete":
        book_.sheets.remove(sheet_)
    elif change == "new":  # a sheet nobody expected the school to fill (it starts 送教 this month)
        title, rows = sheet("home_students", [home_row(id_number=kid(30), name="孙某明")])
        fake.add_spreadsheet("key-A02", {**a02_sheets(), title: rows})
    else:
        sheet_.properties["title"] = "名册" if change == "rename" else "在校学生名册"

    report = run_validate(root)

    assert [(c.kind, c.status) for c in fake.calls()] == [("spreadsheets.get", 200)]
    a02 = [f for f in report.findings if f.unit_code == "A02" and f.rule in ("missing-sheet", "extra-sheet")]
    if change == "short-title":  # a title the reader accepts: read as usual, nothing to say
        assert a02 == [] and where(report, unit="A02") == {("enum-error", "在校学生名册", 3, "年级")}
    elif change == "rename":  # as from xlsx: the sheet is named, not silently dropped
        assert [(f.rule, f.sheet) for f in a02] == [("extra-sheet", "名册")]
    elif change == "new":
        snap, _ = pipeline.current_snapshot(load_config(root))
        assert snap.table("home_students")["name"].to_list() == ["孙某明"]
    else:
        assert a02 == []
    assert where(report, unit="A01") == {PLANTED}


def test_edited_header_is_reported_like_xlsx(tmp_path, fake):
    sheets = a02_sheets()
    sheets[ROSTER][0] = ["学生姓名" if h == "姓名" else h for h in sheets[ROSTER][0]]
    root = make(tmp_path, fake, sheets)

    report = run_validate(root)

    found = {(f.rule, f.column) for f in report.findings if f.unit_code == "A02" and f.row == 1}
    assert found == {("missing-label", "姓名"), ("extra-label", "学生姓名")}
    message = next(f.message for f in report.findings if f.rule == "missing-label")
    assert "缺少必填列「姓名」" in message
    assert len(fake.calls()) == 1 and where(report, unit="A01") == {PLANTED}


@pytest.mark.parametrize(("problem", "words"), [
    ("unshared", "没有权限访问单位 A02 的 Google 表格"),
    ("missing", "找不到单位 A02 的 Google 表格"),
    ("revoked", "Google 凭据已过期或被撤销"),
    ("disabled", "没有启用所需的 API"),
])
def test_unreadable_spreadsheet_is_a_message_for_that_unit(tmp_path, fake, problem, words):
    fake.add_spreadsheet("key-A03", school_sheets("A03", roster=[roster_row(id_number=kid(7), sex="男生")]))
    root = make(tmp_path, fake, units=UNITS3, extra_units=["A03"])
    if problem == "unshared":
        fake.books["key-A02"].shared = False
    elif problem == "missing":
        del fake.books["key-A02"]
    elif problem == "revoked":
        fake.revoked = True
    else:
        fake.fail(403, message="Google Sheets API has not been used in project 1 before "
                  "or it is disabled.", reason="SERVICE_DISABLED", times=5)

    report = run_validate(root)

    errors = [f for f in report.findings if f.rule == "file-error" and f.unit_code == "A02"]
    assert len(errors) == 1 and words in errors[0].message and errors[0].file == "google/A02"
    if problem in ("revoked", "disabled"):  # the same for every school: said once each, no retry
        assert len(fake.calls()) == (0 if problem == "revoked" else 1)
        assert [f.unit_code for f in report.findings if f.rule == "file-error"] == ["A02", "A03"]
        a03 = next(f.message for f in report.findings if f.rule == "file-error" and f.unit_code == "A03")
        assert a03 == errors[0].message.replace("A02", "A03")  # each names its own spreadsheet
    else:  # the other Google school is read
        assert where(report, unit="A03") == {("enum-error", ROSTER, 2, "性别")}
    assert where(report, unit="A01") == {PLANTED}
    snap, _ = pipeline.current_snapshot(load_config(root))
    raw = json.loads((snap.path / "raw" / "google" / "A02.json").read_text(encoding="utf-8"))
    assert words in raw["message"]


def _pull(tmp_path, fake, pacing):
    root = make(tmp_path, fake)
    config = load_config(root)
    return pull_google(config, load_package(), pacing=pacing)


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_transient_errors_are_retried(tmp_path, fake, status):
    fake.fail(status, times=2, kind="spreadsheets.get")
    pacing = Pacing(sleep=lambda s: None, random=lambda: 0.5)

    result = _pull(tmp_path, fake, pacing)

    assert [c.status for c in fake.calls()] == [status, status, 200]
    assert pacing.waits == [0.75, 1.5]  # exponential, with jitter (here half-way)
    assert [type(b).__name__ for b in result.books] == ["RawWorkbook"]


def test_retries_are_bounded(tmp_path, fake):
    fake.fail(429, times=100)
    slept: list[float] = []
    pacing = Pacing(sleep=slept.append, random=lambda: 1.0)

    result = _pull(tmp_path, fake, pacing)

    assert len(fake.calls()) == TRIES == 5
    assert slept == [1.0, 2.0, 4.0, 8.0] and max(slept) <= MAX_DELAY
    problem = result.books[0]
    assert type(problem).__name__ == "SourceProblem"
    assert "超出配额" in problem.message and "已重试 5 次" in problem.message


def test_an_expired_access_token_is_renewed_without_a_word(tmp_path, fake):
    fake.fail(401, kind="spreadsheets.get")  # the hour-long access token ran out mid-pull

    result = _pull(tmp_path, fake, Pacing(sleep=lambda s: pytest.fail("no wait for a 401")))

    assert [c.status for c in fake.calls()] == [401, 200]
    assert [c.kind for c in fake.log].count("token") == 2  # google-auth fetched a new one
    assert [type(b).__name__ for b in result.books] == ["RawWorkbook"]


def test_permission_errors_are_not_retried(tmp_path, fake):
    fake.fail(403, times=100)
    pacing = Pacing(sleep=lambda s: pytest.fail("no wait for a 403"))

    result = _pull(tmp_path, fake, pacing)

    assert len(fake.calls()) == 1 and "没有权限" in result.books[0].message


def test_missing_credentials_leave_the_xlsx_units_checked(tmp_path, fake):
    root = make(tmp_path, fake)
    (tmp_path / "google-credentials.json").unlink()

    report = run_validate(root)

    errors = [f for f in report.findings if f.rule == "file-error"]
    assert [(f.unit_code, f.file) for f in errors] == [("A02", "google/A02")]
    assert "找不到 Google 凭据文件" in errors[0].message
    assert where(report, unit="A01") == {PLANTED} and fake.log == []


def test_folder_lists_the_units_spreadsheets(tmp_path, fake):
    fake.add_folder("folder-1")
    fake.add_spreadsheet("k2", a02_sheets(), name="A02 甲镇第一小学控辍保学月报表", folder="folder-1")
    fake.add_spreadsheet("k9", {"说明": [["x"]]}, name="会议记录", folder="folder-1")
    creds = write_credentials(tmp_path / "c.json")
    root = workspace(tmp_path / "ws", {"A01.xlsx": a01_book()},
                     config=google_config(creds, {}, folder="folder-1"))

    report = run_validate(root)

    assert [c.kind for c in fake.calls()] == ["drive.files.list", "spreadsheets.get"]
    assert where(report, unit="A02") == {A02_FINDING}
    note = [f for f in report.findings if f.file == "google/会议记录"]
    assert len(note) == 1 and note[0].severity == "提醒" and "不以单位代码开头" in note[0].message


def test_credentials_come_from_option_env_config_then_default(tmp_path, monkeypatch):
    import gspread

    files = {name: write_credentials(tmp_path / f"{name}.json") for name in ("opt", "env", "cfg", "home")}
    root = workspace(tmp_path / "ws", config=google_config(files["cfg"], {"A02": "k"}))
    config = load_config(root)
    monkeypatch.setenv(ENV_CREDENTIALS, str(files["env"]))
    monkeypatch.setattr(gspread.auth, "DEFAULT_SERVICE_ACCOUNT_FILENAME", files["home"])

    assert credentials_path(config, files["opt"]) == files["opt"]
    assert credentials_path(config) == files["env"]
    monkeypatch.delenv(ENV_CREDENTIALS)
    assert credentials_path(config) == files["cfg"]
    bare = load_config(workspace(tmp_path / "ws2", config=google_config("null", {"A02": "k"})))
    assert credentials_path(bare) == files["home"]
    monkeypatch.setattr(gspread.auth, "DEFAULT_SERVICE_ACCOUNT_FILENAME", tmp_path / "none.json")
    monkeypatch.setattr(gspread.auth, "DEFAULT_AUTHORIZED_USER_FILENAME", tmp_path / "none2.json")
    with pytest.raises(GoogleSetupError, match="找不到 Google 凭据"):
        credentials_path(bare)


def test_credentials_inside_the_code_repository_are_refused(tmp_path):
    from kcbx.sources import google

    repo = tmp_path / "some-repo"
    (repo / ".git").mkdir(parents=True)
    inside = repo / "keys" / "credentials.json"
    with pytest.raises(GoogleSetupError, match="代码仓库"):
        # the refusal comes before the file is read: the file need not even exist
        google._refuse_repo(inside)
    google._refuse_repo(tmp_path / "outside" / "credentials.json")  # not in a repository: fine
    client_secrets = tmp_path / "client.json"
    client_secrets.write_text(json.dumps({"installed": {"client_id": "x"}}), encoding="utf-8")
    import gspread

    if not gspread.auth.DEFAULT_AUTHORIZED_USER_FILENAME.is_file():
        with pytest.raises(GoogleSetupError, match="kcbx google login"):
            open_client(None, client_secrets)
