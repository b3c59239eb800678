"""``kcbx forms --google``: three requests per school, the form drawn in one batchUpdate,
then filled by the school through the real gspread client and pulled back."""

from __future__ import annotations

import json

import gspread
import pytest
from click.testing import CliRunner
from stdnum.cn import ric

from fake_google import FakeGoogle, google_config, write_credentials
from kcbx.cli import cli
from kcbx.config import load_config
from kcbx.outputs.forms.google import create_google_forms, load_emails
from kcbx.outputs.forms.spec import id_check_formula
from kcbx.schema import load_package
from kcbx.sources.google import google_transport, open_client
from workbooks import kid, run_validate, table_title, where, workspace

EMAILS = "A01: a01@example.edu.cn\n      A02: a02@example.edu.cn"
CENSUS = table_title("census")
ROSTER = table_title("roster")
COVER = table_title("cover")


@pytest.fixture
def fake():
    google = FakeGoogle()
    google.add_folder("forms-folder")
    with google_transport(google):
        yield google


def make(tmp_path, emails: str = EMAILS):
    creds = write_credentials(tmp_path / "c.json")
    config = google_config(creds, {}, folder="forms-folder")
    if emails:
        config += f"    emails:\n      {emails}\n"
    return workspace(tmp_path / "ws", config=config)


def test_three_requests_per_school(tmp_path, fake):
    root = make(tmp_path)

    results = create_google_forms(load_config(root))

    assert [(r.unit, r.shared_with, r.message) for r in results] == [
        ("A01", "a01@example.edu.cn", ""), ("A02", "a02@example.edu.cn", "")]
    assert fake.calls()[0].kind == "drive.files.list"  # once per run: which units already have one
    for r in results:
        assert [c.kind for c in fake.calls() if c.key == r.key or c.body.get("name", "").startswith(r.unit)] \
            == ["drive.files.create", "spreadsheets.batchUpdate", "drive.permissions.create"]
        book = fake.books[r.key]
        assert book.parents == ["forms-folder"] and book.name.startswith(f"{r.unit} ")
        assert book.permissions[0]["role"] == "writer"
    assert len(fake.calls()) == 1 + 3 * 2


def test_the_form_is_drawn_from_the_spec(tmp_path, fake):
    root = make(tmp_path)
    key = create_google_forms(load_config(root), unit="A01")[0].key
    book = fake.books[key]
    census = book.sheet(CENSUS)

    home = [load_package().table(t).title for t in ("home_students", "iep", "visits", "teachers")]
    # a 乡镇中心校 包保s villages: it fills the census and, as 户籍地包保单位, the 送教 tables
    assert [s.title for s in book.sheets] == ["填报说明", COVER, CENSUS, "失学辍学学生工作台账",
                                              "关爱帮扶记录", *home]
    assert census.properties["gridProperties"]["frozenRowCount"] == 2
    header = [fake.cell(key, CENSUS, 2, c) for c in range(1, 18)]
    assert [h["userEnteredValue"]["stringValue"] for h in header[:3]] == ["身份证号", "姓名", "性别"]
    hint = load_package().table("census").field("name").description
    assert hint in header[1]["note"] and header[1]["note"].startswith("【必填】")
    assert census.protected[0]["range"] == {"sheetId": census.id, "startRowIndex": 0, "endRowIndex": 2,
                                            "startColumnIndex": 0, "endColumnIndex": 17}
    assert book.sheets[0].protected and census.merges  # 填报说明 read-only; the banner merged
    first_id, first_sex, first_birth = (fake.cell(key, CENSUS, 3, c) for c in (1, 3, 4))
    assert first_id["userEnteredFormat"]["numberFormat"] == {"type": "TEXT"}
    assert first_id["dataValidation"]["condition"] == {
        "type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": "=" + id_check_formula("A3")}]}
    assert first_id["dataValidation"]["strict"] is True
    assert first_sex["dataValidation"]["condition"]["values"] == [{"userEnteredValue": "男"},
                                                                  {"userEnteredValue": "女"}]
    assert first_birth["userEnteredFormat"]["numberFormat"] == {"type": "DATE", "pattern": "yyyy-mm-dd"}
    assert first_birth["dataValidation"]["condition"]["type"] == "DATE_BETWEEN"
    last_row = census.size[0]
    assert fake.cell(key, CENSUS, last_row, 1)["dataValidation"] == first_id["dataValidation"]
    village = fake.cell(key, CENSUS, 3, 7)["dataValidation"]["condition"]["values"]
    assert village == [{"userEnteredValue": "一村"}]  # A01's own 包保 villages
    assert fake.values(key, COVER)[2][:2] == ["A01", "2022-10"]  # 报送信息 prefilled
    instructions = " ".join(r[0] for r in fake.values(key, "填报说明")[:6] if r)
    assert ".xlsx" not in instructions and "直接在本 Google 表格中填写" in instructions


