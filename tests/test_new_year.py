"""A workspace through September 2022 → October 2022 → ``kcbx year 2023`` → September 2023,
the schools returning the forms kcbx carried (rules.md, "The school year boundary").

The district is the clean one written from the contract (``district.py``), plus: two
六年级 送教上门 children at the 小学 XX1 (one a 初中 takes on, one nobody does), a 九年级
pupil at the 初中 XX2 and a census child who is past the age range on the new reference date.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from district import SCHOOL1, SCHOOL2, District, census_record, new_kid, roster_record
from kcbx.cli import cli
from kcbx.config import load_config
from kcbx.pipeline import current_snapshot, validate

D = dt.date
SIX_A = new_kid("张某六", "男", D(2010, 3, 1), 101)  # 六年级 送教: the 初中 takes the child on
SIX_B = new_kid("陈某六", "女", D(2010, 4, 2), 102)  # 六年级 送教: nobody does (HOME-7)
NINE = new_kid("刘某九", "男", D(2008, 1, 5), 103)   # 九年级 at XX2: graduates
OLD = new_kid("黄某大", "男", D(2007, 5, 1), 105)    # 15 on 2022-08-31, 16 on 2023-08-31
LATE = new_kid("何某秋", "女", D(2007, 11, 1), 106)  # 14 on 2022-08-31, still 15 on 2023-08-31
REST = new_kid("石某休", "男", D(2013, 2, 2), 107)   # 休学 in 三年级: comes back to the same grade


def home_record(k: dict, key: str, grade: str) -> dict:
    return {"_key": key, **k, "student_no": "G" + k["id_number"], "disability": "肢体残疾",
            "disability_grade": "二级", "grade": grade, "township": "甲镇", "village": "一村",
            "guardian": "某监护人", "guardian_phone": "13900000003", "address": "甲镇一村（虚构）",
            "site_type": "家庭", "applied_on": D(2022, 8, 25), "assessed_on": D(2022, 8, 30),
            "assessment": "适合送教上门", "started_on": D(2022, 9, 5), "lead_teacher": "孙某"}


def old_year() -> District:
    d = District()
    for k, key in ((SIX_A, "S6A"), (SIX_B, "S6B")):
        d.add("XX1", "home_students", home_record(k, key, "六年级"))
        d.add("XX1", "census", census_record(k, key, group="2组", status="送教上门", school=SCHOOL1,
                                             grade="六年级", disability="肢体残疾", disability_grade="二级"))
        d.add("XX1", "roster", roster_record(k, key, grade="六年级", attendance="送教上门"))
    d.add("XX2", "roster", roster_record(NINE, "N9", grade="九年级", head_teacher="杨某师"))
    d.add("XX2", "census", census_record(NINE, "N9", village="二村", status="在校就读", school=SCHOOL2,
                                         grade="九年级"))
    d.add("XX1", "census", census_record(OLD, "OLD", status="在校就读", school=SCHOOL2, grade="九年级"))
    d.add("XX1", "census", census_record(LATE, "LATE", status="在校就读", school=SCHOOL2, grade="八年级"))
    d.add("XX1", "roster", roster_record(REST, "REST", grade="三年级", attendance="休学"))
    # a case brought back before the year began: more than 12 months before 2023-09-01
    d.add("XX2", "dropouts", District.open_case(
        "LONG", "C9", found_on=D(2022, 3, 1), reported_on=D(2022, 3, 1), step1_on=D(2022, 3, 2),
        step2_on=None, step2_deadline=None, result="已复学", returned_on=D(2022, 8, 15),
        placement="原校原班", plan="每周谈心", mentor="杨某师"))
    return d


def set_month(d: District, period: str, pulled: D, submitted: D) -> None:
    d.configure(period=period, pulled_on=pulled)
    for unit in ("ZX1", "XX1", "XX2"):
        d.set(unit, "cover", "cover", period=period, submitted_on=submitted)


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args), terminal_width=120)
    assert "Traceback" not in result.output, result.output
    return result


def sheet_rows(path: Path, title: str) -> list[dict]:
    """A form's sheet as records (header found by its titles: the form has a banner above)."""
    ws = openpyxl.load_workbook(path, read_only=True)[title]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(rows) if "身份证号" in r or "单位代码" in r or "教师姓名" in r)
    header = rows[at]
    return [dict(zip(header, r, strict=False)) for r in rows[at + 1:] if any(v is not None for v in r)]


