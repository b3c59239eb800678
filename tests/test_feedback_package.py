"""The annotated copy is the school's own package, patched: what it adds, and nothing else.

Every demo school's copy is read back with openpyxl and python-calamine (every cell's value
and formula as in the school's file; the fills and comments on every located finding),
opened by LibreOffice, and compared part by part with the school's file: the parts the
annotation does not touch are the same bytes. A workbook with comments, a VML drawing,
merged cells, validations, protection, inline strings and shared formulas keeps them all;
one sent back with last month's annotation loses it and keeps the school's own fills.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from kcbx import pipeline
from kcbx.config import load_config
from kcbx.findings import ERROR, WARNING, Finding
from kcbx.outputs.feedback import RESULTS, feedback_dir, write_feedback
from kcbx.outputs.feedback.layout import AUTHOR, ORIGINAL, TOP
from kcbx.outputs.feedback.xlsx import write_annotated
from kcbx.tables.intake import FileRecord

RED, YELLOW = "FFC7CE", "FFEB9C"
# the parts an annotation may change (besides the worksheets it marks and what they point at)
SHARED_PARTS = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}


def _rgb(cell) -> str:
    return (cell.fill.fgColor.rgb or "")[-6:] if cell.fill.fill_type == "solid" else ""


def _cells(book) -> dict:
    return {(ws.title, c.coordinate): (c.value, c.data_type)
            for ws in book.worksheets if ws.title != RESULTS
            for row in ws.iter_rows() for c in row if c.value is not None}


def _calamine(path: Path) -> dict:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names
            if name != RESULTS}


def _parts(path: Path) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: i for i in z.infolist()}


def _changed_parts(source: Path, copy: Path) -> set[str]:
    """The source's parts whose bytes differ in the copy (deflated and inflated)."""
    old, new = _parts(source), _parts(copy)
    changed = set()
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(copy) as b:
        for name, info in old.items():
            twin = new.get(name)
            if twin is None or a.read(name) != b.read(name):
                changed.add(name)
            else:  # untouched: copied as its compressed bytes, not deflated again
                assert (twin.CRC, twin.compress_size, twin.compress_type) == \
                    (info.CRC, info.compress_size, info.compress_type), name
    return changed


def _results_part(path: Path) -> str:
    """The 校验结果 worksheet part, found as Excel finds it (workbook.xml and its rels)."""
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        first = re.search(r'<sheet\b[^>]*name="([^"]*)"[^>]*r:id="([^"]*)"', workbook)
        assert first and first.group(1) == RESULTS
        target = re.search(rf'Id="{first.group(2)}"[^>]*Target="([^"]*)"|Target="([^"]*)"[^>]*'
                           rf'Id="{first.group(2)}"', rels)
        assert target
        return z.read("xl/" + (target.group(1) or target.group(2)).lstrip("/")).decode()


