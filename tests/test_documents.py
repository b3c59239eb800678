"""文书: 失学辍学情况报告单 from the 台账, in GB/T 9704 layout."""

from __future__ import annotations

import datetime as dt
import re
import statistics

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
    assert len(result.files) == 1
    text = text_of(result.files[0])
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
