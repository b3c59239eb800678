"""The demo district 示例区 (``kcbx.demo``): complete, fake, deterministic, and its planted
mistakes sit where ``planted.json`` says.

Workbooks are read back with openpyxl, independently of kcbx's own reader; headers are
found by their titles, as the reading conventions of ``tables.md`` say.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from stdnum.cn import ric

from kcbx.config import load_config
from kcbx.demo import DemoSummary, Planted, write_demo
from kcbx.errors import WorkspaceError
from kcbx.schema import Table, load_package, normalize_label

REPO = Path(__file__).resolve().parents[1]
RULES_MD = REPO.parent / "shared" / "spec" / "rules.md"
RULE_ID = re.compile(r"^\|\s*([A-Z]+-\d+)\s*\|", re.MULTILINE)
PACKAGE = load_package()


@pytest.fixture(scope="module")
def demo(demo_copy) -> DemoSummary:
    return demo_copy("demo")


def books(root: Path) -> list[Path]:
    return sorted(root.rglob("*.xlsx"))


def find_header(rows: list[tuple[Any, ...]], table: Table) -> int:
    """0-based index of the header row: the first row holding most of the table's titles."""
    labels = {f.label for f in table.fields}
    for i, row in enumerate(rows[:10]):
        found = {normalize_label(v) for v in row if isinstance(v, str)} & labels
        if len(found) >= min(3, len(labels)):
            return i
    raise AssertionError(f"no header for {table.title}")