def notes(path: Path) -> str:
    ws = openpyxl.load_workbook(path, read_only=True)["填报说明"]
    return "\n".join(str(r[0]) for r in ws.iter_rows(max_row=20, values_only=True) if r[0])


def return_form(form: Path, target: Path, *, edit=None) -> None:
    """The school fills 报送信息 and sends the carried form back (``edit(workbook)`` first)."""
    wb = openpyxl.load_workbook(form)
    ws = wb["报送信息"]
    header = {c.value: c.column for c in ws[2]}
    for title, value in (("填报人", "某填报人"), ("联系电话", "13800000010"),
                         ("填报日期", "2023-09-28"), ("本月无失学辍学（零报告）", "否"),
                         ("单位负责人", "某负责人")):
        ws.cell(row=3, column=header[title], value=value)
    if edit is not None:
        edit(wb)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)


def delete_row(title: str, id_number: str):
    def edit(wb):
        ws = wb[title]
        for row in ws.iter_rows(min_row=3):
            if any(c.value == id_number for c in row):
                ws.delete_rows(row[0].row)
                return
        raise AssertionError(f"{id_number} not in {title}")
    return edit


def append_row(title: str, values: dict):
    def edit(wb):
        ws = wb[title]
        header = {c.value: c.column for c in ws[2]}
        last = max((r[0].row for r in ws.iter_rows(min_row=3) if any(c.value is not None for c in r)),
                   default=2)
        for name, value in values.items():
            ws.cell(row=last + 1, column=header[name], value=value)
    return edit


@pytest.fixture(scope="module")
def new_year(tmp_path_factory) -> Path:
    """The workspace after two pulls of 2022, ``kcbx year 2023`` and ``kcbx forms``."""
    root = tmp_path_factory.mktemp("years") / "ws"
    d = old_year()
    set_month(d, "2022-09", D(2022, 10, 5), D(2022, 9, 28))
    d.write(root)
    current_snapshot(load_config(root))
    set_month(d, "2022-10", D(2022, 11, 4), D(2022, 10, 28))
    d.write(root)
    current_snapshot(load_config(root))
    done = invoke("year", "2023", "--config", str(root))
    assert done.exit_code == 0, done.output
    made = invoke("forms", "--config", str(root))
    assert made.exit_code == 0, made.output
    return root


def returned(new_year: Path, dest: Path, edits: dict | None = None) -> Path:
    root = dest / "ws"
    shutil.copytree(new_year, root)
    for unit in ("ZX1", "XX1", "XX2"):
        return_form(root / "forms" / f"{unit}.xlsx", root / "submissions" / f"{unit}.xlsx",
                    edit=(edits or {}).get(unit))
    return root


def report_of(root: Path):
    return validate(load_config(root).with_overrides(pulled_on=D(2023, 10, 8)))


def test_kcbx_year_moves_the_settings_and_keeps_every_comment(new_year):
    config = load_config(new_year)
    assert (config.year, config.period) == (2023, "2023-09")
    assert config.effective_reference_date == D(2023, 8, 31)
    assert [t.start for t in config.terms] == [D(2023, 9, 1), D(2024, 2, 24)]
    assert all(D(2023, 9, 1) <= h.start <= D(2024, 8, 31) for h in config.holidays)
    assert (config.pulled_on, config.previous) == (None, None)
    kept = new_year / "build" / "years" / "2022" / "kcbx.yml"
    assert load_config(kept).year == 2022


