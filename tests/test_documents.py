"""文书 from the 台账 and the report, in GB/T 9704 layout: 报告单, 四步法 documents,
一人一方案, 督查通报 (PDF opened with pdfium; .docx with python-docx)."""

from __future__ import annotations

import datetime as dt
import re
import statistics

import docx
import polars as pl
import pypdfium2 as pdfium
import pytest

from kcbx import pipeline
from kcbx.config import load_config
from workbooks import book, cover, dropout_row, kid, sheet, workspace

MM = 72 / 25.4
CJK = re.compile(r"[\u4e00-\u9fff]")


def page_chars(path, index: int = 0) -> list[tuple[str, tuple[float, float, float, float]]]:
    pdf = pdfium.PdfDocument(str(path))
    page = pdf[index]
    text = page.get_textpage()
    out = [(text.get_text_range(i, 1), text.get_charbox(i, loose=True))
           for i in range(text.count_chars())]
    pdf.close()
    return out


def text_of(path) -> str:
    return "".join(c for c, _ in page_chars(path))


@pytest.fixture(scope="module")
def demo(demo_copy):
    root = demo_copy("documents").dest
    config = load_config(root)
    result = pipeline.documents(config)
    return config, result


def test_one_slip_per_case_found_in_the_period(demo):
    config, result = demo
    snap, _ = pipeline.current_snapshot(config)
    d = snap.table("dropouts")
    found = d.filter(pl.col("found_on").is_between(pl.lit(str(config.period_start)),
                                                   pl.lit(str(config.period_end))))
    assert found.height >= 3
    slips = [f for f in result.files if f.name.startswith("失学辍学情况报告单_")]
    assert len(slips) == found.height
    names = {n for n in found["name"].to_list() if n}
    assert {n for n in names if any(n in f.name for f in slips)} == names
    towns = set(found["township"].to_list())
    assert set(result.combined) == towns
    pages = sum(len(pdfium.PdfDocument(str(p))) for p in result.combined.values())
    assert pages >= len(slips)


def test_the_body_sits_on_the_gbt9704_grid(demo):
    _, result = demo
    chars = page_chars(result.files[0])
    body = [(c, box) for c, box in chars if CJK.search(c)]
    lefts = [box[0] for _, box in body]
    rights = [box[2] for _, box in body]
    tops = [box[3] for _, box in body]
    bottoms = [box[1] for _, box in body]
    page_h = 297 * MM
    assert min(lefts) >= (28 - 2) * MM and max(rights) <= (210 - 26 + 2) * MM
    assert max(tops) <= page_h - (37 - 2) * MM and min(bottoms) >= (35 - 2) * MM
    # the narrative paragraphs (16 pt): character pitch 156/28 mm, line pitch 225/22 mm
    big = [(c, box) for c, box in body if 15.5 <= box[3] - box[1] <= 20]  # 16 pt body, not 14 pt table
    lines: dict[int, list] = {}
    for _c, box in big:
        lines.setdefault(round(box[1]), []).append(box)
    full = [sorted(b, key=lambda x: x[0]) for b in lines.values() if len(b) >= 20]
    pitch = statistics.median(b[i + 1][0] - b[i][0] for b in full for i in range(len(b) - 1))
    assert abs(pitch - 156 / 28 * MM) < 0.25 * MM, pitch / MM
    baselines = sorted(lines, reverse=True)
    gaps = [a - b for a, b in zip(baselines, baselines[1:], strict=False) if 20 < a - b < 40]
    assert gaps and abs(statistics.median(gaps) - 225 / 22 * MM) < 0.4 * MM, statistics.median(gaps) / MM


def test_typed_text_comes_out_as_typed_and_blanks_are_marked(tmp_path):
    typed = '#set page(paper: "a5") $x$ <b> =1+1'
    rows = [dropout_row(id_number=kid(80), name="孙某明", reason_detail=typed, owner=None,
                        found_on=dt.date(2022, 10, 9), reported_on=dt.date(2022, 10, 9))]
    root = workspace(tmp_path / "ws", {"A02.xlsx": book(sheet("cover", [cover("A02")]),
                                                         sheet("dropouts", rows))})
    result = pipeline.documents(load_config(root))
    (slip,) = [f for f in result.files if f.name.startswith("失学辍学情况报告单_")]
    text = text_of(slip)
    assert typed.replace(" ", "") in text.replace(" ", "").replace("\r", "").replace("\n", "")
    assert "（未填）" in text
    assert result.notes and "包保责任人" in result.notes[0]


