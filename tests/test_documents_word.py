"""The editable .docx of a document (``outputs.documents.word``): GB/T 9704 page, fonts by
role, sizes, the grid, page numbers and the draft mark read back with python-docx; and, where
LibreOffice can convert it, the printed page measured with pdfium: 22 lines of 28 characters
inside the 156 × 225 mm 版心."""

from __future__ import annotations

import collections
import ctypes
import shutil
from pathlib import Path
from typing import Any

import docx
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from kcbx.errors import KcbxError
from kcbx.outputs.documents.word import write_docx
from paper import soffice_pdfs

FONTS = {"title": "Noto Serif CJK SC", "body": "Noto Serif CJK SC", "heading": "Noto Sans CJK SC",
         "sans": "Noto Sans CJK SC"}
WINDOWS = {"title": "方正小标宋简体", "body": "仿宋", "heading": "黑体"}
ODD = "# $ < > & =1+1 {{x}}"
MM = 72 / 25.4  # points per mm
# the 版心 on A4 (mm from the left and top edges of the paper)
LEFT, RIGHT, TOP, BOTTOM = 28, 210 - 26, 37, 297 - 35


def bulletin(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "关于2022年10月控辍保学工作督查情况\n的通报",
        "number": "示教〔2022〕15号",
        "draft": False,
        "addressee": "各乡镇中心校、城区辅导组、区直属学校：",
        "blocks": [
            {"kind": "para", "text": "现将本月控辍保学工作督查情况通报如下。"},
            {"kind": "heading", "level": 1, "text": "一、报送情况"},
            {"kind": "heading", "level": 2, "text": "（一）按时报送"},
            {"kind": "para", "text": f"原样照录：{ODD}"},
            {"kind": "table", "header": ["单位", "问题", "条数"],
             "rows": [["示例小学", f"台账 {ODD}", "3"], ["示例中学", "未按时报送", "1"]]},
            {"kind": "list", "items": ["示例小学（未按时报送）", "示例中学（台账不全）"]},
        ],
        "signature": "示例区教育局",
        "date": "2022年11月4日",
        "note": "（此件公开发布前请删去所有学生个人信息）",
    }
    return {**data, **changes}


def written(tmp_path: Path, data: dict[str, Any], fonts: dict[str, str] = WINDOWS) -> Any:
    target = tmp_path / "out" / "督查通报.docx"
    write_docx(data, target, fonts)
    return docx.Document(str(target))


