"""``kcbx init``: a real district from zero, without the demo."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kcbx.cli import cli
from kcbx.config import load_config
from kcbx.init import school_year_calendar
from kcbx.schema import load_package
from workbooks import UNITS, write_reference

PACKAGE = load_package()


def invoke(*args: str, cwd: Path | None = None, monkeypatch=None):
    if cwd is not None and monkeypatch is not None:
        monkeypatch.chdir(cwd)
    return CliRunner().invoke(cli, list(args))


def test_init_writes_a_workspace_that_loads(tmp_path):
    folder = tmp_path / "2023学年"
    result = invoke("init", str(folder), "--district", "测试区", "--year", "2023")
    assert result.exit_code == 0, result.output
    config = load_config(folder)
    assert config.district == "测试区" and config.year == 2023 and config.period == "2023-09"
    assert [t.start.year for t in config.terms] == [2023, 2024]
    national = [h for h in config.holidays if h.name == "国庆节"]
    assert national and national[0].start <= dt.date(2023, 10, 1) and national[0].end >= dt.date(2023, 10, 6)
    assert {dt.date(2023, 10, 7), dt.date(2023, 10, 8)} <= set(config.workdays)
    text = (folder / "kcbx.yml").read_text(encoding="utf-8")
    keys = [line.split(":")[0] for line in text.splitlines() if line and line[0].isalpha()]
    for key in keys:  # a Chinese comment above every top-level key
        above = text.splitlines()[text.splitlines().index(next(
            line for line in text.splitlines() if line.startswith(f"{key}:"))) - 1]
        assert above.startswith("# "), key
    book = openpyxl.load_workbook(folder / "基础数据.xlsx")
    assert {PACKAGE.table("units").title, PACKAGE.table("grid").title} <= set(book.sheetnames)
    assert "build/" in (folder / ".gitignore").read_text(encoding="utf-8")
    assert "kcbx forms" in (folder / "说明.txt").read_text(encoding="utf-8")


def test_init_refuses_an_existing_workspace(tmp_path):
    assert invoke("init", str(tmp_path), "--district", "测试区", "--year", "2023").exit_code == 0
    before = (tmp_path / "kcbx.yml").read_bytes()
    again = invoke("init", str(tmp_path), "--district", "别的区", "--year", "2024")
    assert again.exit_code == 2 and "已有 kcbx.yml" in again.output
    assert (tmp_path / "kcbx.yml").read_bytes() == before
    bare = invoke("init", str(tmp_path))  # nothing to ask for: it is a workspace already
    assert bare.exit_code == 2 and "已经是一个工作文件夹" in bare.output and "kcbx period" in bare.output
    assert "缺少" not in bare.output


def test_init_with_a_first_month_outside_its_year_makes_no_folder(tmp_path):
    result = invoke("init", str(tmp_path / "新区"), "--district", "测试区", "--year", "2024",
                    "--period", "2025-09")
    assert result.exit_code == 2 and "不在 2024 学年" in result.output and "--year 改为 2025" in result.output
    assert "kcbx year" not in result.output and "配置文件" not in result.output
    assert not (tmp_path / "新区").exists()


def test_a_year_the_calendar_library_does_not_know(tmp_path):
    calendar = school_year_calendar(2040)
    assert not calendar.known and calendar.holidays == [] and calendar.workdays == []
    result = invoke("init", str(tmp_path), "--district", "测试区", "--year", "2040")
    assert result.exit_code == 0 and "还不知道" in result.output
    assert load_config(tmp_path).holidays == []


def test_missing_answers_are_named_when_nobody_can_be_asked(tmp_path):
    result = invoke("init", str(tmp_path), "--year", "2023")
    assert result.exit_code == 2 and "--district" in result.output and "Traceback" not in result.output


def _fill(path: Path, table: str, rows: list[dict]) -> None:
    """Type ``rows`` under the header of ``table``'s sheet in a generated form."""
    book = openpyxl.load_workbook(path)
    t = PACKAGE.table(table)
    ws = book[t.title]
    header_row = next(r for r in range(1, 10)
                      if t.fields[0].title in [c.value for c in ws[r]])
    header = [c.value for c in ws[header_row]]
    first = header_row + 1
    while any(ws.cell(first, i + 1).value not in (None, "") for i in range(2)) and table != "cover":
        first += 1
    for offset, row in enumerate(rows):
        for name, value in row.items():
            ws.cell(first + offset, header.index(t.field(name).title) + 1).value = value
    book.save(path)


def test_a_newcomer_from_init_to_build(tmp_path, monkeypatch):
    root = tmp_path / "测试区"
    assert invoke("init", str(root), "--district", "测试区", "--year", "2022",
                  "--period", "2022-10").exit_code == 0
    write_reference(root, UNITS)  # the bureau fills 基础数据 (openpyxl, a small district)
    monkeypatch.chdir(root)
    forms = invoke("forms")
    assert forms.exit_code == 0, forms.output
    for unit in ("A01", "A02"):  # two schools fill their forms and send them back
        form = root / "forms" / f"{unit}.xlsx"
        _fill(form, "cover", [{"filled_by": "李某", "phone": "13800000000",
                               "submitted_on": dt.date(2022, 10, 28), "zero_report": "是",
                               "approved_by": "王某"}])
        shutil.copy(form, root / "submissions" / f"{unit}.xlsx")
    built = invoke("build")
    assert built.exit_code == 0, built.output
    assert "Traceback" not in built.output
    feedback = root / "build" / "feedback" / "2022-10"
    assert {p.name for p in feedback.glob("*.xlsx")} >= {"A01_校验反馈.xlsx", "A02_校验反馈.xlsx"}
    assert list((root / "build" / "reports" / "2022-10" / "月报表").glob("*.pdf"))
    assert (root / "public" / "index.html").is_file()