def _soffice(files: list[Path], out: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: the copies were not opened by it")
    profile = out / "profile"
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(out), *map(str, files)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for f in files:
        pdf = out / f"{f.stem}.pdf"
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"), (f.name, done.stdout, done.stderr)


# --- every demo school -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_copy):
    summary = demo_copy("feedback-package")
    config = load_config(summary.dest)
    snapshot, _ = pipeline.current_snapshot(config)
    report = pipeline.validate(config)
    write_feedback(config, snapshot, report)
    copies = []
    for record in snapshot.files():
        if record.unit_code and record.readable:
            copies.append((record, snapshot.path / "raw" / record.source,
                           feedback_dir(config) / f"{record.unit_code}_校验反馈.xlsx"))
    assert len(copies) >= 10
    return report, copies


def test_every_school_copy_keeps_every_cell(demo):
    _, copies = demo
    for record, source, copy in copies:
        original, annotated = openpyxl.load_workbook(source), openpyxl.load_workbook(copy)
        assert annotated.sheetnames == [RESULTS, *original.sheetnames], record.source
        assert _cells(annotated) == _cells(original), record.source
        assert _calamine(copy) == _calamine(source), record.source


def test_every_located_finding_is_filled_and_commented(demo):
    report, copies = demo
    marked = 0
    for record, _source, copy in copies:
        book = openpyxl.load_workbook(copy)
        assert book.active.title == RESULTS
        assert [ws.sheet_view.tabSelected for ws in book.worksheets].count(True) == 1
        mine = [f for f in report.findings if f.unit_code == record.unit_code]
        rows = list(book[RESULTS].iter_rows(min_row=TOP + 1))
        assert len(rows) == len(mine)
        for row in rows:
            link = row[8].hyperlink
            if link is None:
                continue
            sheet, ref = link.location.rsplit("!", 1)
            assert sheet.startswith("'") and sheet.endswith("'")
            cell = book[sheet[1:-1].replace("''", "'")][ref]
            assert row[7].value in cell.comment.text and cell.comment.author == AUTHOR
            assert _rgb(cell) in (RED, YELLOW)
            if row[1].value == ERROR:
                assert _rgb(cell) == RED
            marked += 1
    assert marked > 20


def test_untouched_parts_are_the_same_bytes(demo):
    _, copies = demo
    for record, source, copy in copies:
        changed = _changed_parts(source, copy)
        with zipfile.ZipFile(copy) as z:
            workbook = z.read("xl/workbook.xml").decode()
        assert changed - SHARED_PARTS <= {n for n in _parts(source) if n.startswith("xl/worksheets/")}
        assert len(changed - SHARED_PARTS) < len([n for n in _parts(source) if "worksheets/s" in n])
        assert "fullCalcOnLoad" not in workbook or "fullCalcOnLoad" in zipfile.ZipFile(source).read(
            "xl/workbook.xml").decode(), record.source
        assert "<f>" not in _results_part(copy) and "<f " not in _results_part(copy)


def test_libreoffice_opens_every_copy(demo, tmp_path):
    _, copies = demo
    _soffice([copy for _r, _s, copy in copies[:6]], tmp_path)


# --- a workbook with everything a school's file may hold ------------------------------------


TITLE = "在校学生名册（学校线）"


def _rich_book(path: Path) -> FileRecord:
    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    own = wb.add_format({"bg_color": "#00B050"})
    ws = wb.add_worksheet(TITLE)
    head = ["全国学籍号", "身份证号", "姓名", "年龄", "备注"]
    ws.write_row(0, 0, head, bold)
    ws.write_comment(0, 1, "填 18 位身份证号", {"author": "区教育局"})
    rows = [["G1", "110", "王某华", 9, "x"], ["G2", "111", "李某明", 10, None],
            ["G3", "112", None, 11, "y"], ["G4", "113", "赵某强", 12, None]]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    ws.write_comment(2, 2, "学校自己的批注", {"author": "教务处"})
    ws.write(4, 4, "本校自填", own)
    ws.merge_range("F2:F3", "合并", bold)
    ws.data_validation(1, 3, 100, 3, {"validate": "integer", "criteria": "between", "minimum": 3,
                                      "maximum": 25})
    ws.write_formula(1, 6, "=D2*2", None, 18)
    ws.write_formula(2, 6, "=D3*2", None, 20)
    ws.write_formula(3, 6, "=D4*2", None, 22)
    ws.protect("", {"format_cells": True})
    other = wb.add_worksheet("说明")
    other.write(0, 0, "本表由学校填写")
    other.activate()  # the school saved with this tab selected
    wb.define_name(f"'{TITLE}'!本校区域", f"='{TITLE}'!$A$1:$E$5")
    ws.print_area("A1:G5")
    wb.close()
    # by hand: a shared formula (G2 master, G3:G4 sharing it), an inline string in H4
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = xml.replace("<f>D2*2</f>", '<f t="shared" ref="G2:G4" si="0">D2*2</f>')
    for master in ("<f>D3*2</f>", "<f>D4*2</f>"):
        xml = xml.replace(master, '<f t="shared" si="0"/>')
    assert xml.count('t="shared"') == 3
    parts["xl/worksheets/sheet1.xml"] = _move_inline(xml).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return FileRecord(source="submissions/X1.xlsx", unit_code="X1", digest="",
                      sheets={"roster": TITLE}, header_rows={"roster": 1})


def _move_inline(xml: str) -> str:
    """H4 as an inline string, in its place after G4."""
    g4 = re.search(r'<c r="G4"[^>]*?(?:/>|>.*?</c>)', xml)
    assert g4
    return xml[:g4.end()] + '<c r="H4" t="inlineStr"><is><t>行内文字</t></is></c>' + xml[g4.end():]


def _f(rule, severity, row, column, message) -> Finding:
    return Finding(rule, severity, "X1", "submissions/X1.xlsx", TITLE, row, column, None, message)


FINDINGS = [
    _f("ID-1", ERROR, 2, "身份证号", "身份证号应为18位"),
    _f("required-error", WARNING, 4, "姓名", "姓名为空"),  # an empty cell
    _f("unique-error", WARNING, 3, "姓名", "重复"),  # the cell with the school's comment
    _f("HOME-1", ERROR, 3, "备注", "备注"),  # E3: no cell there
    _f("HOME-3", ERROR, 9, "年龄", "这一行没有"),  # a row the sheet does not have
    _f("enum-error", ERROR, 3, "全国学籍号", "学籍号"),
]


def test_a_rich_workbook_keeps_everything(tmp_path):
    source = tmp_path / "X1.xlsx"
    record = _rich_book(source)
    merged = Finding("HOME-2", ERROR, "X1", "submissions/X1.xlsx", TITLE, 3, None, None, "整行")
    done = write_annotated(source, tmp_path / "out.xlsx", [*FINDINGS, merged], record, "X1（X1）")
    assert (done.mode, done.located, done.listed) == ("copy", 7, 7)
    old, new = openpyxl.load_workbook(source), openpyxl.load_workbook(done.path)
    assert _cells(new) == _cells(old)
    assert _calamine(done.path) == _calamine(source)
    ws, was = new[TITLE], old[TITLE]
    assert ws["G3"].value == was["G3"].value == "=D3*2"  # the shared formula, as openpyxl reads it
    assert ws["H4"].value == "行内文字"
    assert [str(r) for r in ws.merged_cells.ranges] == ["F2:F3"]
    assert len(ws.data_validations.dataValidation) == 1
    assert ws.protection.sheet and not ws.protection.formatCells
    assert ws.print_area == was.print_area
    local = {n: v.attr_text for n, v in ws.defined_names.items()}
    assert local == {n: v.attr_text for n, v in was.defined_names.items()}
    assert ws["B1"].comment.text == "填 18 位身份证号" and ws["B1"].comment.author == "区教育局"
    assert ws["B1"].fill.fgColor.rgb == was["B1"].fill.fgColor.rgb  # the header look stays
    assert ws["B2"].value == "110" and _rgb(ws["B2"]) == RED
    assert ws["C4"].value is None and _rgb(ws["C4"]) == YELLOW
    assert ws["C3"].comment.text == f"【提醒】重复{ORIGINAL}学校自己的批注"
    assert _rgb(ws["E3"]) == RED and _rgb(ws["D9"]) == RED and "这一行没有" in ws["D9"].comment.text
    assert _rgb(ws["A3"]) == RED and "整行" in ws["A3"].comment.text and "学籍号" in ws["A3"].comment.text
    assert _rgb(ws["E5"]) == "00B050"  # the school's own fill
    assert ws["D2"].number_format == was["D2"].number_format
    assert [bool(w.sheet_view.tabSelected) for w in new.worksheets] == [True, False, False]
    changed = _changed_parts(source, done.path)
    assert "xl/worksheets/sheet2.xml" in changed  # its tab was selected: no longer
    with zipfile.ZipFile(done.path) as z:
        vml = z.read("xl/drawings/vmlDrawing1.vml").decode()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        names = z.read("xl/workbook.xml").decode()
        assert z.read("xl/worksheets/sheet2.xml") == zipfile.ZipFile(source).read(
            "xl/worksheets/sheet2.xml").replace(b' tabSelected="1"', b"")
    assert vml.count('ObjectType="Note"') == sum(1 for row in ws.iter_rows() for c in row if c.comment)
    ids = re.findall(r'id="(_x0000_s\d+)"', vml)
    assert len(ids) == len(set(ids))
    assert sheet.count("<legacyDrawing") == 1
    assert re.search(r'definedName name="_xlnm.Print_Titles" localSheetId="0">\'校验结果\'!\$5:\$5<', names)
    assert re.search(r'name="_xlnm.Print_Area" localSheetId="1"', names)  # the school's, moved by one
    _soffice([done.path], tmp_path)


@pytest.mark.parametrize("resaved", [False, True], ids=["as sent", "saved again by the school"])
def test_a_copy_sent_back_loses_the_old_annotation(tmp_path, resaved):
    source = tmp_path / "X1.xlsx"
    record = _rich_book(source)
    first = write_annotated(source, tmp_path / "first.xlsx", FINDINGS, record, "X1")
    back = tmp_path / "back.xlsx"
    book = openpyxl.load_workbook(first.path)
    if resaved:  # the school fixed C4 and coloured a cell with our red itself
        book[TITLE]["C4"].value = "周某"
        book[TITLE]["A5"].fill = openpyxl.styles.PatternFill("solid", fgColor=RED)
        book.save(back)
    else:
        shutil.copy(first.path, back)
    again = write_annotated(back, tmp_path / "again.xlsx", FINDINGS[:1], record, "X1")
    assert again.mode == "copy"
    new = openpyxl.load_workbook(again.path)
    assert new.sheetnames == [RESULTS, TITLE, "说明"]
    ws = new[TITLE]
    assert _rgb(ws["B2"]) == RED and ws["B2"].comment.text == "【错误】身份证号应为18位"
    for ref in ("C4", "E3", "D9", "A3"):  # last month's marks are gone
        assert _rgb(ws[ref]) == "" and ws[ref].comment is None, ref
    assert ws["C3"].comment.text == "学校自己的批注" and _rgb(ws["C3"]) == ""
    assert _rgb(ws["E5"]) == "00B050" and ws["B1"].comment.text == "填 18 位身份证号"
    if resaved:
        assert _rgb(ws["A5"]) == RED  # the school's own red, no comment of ours: kept
    with zipfile.ZipFile(again.path) as z:
        names = z.read("xl/workbook.xml").decode()
    assert names.count("_xlnm.Print_Titles") == 1 and names.count("_xlnm._FilterDatabase") == 1
    assert len(list(new[RESULTS].iter_rows(min_row=TOP + 1))) == 1
    assert new[TITLE].print_area == openpyxl.load_workbook(source)[TITLE].print_area


# --- what cannot be patched -----------------------------------------------------------------


HOSTILE = """
import json, resource, sys
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from hostile import CORPUS
from kcbx.findings import Finding
from kcbx.outputs.feedback.xlsx import write_annotated
folder = Path(sys.argv[1])
out = {}
for label, make in CORPUS.items():
    name = make(folder)
    f = Finding("ID-1", "错误", "H", name, "报送信息", 2, "单位代码", None, "说明")
    done = write_annotated(folder / name, folder / "out" / f"{len(out)}.xlsx", [f], None, "测试")
    out[label] = [done.mode, str(done.path)]
print(json.dumps(out))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def test_hostile_workbooks_get_the_fallback_in_bounded_memory(tmp_path):
    tests = Path(__file__).parent
    done = subprocess.run([sys.executable, "-c", HOSTILE, str(tmp_path), str(tests)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    import json

    modes = json.loads(done.stdout.strip().splitlines()[-1])
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    assert peak_kb < 1_500_000, peak_kb
    patchable = {"dimension A1:XFD1048576", "far cell hidden from the scan", "newline in the name",
                 "250-character name"}
    for label, (mode, path) in modes.items():
        book = openpyxl.load_workbook(path)
        assert book.sheetnames[0] == RESULTS, label
        if label in patchable:
            assert mode == "copy", label
        else:
            assert mode in ("values", "list"), label
            assert "重建" in book[RESULTS]["A3"].value or "只列出问题" in book[RESULTS]["A3"].value


def test_a_package_the_patch_cannot_read_falls_back(tmp_path):
    """No styles part: the patch refuses, and the copy is made the old way, still marked."""
    from kcbx.outputs.feedback.package import write_patched

    source = tmp_path / "X1.xlsx"
    record = _rich_book(source)
    with zipfile.ZipFile(source) as z:
        parts = {i.filename: z.read(i) for i in z.infolist() if i.filename != "xl/styles.xml"}
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = re.sub(r'<Relationship [^>]*styles"[^>]*/>', "", rels).encode()
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(ValueError):
        write_patched(broken.read_bytes(), tmp_path / "never.xlsx", FINDINGS, record, "X1", None)
    assert not (tmp_path / "never.xlsx").exists()
    done = write_annotated(broken, tmp_path / "out.xlsx", FINDINGS, record, "X1")
    assert done.mode in ("copy", "values") and done.located == len(FINDINGS)
    book = openpyxl.load_workbook(done.path)
    assert book.sheetnames[0] == RESULTS and _rgb(book[TITLE]["B2"]) == RED