def test_the_forms_carry_what_the_schools_keep_up(new_year):
    forms = new_year / "forms"
    xx1 = {r["身份证号"]: r for r in sheet_rows(forms / "XX1.xlsx", "在校学生名册（学校线）")}
    kids = District()
    c1, c2, c3, c4 = (kids.get("XX1", "roster", k)["id_number"] for k in ("C1", "C2", "C3", "C4"))
    assert (xx1[c1]["年级"], xx1[c2]["年级"], xx1[c3]["年级"]) == ("四年级", "三年级", "五年级")
    assert xx1[c2]["本月缺课天数"] in ("0", 0)  # the monthly field starts again
    assert c4 not in xx1 and SIX_A["id_number"] not in xx1  # 六年级 at a 小学: the 初中 enrols them
    xx2 = {r["身份证号"] for r in sheet_rows(forms / "XX2.xlsx", "在校学生名册（学校线）")}
    assert NINE["id_number"] not in xx2 and len(xx2) == 2  # 九年级 graduated
    census = {r["身份证号"]: r for r in sheet_rows(forms / "XX1.xlsx", "适龄儿童少年摸底表（户籍线）")}
    assert OLD["id_number"] not in census and c1 in census
    assert census[LATE["id_number"]]["年级"] == "九年级"  # born in November: still 15, carried
    assert xx1[REST["id_number"]]["年级"] == "三年级"  # 休学: the grade it left
    home = {r["身份证号"]: r for r in sheet_rows(forms / "XX1.xlsx", "送教上门学生信息表")}
    assert set(home) == {c3} and home[c3]["年级"] == "五年级"
    ledger = {r["身份证号"]: r["劝返状态"] for r in sheet_rows(forms / "XX2.xlsx", "失学辍学学生工作台账")}
    assert list(ledger.values()) == ["劝返中"]  # the case returned 2022-08-15 is not carried
    returned_case = sheet_rows(forms / "XX1.xlsx", "失学辍学学生工作台账")
    assert [r["劝返状态"] for r in returned_case] == ["已复学"]  # returned 2022-09-20: care goes on
    assert sheet_rows(forms / "XX1.xlsx", "送教记录表") == []  # not carried into a new year
    text = notes(forms / "XX1.xlsx")
    assert "黄某大" in text and "超过 15 周岁" in text and "何某秋" not in text
    assert "张某六" in text and "陈某六" in text and "联系落实初中学校" in text
    assert "2016-09-01 至 2017-08-31" in text