def sheets(path: Path) -> Iterator[tuple[Table, list[str], int, list[tuple[int, tuple]]]]:
    """Per known sheet: table, header labels, header row (1-based), data rows (row, values)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        for ws in wb.worksheets:
            table = PACKAGE.table_for_sheet(ws.title)
            assert table is not None, f"{path.name}: unknown sheet {ws.title}"
            rows = list(ws.iter_rows(values_only=True))
            h = find_header(rows, table)
            labels = [normalize_label(v) if v is not None else "" for v in rows[h]]
            data = [(h + 2 + k, row) for k, row in enumerate(rows[h + 1:])
                    if any(v not in (None, "") for v in row)]
            yield table, labels, h + 1, data
    finally:
        wb.close()


def planted_of(demo: DemoSummary) -> list[dict[str, Any]]:
    return json.loads((demo.dest / ".kcbx-demo" / "planted.json").read_text(encoding="utf-8"))


def test_workspace_files_exist_and_open(demo: DemoSummary) -> None:
    dest = demo.dest
    for rel in ("kcbx.yml", "基础数据.xlsx", "previous/kcbx.yml", "previous/基础数据.xlsx",
                ".kcbx-demo/planted.json"):
        assert (dest / rel).is_file(), rel
    assert all(p.is_file() for p in demo.files)
    assert len(list((dest / "submissions").glob("*.xlsx"))) >= 12
    for path in books(dest):
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames
        wb.close()


def test_configs(demo: DemoSummary) -> None:
    now = load_config(demo.dest)
    assert (now.district, now.year, now.period) == ("示例区", 2022, "2022-10")
    assert str(now.pulled_on) == "2022-11-04" and now.previous == "previous"
    assert [h.name for h in now.holidays] == ["国庆节", "中秋节"]
    assert [str(d) for d in now.workdays] == ["2022-10-08", "2022-10-09"]
    before = load_config(demo.dest / "previous")
    assert (before.period, str(before.pulled_on), before.previous) == ("2022-09", "2022-10-05",
                                                                        None)


def test_units_and_census_size(demo: DemoSummary) -> None:
    assert demo.units >= 12 and demo.children == 2000
    units = next(s for s in sheets(demo.dest / "基础数据.xlsx") if s[0].name == "units")
    code = units[1].index("单位代码")
    must = units[1].index("是否报送月报")
    reporting = [row for _, row in units[3] if row[must] == "是"]
    assert len(reporting) >= 12
    census = 0
    for path in books(demo.dest / "submissions"):
        census += sum(len(data) for table, _, _, data in sheets(path) if table.name == "census")
    assert census == 2000
    submitted = {p.stem for p in (demo.dest / "submissions").glob("*.xlsx")}
    assert submitted <= {row[code] for _, row in units[3]}


def test_ids_are_text_and_valid(demo: DemoSummary) -> None:
    planted_ids = {(p["file"], p["sheet"], p["row"]) for p in planted_of(demo)
                   if p["rule"] == "ID-1"}
    seen = 0
    for path in books(demo.dest / "submissions"):
        rel = path.relative_to(demo.dest).as_posix()
        for table, labels, _, data in sheets(path):
            for f in table.fields:
                if not f.is_id_number or f.label not in labels:
                    continue
                col = labels.index(f.label)
                for r, row in data:
                    value = row[col] if col < len(row) else None
                    if value is None:
                        continue
                    if (rel, table.title, r) in planted_ids:
                        continue
                    assert isinstance(value, str), (rel, table.title, r, value)
                    assert ric.is_valid(value), (rel, table.title, r, value)
                    seen += 1
    assert seen > 2000


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    a = write_demo(tmp_path / "a", children=300, seed=7)
    b = write_demo(tmp_path / "b", children=300, seed=7)
    c = write_demo(tmp_path / "c", children=300, seed=8)
    rel = sorted(p.relative_to(a.dest) for p in a.files)
    assert rel == sorted(p.relative_to(b.dest) for p in b.files)
    for r in rel:
        assert (a.dest / r).read_bytes() == (b.dest / r).read_bytes(), r
    assert any((a.dest / r).read_bytes() != (c.dest / r).read_bytes()
               for r in rel if r.suffix == ".xlsx")


@pytest.fixture(scope="module")
def two_years(tmp_path_factory) -> DemoSummary:
    return write_demo(tmp_path_factory.mktemp("two") / "示例区", years=2)


def test_every_rule_is_planted(demo: DemoSummary, two_years: DemoSummary) -> None:
    """Every rule of rules.md is planted in the demo, the year-boundary ones (HOME-7, REP-4
    across the boundary) in its second year."""
    if not RULES_MD.is_file():
        pytest.skip(f"rules.md not found at {RULES_MD} (shared/ is laid beside the repo)")
    rules = set(RULE_ID.findall(RULES_MD.read_text(encoding="utf-8"))) - {"FOCUS-1"}
    assert len(rules) >= 20
    planted = planted_of(demo)
    assert rules <= {p["rule"] for p in planted} | {p.rule for p in two_years.planted}
    assert {p.rule for p in two_years.planted} == {"HOME-7", "REP-4"}
    assert [Planted(**p) for p in planted] == demo.planted
    for kind in ("enum-error", "type-error", "required-error", "unique-error", "extra-label",
                 "foreign-key-error"):
        assert kind in {p["rule"] for p in planted}
    assert sum(p["rule"] == "ID-1" for p in planted) == 2
    assert sum(p["rule"] == "REP-1" for p in planted) == 2
    assert sum(p["rule"] == "REP-3" for p in planted) == 2


def test_planted_anchors_exist(demo: DemoSummary) -> None:
    cache: dict[str, dict[str, tuple]] = {}
    for p in planted_of(demo):
        path = demo.dest / p["file"]
        assert path.is_file(), p
        if p["file"] not in cache:
            cache[p["file"]] = {t.title: (labels, h, dict(data))
                                for t, labels, h, data in sheets(path)}
        labels, header, data = cache[p["file"]][p["sheet"]]
        assert normalize_label(p["column"]) in labels, p
        if p["rule"] == "extra-label":
            assert p["row"] == header, p
            continue
        assert p["row"] in data, p  # a data row, not a title, header or blank row
        value = data[p["row"]][labels.index(normalize_label(p["column"]))]
        if p["rule"] == "ID-1" and p["sheet"].startswith("适龄"):
            assert isinstance(value, float)  # the ID that became a number
        if p["rule"] == "REP-3" and p["file"] == "基础数据.xlsx":
            assert not (demo.dest / "submissions" / f"{value}.xlsx").exists()


def test_deleted_case_was_open_last_month(demo: DemoSummary) -> None:
    rep4 = next(p for p in planted_of(demo) if p["rule"] == "REP-4")
    assert rep4["file"].startswith("previous/")
    title = PACKAGE.table("dropouts").title

    def ledger(path: Path) -> tuple[list[str], dict[int, tuple]]:
        labels, _, data = next((lab, h, dict(d)) for t, lab, h, d in sheets(path)
                               if t.title == title)
        return labels, data

    labels, before = ledger(demo.dest / rep4["file"])
    row = before[rep4["row"]]
    assert row[labels.index("劝返状态")] == "劝返中"
    id_number = row[labels.index("身份证号")]
    labels_now, now = ledger(demo.dest / "submissions" / f"{rep4['unit_code']}.xlsx")
    assert id_number not in {r[labels_now.index("身份证号")] for r in now.values()}


def test_names_are_obviously_fake(demo: DemoSummary) -> None:
    checked = 0
    for path in books(demo.dest):
        for _table, labels, _, data in sheets(path):
            for col, label in enumerate(labels):
                if "姓名" not in label:
                    continue
                for _r, row in data:
                    if col < len(row) and row[col]:
                        assert "某" in row[col], (path.name, label, row[col])
                        checked += 1
    assert checked > 4000


def test_story_content(demo: DemoSummary) -> None:
    """台账 at every 四步法 stage, resolved cases, 送教上门 with IEPs and visits."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for path in books(demo.dest / "submissions"):
        for table, labels, _, data in sheets(path):
            for _, row in data:
                rows.setdefault(table.name, []).append(dict(zip(labels, row, strict=False)))
    cases = rows["dropouts"]
    steps = ["宣传教育日期", "《限期复学通知书》下发日期", "《行政处罚决定书》下发日期",
             "提起诉讼或申请强制执行日期"]
    for n in range(1, 5):
        assert any(c[steps[n - 1]] and not any(c[s] for s in steps[n:]) for c in cases), n
    assert {"劝返中", "已复学", "已安置送教上门"} <= {c["劝返状态"] for c in cases}
    assert len({r["身份证号"] for r in rows["home_students"]}) >= 6
    assert len({r["领域"] for r in rows["iep"]}) >= 3
    assert len(rows["visits"]) >= 6 * 8
    statuses = {r["就学状态"] for r in rows["census"]}
    assert {"在校就读", "区外就读", "送教上门", "失学", "辍学", "休学", "延缓入学"} <= statuses


