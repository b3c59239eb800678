"""One school's file can never stop the run: every hostile workbook is one Chinese finding.

The corpus (``hostile.py``) is made at test time. All of it is dropped into one workspace
beside two good schools and ``kcbx validate --json`` runs as a user runs it, in its own
process: it must exit 1 (findings, not a crash), name each hostile file in Chinese, leave
the good schools' findings exactly as they are without the corpus, and stay below 1 GB.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hostile import CORPUS, bomb_stream, far_hidden, valid_book
from kcbx.config import load_config
from kcbx.findings import ERROR, WARNING
from kcbx.sources import SourceProblem
from kcbx.sources.contain import ReadJob, read_workbooks
from kcbx.sources.guard import Limits, check_workbook, sheet_extent, trim_sheet
from workbooks import book, census_row, cover, kid, sheet, workspace

CJK = re.compile(r"[\u4e00-\u9fff]")
# peak resident memory of the slowest-growing child: `kcbx` and its reading workers
PEAK = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, encoding="utf-8")
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
print("\\nPEAK", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(done.returncode)
"""


def good_books() -> dict:
    return {
        "A01.xlsx": book(sheet("cover", [cover("A01")]),
                         sheet("census", [census_row(id_number=kid(400), name="钱某甲"),
                                          census_row(id_number=kid(401), name="钱某乙", sex="男生")])),
        "A02.xlsx": book(sheet("cover", [cover("A02")]),
                         sheet("census", [census_row(id_number=kid(402), name="孙某丙",
                                                     status="不知道")])),
    }


def validate(root: Path) -> tuple[int, dict, str, int]:
    """``kcbx validate --json`` in ``root`` as its own process: exit code, report, stderr, KB."""
    done = subprocess.run([sys.executable, "-c", PEAK, sys.executable, "-m", "kcbx",
                           "validate", "--json"], cwd=root, capture_output=True, text=True,
                          encoding="utf-8", timeout=600)
    peak = int(done.stderr.rsplit("PEAK", 1)[1])
    report = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}
    return done.returncode, report, done.stderr, peak


def of_units(report: dict, units: set[str]) -> list[tuple]:
    return sorted((f["rule"], f["unit_code"], f["file"], f["sheet"], f["row"], f["column"],
                   f["message"]) for f in report["findings"] if f["unit_code"] in units)


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    base = workspace(tmp_path_factory.mktemp("good") / "ws", good_books())
    code, clean, _, _ = validate(base)
    assert code == 1 and clean["findings"], "the good schools carry planted mistakes"

    root = workspace(tmp_path_factory.mktemp("hostile") / "ws", good_books())
    names = {label: make(root / "submissions") for label, make in CORPUS.items()}
    code, report, stderr, peak = validate(root)
    yield clean, names, code, report, stderr, peak
    shutil.rmtree(root, ignore_errors=True)  # the 2 GB sparse file and the 27 MB bomb


def test_the_run_goes_on_and_exits_1(corpus_run):
    _, _, code, report, stderr, _ = corpus_run
    assert code == 1, stderr
    assert report["valid"] is False
    assert "Traceback" not in stderr and "panicked" not in stderr


def test_good_schools_findings_are_unchanged(corpus_run):
    clean, _, _, report, _, _ = corpus_run
    assert of_units(report, {"A01", "A02"}) == of_units(clean, {"A01", "A02"})


def test_peak_memory_stays_below_1_gb(corpus_run):
    *_, peak = corpus_run
    assert peak < 1024 * 1024, f"peak {peak / 1024:.0f} MB"  # ru_maxrss is in KB on Linux


REFUSED = {  # label → words the file's 错误 must contain
    "zip bomb": "压缩炸弹",
    "stored 2 GB": "文件太大",
    "10,000 parts": "部件",
    "nested zip": "嵌入",
    "encrypted parts": "加密",
    "password to open": "密码",
    **{label: "DTD" for label in CORPUS if label.startswith(("billion laughs", "XXE"))},
    "far cell hidden from the scan": "异常退出",
    "PDF renamed": "不是可识别的 Excel 工作簿",
    "HTML renamed": "网页文件",
    "CSV renamed": "CSV",
}


@pytest.mark.parametrize("label", sorted(REFUSED))
def test_each_hostile_file_is_one_chinese_error(corpus_run, label):
    _, names, _, report, _, _ = corpus_run
    mine = [f for f in report["findings"] if f["file"] == f"submissions/{names[label]}"]
    assert [f["rule"] for f in mine] == ["file-error"], mine
    assert mine[0]["severity"] == ERROR
    assert REFUSED[label] in mine[0]["message"]
    assert CJK.search(mine[0]["message"])