def test_the_forms_examples_are_of_their_own_year(new_year):
    """A 2023 form's hints give 2023 examples: "例：2022年秋季学期" is a term the form's own
    list refuses in 2023."""
    said: list[str] = []
    for path in sorted((new_year / "forms").glob("*.xlsx")):
        book = openpyxl.load_workbook(path)
        for ws in book.worksheets:
            said += [c.comment.text for row in ws.iter_rows() for c in row if c.comment]
            said += [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
            said += [dv.prompt for dv in ws.data_validations.dataValidation if dv.prompt]
    examples = re.findall(r"例：(\d{4})", " ".join(said))
    assert examples and set(examples) - {"1380", "3601", "9901"} == {"2023"}
    assert "例：2023年秋季学期" in " ".join(said)


def test_an_untouched_return_hides_nothing_and_home7_finds_who_was_not_taken_on(new_year, tmp_path):
    root = returned(new_year, tmp_path)
    report = report_of(root)
    assert not [f for f in report.findings if f.rule == "REP-4"]
    home7 = {f.params["who"]: f for f in report.findings if f.rule == "HOME-7"}
    assert set(home7) == {"张某六", "陈某六"}
    old = District()  # the anchor: XX1's row of the old year's last pull
    rows = {k: old.header_row("XX1", "home_students") + 1 + i
            for i, k in enumerate(["C3", "S6A", "S6B"])}
    f = home7["陈某六"]
    assert (f.unit_code, f.file, f.sheet, f.row) == ("XX1", "submissions/XX1.xlsx", "送教上门学生信息表",
                                                     rows["S6B"])
    assert "联系落实初中学校" in f.message
    # the case returned in 2022-09 goes on being cared for: from this September, not before
    care = [f for f in report.findings if f.rule == "CARE-1"]
    assert [(f.unit_code, f.params["months"]) for f in care] == [("XX1", "2023年9月")]


def test_home7_is_satisfied_when_a_junior_school_takes_the_child_on(new_year, tmp_path):
    row = {"身份证号": SIX_A["id_number"], "全国学籍号": "G" + SIX_A["id_number"], "姓名": "张某六",
           "性别": "男", "出生日期": "2010-03-01", "残疾类别": "肢体残疾", "残疾等级": "二级",
           "年级": "七年级", "户籍乡镇（街道）": "甲镇", "户籍行政村（社区）": "一村",
           "监护人姓名": "某监护人", "监护人电话": "13900000003", "送教地址": "甲镇一村（虚构）",
           "送教地点类型": "家庭", "申请日期": "2023-08-25", "评估日期": "2023-08-30",
           "评估结论": "适合送教上门", "首次送教日期": "2023-09-04", "负责教师": "杨某师"}
    root = returned(new_year, tmp_path, {"XX2": append_row("送教上门学生信息表", row)})
    report = report_of(root)
    assert [f.params["who"] for f in report.findings if f.rule == "HOME-7"] == ["陈某六"]


def test_a_carried_open_case_deleted_at_the_boundary_is_rep4(new_year, tmp_path):
    case = District().get("XX2", "dropouts", "O")
    root = returned(new_year, tmp_path,
                    {"XX2": delete_row("失学辍学学生工作台账", case["id_number"])})
    report = report_of(root)
    rep4 = [f for f in report.findings if f.rule == "REP-4"]
    assert [(f.unit_code, f.params["who"].split("（")[0]) for f in rep4] == [("XX2", "孙某丽")]


def test_without_the_old_year_there_is_no_home7(new_year, tmp_path):
    root = returned(new_year, tmp_path)
    for snap in (root / "build" / "snapshots").iterdir():
        shutil.rmtree(snap)
    assert not [f for f in report_of(root).findings if f.rule in ("HOME-7", "REP-4")]


# --------------------------------------------------------------------------------------
# Refusals: a month outside the work year, a year skipped or gone back to
# --------------------------------------------------------------------------------------


@pytest.fixture
def year_2022(tmp_path) -> Path:
    d = District()
    d.write(tmp_path / "ws")
    return tmp_path / "ws"


def test_period_across_the_boundary_names_kcbx_year(year_2022):
    before = (year_2022 / "kcbx.yml").read_text(encoding="utf-8")
    result = invoke("period", "2023-09", "--config", str(year_2022))
    assert result.exit_code == 2
    assert "kcbx year 2023" in result.output and "没有改动" in result.output
    assert (year_2022 / "kcbx.yml").read_text(encoding="utf-8") == before


def test_period_of_a_mistyped_month_is_a_usage_error_and_the_same_month_changes_nothing(year_2022):
    path = year_2022 / "kcbx.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("pulled_on:", "pulled_on: 2022-11-03  #"),
                    encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    typo = invoke("period", "2022/11", "--config", str(year_2022))
    assert typo.exit_code == 2
    assert "参数 YYYY-MM 的值不对：“2022/11”不是 YYYY-MM 格式的月份" in typo.output
    assert "配置文件" not in typo.output  # the command line's mistake, not the file's
    same = invoke("period", "2022-10", "--config", str(year_2022))
    assert same.exit_code == 0 and "报送月份已经是 2022-10，没有改动" in same.output
    assert path.read_text(encoding="utf-8") == before  # its pulled_on stays
    moved = invoke("period", "2022-11", "--config", str(year_2022))
    assert moved.exit_code == 0 and "pulled_on 已清空" in moved.output
    assert load_config(year_2022).pulled_on is None


def test_status_tells_last_months_files_and_forms_from_this_months(year_2022):
    import json

    def status() -> dict:
        return json.loads(invoke("status", "--json", "--config", str(year_2022)).output)

    current_snapshot(load_config(year_2022))  # October, pulled
    assert invoke("forms", "--config", str(year_2022)).exit_code == 0
    october = status()
    assert october["submitted"] == october["reporting"] == october["forms"] and october["other_month"] == []
    assert invoke("period", "2022-11", "--config", str(year_2022)).exit_code == 0
    november = status()
    assert november["submitted"] == [] and november["forms"] == []
    assert november["other_month"] == november["reporting"]  # October's files, untouched
    assert "上个月的表格" in november["next_step"] and "kcbx forms" in november["next_step"]
    current_snapshot(load_config(year_2022))  # a pull for November of October's files
    assert status()["other_month"] == november["reporting"]  # their 报送信息 still says October
    assert invoke("forms", "--config", str(year_2022)).exit_code == 0
    return_form(year_2022 / "forms" / "XX1.xlsx", year_2022 / "submissions" / "XX1.xlsx")
    later = status()
    assert later["forms"] == later["reporting"]
    assert later["submitted"] == ["XX1"] and "XX1" not in later["other_month"]


@pytest.mark.parametrize("command", ["validate", "build", "report"])
def test_a_month_of_another_year_is_a_config_error_everywhere(year_2022, command):
    result = invoke(command, "--config", str(year_2022), "--period", "2023-09")
    assert result.exit_code == 2, result.output
    assert "period" in result.output and "kcbx year 2023" in result.output


def test_a_config_whose_period_lies_outside_its_year_is_refused(year_2022):
    path = year_2022 / "kcbx.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("period: 2022-10", "period: 2022-08"),
                    encoding="utf-8")
    result = invoke("validate", "--config", str(year_2022))
    assert result.exit_code == 2 and "2022-08" in result.output and "属于已经结束的 2021 学年" \
        in result.output, result.output


