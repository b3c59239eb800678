"""送教手册: real PDFs (typst) opened with pypdf and pypdfium2, real .docx opened with
python-docx, the CLI on the demo district.

The hand-written clean district (``district.py``) has one child taught at home, 吴某明 of
甲镇第一小学, with 8 visits; its school typed typst markup into his 备注 and one visit's 备注.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import struct
import zlib
from pathlib import Path

import docx
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn
from pypdf import PdfReader

from district import KIDS, SCHOOL1, VISIT_DATES, District
from kcbx import pipeline
from kcbx.cli import cli
from kcbx.config import load_config
from kcbx.outputs.fonts import FontError, FontSet, resolve_fonts
from kcbx.outputs.handbooks import HandbookError, build_records, write_handbooks
from kcbx.outputs.handbooks.data import TABLES
from kcbx.outputs.handbooks.pdf import render_pdf
from kcbx.outputs.paper import chinese_punctuation
from kcbx.pipeline import current_snapshot, validate
from kcbx.schema import load_package
from kcbx.validation import Tables

TODAY = dt.date(2022, 11, 4)
SECTIONS = ("一、学生基本情况", "二、申请与评估", "三、个别化教学计划", "四、送教记录", "五、每月跟踪记录",
            "六、家长培训与家庭训练", "七、学期总结", "八、检查记录")
MARKUP = '#import "@preview/x:0.1.0": * 备注*粗体* $x^2$ ] #set page(width: 1cm) [#text(red)[y]]'
VISIT_MARKUP = "#strong[家长]不在家 $a$ ] *"
GOLDEN = Path(__file__).parent / "golden" / "handbook_page1.png"
C3 = KIDS["C3"]["id_number"]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def visit_pages(path: Path) -> list[str]:
    """The pages listing visits (a date with its weekday), whitespace removed."""
    return [flat(p) for p in pdf_text(path) if re.search(r"\d+月\d+日（[一二三四五六日]）", flat(p))]


# ---------------------------------------------------------------------------------------
# the clean district, compiled once
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("handbooks") / "测试区"
    d = District()
    d.set("XX1", "home_students", "C3", remark=MARKUP)
    d.set("XX1", "visits", "V2", remark=VISIT_MARKUP)
    d.write(root)
    config = load_config(root)
    stages: list[tuple[str, int, int]] = []
    result = pipeline.handbooks(config, today=TODAY, progress=lambda *a: stages.append(a))
    return config, result, stages


def handbook(result, suffix: str) -> Path:
    return next(f for f in result.files if f.suffix == suffix)


def test_files_names_and_progress(clean) -> None:
    config, result, stages = clean
    folder = config.outputs_path / "handbooks" / "XX1"
    assert result.children == 1 and result.rebuilt == 1 and result.unchanged == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        f"送教手册_{SCHOOL1}_合订本.pdf", f"送教手册_{SCHOOL1}_吴某明.docx",
        f"送教手册_{SCHOOL1}_吴某明.pdf"]
    assert result.combined == {"XX1": folder / f"送教手册_{SCHOOL1}_合订本.pdf"}
    assert ("编制送教手册", 1, 1) in stages
    pages = len(PdfReader(handbook(result, ".pdf")).pages)
    assert len(PdfReader(result.combined["XX1"]).pages) == pages + pages % 2  # duplex padding


def test_pdf_sections_visits_and_compliance(clean) -> None:
    _, result, _ = clean
    pages = pdf_text(handbook(result, ".pdf"))
    assert 6 <= len(pages) <= 14
    text = flat("".join(pages))
    for title in ("送教手册", "手册编号", "XX1-2022秋-001", "2022—2023学年", "编制日期：2022年11月4日",
                  *SECTIONS):
        assert flat(title) in text, title
    for day in VISIT_DATES:
        assert f"{day.month}月{day.day}日（" in text, day
    listing = visit_pages(handbook(result, ".pdf"))
    assert listing and all("家长签字" in p and "送教内容" in p for p in listing)
    # 学期总结: every teaching week from 9月5日 to the pull had a visit, two teachers incl. a man
    assert "每周送教不少于1次符合应送教的教学周8周，有送教8周" in text
    assert "两人同行且有男教师符合" in text
    assert "8次送教均至少两人同行" in text


def test_fonts_embedded(clean) -> None:
    _, result, _ = clean
    names = set()
    for page in PdfReader(handbook(result, ".pdf")).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for desc in font.get("/DescendantFonts", [font]):
                desc = desc.get_object()
                descriptor = desc["/FontDescriptor"].get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), desc
                names.add(re.sub(r"^/?([A-Z]{6}\+)?", "", str(desc["/BaseFont"])))
    assert names and names <= {"NotoSerifSC-Regular", "NotoSansSC-Regular"}, names


def test_markup_typed_by_a_school_is_printed_as_text(clean) -> None:
    _, result, _ = clean
    assert chinese_punctuation(MARKUP) == MARKUP and chinese_punctuation(VISIT_MARKUP) == VISIT_MARKUP
    text = flat("".join(pdf_text(handbook(result, ".pdf"))))
    assert flat(MARKUP) in text
    assert flat("备注：" + VISIT_MARKUP) in text
    document = docx.Document(handbook(result, ".docx"))
    cells = {c.text for t in document.tables for r in t.rows for c in r.cells}
    assert MARKUP in cells


def test_golden_first_page(clean) -> None:
    """Page 1 (the cover) rendered by pdfium matches the golden PNG within a tolerance."""
    _, result, _ = clean
    pdf = pdfium.PdfDocument(handbook(result, ".pdf"))
    bitmap = pdf[0].render(scale=40 / 72, grayscale=True)
    width, height = bitmap.width, bitmap.height
    raw = bytes(bitmap.buffer)
    pixels = b"".join(raw[y * bitmap.stride:y * bitmap.stride + width] for y in range(height))
    pdf.close()
    if os.environ.get("KCBX_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(write_png(width, height, pixels))
    gw, gh, golden = read_png(GOLDEN.read_bytes())
    assert (gw, gh) == (width, height)
    diffs = [abs(a - b) for a, b in zip(pixels, golden, strict=True)]
    mean = sum(diffs) / len(diffs)
    off = sum(1 for d in diffs if d > 64) / len(diffs)
    assert mean < 0.1 and off < 0.0005, f"page 1 differs from {GOLDEN.name}: mean {mean:.2f}, {off:.2%}"


def test_docx_sections_fonts_and_table_rows(clean) -> None:
    _, result, _ = clean
    document = docx.Document(handbook(result, ".docx"))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(SECTIONS)
    for name, font in (("Normal", "宋体"), ("Heading 1", "黑体")):
        rpr = document.styles[name].element.rPr
        assert rpr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == font
        assert rpr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    visits = next(t for t in document.tables if "家长签字" in t.rows[0].cells[-1].text)
    assert len(visits.rows) == len(VISIT_DATES) + 1
    assert visits.rows[1].cells[-1].text == ""  # the parent signs on paper
    for table in document.tables[1:]:  # every table but the cover's
        rows = table._tbl.findall(qn("w:tr"))
        assert all(r.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None for r in rows)
    assert visits._tbl.findall(qn("w:tr"))[0].find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
    assert document.sections[2].orientation == 1  # 送教记录 is set landscape


def test_unchanged_handbooks_are_not_rebuilt(clean, tmp_path: Path) -> None:
    config, first, _ = clean
    pdf = handbook(first, ".pdf")
    stamp = pdf.stat().st_mtime_ns
    again = pipeline.handbooks(config, today=TODAY + dt.timedelta(days=3))
    assert (again.rebuilt, again.unchanged) == (0, 1)
    assert pdf.stat().st_mtime_ns == stamp
    # one cell changes: only that child is compiled again (here: the only one)
    d = District()
    d.set("XX1", "visits", "V3", content="做上肢康复操二十分钟，练习抓握积木十块")
    d.write(config.root, only_dirty=True)
    changed = pipeline.handbooks(config, today=TODAY, formats=("pdf",))
    assert (changed.rebuilt, changed.unchanged) == (1, 0)
    assert "练习抓握积木十块" in flat("".join(pdf_text(pdf)))


# ---------------------------------------------------------------------------------------
# fonts: never a PDF of empty boxes
# ---------------------------------------------------------------------------------------


def _records(config):
    package = load_package()
    snapshot, _ = current_snapshot(config, package)
    tables = Tables.build(package, snapshot.tables(), snapshot.files())
    return build_records(config, {n: tables.typed[n] for n in TABLES},
                         findings=validate(config).findings)


def test_a_character_no_font_has_is_an_error(clean) -> None:
    config, _, _ = clean
    (rec,) = _records(config)
    odd = dataclasses.replace(rec, key="X", stem="送教手册_缺字", data={
        **rec.data, "student": {"name": "吴某\ue000明"}})
    with pytest.raises(HandbookError, match="\ue000"):
        write_handbooks(config, [odd], formats=("pdf",), combined=False)
    assert not (config.outputs_path / "handbooks" / "XX1" / "送教手册_缺字.pdf").exists()


def test_a_typst_warning_is_an_error(clean) -> None:
    config, _, _ = clean
    (rec,) = _records(config)
    real = resolve_fonts(config, config.outputs_path / "handbooks" / ".fonts")
    missing = FontSet(real.folders, real.files, "No Such Font", "No Such Font", "test")
    with pytest.raises(HandbookError, match="unknown font family"):
        render_pdf(rec.data, missing, TODAY)


def test_fonts_from_kcbx_yml(clean, tmp_path: Path) -> None:
    config, _, _ = clean
    with pytest.raises(FontError, match="不存在"):
        resolve_fonts(config.with_overrides(fonts=["没有这个字体.ttf"]), tmp_path)
    with pytest.raises(HandbookError, match="不存在"):  # as compiling handbooks reports it
        pipeline.handbooks(config.with_overrides(fonts=["没有这个字体.ttf"]), formats=("pdf",))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FontError, match="没有可用的字体文件"):
        resolve_fonts(config.with_overrides(fonts=[str(tmp_path / "empty")]), tmp_path)
    serif = resolve_fonts(config, tmp_path).files[0]
    named = resolve_fonts(config.with_overrides(fonts=[serif]), tmp_path / "cache")
    assert (named.serif, named.sans) == ("Noto Serif SC", "Noto Serif SC")
    assert "kcbx.yml" in named.source
    (rec,) = _records(config)
    assert render_pdf(rec.data, named, TODAY).startswith(b"%PDF")


# ---------------------------------------------------------------------------------------
# the demo district through the CLI
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_copy) -> Path:
    return demo_copy("demo").dest


def test_cli_on_the_demo(demo: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["handbook", "--config", str(demo), "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert result["children"] == 8 and result["rebuilt"] == 8
    files = [Path(f) for f in result["files"]]
    assert len(files) == 16 and all(f.is_file() for f in files)
    assert sorted(result["combined"]) == ["LHXX", "QSXX", "TJXX"]
    for combined in result["combined"].values():
        assert len(PdfReader(combined).pages) % 2 == 0
    # the visit table's header is repeated on every page that lists visits
    listings = [visit_pages(f) for f in files if f.suffix == ".pdf"]
    assert max(len(pages) for pages in listings) >= 2, "no demo handbook's visits span two pages"
    assert all("家长签字" in p and "送教内容" in p for pages in listings for p in pages)
    one = next(f for f in files if f.suffix == ".pdf")
    ident = re.search(r"身份证号\s*(\d{17}[\dX])", pdf_text(one)[1])
    assert ident, "the 身份证号 is printed in 学生基本情况"
    out = runner.invoke(cli, ["handbook", "--config", str(demo), "--child", ident.group(1),
                              "--format", "pdf"])
    assert out.exit_code == 0, out.output
    assert "本次编制 0 本，数据未变化 1 本" in out.output
    out = runner.invoke(cli, ["handbook", "--config", str(demo), "--unit", "没有这个单位"])
    assert out.exit_code == 2 and "单位名录中没有" in out.output


def test_demo_compliance_comes_from_the_records_and_the_findings(demo: Path) -> None:
    config = load_config(demo)
    report = validate(config)
    package = load_package()
    snapshot, _ = current_snapshot(config, package)
    tables = Tables.build(package, snapshot.tables(), snapshot.files())
    records = build_records(config, {n: tables.typed[n] for n in TABLES}, findings=report.findings)
    checks = {r.name: {c["item"]: c for c in r.data["summary"]["checks"]} for r in records}
    rules = {r.name: {f["rule"] for f in r.data["summary"]["findings"]} for r in records}
    home = {f.rule: f for f in report.findings if f.rule.startswith("HOME-")}
    missed = next(n for n, r in rules.items() if "HOME-2" in r)
    assert checks[missed]["每周送教不少于1次"]["result"] == "不符合"
    assert "10月17日–10月23日" in checks[missed]["每周送教不少于1次"]["detail"]
    alone = next(n for n, r in rules.items() if "HOME-3" in r)
    assert checks[alone]["两人同行且有男教师"]["result"] == "不符合"
    assert "没有男教师" in checks[alone]["两人同行且有男教师"]["detail"]
    assert home["HOME-1"].message.split("：")[1].startswith(
        next(n for n, c in checks.items() if c["学籍"]["result"] == "不符合"))
    clean_ones = [n for n, r in rules.items() if not r]
    assert clean_ones and all(checks[n]["两人同行且有男教师"]["result"] == "符合" for n in clean_ones)


def test_the_summary_verdicts_are_the_rules_verdicts(demo: Path) -> None:
    """学期总结 reads the report: stricter thresholds in kcbx.yml change the rules' findings
    and, through them alone, the handbook's verdicts."""
    config = load_config(demo)
    strict = config.with_overrides(thresholds={**config.thresholds.model_dump(),
                                               "min_content_chars": 400, "min_domains": 7})
    package = load_package()
    snapshot, _ = current_snapshot(strict, package)
    tables = Tables.build(package, snapshot.tables(), snapshot.files())
    typed = {n: tables.typed[n] for n in TABLES}
    findings = pipeline.start(strict).report.findings
    strict_checks = {r.key: {c["item"]: c for c in r.data["summary"]["checks"]}
                     for r in build_records(strict, typed, findings=findings)}
    plain_checks = {r.key: {c["item"]: c for c in r.data["summary"]["checks"]}
                    for r in build_records(config, typed, findings=validate(config).findings)}
    with_visits = [k for k, c in strict_checks.items() if c["送教记录详细"]["result"] != "—"]
    assert with_visits
    for key in with_visits:
        assert strict_checks[key]["送教记录详细"]["result"] == "待完善"
        assert "送教内容少于400个字" in strict_checks[key]["送教记录详细"]["detail"]
    planned = [k for k, c in strict_checks.items() if c["个别化教学计划"]["detail"].startswith("制定于")]
    assert planned and all(strict_checks[k]["个别化教学计划"]["result"] in ("待完善", "不符合")
                           for k in planned)
    assert any(plain_checks[k]["个别化教学计划"]["result"] == "符合" for k in planned)
    # the same records without the rules' findings: nothing is judged wanting
    bare = build_records(strict, typed, findings=())
    assert all(c["result"] in ("符合", "—") for r in bare for c in r.data["summary"]["checks"]
               if c["item"] not in ("个别化教学计划", "先评估后送教"))


# ---------------------------------------------------------------------------------------
# a tiny PNG codec (8-bit grayscale), so the golden needs no imaging library
# ---------------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png(width: int, height: int, pixels: bytes) -> bytes:
    rows = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(rows, 9)) + _chunk(b"IEND", b""))


def read_png(blob: bytes) -> tuple[int, int, bytes]:
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data, width = 8, b"", 0
    while pos < len(blob):
        (length,) = struct.unpack(">I", blob[pos:pos + 4])
        kind, body = blob[pos + 4:pos + 8], blob[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert (depth, color) == (8, 0), "golden PNG must be 8-bit grayscale"
        elif kind == b"IDAT":
            data += body
        pos += 12 + length
    raw, out, prev = zlib.decompress(data), bytearray(), bytearray(width)
    for y in range(height):
        kind, line = raw[y * (width + 1)], bytearray(raw[y * (width + 1) + 1:(y + 1) * (width + 1)])
        for x in range(width if kind else 0):  # undo the row filter (0 = none)
            a, b, c = (line[x - 1] if x else 0), prev[x], (prev[x - 1] if x else 0)
            line[x] = (line[x] + (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]) & 0xFF
        out += line
        prev = line
    return width, height, bytes(out)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c