def style_chain(doc: Any, paragraph: Any) -> list[Any]:
    style, chain = paragraph.style, []
    while style is not None:
        chain.append(style)
        style = style.base_style
    chain.append(doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")))
    return chain


def effective(doc: Any, paragraph: Any, run: Any, tag: str, attr: str) -> str | None:
    """The value of ``attr`` of the rPr child ``tag`` in force for ``run``: the run's own, else
    its paragraph style's, up the base styles to the document defaults."""
    for el in [run._r, *(s.element for s in style_chain(doc, paragraph)[:-1]),
               style_chain(doc, paragraph)[-1]]:
        rpr = el.find(qn("w:rPr"))
        found = rpr.find(qn(tag)) if rpr is not None else None
        if found is not None and found.get(qn(attr)) is not None:
            return found.get(qn(attr))
    return None


def east_asia(doc: Any, paragraph: Any) -> str | None:
    return effective(doc, paragraph, paragraph.runs[0], "w:rFonts", "w:eastAsia")


def size(doc: Any, paragraph: Any) -> float:
    return int(effective(doc, paragraph, paragraph.runs[0], "w:sz", "w:val") or 0) / 2


def bold(doc: Any, paragraph: Any) -> bool:
    for el in [paragraph.runs[0]._r, *(s.element for s in style_chain(doc, paragraph)[:-1])]:
        rpr = el.find(qn("w:rPr"))
        if rpr is not None and rpr.find(qn("w:b")) is not None:
            return rpr.find(qn("w:b")).get(qn("w:val"), "1") not in ("0", "false")
    return False


def paragraph(doc: Any, text: str) -> Any:
    (found,) = [p for p in doc.paragraphs if p.text == text]
    return found


def test_page_is_a4_with_the_gbt9704_margins_and_a_22_by_28_grid(tmp_path):
    doc = written(tmp_path, bulletin())
    (section,) = doc.sections
    for value, mm in ((section.page_width, 210), (section.page_height, 297),
                      (section.top_margin, 37), (section.bottom_margin, 35),
                      (section.left_margin, 28), (section.right_margin, 26)):
        assert abs(value.mm - mm) <= 0.5, (value.mm, mm)
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    pitch = int(grid.get(qn("w:linePitch")))
    height = section.page_height.twips - section.top_margin.twips - section.bottom_margin.twips
    assert pitch in (578, 579, 580) and 22 * pitch <= height < 23 * pitch
    width_pt = (section.page_width.twips - section.left_margin.twips - section.right_margin.twips) / 20
    char_pitch = 16 + int(grid.get(qn("w:charSpace"))) / 4096
    assert 28 * char_pitch <= width_pt < 29 * char_pitch  # 28 characters of 16 pt to the line
    # the body's lines are exactly one grid line apart, nothing before or after
    normal = doc.styles["Normal"].paragraph_format
    assert normal.line_spacing.twips == pitch and normal.line_spacing_rule == 4  # EXACTLY
    assert normal.space_before == 0 and normal.space_after == 0


def test_each_role_has_its_east_asian_font_and_size(tmp_path):
    doc = written(tmp_path, bulletin())
    normal = doc.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋"
    assert doc.styles["Normal"].font.size.pt == 16
    title = paragraph(doc, "关于2022年10月控辍保学工作督查情况\n的通报")
    assert east_asia(doc, title) == "方正小标宋简体" and size(doc, title) == 22
    assert not bold(doc, title)  # a real 小标宋: not made bold
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER or title.style.paragraph_format.alignment \
        == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0]._r.find(qn("w:br")) is not None  # the title's two lines
    number = paragraph(doc, "示教〔2022〕15号")
    texts = [p.text for p in doc.paragraphs]
    assert texts.index(number.text) < texts.index(title.text)
    assert east_asia(doc, number) == "仿宋" and size(doc, number) == 16
    h1, h2 = paragraph(doc, "一、报送情况"), paragraph(doc, "（一）按时报送")
    assert east_asia(doc, h1) == "黑体" and size(doc, h1) == 16 and not bold(doc, h1)
    assert east_asia(doc, h2) == "仿宋" and size(doc, h2) == 16 and bold(doc, h2)
    body = paragraph(doc, "现将本月控辍保学工作督查情况通报如下。")
    assert east_asia(doc, body) == "仿宋" and size(doc, body) == 16 and not bold(doc, body)
    fmt = body.style.paragraph_format
    assert fmt.first_line_indent.pt == 32 and fmt.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    addressee = paragraph(doc, "各乡镇中心校、城区辅导组、区直属学校：")
    assert not addressee.style.paragraph_format.first_line_indent
    assert texts.index(addressee.text) == texts.index(title.text) + 2  # a blank line between
    for line in ("示例区教育局", "2022年11月4日"):
        p = paragraph(doc, line)
        assert p.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
        assert p.style.paragraph_format.right_indent.pt == 64  # 4 characters
    note = paragraph(doc, "（此件公开发布前请删去所有学生个人信息）")
    assert note.style.paragraph_format.first_line_indent.pt == 32
    for item in ("示例小学（未按时报送）", "示例中学（台账不全）"):
        assert paragraph(doc, item).style.paragraph_format.first_line_indent.pt == 32


def test_without_a_xiaobiaosong_the_title_is_bold_in_the_body_face(tmp_path):
    doc = written(tmp_path, bulletin(), FONTS)
    title = paragraph(doc, "关于2022年10月控辍保学工作督查情况\n的通报")
    assert east_asia(doc, title) == "Noto Serif CJK SC" and bold(doc, title)
    assert east_asia(doc, paragraph(doc, "一、报送情况")) == "Noto Sans CJK SC"