@pytest.mark.parametrize(("year", "words"), [
    ("2024", "不能跳过 2023 学年"), ("2021", "早于本工作文件夹现在的 2022 学年")])
def test_kcbx_year_refuses_the_same_a_skipped_or_an_earlier_year(year_2022, year, words):
    before = (year_2022 / "kcbx.yml").read_text(encoding="utf-8")
    result = invoke("year", year, "--config", str(year_2022))
    assert result.exit_code == 2 and words in result.output, result.output
    assert (year_2022 / "kcbx.yml").read_text(encoding="utf-8") == before


def test_kcbx_year_of_the_year_it_is_in_changes_nothing(year_2022):
    before = (year_2022 / "kcbx.yml").read_text(encoding="utf-8")
    result = invoke("year", "2022", "--config", str(year_2022))
    assert result.exit_code == 0 and "已经是 2022 学年" in result.output and "没有改动" in result.output
    assert (year_2022 / "kcbx.yml").read_text(encoding="utf-8") == before


def test_kcbx_year_force_skips_a_year(year_2022):
    result = invoke("year", "2024", "--force", "--config", str(year_2022))
    assert result.exit_code == 0, result.output
    assert load_config(year_2022).period == "2024-09"


def test_kcbx_year_keeps_the_comments_of_an_init_workspace(tmp_path):
    made = invoke("init", str(tmp_path / "ws"), "--district", "测试区", "--year", "2022")
    assert made.exit_code == 0, made.output
    path = tmp_path / "ws" / "kcbx.yml"
    before = path.read_text(encoding="utf-8")
    result = invoke("year", "2023", "--config", str(path))
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert comments and all(line in after.splitlines() for line in comments)
    assert "year: 2023" in after and "period: 2023-09" in after and "reference_date: 2023-08-31" in after
    assert "2022-10-01" not in after  # last year's holidays are gone
    config = load_config(path)
    assert {t.name for t in config.terms} == {"2023年秋季学期", "2024年春季学期"}
    assert config.workdays and all(d.weekday() >= 5 for d in config.workdays)


# --------------------------------------------------------------------------------------
# Retention
# --------------------------------------------------------------------------------------


def test_retention_lists_then_removes_old_years_but_keeps_the_previous_pull(tmp_path):
    d = District()
    root = d.write(tmp_path / "ws")
    first = current_snapshot(load_config(root))[0]
    (root / "build" / "feedback" / "2022-10").mkdir(parents=True)
    mailed = root / "build" / "mail" / "attachments" / "2022-10"
    mailed.mkdir(parents=True)
    (mailed / "1-1-1.xlsx").write_bytes(b"a school's workbook")
    (root / "build" / "public").mkdir(parents=True, exist_ok=True)
    (root / "build" / "public" / "progress.csv").write_text("period\n2022-10\n", encoding="utf-8")
    path = root / "kcbx.yml"
    path.write_text(path.read_text(encoding="utf-8") + "retention_years: 1\n", encoding="utf-8")
    assert invoke("year", "2023", "--config", str(root)).exit_code == 0
    set_month(d, "2023-09", D(2023, 10, 8), D(2023, 9, 28))
    d.configure(year=2023, terms=[{"name": "2023年秋季学期", "start": D(2023, 9, 1), "end": D(2024, 1, 19)}],
                holidays=[], workdays=[], retention_years=1)
    d.write(root)
    second = current_snapshot(load_config(root))[0]
    assert (first.year, second.year) == (2022, 2023)

    result = invoke("year", "2024", "--config", str(root))  # not in a terminal, no --yes
    assert result.exit_code == 0, result.output
    assert "没有删除" in result.output and "2022 学年 反馈表" in result.output
    assert "kcbx year 2024 --yes" in result.output  # what it says to run does it
    assert first.path.is_dir() and (root / "build" / "feedback" / "2022-10").is_dir()
    result = invoke("year", "2024", "--yes", "--config", str(root))
    assert result.exit_code == 0, result.output
    assert not first.path.exists() and not (root / "build" / "feedback" / "2022-10").exists()
    assert not mailed.exists()  # workbooks schools mailed in: personal data too
    assert second.path.is_dir()  # 2023's last pull: what the first pull of 2024 compares with

    result = invoke("year", "2025", "--config", str(root), "--yes")
    assert result.exit_code == 0, result.output
    assert second.path.is_dir()  # still: the newest pull before 2025, what 2025 compares with
    assert (root / "build" / "public" / "progress.csv").is_file()  # public aggregates stay
    assert (root / "build" / "years" / "2022" / "kcbx.yml").is_file()


