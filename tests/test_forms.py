"""``kcbx forms``: each unit's workbook, read back with openpyxl and recalculated in LibreOffice.

The forms are written for a small demo district (real xlsx files under ``tmp_path``); the
tests read them back and check what a clerk meets: sheets, headers with hints, protection,
frozen header, number formats and every validation. LibreOffice (``soffice``) proves the
custom formulas in the files compute the right verdicts in a real office suite.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import subprocess
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner
from openpyxl.utils import range_boundaries

from kcbx import pipeline
from kcbx.cli import cli
from kcbx.config import load_config
from kcbx.demo import write_demo
from kcbx.outputs.forms import write_forms
from kcbx.outputs.forms.district import load_district
from kcbx.outputs.forms.spec import (
    CUSTOM,
    LIST,
    District,
    blank_form,
    id_check_formula,
    unit_form,
    unit_tables,
)
from kcbx.schema import load_package
from kcbx.validation.idnumber import problem

PACKAGE = load_package()
CENSUS = PACKAGE.table("census")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("forms") / "示例区"
    write_demo(root, children=300, seed=3)
    return root


@pytest.fixture(scope="module")
def forms(demo) -> Path:
    out = demo.parent / "forms"
    write_forms(load_config(demo), out=out)
    return out


def _book(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def _column_style(ws, col: int):
    """The <col> entry covering column ``col`` (one entry may span several columns)."""
    for dim in ws.column_dimensions.values():
        if dim.min and dim.max and dim.min <= col <= dim.max:
            return dim
    raise AssertionError(f"no column format for column {col}")


def _validations(ws) -> dict[int, object]:
    """1-based column → its data validation (each column has at most one)."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            min_col, _min_row, max_col, _max_row = range_boundaries(rng)
            assert min_col == max_col, rng
            assert min_col not in found, f"two validations on column {min_col}"
            found[min_col] = dv
    return found


# --- which sheets -------------------------------------------------------------------------------


def test_every_reporting_unit_gets_its_own_sheets(demo, forms):
    district = load_district(load_config(demo), PACKAGE)
    reporting = {u.code for u in district.reporting_units}
    assert {p.stem for p in forms.glob("*.xlsx")} == reporting
    assert "JYJ" not in reporting  # 是否报送月报 = 否
    titles = {p.stem: _book(p).sheetnames for p in forms.glob("*.xlsx")}
    t = {name: PACKAGE.table(name).title for name in ("cover", "census", "roster", "visits")}
    # a 中心校 keeps villages but no roster; a 直属学校 keeps no village; 特教 teaches at home
    assert titles["QSZX"][:3] == ["填报说明", t["cover"], t["census"]]
    assert t["roster"] not in titles["QSZX"]
    assert t["census"] not in titles["YZ"] and t["roster"] in titles["YZ"]
    # 送教上门 falls to the 户籍 包保 units and the special school: QSXX 包保s villages
    assert t["visits"] in titles["TJXX"] and t["visits"] in titles["QSXX"]
    assert t["visits"] not in titles["YZ"]
    for sheets in titles.values():
        assert sheets[0] == "填报说明" and sheets[1] == t["cover"]


def test_home_sheets_come_from_the_reference_data_not_from_a_pull(demo, tmp_path):
    config = load_config(demo)
    before = [t.name for t in unit_tables(PACKAGE, load_district(config, PACKAGE), "QSZX")]
    pipeline.current_snapshot(config)
    district = load_district(config, PACKAGE)
    assert [t.name for t in unit_tables(PACKAGE, district, "QSZX")] == before  # the same after a pull
    assert before[-4:] == ["home_students", "iep", "visits", "teachers"]  # QSZX 包保s villages
    names = [t.name for t in unit_tables(PACKAGE, district, "YZ")]
    assert "home_students" not in names and "census" not in names  # a 直属学校 with no village
    every = [t.name for t in unit_tables(PACKAGE, district, "YZ", all_sheets=True)]
    assert every == [t.name for t in PACKAGE.submitted_tables]


# --- what a sheet holds ---------------------------------------------------------------------------