def test_a_space_far_out_is_cut_with_a_warning_and_the_rest_read(corpus_run):
    _, names, _, report, _, _ = corpus_run
    mine = [f for f in report["findings"] if f["file"] == f"submissions/{names['space at XFD1048576']}"]
    cut = [f for f in mine if f["rule"] == "sheet-cut"]
    assert len(cut) == 1 and cut[0]["severity"] == WARNING and cut[0]["sheet"] == "报送信息"
    assert "XFD" in cut[0]["message"] and "1048576" in cut[0]["message"]
    assert not [f for f in mine if f["rule"] == "file-error"]  # its 报送信息 was read


@pytest.mark.parametrize("label", ["dimension A1:XFD1048576", "newline in the name",
                                   "250-character name"])
def test_odd_but_harmless_files_are_read(corpus_run, label):
    _, names, _, report, _, _ = corpus_run
    mine = [f for f in report["findings"] if f["file"] == f"submissions/{names[label]}"]
    assert not [f for f in mine if f["rule"] in ("file-error", "sheet-cut")], mine


def test_no_entity_reached_any_output(corpus_run):
    _, _, _, report, _, _ = corpus_run
    text = json.dumps(report, ensure_ascii=False)
    assert "root:" not in text and "lollol" not in text


# -- the parts, one by one ------------------------------------------------------------------


def test_the_bomb_is_what_it_claims(tmp_path):
    """The hand-made deflate stream inflates to exactly what it says (small copy)."""
    import zlib

    stream, size, crc = bomb_stream(b"<a>", 0x20, 999, b"</a>")
    data = zlib.decompress(stream, -15)
    assert len(data) == size == 3 + 1 + 258 * 999 + 4 and zlib.crc32(data) == crc


def test_gate_passes_a_real_form_and_refuses_by_each_limit(tmp_path):
    data = valid_book("X01")
    check_workbook(data, "X01.xlsx")
    with pytest.raises(SourceProblem, match="文件太大"):
        check_workbook(data + bytes(2 << 20), "X01.xlsx", Limits(file_mb=1))
    with pytest.raises(SourceProblem, match="部件"):
        check_workbook(data, "X01.xlsx", Limits(parts=3))


def test_extent_scan_and_trim_keep_the_near_cells():
    xml = (b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="2"/></row>'
           b'<row r="9"><c r="AB9"><v>5</v></c><c r="XFD9" s="1"/></row>'
           b'<row r="400001"><c r="C400001" t="inlineStr"><is><t> </t></is></c></row></sheetData>')
    assert sheet_extent(xml, 300_000, 500) == (400_001, 16_384)
    assert sheet_extent(xml, 500_000, 20_000) == (0, 0)
    trimmed, cut = trim_sheet(xml, 300_000, 500)
    assert cut == 1  # the far formatting is dropped too, but only the space held a value
    assert b"XFD9" not in trimmed and b"C400001" not in trimmed
    assert b'<c r="A1" t="s"><v>0</v></c>' in trimmed and b'<c r="AB9"><v>5</v></c>' in trimmed


def test_a_crashing_file_costs_only_itself(tmp_path):
    """Good files read in the same batch as one that kills its reader are all read."""
    good = []
    for i in range(4):
        path = tmp_path / f"G{i}.xlsx"
        path.write_bytes(valid_book(f"G{i}"))
        good.append(path)
    bad = tmp_path / far_hidden(tmp_path)
    jobs = [ReadJob(p, p.name) for p in (good[0], good[1], bad, good[2], good[3])]
    results = read_workbooks(jobs, Limits(memory_mb=1024))
    assert [type(r).__name__ for r in results] == ["RawWorkbook"] * 2 + ["SourceProblem"] + \
        ["RawWorkbook"] * 2
    assert results[0].sheets[0].rows[1][0] == "G0"
    assert "异常退出" in results[2].message


def test_limits_in_the_config(tmp_path):
    root = workspace(tmp_path / "ws", {})
    (root / "kcbx.yml").write_text("district: 测试区\nlimits:\n  rows: 500000\n", encoding="utf-8")
    assert load_config(root).limits.rows == 500_000
    (root / "kcbx.yml").write_text("district: 测试区\nlimits:\n  rowz: 5\n", encoding="utf-8")
    with pytest.raises(Exception, match="limits"):
        load_config(root)


def test_feedback_of_a_far_cell_workbook_is_its_values(tmp_path):
    """The copy with findings is made from the values, not by openpyxl walking 17 billion cells."""
    from hostile import far_space
    from kcbx.outputs.feedback.xlsx import write_annotated

    source = tmp_path / far_space(tmp_path)
    done = write_annotated(source, tmp_path / "out.xlsx", [], None, "测试")
    assert done.mode == "values"
    with zipfile.ZipFile(done.path) as z:
        assert z.testzip() is None