@pytest.mark.parametrize("year", [2023, 2024])
def test_calendar_spans_are_inside_the_school_year(year):
    calendar = school_year_calendar(year)
    start, end = calendar.terms[0].start, calendar.terms[-1].end
    assert all(start - dt.timedelta(days=3) <= h.start <= end for h in calendar.holidays)
    assert all(d.weekday() >= 5 for d in calendar.workdays)


def test_status_names_the_next_step_at_each_stage(tmp_path, monkeypatch):
    root = tmp_path / "测试区"
    invoke("init", str(root), "--district", "测试区", "--year", "2022", "--period", "2022-10")
    monkeypatch.chdir(root)

    def step() -> str:
        result = invoke("status")
        assert result.exit_code == 0, result.output
        return result.output.split("下一步：", 1)[1]

    assert "单位名录" in step()  # 基础数据 is empty
    write_reference(root, UNITS)
    assert "kcbx forms" in step()
    assert invoke("forms").exit_code == 0
    assert "submissions" in step()
    form = root / "forms" / "A02.xlsx"
    _fill(form, "cover", [{"filled_by": "李某", "phone": "13800000000",
                           "submitted_on": dt.date(2022, 10, 28), "zero_report": "是",
                           "approved_by": "王某"}])
    shutil.copy(form, root / "submissions" / "A02.xlsx")
    assert "kcbx build" in step()
    assert invoke("build").exit_code == 0
    assert "1 个单位没有报送" in step()  # A01 has not sent its form
    data = invoke("status", "--json")
    assert '"submitted": [\n  "A02"\n ]' in data.output


def test_the_month_rollover_carries_open_cases_and_rep4_watches_them(tmp_path, monkeypatch):
    from workbooks import dropout_row, kid

    root = tmp_path / "测试区"
    invoke("init", str(root), "--district", "测试区", "--year", "2022", "--period", "2022-10")
    write_reference(root, UNITS)
    monkeypatch.chdir(root)
    assert invoke("forms").exit_code == 0
    form = root / "forms" / "A02.xlsx"
    cover = {"filled_by": "李某", "phone": "13800000000", "submitted_on": dt.date(2022, 10, 28),
             "zero_report": "否", "approved_by": "王某"}
    _fill(form, "cover", [cover])
    _fill(form, "dropouts", [dropout_row(id_number=kid(70), name="钱某开")])
    shutil.copy(form, root / "submissions" / "A02.xlsx")
    assert invoke("build").exit_code == 0

    rolled = invoke("period", "2022-11")
    assert rolled.exit_code == 0, rolled.output
    text = (root / "kcbx.yml").read_text(encoding="utf-8")
    assert "period: 2022-11" in text and "# 本次报送的月份" in text  # comments kept
    assert load_config(root).period == "2022-11"

    assert invoke("forms").exit_code == 0
    book = openpyxl.load_workbook(form)
    ledger = book[PACKAGE.table("dropouts").title]
    assert any(c.value == kid(70) for row in ledger.iter_rows() for c in row)  # carried
    notes = " ".join(str(c.value) for row in book["填报说明"].iter_rows() for c in row if c.value)
    assert "已从 2022-10 的报送中带入" in notes

    fresh = openpyxl.load_workbook(form)  # the school deletes the carried case
    ws = fresh[PACKAGE.table("dropouts").title]
    for row in ws.iter_rows():
        if any(c.value == kid(70) for c in row):
            for c in row:
                c.value = None
    fresh.save(form)
    _fill(form, "cover", [{**cover, "submitted_on": dt.date(2022, 11, 28)}])
    shutil.copy(form, root / "submissions" / "A02.xlsx")
    assert invoke("build").exit_code == 0
    report = invoke("validate", "--json")
    assert '"rule": "REP-4"' in report.output and "钱某开" in report.output


def test_commands_on_an_unfinished_workspace_name_the_next_step(tmp_path, monkeypatch):
    root = tmp_path / "测试区"
    invoke("init", str(root), "--district", "测试区", "--year", "2022", "--period", "2022-10")
    monkeypatch.chdir(root)
    for args in (["validate"], ["build"], ["forms"]):
        result = invoke(*args)
        assert "下一步" in result.output and "单位名录" in result.output, (args, result.output)
        assert "Traceback" not in result.output
    monkeypatch.chdir(tmp_path)
    assert "kcbx init" in invoke("validate").output  # no workspace at all


@pytest.mark.parametrize("command", ["report", "handbook", "documents"])
def test_output_commands_on_an_empty_workspace_name_the_next_step(tmp_path, monkeypatch, command):
    root = tmp_path / "测试区"
    invoke("init", str(root), "--district", "测试区", "--year", "2022", "--period", "2022-10")
    monkeypatch.chdir(root)
    result = invoke(command)
    assert result.exit_code == 0, result.output
    assert "下一步" in result.output and "单位名录" in result.output