def test_school_fills_the_form_and_it_is_pulled_back(tmp_path, fake):
    root = make(tmp_path)
    results = create_google_forms(load_config(root))
    mapping = {r.unit: r.key for r in results}
    school = open_client(None, tmp_path / "c.json").gc  # the school typing, through real gspread
    a01 = school.open_by_key(mapping["A01"])
    fake.log.clear()
    good, bad = kid(1), kid(2)[:-1] + ("0" if kid(2)[-1] != "0" else "1")
    assert not ric.is_valid(bad)
    a01.worksheet(CENSUS).update([
        [good, "赵某一", "男", "2014-05-06", "本地户籍", "甲镇", "一村", "1组", "赵某父", "", "无", "",
         "无", "在校就读", "甲镇第一小学", "三年级"],
        [bad, "赵某二", "男", "2014-05-06", "本地户籍", "甲镇", "一村", "1组", "赵某父", "", "无", "",
         "无", "在校就读", "甲镇第一小学", "三年级"],
    ], "A3", value_input_option=gspread.utils.ValueInputOption.user_entered)
    a01.worksheet(COVER).update([["李某", "13800000000", "2022-10-28", "是", "王某"]], "C3",
                                value_input_option=gspread.utils.ValueInputOption.user_entered)
    fake.log.clear()

    report = run_validate(root)  # pulled by folder: the spreadsheets are named <单位代码> …

    assert [c.kind for c in fake.calls()] == ["drive.files.list", "spreadsheets.get", "spreadsheets.get"]
    census = [f for f in report.findings if f.unit_code == "A01" and f.sheet == CENSUS]
    assert where(census) == {("ID-1", CENSUS, 4, "身份证号")}  # the ID stayed text, row as seen
    assert where(report, unit="A01", sheet=COVER) == set()


def test_service_account_without_shared_drive_gets_the_reason(tmp_path, fake):
    root = make(tmp_path)
    fake.service_account = True

    results = create_google_forms(load_config(root))

    assert all(r.key is None for r in results)
    message = results[0].message
    assert all(w in message for w in ("服务账号不能再拥有新文件", "kcbx google login", "共享云端硬盘"))
    assert results[1].message == message  # not tried again for the next school
    assert [c.kind for c in fake.calls()] == ["drive.files.list", "drive.files.create"]

    fake.add_folder("shared-drive-folder", shared_drive=True)
    made = create_google_forms(load_config(root), folder="shared-drive-folder")
    assert all(r.key and not r.message for r in made)


def test_existing_forms_are_not_made_twice_and_failures_clean_up(tmp_path, fake):
    root = make(tmp_path, emails="A01: a01@example.edu.cn\n      A02: not-an-email")
    config = load_config(root)
    fake.fail(500, times=10, kind="spreadsheets.batchUpdate")

    failed = create_google_forms(config, pacing=_no_wait())

    assert all(r.key is None and "HTTP 500" in r.message for r in failed)
    assert fake.calls("drive.files.delete") and not fake.books  # no empty spreadsheet left behind
    fake.failures.clear()
    made = create_google_forms(config)
    assert made[0].shared_with == "a01@example.edu.cn"
    assert made[1].key and "未能共享给 not-an-email" in made[1].message  # made, sharing refused
    again = create_google_forms(config)
    assert [r.message for r in again] == ["已有这个单位的表格，未重新创建"] * 2
    assert [r.key for r in again] == [r.key for r in made]


def _no_wait():
    from kcbx.sources.google_retry import Pacing

    return Pacing(sleep=lambda s: None)


def test_cli_forms_google(tmp_path, fake):
    root = make(tmp_path, emails="")
    emails = tmp_path / "emails.csv"
    emails.write_text("单位代码,邮箱\nA01,a01@example.edu.cn\nA02,a02@example.edu.cn\n", encoding="utf-8")
    assert load_emails(emails) == {"A01": "a01@example.edu.cn", "A02": "a02@example.edu.cn"}

    result = CliRunner().invoke(cli, ["forms", "--google", "--config", str(root), "--emails", str(emails),
                                      "--json"])

    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [f["shared_with"] for f in out["forms"]] == ["a01@example.edu.cn", "a02@example.edu.cn"]
    mapping = (root / "forms" / "google表格.yml").read_text(encoding="utf-8")
    assert all(f["key"] in mapping for f in out["forms"])
    assert not list((root / "forms").glob("*.xlsx"))  # --google makes no xlsx

    wrong = CliRunner().invoke(cli, ["forms", "--config", str(root), "--folder", "x"])
    assert wrong.exit_code == 2 and "只能与 --google 一起使用" in wrong.output


def test_google_forms_carry_what_the_xlsx_forms_carry(tmp_path, fake):
    """After a pull, the next month's Google forms hold the same carried rows as the xlsx
    forms (the census as last reported); ``carry=False`` gives empty sheets."""
    from openpyxl import load_workbook

    from kcbx.init import roll_over
    from kcbx.outputs.forms import write_forms
    from kcbx.pipeline import current_snapshot
    from workbooks import book, census_row, cover, sheet

    config = google_config(write_credentials(tmp_path / "c.json"), {}, folder="forms-folder")
    books = {"A01.xlsx": book(sheet("cover", [cover("A01")]),
                              sheet("census", [census_row(id_number=kid(1))]))}
    root = workspace(tmp_path / "ws", books, config=config)

    def by_folder():  # October pulled from the folder of workbooks, not from Google
        c = load_config(root)
        return c.model_copy(update={"sources": c.sources.model_copy(update={"google": None})})

    current_snapshot(by_folder())
    roll_over(root / "kcbx.yml", "2022-11")
    (form,) = [p for p in write_forms(by_folder(), unit="A01", out=tmp_path / "forms")
               if p.name == "A01.xlsx"]
    carried = [r[0] for r in load_workbook(form)[CENSUS].iter_rows(min_row=3, values_only=True) if r[0]]
    assert carried == [kid(1)]
    key = create_google_forms(load_config(root), unit="A01")[0].key
    assert [r[0] for r in fake.values(key, CENSUS)[2:] if r and r[0]] == carried
    fake.add_folder("other")
    bare = create_google_forms(load_config(root), unit="A01", folder="other", carry=False)[0].key
    assert [r for r in fake.values(bare, CENSUS)[2:] if r and r[0]] == []