def test_one_plan_per_returned_child_with_the_care_month_by_month(demo):
    config, result = demo
    snap, _ = pipeline.current_snapshot(config)
    d = snap.table("dropouts")
    back = d.filter(pl.col("result").is_not_null() & (pl.col("result") != "劝返中"))
    plans = [f for f in result.files if f.name.startswith("一人一方案_")]
    assert back.height >= 2 and len(plans) == back.height
    care = snap.table("care")
    for row in back.iter_rows(named=True):
        path = next(p for p in plans if row["name"] in p.name)
        text = "".join(text_of_pages(path))
        assert row["name"] in text and "监护人（签字）" in text
        for content in care.filter(pl.col("id_number") == row["id_number"])["content"].to_list():
            assert content[:10] in text.replace("\r", "").replace("\n", "")


def text_of_pages(path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    out = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    pdf.close()
    return out


# ---------------------------------------------------------------------------------------
# 四步法 and 督查通报
# ---------------------------------------------------------------------------------------

def expected_steps(row: dict) -> set[str]:
    """What the work plan asks for at each step (the test's own reading of the plan)."""
    if row["result"] not in (None, "劝返中") or not row["step1_on"]:
        return set()
    if row["step3_on"] or row["step4_on"]:
        return {"移送司法部门报告"}
    if row["step2_on"]:
        passed = not row["step2_deadline"] or row["step2_deadline"] < "2022-11-04"
        return {"限期复学通知书", "提请行政处罚报告"} if passed else {"限期复学通知书"}
    return {"劝返情况报告", "限期复学通知书"}


def test_each_open_case_gets_the_papers_of_its_step(demo):
    config, result = demo
    assert config.effective_pulled_on == dt.date(2022, 11, 4)
    snap, _ = pipeline.current_snapshot(config)
    kinds = ("劝返情况报告", "限期复学通知书", "提请行政处罚报告", "移送司法部门报告")
    made: dict[str, set[str]] = {}
    for f in result.files:
        kind, _, rest = f.stem.partition("_")
        if kind in kinds and f.suffix == ".pdf":
            made.setdefault(rest.rsplit("_", 1)[1], set()).add(kind)
            assert f.with_suffix(".docx").is_file(), f"{f.name}: no editable .docx"
    wanted = {r["name"]: expected_steps(r) for r in snap.table("dropouts").iter_rows(named=True)}
    wanted = {n: k for n, k in wanted.items() if k}
    assert len(wanted) >= 3 and len({frozenset(k) for k in wanted.values()}) >= 2
    assert made == wanted
    notice = next(f for f in result.files if f.name.startswith("限期复学通知书_") and f.suffix == ".pdf")
    text = "".join(text_of_pages(notice))
    for law in ("义务教育法》第五条", "第五十八条", "未成年人保护法"):
        assert law in text
    assert "草稿" in text  # no 文号 yet


def test_the_bulletin_names_exactly_the_units_the_findings_name(demo):
    config, result = demo
    report = pipeline.validate(config)
    rules = {"REP-3", "AGE-2", "REP-4", "HOME-2", "HOME-3", "HOME-7", "STEP-2"}
    named = {report.unit_names.get(f.unit_code, f.unit_code) for f in report.findings
             if f.rule in rules}
    assert len(named) >= 4
    (pdf,) = [f for f in result.files if f.name == f"督查通报_{config.period}.pdf"]
    text = "".join(text_of_pages(pdf)).replace("\r", "").replace("\n", "")
    listed = set(re.findall(r"共 ?\d+ ?个单位：([^。]+)。", text))
    units_listed = {u for line in listed for u in line.split("、")}
    assert units_listed == named
    talk = text.split("约谈")[-1].split("表扬")[0]
    hidden = {report.unit_names[f.unit_code] for f in report.findings
              if f.rule in ("AGE-2", "REP-4", "HOME-2", "HOME-3", "HOME-7", "STEP-2")}
    assert hidden and all(u in talk for u in hidden)
    assert "草稿" in text
    doc = docx.Document(str(pdf.with_suffix(".docx")))
    body = "".join(p.text for p in doc.paragraphs)
    assert all(u in body for u in named)


def test_a_document_number_lifts_the_draft_mark(demo, tmp_path):
    config, _ = demo
    stem = f"督查通报_{config.period}"
    numbered = config.with_overrides(document_numbers={stem: "示教〔2022〕15号"})
    result = pipeline.documents(numbered)
    (pdf,) = [f for f in result.files if f.name == f"{stem}.pdf"]
    text = "".join(text_of_pages(pdf)).replace(" ", "")
    assert "示教〔2022〕15号" in text and "草稿" not in text
    log = (result.folder / "字体说明.txt").read_text(encoding="utf-8")
    assert result.fonts and all(line in log for line in result.fonts)
    assert "仿宋" in log and "Noto" in log  # this machine has no 仿宋: the stand-in is named
    pipeline.documents(config)  # the demo's folder as the other tests expect it


def test_an_issued_notice_without_its_deadline_is_marked(tmp_path):
    rows = [dropout_row(id_number=kid(81), name="钱某明", step1_on=dt.date(2022, 10, 11),
                        step2_on=dt.date(2022, 10, 20))]
    root = workspace(tmp_path / "ws", {"A02.xlsx": book(sheet("cover", [cover("A02")]),
                                                         sheet("dropouts", rows))})
    result = pipeline.documents(load_config(root))
    kinds = {f.stem.split("_")[0] for f in result.files if "钱某明" in f.name}
    assert kinds == {"失学辍学情况报告单", "限期复学通知书", "提请行政处罚报告"}
    notice = next(f for f in result.files if f.name.startswith("限期复学通知书_") and f.suffix == ".pdf")
    assert "（未填）前送钱某明" in "".join(text_of_pages(notice)).replace("\n", "")
    assert any("限期复学截止日期未填" in n for n in result.notes)


def test_a_full_page_of_a_bulletin_has_22_lines_of_28(tmp_path):
    """The 通报's template measured on a page the body fills: 22 ± 1 lines of 28 ± 1
    characters, inside the 版心 ± 2 mm."""
    from kcbx.config import parse_config
    from kcbx.outputs.documents import HERE, DocumentError
    from kcbx.outputs.fonts import resolve_document_fonts
    from kcbx.outputs.typeset import compile_pdf

    config = parse_config({"district": "测试区"}, root=tmp_path, source="kcbx.yml")
    fonts = resolve_document_fonts(config, tmp_path / "fonts")
    sentence = "各单位要对照通报逐项整改确保一个都不能少。"
    data = {"title": "关于督查情况的通报", "unit": "测试区教育局", "number": "", "draft": False,
            "addressee": "各学校：", "signature": "测试区教育局", "date": "2022年11月4日",
            "note": "", "blanks": [], "fonts": fonts.families(),
            "blocks": [{"kind": "para", "text": sentence * 6} for _ in range(12)]}
    pdf = tmp_path / "通报.pdf"
    pdf.write_bytes(compile_pdf(HERE / "document.typ", data, fonts.fonts, dt.date(2022, 11, 4),
                                error=DocumentError, what="通报"))
    chars = [(c, box) for c, box in page_chars(pdf, 1) if CJK.search(c) or c in "，。"]
    lines: dict[int, list] = {}
    for _c, box in chars:
        lines.setdefault(round(box[1]), []).append(box)
    body = {k: v for k, v in lines.items() if len(v) >= 10}
    assert abs(len(body) - 22) <= 1, len(body)
    widths = [len(v) for v in body.values()]
    assert abs(statistics.median(widths) - 28) <= 1, widths
    page_h = 297 * MM
    assert min(b[0] for _, b in chars) >= (28 - 2) * MM
    assert max(b[2] for _, b in chars) <= (210 - 26 + 2) * MM
    assert max(b[3] for _, b in chars) <= page_h - (37 - 2) * MM
    assert min(b[1] for _, b in chars) >= (35 - 2) * MM


def test_json_output_is_what_the_library_returns(demo):
    """``kcbx documents --json`` prints ``DocumentsResult.to_dict()``: every file, the counts
    per kind in the catalogue's order, and how many were made again (none: nothing changed)."""
    import json

    from click.testing import CliRunner

    from kcbx.cli import cli

    config, _ = demo
    run = CliRunner().invoke(cli, ["documents", "--json", "--config", str(config.root)])
    assert run.exit_code == 0, run.output
    printed = json.loads(run.output)
    again = pipeline.documents(config)
    assert printed == again.to_dict()
    assert printed["rebuilt"] == 0 and printed["unchanged"] == sum(printed["counts"].values())
    assert list(printed["counts"]) == [k for k in ("失学辍学情况报告单", "劝返情况报告", "限期复学通知书",
                                                   "提请行政处罚报告", "移送司法部门报告", "一人一方案",
                                                   "督查通报") if k in printed["counts"]]