def test_text_goes_in_exactly_as_given(tmp_path):
    doc = written(tmp_path, bulletin(title=f"标题 {ODD}", addressee=f"主送 {ODD}",
                                     signature=ODD))
    texts = [p.text for p in doc.paragraphs]
    for expected in (f"标题 {ODD}", f"主送 {ODD}", f"原样照录：{ODD}", ODD):
        assert expected in texts
    (table,) = doc.tables
    assert table.cell(1, 1).text == f"台账 {ODD}"


def test_a_table_is_full_width_with_its_rows_and_a_repeated_bold_header(tmp_path):
    doc = written(tmp_path, bulletin())
    (table,) = doc.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["单位", "问题", "条数"], ["示例小学", f"台账 {ODD}", "3"], ["示例中学", "未按时报送", "1"]]
    rows = table._tbl.findall(qn("w:tr"))
    assert rows[0].find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
    assert all(r.find(qn("w:trPr")).find(qn("w:tblHeader")) is None for r in rows[1:])
    assert all(run.bold for c in table.rows[0].cells for run in c.paragraphs[0].runs)
    assert not any(run.bold for c in table.rows[1].cells for run in c.paragraphs[0].runs)
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.get(qn("w:sz")) for b in borders} == {"4"}  # eighths of a point: 0.5 pt
    assert {b.get(qn("w:val")) for b in borders} == {"single"}
    section = doc.sections[0]
    width = section.page_width.twips - section.left_margin.twips - section.right_margin.twips
    cols = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert sum(cols) == width
    cell = table.cell(1, 1).paragraphs[0]
    assert size(doc, cell) == 14 and east_asia(doc, cell) == "仿宋"


def test_the_footer_numbers_pages_with_a_page_field_between_dashes(tmp_path):
    doc = written(tmp_path, bulletin())
    footer = doc.sections[0].footer
    (p,) = footer.paragraphs
    xml = p._p.xml
    assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
    instr = [el.text for el in p._p.iter(qn("w:instrText"))]
    assert [i.strip() for i in instr] == ["PAGE"]
    assert p.text.startswith("— ") and p.text.endswith(" —")
    assert p.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert {r.font.size.pt for r in p.runs} == {14}


@pytest.mark.parametrize("draft", [True, False])
def test_the_draft_mark_is_there_only_on_a_draft(tmp_path, draft):
    doc = written(tmp_path, bulletin(draft=draft))
    header = doc.sections[0].header
    marked = "草稿" in "".join(p.text for p in header.paragraphs)
    assert marked is draft
    if draft:
        (run,) = [r for p in header.paragraphs for r in p.runs if "草稿" in r.text]
        assert run.font.color.rgb is not None and min(run.font.color.rgb) >= 0x90  # light grey
    assert "草稿" not in "".join(p.text for p in doc.paragraphs)


def test_no_number_leaves_a_blank_to_fill_and_no_key_leaves_nothing(tmp_path):
    doc = written(tmp_path, bulletin(number=""))
    assert doc.paragraphs[0].text == "〔　　〕　号"
    data = bulletin()
    del data["number"]
    doc = written(tmp_path, data)
    assert doc.paragraphs[0].text.startswith("关于2022年10月")


def test_a_failed_write_leaves_the_old_file_and_no_stray_temporary_file(tmp_path):
    written(tmp_path, bulletin())
    target = tmp_path / "out" / "督查通报.docx"
    before = target.read_bytes()
    bad = bulletin(blocks=[{"kind": "para", "text": "甲"}, {"kind": "picture", "text": "乙"}])
    with pytest.raises(KcbxError, match="picture"):
        write_docx(bad, target, WINDOWS)
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["督查通报.docx"]


# -- printed: LibreOffice → PDF, measured with pdfium ----------------------------------------

TEXT = ("控辍保学是义务教育工作的底线任务各乡镇中心校要落实属地责任逐一核实适龄儿童少年入学情况"
        "对疑似辍学学生及时劝返复学并建立一人一案的工作台账做到应入尽入应返尽返")


