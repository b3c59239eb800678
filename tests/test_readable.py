"""What a school clerk and a coordinator read: Chinese names for every finding kind, a
校验结果 sheet that prints, terminal tables that fit, ID numbers masked on screen."""

from __future__ import annotations

import re

import openpyxl
import pytest
from click.testing import CliRunner

from kcbx import pipeline
from kcbx.cli import cli
from kcbx.config import load_config
from kcbx.findings import KINDS, Finding
from kcbx.outputs.feedback.xlsx import HEADER, RESULTS, write_annotated
from kcbx.privacy import mask_text
from kcbx.validation.rules import REGISTRY, rule_name
from workbooks import write_book

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


@pytest.mark.parametrize("kind", sorted({*REGISTRY, *KINDS}))
def test_every_finding_kind_has_a_chinese_name(kind):
    name = rule_name(kind)
    assert CJK.search(name) and not LATIN.search(name), (kind, name)


def test_kinds_that_mean_different_things_are_named_differently():
    names = [rule_name(k) for k in KINDS]
    assert len(names) == len(set(names)), sorted(names)


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fb")
    source = write_book(folder / "A02.xlsx",
                        {"在校学生名册（学校线）": [["姓名", "年级"], ["王某华", "三年纪"]]})
    findings = [Finding(rule, "错误", "A02", "A02.xlsx", "在校学生名册（学校线）", 2, "年级", "三年纪",
                        f"第{i}条：" + "说明文字" * 30)
                for i, rule in enumerate(["enum-error", "required-error", "MATCH-1", "HOME-3"] * 20)]
    done = write_annotated(source, folder / "out.xlsx", findings, None,
                           "甲镇第一小学（A02）2022-10 报表校验结果")
    return openpyxl.load_workbook(done.path), findings


def test_results_name_each_finding_in_chinese_with_its_id_beside(feedback):
    book, findings = feedback
    ws = book[RESULTS]
    head = [c.value for c in ws[5]]
    assert head == list(HEADER)
    name_col, id_col = head.index("问题类型"), head.index("规则编号")
    rows = list(ws.iter_rows(min_row=6, values_only=True))
    assert len(rows) == len(findings)
    for row, f in zip(rows, findings, strict=True):
        assert CJK.search(row[name_col]) and not LATIN.search(row[name_col]), row
        assert row[id_col] == f.rule


def test_results_print_on_landscape_a4_one_page_wide(feedback):
    ws = feedback[0][RESULTS]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows == "$5:$5"
    assert "A02" in ws.oddFooter.left.text and "2022-10" in ws.oddFooter.left.text
    assert "&P" in ws.oddFooter.right.text
    message = HEADER.index("问题说明") + 1
    assert ws.cell(6, message).alignment.wrap_text


def test_statistics_workbook_prints_the_same_way(tmp_path):
    from kcbx.demo import write_demo

    root = tmp_path / "ws"
    write_demo(root, children=200, seed=5)
    made = pipeline.reports(load_config(root))
    book = openpyxl.load_workbook(made.tables)
    assert book.worksheets
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        # fitToWidth left out means 1 (the OOXML default, which xlsxwriter does not write)
        assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ws.page_setup.fitToWidth or 1) == 1
        assert int(ws.page_setup.fitToHeight) == 0
        assert ws.print_title_rows == "$1:$1"
        assert "&P" in ws.oddFooter.right.text


def test_terminal_masks_id_numbers_and_phones():
    text = "身份证号“110101201104070010”重复；电话 13812345678；被改成数字“1.1010120110724E+17”"
    masked = mask_text(text)
    assert "110101201104070010" not in masked and "110101********0010" in masked
    assert "13812345678" not in masked and "138****5678" in masked
    assert "1.1010120110724E+17" not in masked


def test_history_fits_an_80_column_terminal(tmp_path, monkeypatch):
    from kcbx.demo import write_demo

    root = tmp_path / "ws"
    write_demo(root, children=100, seed=2)
    monkeypatch.chdir(root)
    monkeypatch.setenv("COLUMNS", "80")
    assert CliRunner().invoke(cli, ["pull"]).exit_code == 0
    book = next((root / "submissions").glob("*.xlsx"))
    wb = openpyxl.load_workbook(book)
    wb.save(book)  # a resend: a second pull
    assert CliRunner().invoke(cli, ["pull"]).exit_code == 0
    result = CliRunner().invoke(cli, ["history"], terminal_width=80)
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    for snap in (root / "build" / "snapshots").iterdir():
        if not snap.name.startswith("."):  # each name is all there, if folded over two lines
            assert snap.name[:13] in result.output


def test_validate_summary_names_findings_in_chinese_and_masks_ids(tmp_path, monkeypatch):
    from kcbx.demo import write_demo

    root = tmp_path / "ws"
    write_demo(root, children=300, seed=1)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["validate"], terminal_width=100)
    assert result.exit_code == 1
    listed = result.output.split("最需要处理的错误", 1)[1]
    assert "unique-error" in listed  # the ID stays beside the name
    assert "重复登记 unique-error" in listed
    assert not re.search(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])", listed)


def test_rule_ids_link_to_the_published_catalogue(tmp_path):
    source = write_book(tmp_path / "A02.xlsx",
                        {"在校学生名册（学校线）": [["姓名", "年级"], ["王某华", "三年纪"]]})
    findings = [Finding(rule, "错误", "A02", "A02.xlsx", "在校学生名册（学校线）", 2, "年级",
                        "三年纪", "说明") for rule in ("enum-error", "MATCH-1")]
    done = write_annotated(source, tmp_path / "out.xlsx", findings, None, "甲镇第一小学（A02）",
                           site_url="https://kcbx.example.cn/")
    ws = openpyxl.load_workbook(done.path)[RESULTS]
    links = {ws.cell(r, 10).value: ws.cell(r, 10).hyperlink for r in (6, 7)}
    assert links["enum-error"] is None  # a schema kind: its name says it all
    assert links["MATCH-1"].target == "https://kcbx.example.cn/reference/rules.html#match-1"


def test_show_ids_prints_them_whole(tmp_path, monkeypatch):
    from kcbx.demo import write_demo

    root = tmp_path / "ws"
    write_demo(root, children=300, seed=1)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["validate", "--show-ids"], terminal_width=100)
    listed = result.output.split("最需要处理的错误", 1)[1]
    assert re.search(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])", listed)