def test_status_and_history_know_the_years(new_year):
    import json

    status = json.loads(invoke("status", "--json", "--config", str(new_year)).output)
    assert (status["year"], status["period"], status["pulls_this_year"]) == (2023, "2023-09", 0)
    assert status["last_year_pull"]
    history = json.loads(invoke("history", "--json", "--config", str(new_year)).output)
    assert [(s["year"], s["period"]) for s in history["snapshots"]] == [(2022, "2022-09"),
                                                                       (2022, "2022-10")]
    assert history["snapshots"][-1]["name"] == status["last_year_pull"]


def test_the_calendar_years_summary_spans_two_work_years(tmp_path):
    """``kcbx report --year 2023``: March 2023 (work year 2022, judged with 2022's settings,
    kept when the year ended) and September 2023 (work year 2023) in one summary."""
    root = tmp_path / "ws"
    d = old_year()
    set_month(d, "2023-03", D(2023, 4, 6), D(2023, 3, 28))
    d.write(root)
    current_snapshot(load_config(root))
    assert invoke("year", "2023", "--config", str(root)).exit_code == 0
    assert invoke("forms", "--config", str(root)).exit_code == 0
    for unit in ("ZX1", "XX1", "XX2"):
        return_form(root / "forms" / f"{unit}.xlsx", root / "submissions" / f"{unit}.xlsx")
    current_snapshot(load_config(root).with_overrides(pulled_on=D(2023, 10, 8)))
    result = invoke("report", "--year", "2023", "--config", str(root))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(root / "build" / "reports" / "2023_年度总结.xlsx")
    months = [row[0].value for row in book["月度汇总"].iter_rows(min_row=4) if row[0].value]
    assert months == ["2023-03", "2023-09"]
    said = " ".join(result.output.split())
    assert "2 个月有拉取：2023-03、2023-09" in said  # the months in it, and those not (up to now)
    assert "没有这些月份的拉取）：2023-04、2023-05、2023-06、2023-07、2023-08" in said  # from March on
    assert book["月度汇总"]["A1"].value == "测试区 2023 年控辍保学工作月度汇总"
    result = invoke("report", "--year", "2021", "--config", str(root))
    assert result.exit_code == 2 and "没有 2021 年的拉取记录" in result.output


def test_the_site_shows_this_year_and_keeps_past_years_published(tmp_path):
    """After ``kcbx year``: the status pages are the new year's; 2022's months keep their pages,
    2022 has a page of its own, and its public aggregates stay in the package."""
    root = tmp_path / "ws"
    d = old_year()
    d.write(root)
    assert invoke("report", "--config", str(root)).exit_code == 0  # October 2022, published
    assert invoke("year", "2023", "--config", str(root)).exit_code == 0
    assert invoke("forms", "--config", str(root)).exit_code == 0
    for unit in ("ZX1", "XX1", "XX2"):
        return_form(root / "forms" / f"{unit}.xlsx", root / "submissions" / f"{unit}.xlsx")
    for command in ("report", "site"):
        args = [command, "--config", str(root), "--pulled-on", "2023-10-08"]
        result = invoke(*(["site", "build", *args[1:]] if command == "site" else args))
        assert result.exit_code == 0, result.output
    public = (root / "build" / "public" / "progress.csv").read_text(encoding="utf-8")
    assert "2022-10" in public and "2023-09" in public
    site = root / "public" / "status"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "2023 学年" in index and 'href="years/2022.html"' in index
    past = (site / "years" / "2022.html").read_text(encoding="utf-8")
    assert "2022-10" in past and "2023-09" not in past
    assert (site / "months" / "2022-10.html").is_file() and (site / "months" / "2023-09.html").is_file()
    progress = (site / "progress.html").read_text(encoding="utf-8")
    assert "2023-09" in progress and "months/2022-10.html" not in progress  # this year's trend