def test_census_sheet_read_back(demo, forms):
    district = load_district(load_config(demo), PACKAGE)
    ws = _book(forms / "QSXX.xlsx")[CENSUS.title]
    assert "青石镇中心小学" in ws["A1"].value and "QSXX" in ws["A1"].value
    headers = [c.value for c in ws[2]][: len(CENSUS.fields)]
    assert headers == [f.title for f in CENSUS.fields]
    for col, f in enumerate(CENSUS.fields, start=1):
        cell = ws.cell(2, col)
        assert cell.comment is not None and cell.comment.text == f.description
        assert cell.protection.locked
        dim = _column_style(ws, col)
        assert dim.protection.locked is False, f.title  # data cells stay editable
        expected = "yyyy-mm-dd" if f.type == "date" else "@"
        assert dim.number_format == expected, f.title
    assert ws.freeze_panes == "A3"
    assert ws.protection.sheet and ws.protection.insertRows is False  # False = allowed

    dvs = _validations(ws)
    col = {f.name: i for i, f in enumerate(CENSUS.fields, start=1)}
    for dv in dvs.values():
        assert str(dv.sqref).endswith("5002") and str(dv.sqref)[1:].startswith("3:")
        assert dv.showErrorMessage and dv.error
    id_dv = dvs[col["id_number"]]
    assert id_dv.type == "custom" and id_dv.errorStyle in (None, "stop")
    assert id_dv.formula1 == id_check_formula("A3")
    assert "身份证号" in id_dv.error and len(id_dv.formula1) < 255
    assert dvs[col["birth_date"]].type == "date"
    assert dvs[col["sex"]].formula1 == '"男,女"'
    assert dvs[col["status"]].type == "list"
    mine = [g for g in district.grid if g.unit_code == "QSXX"]
    villages = dvs[col["village"]].formula1.strip('"').split(",")
    assert villages == list(dict.fromkeys(g.village for g in mine))
    groups = dvs[col["group"]].formula1.strip('"').split(",")
    assert set(groups) == {g.group for g in mine}
    assert dvs[col["school"]].errorStyle == "warning"  # 区外就读 schools are typed in
    assert col["name"] not in dvs and col["guardian_phone"] not in dvs  # text only


def test_numbers_booleans_and_cover(forms):
    book = _book(forms / "TJXX.xlsx")
    roster = book[PACKAGE.table("roster").title]
    days = [i for i, f in enumerate(PACKAGE.table("roster").fields, 1) if f.name == "absent_days"][0]
    dv = _validations(roster)[days]
    assert (dv.type, dv.operator or "between", dv.formula1, dv.formula2) == ("whole", "between", "0", "31")
    assert _column_style(roster, days).number_format == "0"
    visits = book[PACKAGE.table("visits").title]
    fields = [f.name for f in PACKAGE.table("visits").fields]
    dvs = _validations(visits)
    assert dvs[fields.index("parent_signed") + 1].formula1 == '"是,否"'
    hours = dvs[fields.index("hours") + 1]
    assert hours.type == "custom" and ">0" in hours.formula1 and "<=8" in hours.formula1
    cover = book[PACKAGE.table("cover").title]
    assert [c.value for c in cover[3]][:2] == ["TJXX", "2022-10"]
    assert cover["A3"].data_type == "s" and cover["A3"].protection.locked is False
    assert _validations(cover)[6].formula1 == '"是,否"'


def test_instructions_list_every_column(forms):
    ws = _book(forms / "QSXX.xlsx")["填报说明"]
    rows = [r for r in ws.iter_rows(values_only=True)]
    text = "\n".join(str(v) for r in rows for v in r if v)
    assert "QSXX.xlsx" in text
    for f in CENSUS.fields:
        assert (CENSUS.title, f.title) in {(r[0], r[1]) for r in rows}
        assert f.description in text
    assert ws.protection.sheet


def test_templates(forms):
    blank = _book(forms / "templates" / "空白模板.xlsx")
    assert blank.sheetnames[1:] == [t.title for t in PACKAGE.submitted_tables]
    ref = _book(forms / "templates" / "基础数据模板.xlsx")
    assert ref.sheetnames[1:] == ["单位名录", "户籍网格包保表"]
    units = ref["单位名录"]
    assert [c.value for c in units[1]] == [f.title for f in PACKAGE.table("units").fields]
    assert units.freeze_panes == "A2"
    assert _validations(units)[3].type == "list"  # 单位类型