def soffice_pdf(source: Path, workdir: Path) -> Path | None:
    """``source`` converted by LibreOffice with a private profile; None when it writes nothing."""
    return next(iter(soffice_pdfs([source], workdir)), None)


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: the printed layout is not measured")
    work = tmp_path_factory.mktemp("lo")
    probe = work / "probe.txt"
    probe.write_text("试", encoding="utf-8")
    if soffice_pdf(probe, work) is None:
        pytest.skip("LibreOffice cannot convert text documents here (no libreoffice-writer?): "
                    "the printed layout is not measured")
    blocks = [{"kind": "heading", "level": 1, "text": "一、总体情况"},
              # 32 paragraphs of 159 characters: 26 (indented), 28, 28, 28, 28 and 21 to a line
              *({"kind": "para", "text": (TEXT[n % 7:] + TEXT[:n % 7]) * 2 + "。"} for n in range(32))]
    source = work / "long.docx"
    write_docx(bulletin(blocks=blocks, draft=True), source, FONTS)
    pdf = soffice_pdf(source, work)
    assert pdf is not None, "LibreOffice could not convert the .docx"
    return pdf


def measure(pdf_path: Path, index: int) -> dict[str, Any]:
    """One page's 16 pt text below the header (the 草稿 mark sits in the top margin): its
    lines (distinct baselines), characters per line, box (loose character boxes, mm from the
    paper's left and top edges) and font names."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        page = pdf[index]
        height = page.get_size()[1]
        text = page.get_textpage()
        lines: dict[float, list[tuple[float, float, float, float]]] = collections.defaultdict(list)
        fonts: set[str] = set()
        x, y = ctypes.c_double(), ctypes.c_double()
        buffer = ctypes.create_string_buffer(256)
        for i in range(text.count_chars()):
            box = text.get_charbox(i, loose=True)
            if (not text.get_text_range(i, 1).strip() or (height - box[3]) / MM < 30
                    or abs(pdfium_c.FPDFText_GetFontSize(text.raw, i) - 16) > 0.5):
                continue
            pdfium_c.FPDFText_GetCharOrigin(text.raw, i, ctypes.byref(x), ctypes.byref(y))
            n = pdfium_c.FPDFText_GetFontInfo(text.raw, i, buffer, len(buffer), None)
            fonts.add(buffer.raw[:max(n - 1, 0)].decode("utf-8", "replace"))
            lines[round(y.value, 1)].append(box)
        pages = len(pdf)
    finally:
        pdf.close()
    boxes = [b for row in lines.values() for b in row]
    return {
        "pages": pages,
        "lines": len(lines),
        "chars_per_line": [len(lines[k]) for k in sorted(lines, reverse=True)],
        "left": round(min(b[0] for b in boxes) / MM, 1),
        "right": round(max(b[2] for b in boxes) / MM, 1),
        "top": round((height - max(b[3] for b in boxes)) / MM, 1),
        "bottom": round((height - min(b[1] for b in boxes)) / MM, 1),
        "fonts": sorted(fonts),
    }


def test_printed_a_full_page_holds_22_lines_of_28_characters_inside_the_banxin(printed):
    m = measure(printed, 1)  # page 1 has the title; pages 2 on are all body text
    assert m["pages"] >= 3, m
    assert 21 <= m["lines"] <= 23, m
    full = max(m["chars_per_line"])
    assert 27 <= full <= 29 and m["chars_per_line"].count(full) >= 12, m
    # inside the 版心 (± 2 mm) and filling it: full lines reach both sides, the first line
    # lies in the first grid line, the last in the last
    assert LEFT - 2 <= m["left"] <= LEFT + 2, m
    assert RIGHT - 2 <= m["right"] <= RIGHT + 2, m
    assert TOP - 2 <= m["top"] <= TOP + 29 / MM, m
    assert BOTTOM - 29 / MM <= m["bottom"] <= BOTTOM + 2, m
    assert any("Serif" in f and "CJK" in f for f in m["fonts"]), m  # the body face was found
    first = measure(printed, 0)  # the 一级标题 in the heading face (eastAsia of its style)
    assert any("Sans" in f and "CJK" in f for f in first["fonts"]), first


def test_printed_every_page_carries_the_draft_mark_and_its_number(printed):
    pdf = pdfium.PdfDocument(str(printed))
    try:
        for n, page in enumerate(pdf, start=1):
            text = page.get_textpage().get_text_range().replace(" ", "")
            assert "草稿" in text and f"—{n}—" in text, (n, text[-40:])
    finally:
        pdf.close()
