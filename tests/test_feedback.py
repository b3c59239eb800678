"""Feedback copies: each unit's own workbook with its findings coloured and commented.

A demo district is pulled and validated for real; one school's workbook is first given a
formula and a text cell that looks like a formula. The copies are read back with openpyxl:
the school's cells are unchanged, every finding sits on its cell, 校验结果 lists them all.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

from kcbx import pipeline
from kcbx.config import load_config
from kcbx.demo import write_demo
from kcbx.findings import ERROR, WARNING, Finding
from kcbx.outputs.feedback import RESULTS, feedback_dir, write_feedback
from kcbx.outputs.feedback.xlsx import write_annotated
from kcbx.schema import load_package
from kcbx.tables.intake import FileRecord

PACKAGE = load_package()
ROSTER = PACKAGE.table("roster").title
RED, YELLOW = "00FFC7CE", "00FFEB9C"
TOP = 5  # header row of 校验结果


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("feedback") / "示例区"
    write_demo(root, children=300, seed=3)
    path = root / "submissions" / "QSXX.xlsx"
    book = openpyxl.load_workbook(path)
    ws = book[ROSTER]
    header = [c.value for c in ws[1]]
    grade, remark = header.index("年级") + 1, header.index("备注") + 1
    ws.cell(3, grade).value = "=SUM(1)"  # typed as text by the school
    ws.cell(3, grade).data_type = "s"
    ws.cell(4, remark).value = "=1+1"  # a real formula
    book.save(path)
    config = load_config(root)
    snapshot, _ = pipeline.current_snapshot(config)
    report = pipeline.validate(config)
    stale = feedback_dir(config) / "ZZZ_校验反馈.xlsx"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    paths = write_feedback(config, snapshot, report)
    return config, snapshot, report, paths, (3, grade), (4, remark)


def _findings(report, unit):
    return [f for f in report.findings if f.unit_code == unit]


def test_one_copy_per_unit(run):
    config, snapshot, report, paths, *_ = run
    units = {r.unit_code for r in snapshot.files() if r.unit_code}
    units |= {f.unit_code for f in report.findings if f.unit_code}
    assert {p.name for p in paths} == {f"{u}_校验反馈.xlsx" for u in units}
    assert all(p.parent == config.outputs_path / "feedback" / "2022-10" for p in paths)
    assert not (feedback_dir(config) / "ZZZ_校验反馈.xlsx").exists()  # stale copy removed


def test_school_data_is_never_altered(run):
    config, snapshot, report, paths, text_cell, formula_cell = run
    checked = 0
    for record in snapshot.files():
        if not record.unit_code or not record.readable:
            continue
        original = openpyxl.load_workbook(snapshot.path / "raw" / record.source)
        copy = openpyxl.load_workbook(feedback_dir(config) / f"{record.unit_code}_校验反馈.xlsx")
        assert copy.sheetnames == [RESULTS, *original.sheetnames]
        for ws in original.worksheets:
            other = copy[ws.title]
            for row in ws.iter_rows():
                for cell in row:
                    twin = other[cell.coordinate]
                    assert (twin.value, twin.data_type) == (cell.value, cell.data_type), \
                        (record.source, ws.title, cell.coordinate)
                    checked += 1
    assert checked > 10_000
    copy = openpyxl.load_workbook(feedback_dir(config) / "QSXX_校验反馈.xlsx")[ROSTER]
    assert copy.cell(*text_cell).value == "=SUM(1)" and copy.cell(*text_cell).data_type == "s"
    assert copy.cell(*formula_cell).value == "=1+1" and copy.cell(*formula_cell).data_type == "f"


def test_every_finding_is_on_its_cell_and_listed(run):
    config, snapshot, report, paths, text_cell, _ = run
    mine = _findings(report, "QSXX")
    book = openpyxl.load_workbook(feedback_dir(config) / "QSXX_校验反馈.xlsx")
    assert book.sheetnames[0] == RESULTS and book.active.title == RESULTS
    results = book[RESULTS]
    rows = [r for r in results.iter_rows(min_row=TOP + 1)]
    assert len(rows) == len(mine) and len(mine) >= 5
    listed = {(r[9].value, r[3].value, r[4].value, r[5].value): r for r in rows}
    enum = [f for f in mine if f.value == "=SUM(1)"]
    assert len(enum) == 1 and enum[0].row == text_cell[0]
    for f in mine:
        row = listed[(f.rule, f.sheet, f.row, f.column)]
        assert row[7].value == f.message and row[1].value == f.severity
        link = row[8].hyperlink
        assert link is not None, f  # every QSXX finding here has a cell
        sheet, ref = link.location.rsplit("!", 1)
        cell = book[sheet.strip("'")][ref]
        header = [c.value for c in book[sheet.strip("'")][1]]
        assert header[cell.column - 1] == f.column
        assert cell.row == f.row
        assert f.message in cell.comment.text
        worst = RED if any(g.severity == ERROR for g in mine if g.sheet == f.sheet
                           and g.row == f.row and g.column == f.column) else YELLOW
        assert cell.fill.fgColor.rgb == worst
    value = next(r[6] for r in rows if r[9].value == enum[0].rule and r[4].value == text_cell[0])
    assert value.value == "=SUM(1)" and value.data_type == "s"
    with zipfile.ZipFile(feedback_dir(config) / "QSXX_校验反馈.xlsx") as z:
        # the first sheet's part, by its relationship (a patched copy keeps the school's part names)
        workbook = z.read("xl/workbook.xml").decode()
        rid = re.search(r'<sheet\b[^>]*name="校验结果"[^>]*r:id="([^"]+)"', workbook)
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        target = re.search(rf'<Relationship\b[^>]*Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels)
        first = z.read("xl/" + target.group(1).lstrip("/")).decode()
    assert "<f>" not in first and "<f " not in first  # nothing in 校验结果 is a formula


def test_unit_without_workbook_gets_the_list(run):
    config, snapshot, report, *_ = run
    files = {r.unit_code for r in snapshot.files()}
    missing = [f for f in report.findings if f.rule == "REP-3" and f.unit_code not in files]
    assert missing, "the demo has a unit that did not report"
    unit = missing[0].unit_code
    book = openpyxl.load_workbook(feedback_dir(config) / f"{unit}_校验反馈.xlsx")
    assert book.sheetnames == [RESULTS]
    rows = list(book[RESULTS].iter_rows(min_row=TOP + 1))
    assert len(rows) == len(_findings(report, unit))
    assert all(r[8].hyperlink is None for r in rows)


# --- one workbook, findings made by hand --------------------------------------------------------


def _school_book(path: Path) -> FileRecord:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = ROSTER
    ws["A1"] = "某校在校学生名册"
    ws.merge_cells("A1:C1")
    for c, title in enumerate(["全国学籍号", "身份证号", "姓名"], start=1):
        ws.cell(2, c).value = title
    for r, row in enumerate([["G1", "1", "王某华"], ["G2", "2", "李某明"], [None, "3", "赵某强"]], 3):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c).value = value
    ws.merge_cells("A4:A5")
    ws["B3"].comment = Comment("学校自己的批注", "教务处")
    book.save(path)
    return FileRecord(source="submissions/X1.xlsx", unit_code="X1", digest="",
                      sheets={"roster": ROSTER}, header_rows={"roster": 2})


def _f(rule, severity, sheet, row, column, message, value=None) -> Finding:
    return Finding(rule, severity, "X1", "submissions/X1.xlsx", sheet, row, column, value, message)


def test_annotations_by_hand(tmp_path):
    source = tmp_path / "X1.xlsx"
    record = _school_book(source)
    findings = [
        _f("ID-1", ERROR, ROSTER, 3, "身份证号", "身份证号应为18位"),
        _f("unique-error", WARNING, ROSTER, 3, "身份证号", "重复出现"),
        _f("required-error", WARNING, ROSTER, 4, "姓名", "姓名为空"),
        _f("HOME-1", ERROR, ROSTER, 5, "全国学籍号", "没有学籍号"),  # inside A4:A5
        _f("missing-label", ERROR, ROSTER, 2, "年级", "缺少必填列「年级」"),
        _f("missing-sheet", ERROR, "报送信息", None, None, "缺少工作表「报送信息」"),
        _f("REP-4", ERROR, ROSTER, 3, "身份证号", "上次报送时的个案不见了"),
        _f("HOME-7", ERROR, ROSTER, 4, "身份证号", "上一学年的送教学生没有接续"),
        _f("primary-key-error", ERROR, ROSTER, 4, None, "组合重复", value="=HYPERLINK(\"x\")"),
    ]
    out = write_annotated(source, tmp_path / "out" / "X1_校验反馈.xlsx", findings, record, "X1 结果")
    assert (out.mode, out.located, out.listed) == ("copy", 5, 9)
    book = openpyxl.load_workbook(out.path)
    ws = book[ROSTER]
    b3 = ws["B3"]
    assert b3.fill.fgColor.rgb == RED
    text = b3.comment.text
    assert "【错误】身份证号应为18位" in text and "【提醒】重复出现" in text
    assert "学校自己的批注" in text and "上次报送" not in text
    assert ws["C4"].fill.fgColor.rgb == YELLOW and ws["C4"].comment.text == "【提醒】姓名为空"
    assert ws["A4"].fill.fgColor.rgb == RED and "没有学籍号" in ws["A4"].comment.text
    assert ws["A4"].value == "G2" and ws["A1"].value == "某校在校学生名册"
    assert "组合重复" in ws["A4"].comment.text  # a row finding marks the row's first cell
    assert ws["C2"].comment is None and ws["C2"].fill.fgColor.rgb != RED
    links = {r[9].value: r[8].hyperlink for r in book[RESULTS].iter_rows(min_row=TOP + 1)}
    assert links["missing-label"] is None and links["missing-sheet"] is None
    assert links["REP-4"] is None and links["HOME-7"] is None  # rows of an earlier pull
    assert "没有接续" not in (ws["B4"].comment.text if ws["B4"].comment else "")
    assert links["ID-1"].location == f"'{ROSTER}'!B3"
    assert links["HOME-1"].location == f"'{ROSTER}'!A5"
    value = next(r[6] for r in book[RESULTS].iter_rows(min_row=TOP + 1)
                 if r[9].value == "primary-key-error")
    assert value.data_type == "s" and value.value.startswith("=")

    # the copy sent back after fixing B3 only: old marks go, the school's comment comes back
    again = write_annotated(out.path, tmp_path / "again.xlsx", findings[2:3], record, "X1")
    ws = openpyxl.load_workbook(again.path)[ROSTER]
    assert ws["B3"].comment.text == "学校自己的批注" and ws["B3"].fill.fgColor.rgb != RED
    assert ws["A4"].comment is None and ws["C4"].fill.fgColor.rgb == YELLOW


def test_a_workbook_openpyxl_cannot_open_is_rebuilt_from_values(tmp_path):
    source = tmp_path / "X1.xlsx"
    record = _school_book(source)
    legacy = shutil.copy(source, tmp_path / "X1.xls")  # read by content, as calamine does
    findings = [_f("ID-1", ERROR, ROSTER, 3, "身份证号", "身份证号应为18位")]
    out = write_annotated(Path(legacy), tmp_path / "X1_校验反馈.xlsx", findings, record, "X1")
    assert out.mode == "values" and out.located == 1
    book = openpyxl.load_workbook(out.path)
    assert book[ROSTER]["C5"].value == "赵某强" and book[ROSTER]["B3"].data_type == "s"
    assert "重建" in book[RESULTS]["A3"].value


def test_cli(tmp_path):
    from click.testing import CliRunner

    from kcbx.cli import cli

    root = tmp_path / "示例区"
    write_demo(root, children=100, seed=5)
    result = CliRunner().invoke(cli, ["feedback", "--config", str(root), "--json"])
    assert result.exit_code == 0, result.output
    assert (root / "build" / "feedback" / "2022-10" / "QSXX_校验反馈.xlsx").is_file()


def test_only_changed_schools_are_written_again(tmp_path):
    """A rebuild with nothing changed writes no copy; one school resending rewrites its own;
    a school whose file is gone loses its old copy (the list-only copy takes its place)."""
    root = tmp_path / "示例区"
    write_demo(root, children=150, seed=4)
    config = load_config(root)

    def feedback() -> dict[str, int]:
        snapshot, _ = pipeline.current_snapshot(config)
        paths = write_feedback(config, snapshot, pipeline.validate(config))
        return {p.name: p.stat().st_mtime_ns for p in paths}

    first = feedback()
    assert len(first) >= 16
    assert feedback() == first  # nothing changed: nothing written

    path = root / "submissions" / "QSZX.xlsx"
    book = openpyxl.load_workbook(path)
    ws = book[PACKAGE.table("cover").title]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("填报人") + 1).value = "吴某新"  # a detail only QSZX's copy shows
    book.save(path)
    again = feedback()
    changed = {name for name in first if again.get(name) != first[name]}
    assert changed == {"QSZX_校验反馈.xlsx"}

    (root / "submissions" / "YZ.xlsx").unlink()
    third = feedback()
    assert third["YZ_校验反馈.xlsx"] != again["YZ_校验反馈.xlsx"]  # now says: no workbook
    book = openpyxl.load_workbook(feedback_dir(config) / "YZ_校验反馈.xlsx")
    assert book.sheetnames == [RESULTS]