def test_a_filled_form_is_read_without_complaint(demo, forms, tmp_path):
    """Fill the form as a clerk would, drop it into submissions/, pull: nothing structural."""
    root = tmp_path / "ws"
    shutil.copytree(demo, root, ignore=shutil.ignore_patterns("build"))
    book = _book(forms / "QSJD.xlsx")
    cover = book[PACKAGE.table("cover").title]
    for col, value in enumerate(["王某华", "13800000000", dt.date(2022, 10, 28), "是", "李某明"], 3):
        cover.cell(3, col).value = value
    census = book[CENSUS.title]
    child = {"id_number": "11010120150301004X", "name": "王某华", "sex": "女",
             "birth_date": dt.date(2015, 3, 1), "hukou_type": "本地户籍", "township": "青石镇",
             "village": "松林村", "group": "1组", "guardian": "王某父", "disability": "无",
             "key_group": "无", "status": "区外就读", "school": "邻县第一小学（虚构）"}
    for col, f in enumerate(CENSUS.fields, start=1):
        census.cell(3, col).value = child.get(f.name)
    book.save(root / "submissions" / "QSJD.xlsx")
    report = pipeline.validate(load_config(root))
    mine = [f for f in report.findings if f.file == "submissions/QSJD.xlsx"]
    structural = {"extra-sheet", "header-error", "missing-label", "extra-label", "cover-rows",
                  "missing-sheet", "type-error", "enum-error", "required-error"}
    assert not [f for f in mine if f.rule in structural], mine
    snap, _ = pipeline.current_snapshot(load_config(root))
    rows = snap.table("census").filter(pl.col("_unit") == "QSJD")
    assert rows.select("id_number", "_row").rows() == [("11010120150301004X", 3)]