def test_december_drafts_the_years_summary_as_a_document(tmp_path):
    """``kcbx documents`` in a December period: the 年度工作总结 of the calendar year (PDF and
    .docx), its months and figures those of the year's pulls, its units those the findings
    name; it passes the paper checks of every printed page."""
    import pypdfium2

    from paper import faults

    root = tmp_path / "ws"
    d = old_year()
    set_month(d, "2022-10", D(2022, 11, 4), D(2022, 11, 2))  # late in October
    d.write(root)
    current_snapshot(load_config(root))
    set_month(d, "2022-12", D(2023, 1, 5), D(2023, 1, 3))  # late: after 12-26 (逾期)
    d.configure(deadline=D(2022, 12, 26))  # December's own deadline: not October's
    d.write(root)
    result = invoke("documents", "--config", str(root))
    assert result.exit_code == 0, result.output
    folder = root / "build" / "documents" / "2022-12"
    pdf, docx = folder / "年度工作总结_2022.pdf", folder / "年度工作总结_2022.docx"
    assert pdf.is_file() and docx.is_file()
    text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(pdf))
    flat = "".join(text.split())
    assert "关于2022年控辍保学工作的总结" in flat and "共2个月的月报" in flat
    assert "10月" in flat and "12月" in flat and "11月" not in flat  # only the months pulled
    assert "全年各单位应报月报表6份，实报6份，按时报送0份" in flat  # each month by its own deadline
    assert "约谈" in flat and "甲镇初级中学（送教上门不规范" not in flat
    assert faults(pdf) == []
    october = invoke("documents", "--config", str(root), "--period", "2022-10",
                     "--pulled-on", "2022-11-04")
    assert october.exit_code == 0
    assert not list((root / "build" / "documents" / "2022-10").glob("年度工作总结*"))


def test_last_years_forms_still_in_the_folder_are_not_judged_with_this_year(new_year, tmp_path):
    """Right after ``kcbx year`` the folder still holds October 2022's workbooks: each unit is
    未报 for September 2023, and no rule judges last year's rows with this year's calendar."""
    root = tmp_path / "ws"
    shutil.copytree(new_year, root)
    report = report_of(root)
    assert {f.rule for f in report.findings} == {"REP-3"}
    assert {f.unit_code for f in report.findings} == {"ZX1", "XX1", "XX2"}


def test_a_unit_that_missed_september_gets_its_form_carried_over_the_boundary(new_year, tmp_path):
    """XX2 sends nothing in September (its October 2022 workbook stays in the folder): its
    October form is carried as a new year's (advanced, graduates out), not as last year's."""
    root = tmp_path / "ws"
    shutil.copytree(new_year, root)
    for unit in ("ZX1", "XX1"):
        return_form(root / "forms" / f"{unit}.xlsx", root / "submissions" / f"{unit}.xlsx")
    current_snapshot(load_config(root).with_overrides(pulled_on=D(2023, 10, 8)))
    assert invoke("period", "2023-10", "--config", str(root)).exit_code == 0
    assert invoke("forms", "--config", str(root)).exit_code == 0
    roster = "在校学生名册（学校线）"
    xx2 = {r["身份证号"]: r["年级"] for r in sheet_rows(root / "forms" / "XX2.xlsx", roster)}
    assert NINE["id_number"] not in xx2 and sorted(xx2.values()) == ["九年级", "八年级"]
    assert "上一学年最后一次报送" in notes(root / "forms" / "XX2.xlsx")
    assert sheet_rows(root / "forms" / "XX2.xlsx", "学籍变动登记") == []
    xx1 = {r["身份证号"]: r["年级"] for r in sheet_rows(root / "forms" / "XX1.xlsx", roster)}
    assert xx1[District().get("XX1", "roster", "C1")["id_number"]] == "四年级"  # as sent in September