def test_refuses_a_folder_that_is_not_a_demo(tmp_path: Path, demo: DemoSummary) -> None:
    (tmp_path / "mine.txt").write_text("x", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="不是以前生成的示例区"):
        write_demo(tmp_path, children=300)
    again = write_demo(tmp_path / "demo", children=300)
    assert write_demo(again.dest, children=300).planted == again.planted


def test_scales(tmp_path: Path) -> None:
    summary = write_demo(tmp_path / "big", children=20000)  # its speed: benchmarks, not here
    assert summary.children == 20000
    census = 0
    for path in books(tmp_path / "big" / "submissions"):
        wb = openpyxl.load_workbook(path, read_only=True)
        title = PACKAGE.table("census").title
        if title in wb.sheetnames:
            census += sum(1 for row in wb[title].iter_rows(values_only=True) if any(row)) - 1
        wb.close()
    assert census == 20000


def test_the_second_year_is_found_where_it_was_planted(two_years: DemoSummary) -> None:
    """``kcbx demo --years 2``: in work year 2023, the 六年级 送教 child no 初中 took on is
    HOME-7 at its 小学's row of the October 2022 pull, the child a 初中 took on is not, and
    the open case left out of a carried 台账 is REP-4."""
    from kcbx.pipeline import validate

    config = load_config(two_years.dest)
    assert (config.year, config.period) == (2023, "2023-09")
    assert (two_years.dest / "build" / "years" / "2022" / "kcbx.yml").is_file()
    report = validate(config)
    for rule in ("HOME-7", "REP-4"):
        found = {(f.unit_code, f.file, f.sheet, f.row, f.column) for f in report.findings
                 if f.rule == rule}
        assert found == {(p.unit_code, p.file, p.sheet, p.row, p.column)
                         for p in two_years.planted if p.rule == rule}
    # the bulk was carried: 小学 六年级 pupils are on their 初中's 七年级 roster, not twice
    assert sum(f.rule == "ID-3" for f in report.findings) <= 1
    assert sum(f.rule == "MATCH-1" for f in report.findings) <= 1
    # the year's figures judge each month as the month was judged: REP-4 and HOME-7 included
    from kcbx.pipeline import year_figures

    problems = year_figures(config, 2023).problems
    assert problems["LHXX"]["送教上门不规范"] >= 1 and problems["QSZZ"]["隐瞒不报"] >= 2  # + AGE-2
    # October 2022 was published before the new year: its page stays on the site
    assert "2022-10" in (two_years.dest / "build" / "public" / "progress.csv").read_text("utf-8")


def test_a_demo_made_again_in_its_folder_says_it_replaced_the_old_one(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kcbx.cli import cli

    first = CliRunner().invoke(cli, ["demo", str(tmp_path / "d"), "--children", "300"])
    assert first.exit_code == 0 and "重新生成" not in first.output
    again = CliRunner().invoke(cli, ["demo", str(tmp_path / "d"), "--children", "300"])
    assert again.exit_code == 0 and "以前生成的示例区（连同它的拉取和输出）已重新生成" in again.output