def test_cli(demo, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(cli, ["forms", "--config", str(demo), "--unit", "QSXX", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "QSXX.xlsx").is_file() and (out / "templates" / "空白模板.xlsx").is_file()
    assert len(list(out.glob("*.xlsx"))) == 1
    bad = runner.invoke(cli, ["forms", "--config", str(demo), "--unit", "NOPE", "--out", str(out)])
    assert bad.exit_code == 2 and "NOPE" in bad.output


def test_spec_formulas_fit_excel_limits():
    district = District(name="测试区", period="2022-10", year=2022)
    for spec in (blank_form(PACKAGE, district),):
        for sheet in spec.sheets:
            for c in sheet.columns:
                v = c.validation
                if v is None:
                    continue
                assert len(v.error) <= 255 and len(v.error_title) <= 32
                if v.kind == CUSTOM:
                    formula = v.formula_for("AB1234")
                    assert len(formula) < 255 and "{" not in formula, (sheet.title, c.title)
                if v.kind == LIST:
                    assert v.choices
    assert unit_form(PACKAGE, district, "X1").file_name == "X1.xlsx"


# --- LibreOffice ------------------------------------------------------------------------------


def _soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed: formulas not checked in an office suite")
    return exe


def _recalculate(exe: str, path: Path, tmp_path: Path) -> Path:
    out = tmp_path / "lo"
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([exe, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=120)
    result = out / path.name
    assert result.is_file(), "LibreOffice wrote nothing"
    return result


def _random_ids(rng: random.Random, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        birth = dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(4000))
        body = f"{rng.randrange(110000, 660000)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        ids.append(body + rng.choice("0123456789X"))  # right by chance one time in eleven
    return ids


def test_formulas_work_in_libreoffice(forms, tmp_path):
    """Cells next to test values hold each validation formula of the form, as written in the
    file, with the reference moved to the test value; LibreOffice computes the verdicts."""
    exe = _soffice()
    form = _book(forms / "TJXX.xlsx")

    def formula(table: str, field: str) -> tuple[str, str]:
        ws = form[PACKAGE.table(table).title]
        names = [f.name for f in PACKAGE.table(table).fields]
        dv = _validations(ws)[names.index(field) + 1]
        first = str(dv.sqref).split(":")[0]
        return dv.formula1, first

    id_formula, id_cell = formula("roster", "id_number")
    good = "11010120150301004X"
    cases = [(good, True), (good.lower(), True), (good[:-1] + "1", False), (good[:-1], False),
             (good + "1", False), (good[:5] + "A" + good[6:], False), ("１" + good[1:], None)]
    rng = random.Random(7)
    cases += [(v, problem(v) is None) for v in _random_ids(rng, 60)]  # kcbx's own verdict
    assert 0 < sum(ok is True for _v, ok in cases) < len(cases) - 5
    checks = [("roster", "id_number", v, ok) for v, ok in cases]
    checks += [("roster", "student_no", v, ok) for v, ok in
               [("G" + good, True), ("L" + "1" * 18, True), ("g" + good, False), (good, False)]]
    checks += [("cover", "period", v, ok) for v, ok in
               [("2022-10", True), ("2022-13", False), ("2022/10", False), ("22-10", False)]]
    checks += [("visits", "hours", v, ok) for v, ok in
               [(2, True), (0.5, True), (8, True), (0, False), (9, False), ("两", False)]]

    book = openpyxl.Workbook()
    ws = book.active
    for r, (table, field, value, _ok) in enumerate(checks, start=1):
        text, first = (id_formula, id_cell) if field == "id_number" else formula(table, field)
        cell = ws.cell(r, 1)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
            cell.number_format = "@"
        moved = text.replace(first, f"A{r}")
        assert moved != text
        ws.cell(r, 2).value = "=" + moved
    src = tmp_path / "checks.xlsx"
    book.save(src)
    computed = _book_values(_recalculate(exe, src, tmp_path))
    for (table, field, value, ok), got in zip(checks, computed, strict=True):
        if ok is None:
            continue  # full-width digits: the reader normalises them, either verdict is fine
        assert got is ok, (table, field, value, got)


def _book_values(path: Path) -> list[object]:
    ws = openpyxl.load_workbook(path, data_only=True).active
    return [row[1] for row in ws.iter_rows(values_only=True)]


def test_libreoffice_keeps_the_validations(forms, tmp_path):
    """LibreOffice opens the form and writes its validations back: it understood them."""
    exe = _soffice()
    again = _book(_recalculate(exe, forms / "QSXX.xlsx", tmp_path))
    ws = again[CENSUS.title]
    dvs = _validations(ws)
    assert dvs[1].type == "custom" and "10X98765432" in dvs[1].formula1
    assert dvs[3].formula1 == '"男,女"' and (dvs[3].errorStyle or "stop") == "stop"
    assert ws.protection.sheet
    assert ws["A2"].comment is not None


def test_long_dropdowns_live_in_the_instruction_sheet(tmp_path):
    """A district with many schools: the list exceeds Excel's 255 characters inline."""
    from kcbx.outputs.forms import write_form
    from kcbx.outputs.forms.spec import GridGroup, UnitInfo

    schools = tuple(UnitInfo(f"S{i:02d}", f"第{i}号虚构实验小学", "小学", True) for i in range(60))
    district = District(name="测试区", period="2022-10", year=2022, units=schools,
                        grid=(GridGroup("甲镇", "一村", "1组", "S01"),))
    path = write_form(unit_form(PACKAGE, district, "S01"), tmp_path / "S01.xlsx")
    book = _book(path)
    ws = book[CENSUS.title]
    school = [f.name for f in CENSUS.fields].index("school") + 1
    dv = _validations(ws)[school]
    name = book.defined_names[dv.formula1]
    sheet, cells = next(iter(name.destinations))
    assert sheet == "填报说明"
    values = [c.value for row in book[sheet][cells.replace("$", "")] for c in row]
    assert values == [u.name for u in schools]


MARK_INVALID = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1"
 script:language="StarBasic">
Sub MarkInvalid(inPath As String, outPath As String)
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = &quot;Hidden&quot;
  args(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(inPath), &quot;_blank&quot;, 0, args())
  Open outPath For Output As #1
  For s = 0 To doc.Sheets.Count - 1
    sheet = doc.Sheets.getByIndex(s)
    sheet.showInvalid()
    For k = 0 To sheet.DrawPage.Count - 1
      shape = sheet.DrawPage.getByIndex(k)
      If shape.ShapeType = &quot;com.sun.star.drawing.EllipseShape&quot; Then
        a = shape.Anchor.CellAddress
        Print #1, sheet.Name &amp; &quot;!&quot; &amp; (a.Row + 1) &amp; &quot;!&quot; &amp; (a.Column + 1)
      End If
    Next k
  Next s
  Close #1
  doc.close(True)
End Sub
</script:module>
"""


def test_libreoffice_marks_what_the_form_refuses(forms, tmp_path):
    """Type values into a form, open it in LibreOffice and let it circle the invalid cells
    (工具 › 侦探 › 标记无效数据): the form's own validations decide, at every row."""
    exe = _soffice()
    book = _book(forms / "QSXX.xlsx")
    census, roster = book[CENSUS.title], book[PACKAGE.table("roster").title]
    good = "11010120150301004X"
    typed = {  # (sheet, row, field) → value, refused?
        (census, 3, "id_number"): (good, False),
        (census, 4, "id_number"): (good.lower(), False),
        (census, 5, "id_number"): (good[:-1] + "1", True),  # wrong check character
        (census, 6, "id_number"): (good[:-1], True),  # 17 characters
        (census, 7, "id_number"): (good[:5] + "A" + good[6:], True),
        (census, 900, "id_number"): ("110101201104070010", False),
        (census, 901, "id_number"): ("110101201104070011", True),
        (census, 3, "sex"): ("男", False),
        (census, 4, "sex"): ("公", True),
        (census, 3, "village"): ("石桥村", False),
        (census, 4, "village"): ("河湾村", True),  # another unit's village
        (census, 5, "birth_date"): (dt.date(2015, 3, 1), False),
        (census, 6, "birth_date"): ("9月30号", True),
        (roster, 3, "absent_days"): (5, False),
        (roster, 4, "absent_days"): (32, True),
        (roster, 5, "absent_days"): (2.5, True),
        (roster, 3, "student_no"): ("G" + good, False),
        (roster, 4, "student_no"): (good, True),
    }
    expected = set()
    for (ws, row, field), (value, refused) in typed.items():
        table = CENSUS if ws is census else PACKAGE.table("roster")
        col = [f.name for f in table.fields].index(field) + 1
        cell = ws.cell(row, col)
        cell.value = value
        if refused:
            expected.add((ws.title, row, col))
    src = tmp_path / "typed.xlsx"
    book.save(src)

    profile = tmp_path / "lo-profile"
    _recalculate(exe, forms / "templates" / "基础数据模板.xlsx", tmp_path)  # creates the profile
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    assert module.is_file(), "LibreOffice profile has no Standard basic library"
    module.write_text(MARK_INVALID, encoding="utf-8")
    out = tmp_path / "invalid.txt"
    subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    f'macro:///Standard.Module1.MarkInvalid("{src}","{out}")'],
                   check=True, capture_output=True, timeout=120)
    marked = set()
    for line in out.read_text(encoding="utf-8").split():
        sheet, row, col = line.rsplit("!", 2)
        marked.add((sheet, int(row), int(col)))
    assert marked == expected


def test_forms_written_on_every_core_are_the_same_files(demo, tmp_path, monkeypatch):
    """A large district's forms are written in worker processes: the same parts as one by one
    (all but docProps/core.xml, which holds the time of writing)."""
    import zipfile

    def parts(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}

    import kcbx.outputs.forms as forms_module

    config = load_config(demo)
    pipeline.current_snapshot(config)  # the forms carry this pull's rows
    alone = write_forms(config, out=tmp_path / "alone")
    monkeypatch.setattr(forms_module, "PARALLEL_ROWS", 0)
    monkeypatch.setattr(forms_module.os, "cpu_count", lambda: 2)
    spread = write_forms(config, out=tmp_path / "spread")
    assert [p.name for p in alone] == [p.name for p in spread]
    units = [p for p in alone if p.parent.name != "templates"]
    assert len(units) > 3
    for a in units:
        assert parts(a) == parts(tmp_path / "spread" / a.name), a.name
