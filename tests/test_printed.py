"""Every page kcbx prints, checked from the PDF itself (``paper.faults``: glyph boxes against
the ruling lines): no glyph crosses or touches a table's line, no line of running text is
spread out, no ASCII , ; : ? ! ( ) stands between Chinese characters, no date is broken —
in every PDF of a demo build (文书, 送教手册, 月报表) and of the district with the longest
values (``longest.py``), and in their .docx as LibreOffice lays them out. The checker is
shown to find each fault on a page made to have it; the typst and .docx break points of a
long number are measured on a page that puts one at every place on a line."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from kcbx import pipeline
from kcbx.config import load_config, parse_config
from kcbx.outputs.documents import HERE, DocumentError
from kcbx.outputs.documents.word import write_docx
from kcbx.outputs.fonts import resolve_document_fonts
from kcbx.outputs.paper import breakable_numbers, chinese_punctuation, digit_groups, printed
from kcbx.outputs.typeset import compile_pdf
from longest import longest_district
from paper import faults, glyphs, soffice_pdfs, summary
from workbooks import book, cover, dropout_row, kid, sheet, workspace

KINDS = ("失学辍学情况报告单", "劝返情况报告", "限期复学通知书", "提请行政处罚报告", "移送司法部门报告",
         "一人一方案", "督查通报", "送教手册", "月报表")
TODAY = dt.date(2022, 11, 4)


def printed_outputs(config) -> list[Path]:
    """Every PDF and .docx of the period's 月报表, 送教手册 and 文书."""
    pipeline.reports(config)
    pipeline.handbooks(config)
    pipeline.documents(config)
    return sorted(p for p in config.outputs_path.rglob("*") if p.suffix in (".pdf", ".docx"))


@pytest.fixture(scope="module")
def demo(demo_copy) -> list[Path]:
    return printed_outputs(load_config(demo_copy("printed").dest))


@pytest.fixture(scope="module")
def longest(tmp_path_factory) -> list[Path]:
    return printed_outputs(load_config(longest_district(tmp_path_factory.mktemp("longest") / "区")))


def shown(found: list) -> str:
    return f"{summary(found)}\n" + "\n".join(map(str, found[:40]))


@pytest.mark.parametrize("build", ["demo", "longest"])
def test_every_printed_page_keeps_inside_its_lines(build, request):
    outputs = request.getfixturevalue(build)
    pdfs = [p for p in outputs if p.suffix == ".pdf"]
    assert {k for k in KINDS if any(k in p.name for p in pdfs)} == set(KINDS)  # every kind printed
    found = [f for p in pdfs for f in faults(p)]
    assert not found, shown(found)


@pytest.mark.parametrize("build", ["demo", "longest"])
def test_every_docx_as_libreoffice_lays_it_out(build, request, tmp_path):
    """The .docx (四步法 documents, 督查通报, 送教手册) printed by LibreOffice: the same checks
    but for broken dates (LibreOffice breaks a line between a digit and a Chinese character
    whatever joins them: its CJK line breaking only keeps forbidden characters off a line's
    ends, and a .docx cannot give it more of them)."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: the .docx are not laid out")
    docx = [p for p in request.getfixturevalue(build) if p.suffix == ".docx"]
    assert len(docx) >= 5
    pdfs = soffice_pdfs(docx, tmp_path)
    assert len(pdfs) == len(docx), "LibreOffice could not convert every .docx"
    found = [f for p in pdfs for f in faults(p) if f.kind != "date"]
    assert not found, shown(found)


# -- the checker finds what it looks for -------------------------------------------------

BAD = """#set page(width: 150mm, height: auto, margin: 10mm)
#set text(font: "Noto Serif SC", size: 12pt, lang: "zh", region: "cn")
#table(columns: (22mm, 22mm), [身份证号], [110101201001011234])

#text(tracking: 0.3em)[被拉开的一行正文文字]

因病长期在家,病愈后不愿返校。

