"""月报表 as PDF: one beside each xlsx, with the same cases, Chinese fonts embedded, and a
school's text printed as typed (never read as typst markup)."""

from __future__ import annotations

import shutil

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kcbx.config import load_config
from kcbx.pipeline import reports


@pytest.fixture(scope="module")
def demo(demo_copy):
    return demo_copy("monthly").dest


def pdf_text(path) -> str:
    # table cells wrap: compare without any whitespace
    return "".join("".join(page.extract_text().split()) for page in PdfReader(path).pages)


def embedded_fonts(path) -> set[str]:
    names = set()
    for page in PdfReader(path).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            desc = font.get("/FontDescriptor") or (
                font["/DescendantFonts"][0].get_object().get("/FontDescriptor"))
            if desc and any(k in desc.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                names.add(str(font["/BaseFont"]))
    return names


def test_every_monthly_report_has_its_pdf_with_the_same_cases(demo, tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(demo, ws)
    result = reports(load_config(ws))
    assert len(result.monthly_pdf) == len(result.monthly) > 3
    for xlsx, pdf in zip(result.monthly, result.monthly_pdf, strict=True):
        assert pdf.with_suffix(".xlsx") == xlsx
        text = pdf_text(pdf)
        assert "失学辍学（疑似辍学）学生月报表" in text and "单位负责人（签字）" in text
        sheet = load_workbook(xlsx).active
        header = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "序号")
        rows = [r for r in sheet.iter_rows(values_only=True)
                if r[0] and str(r[0]).isdigit() and len(r) == len(header)]
        for row in rows:  # every case's name and ID is in the PDF
            assert row[header.index("姓名")] in text, pdf.name
            assert row[header.index("身份证号")] in text, pdf.name
        if not rows:
            assert "零报告" in text
        assert any("Noto" in f for f in embedded_fonts(pdf)), pdf.name


def test_typst_markup_in_a_submission_is_printed_as_typed(demo, tmp_path):
    from kcbx.outputs.fonts import resolve_fonts
    from kcbx.outputs.reports.monthly import MonthlyReport
    from kcbx.outputs.reports.pdf import write_pdf

    config = load_config(demo)
    fonts = resolve_fonts(config, tmp_path / "fonts")
    tricky = "#import \"x\": * $x^2$ ] *粗* `raw`"
    case = {k: "" for k in ("序号", "单位", "姓名", "性别", "出生日期", "身份证号", "原就读学校及年级",
                            "户籍地", "类型", "发现日期", "上报日期", "主要原因", "四步法进展", "劝返状态",
                            "包保责任人")}
    case.update({"序号": "1", "姓名": "王某华", "包保责任人": tricky})
    report = MonthlyReport(scope="单位", title="测试小学", file_stem="x", period="2022-10",
                           district="示例区", open=1, cases=[case], filled_by="#李某")
    path = write_pdf(report, tmp_path / "x.pdf", fonts, config.effective_pulled_on)
    text = pdf_text(path)
    assert tricky.replace(" ", "") in text
    assert "#李某" in text