HAND_EDITED = """district: 测试区   # 区名
year: '2022'   # 工作年度
reference_date: '2022-09-01'   # 本区按9月1日计算
terms:
# 学期按区教育局校历
  - {name: 2022年秋季学期, start: 2022-09-01, end: 2023-01-13}  # 按区校历，寒假前一周考试
  # 春季学期开学推迟一周
  - {name: 2023年春季学期, start: 2023-02-13, end: 2023-07-07}
holidays: [
  {name: 国庆节, start: 2022-10-01, end: 2022-10-07},
  {name: 春节, start: 2023-01-21, end: 2023-01-27}
]
workdays:
- '2022-10-08'  # 国庆调休上班
period: '2022-10'  # 本次报送月份
pulled_on: 2022-11-04
"""


def test_kcbx_year_edits_a_hand_written_kcbx_yml_and_keeps_every_comment(tmp_path):
    """Quoted values with comments beside them, comments between a list's items (indented
    and not), a flow list over several lines, Windows line ends: every comment stays, and
    only the new year's terms, holidays and workdays are left."""
    root = tmp_path / "ws"
    District().write(root)
    path = root / "kcbx.yml"
    path.write_bytes(HAND_EDITED.replace("\n", "\r\n").encode("utf-8"))
    result = invoke("year", "2023", "--config", str(root))
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    for line in HAND_EDITED.splitlines():
        if "#" in line:
            assert "#" + line.split("#", 1)[1] in after, line
    config = load_config(root)
    assert config.year == 2023 and config.reference_date == D(2023, 9, 1)
    assert all(D(2023, 8, 1) <= t.start and t.end <= D(2024, 8, 31) for t in config.terms)
    assert all(D(2023, 8, 1) <= h.start for h in config.holidays)
    assert "2023-02-13" not in after and "2022-10-08" not in after


def test_kcbx_year_refuses_a_file_it_cannot_edit_and_changes_nothing(tmp_path):
    root = tmp_path / "ws"
    District().write(root)
    path = root / "kcbx.yml"
    path.write_text("{district: 测试区, year: 2022, period: 2022-10, pulled_on: 2022-11-04}\n",
                    encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    result = invoke("year", "2023", "--config", str(root))
    assert result.exit_code == 2 and "无法自动修改" in result.output and "year: 2023" in result.output
    assert path.read_text(encoding="utf-8") == before
    assert not (root / "build" / "years").exists()


def test_kcbx_year_keeps_the_old_year_before_it_moves_on(tmp_path):
    """Where the old year cannot be kept (a file in the way, a handbook open in Word), kcbx.yml
    is not changed: the old year's settings are never lost."""
    root = tmp_path / "ws"
    District().write(root)
    (root / "build").mkdir()
    (root / "build" / "years").write_text("in the way", encoding="utf-8")
    before = (root / "kcbx.yml").read_text(encoding="utf-8")
    result = invoke("year", "2023", "--config", str(root))
    assert result.exit_code == 2, result.output
    assert "没有改动" in result.output
    assert (root / "kcbx.yml").read_text(encoding="utf-8") == before


def test_going_back_a_year_with_force_restores_its_own_calendar(tmp_path):
    root = tmp_path / "ws"
    d = District()
    d.configure(terms=[{"name": "2022年秋季学期", "start": D(2022, 9, 5), "end": D(2023, 1, 13)}],
                reference_date=D(2022, 9, 1))
    d.write(root)
    assert invoke("year", "2023", "--config", str(root)).exit_code == 0
    assert invoke("year", "2022", "--force", "--config", str(root)).exit_code == 0
    config = load_config(root)
    assert [(t.start, t.end) for t in config.terms] == [(D(2022, 9, 5), D(2023, 1, 13))]
    assert config.reference_date == D(2022, 9, 1)
    assert invoke("year", "2023", "--force", "--config", str(root)).exit_code == 0
    kept = load_config(root / "build" / "years" / "2022" / "kcbx.yml")
    assert [(t.start, t.end) for t in kept.terms] == [(D(2022, 9, 5), D(2023, 1, 13))]