于2022年9月21#linebreak()日复学。
"""


def test_the_checker_finds_each_fault(tmp_path):
    import typst

    from kcbx.outputs.fonts import resolve_fonts

    fonts = resolve_fonts(parse_config({"district": "测试区"}, root=tmp_path, source="kcbx.yml"),
                          tmp_path / "fonts")
    source = tmp_path / "bad.typ"
    source.write_text(BAD, encoding="utf-8")
    pdf = tmp_path / "bad.pdf"
    pdf.write_bytes(typst.compile(str(source), font_paths=list(fonts.folders)))
    found = faults(pdf)
    assert summary(found) == {"crossing": 1, "spread": 1, "ascii": 1, "date": 1}, shown(found)
    assert "0.30 em" in next(str(f) for f in found if f.kind == "spread")


# -- what schools typed: Chinese punctuation on paper, the data as typed ---------------

@pytest.mark.parametrize(("typed", "printed_as"), [
    ("因病长期在家,病愈后不愿返校", "因病长期在家，病愈后不愿返校"),
    ("谈心谈话 , 安排学习小组; 每周一次", "谈心谈话，安排学习小组；每周一次"),
    ("家长称:孩子体弱?需观察!", "家长称：孩子体弱？需观察！"),
    ("谈心(每周2次)后到校", "谈心（每周2次）后到校"),
    ("(1)谈心 (2)家访", "（1）谈心（2）家访"),
    ("HOME-2: 每周送教", "HOME-2：每周送教"),
    ("10:30到校,共1,500元", "10:30到校，共1,500元"),
    ('#set page(width: 1cm) $x$ 备注', '#set page(width: 1cm) $x$ 备注'),
    ("Tel:13800000000 (office)", "Tel:13800000000 (office)"),
])
def test_ascii_marks_in_chinese_text_are_printed_full_width(typed, printed_as):
    assert chinese_punctuation(typed) == printed_as
    assert printed({"a": [typed, {"b": typed}], "n": 3}) == {"a": [printed_as, {"b": printed_as}], "n": 3}


def test_the_paper_has_chinese_punctuation_and_the_data_what_was_typed(tmp_path):
    typed = "因病长期在家,病愈后不愿返校(已就医)"
    rows = [dropout_row(id_number=kid(80), name="孙某明", reason_detail=typed, step1_on=dt.date(2022, 10, 10),
                        found_on=dt.date(2022, 10, 9), reported_on=dt.date(2022, 10, 9))]
    root = workspace(tmp_path / "ws", {"A02.xlsx": book(sheet("cover", [cover("A02")]),
                                                         sheet("dropouts", rows))})
    config = load_config(root)
    result = pipeline.documents(config)
    (slip,) = [f for f in result.files if f.name.startswith("失学辍学情况报告单_")]
    text = "".join(g.text for g in glyphs_of(slip))
    assert "因病长期在家，病愈后不愿返校（已就医）。" in text
    import docx

    (report,) = [f for f in result.files if f.name.startswith("劝返情况报告_") and f.suffix == ".docx"]
    body = "".join(p.text for p in docx.Document(report).paragraphs)
    assert "因病长期在家，病愈后不愿返校（已就医）" in body
    snap, _ = pipeline.current_snapshot(config)
    assert snap.table("dropouts")["reason_detail"].to_list() == [typed]
    _, books = pipeline.feedback(config)
    (copy,) = [b for b in books if "A02" in b.name]
    cells = [c.value for ws in openpyxl.load_workbook(copy).worksheets for r in ws.iter_rows() for c in r]
    assert typed in cells


def glyphs_of(pdf: Path) -> list:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [g for page in doc for g in glyphs(page)]
    finally:
        doc.close()


# -- long numbers break after a group, dates never ---------------------------------------

ID, PHONE = "11010120100101123X", "13800001234"


def stress_blocks() -> list[dict]:
    """Paragraphs that put an ID, a phone and a date at every place of a line."""
    return [{"kind": "para", "text": "甲" * n + f"身份证号{ID}，电话{PHONE}，于2022年10月11日到校。" * 2}
            for n in range(28)]


def lines_of(pdf: Path) -> list[str]:
    """The text of each line of a PDF, top to bottom, page after page."""
    import pypdfium2 as pdfium

    out = []
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for page in doc:
            rows: dict[float, list] = {}
            for g in glyphs(page):
                rows.setdefault(round(g.baseline), []).append(g)
            out += ["".join(g.text for g in sorted(r, key=lambda g: g.advance[0]))
                    for _, r in sorted(rows.items(), reverse=True)]
    finally:
        doc.close()
    return out


def assert_breaks_between_groups(lines: list[str]) -> int:
    """Every number split over two lines is split after one of its groups; returns how many."""
    text = "\n".join(lines)
    splits = 0
    for number in (ID, PHONE):
        cuts = {sum(len(g) for g in digit_groups(number)[:i]) for i in range(1, len(digit_groups(number)))}
        for m in re.finditer("\n?".join(number), text):
            if "\n" in m.group():
                assert m.group().index("\n") in cuts, (number, m.group())
                splits += 1
    return splits


def test_typst_breaks_a_long_number_after_a_group_and_never_a_date(tmp_path):
    config = parse_config({"district": "测试区"}, root=tmp_path, source="kcbx.yml")
    fonts = resolve_document_fonts(config, tmp_path / "fonts")
    data = {"title": "测试", "unit": "测试区教育局", "number": "", "draft": False, "addressee": "各学校：",
            "signature": "测试区教育局", "date": "2022年11月4日", "note": "", "blanks": [],
            "fonts": fonts.families(), "blocks": stress_blocks()}
    pdf = tmp_path / "stress.pdf"
    pdf.write_bytes(compile_pdf(HERE / "document.typ", data, fonts.fonts, TODAY, error=DocumentError,
                                what="测试"))
    assert assert_breaks_between_groups(lines_of(pdf)) >= 5
    found = faults(pdf)
    assert not found, shown(found)


def test_the_docx_breaks_a_long_number_after_a_group(tmp_path):
    assert breakable_numbers(f"号{ID}，{PHONE}，2022年") == \
        "号110101\u200b2010\u200b0101\u200b123X，138\u200b0000\u200b1234，2022年"
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: the .docx is not laid out")
    source = tmp_path / "stress.docx"
    fonts = {"title": "Noto Serif CJK SC", "body": "Noto Serif CJK SC", "heading": "Noto Sans CJK SC"}
    write_docx({"title": "测试", "number": "", "draft": False, "addressee": "各学校：",
                "blocks": stress_blocks(), "signature": "测试区教育局", "date": "2022年11月4日", "note": ""},
               source, fonts)
    (pdf,) = soffice_pdfs([source], tmp_path)
    assert assert_breaks_between_groups(lines_of(pdf)) >= 5
    # LibreOffice spreads only the Chinese characters of a justified line: on this page a few
    # lines made mostly of an ID and a phone still open up to 0.2 em (typst, whose tracking
    # may give a little to the digits too, keeps them under 0.15 em)
    found = [f for f in faults(pdf) if f.kind in ("crossing", "ascii")]
    assert not found, shown(found)
