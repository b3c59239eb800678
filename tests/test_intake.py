"""Reading workbooks (``tables.md`` reading conventions) and keeping dated snapshots.

Every test writes real xlsx files into ``tmp_path`` and reads them back with kcbx. Each
workspace has two submitting units: A01 always sends a good workbook with one planted
mistake, so every bad-input test also shows that the *other* units are still read and
checked; A02 sends the workbook under test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import frictionless
import polars as pl
import pytest

from kcbx import pipeline
from kcbx.config import load_config
from kcbx.errors import PullError
from kcbx.findings import ERROR, WARNING
from kcbx.schema import load_package
from kcbx.sources.base import active_sources
from kcbx.tables import list_snapshots
from workbooks import (
    Formula,
    Text,
    book,
    census_row,
    cover,
    kid,
    make_id,
    merge_cells,
    roster_row,
    run_validate,
    schema_layer,
    sheet,
    table_title,
    where,
    workspace,
    write_book,
    write_book_xlsxwriter,
)

CENSUS = table_title("census")
COVER = table_title("cover")
ROSTER = table_title("roster")
A02_FILE = "submissions/A02.xlsx"

# A01's planted mistake: 性别 “男生” in census row 3 (header is row 1).
PLANTED = ("enum-error", CENSUS, 3, "性别")


def good_a01() -> dict:
    return book(
        sheet("cover", [cover("A01")]),
        sheet("census", [census_row(id_number=kid(400), name="钱某甲"),
                         census_row(id_number=kid(401), name="钱某乙", sex="男生")]),
    )


def a02(*sheets) -> dict:
    """A02's workbook: a clean 报送信息 and the given sheets."""
    return book(sheet("cover", [cover("A02")]), *sheets)


def make(tmp_path: Path, a02_book: dict | None = None) -> Path:
    books = {"A01.xlsx": good_a01()}
    if a02_book is not None:
        books["A02.xlsx"] = a02_book
    return workspace(tmp_path / "ws", books)


def snapshot_table(root: Path, name: str, unit: str = "A02") -> pl.DataFrame:
    snap, _ = pipeline.current_snapshot(load_config(root))
    return snap.table(name).filter(pl.col("_unit") == unit)


def assert_other_unit_checked(report) -> None:
    assert where(report, unit="A01") == {PLANTED}


# --------------------------------------------------------------------------------------
# Headers, title rows, blank rows, column order
# --------------------------------------------------------------------------------------


def test_title_rows_above_the_header_shift_row_numbers(tmp_path):
    title, rows = sheet(
        "census",
        [census_row(id_number=kid(1)), census_row(id_number=kid(2), name="赵某二", sex="男生")],
        above=[["甲镇第一小学适龄儿童少年摸底表"], ["说明：按户籍逐人填写，红色列必填"]],
    )
    root = make(tmp_path, a02((title, rows)))
    merge_cells(root / A02_FILE, title, "A1:Q1")  # the title merged across the table

    report = run_validate(root)

    # header on row 3: the data rows are 4 and 5, as the school sees them
    assert where(report, unit="A02") == {("enum-error", CENSUS, 5, "性别")}
    assert snapshot_table(root, "census")["_row"].to_list() == [4, 5]
    assert_other_unit_checked(report)


def test_blank_rows_are_skipped_and_row_numbers_kept(tmp_path):
    title, rows = sheet("census", [census_row(id_number=kid(1)),
                                   census_row(id_number=kid(2), name="赵某二", sex="男生")])
    header, first, second = rows
    # row 1 blank, 2 a title, 3 blank, 4 header, 5 data, 6–7 blank (one with spaces), 8 data
    layout = [[], ["摸底表"], [], header, first, [], ["  ", None, ""], second]
    root = make(tmp_path, a02((title, layout)))

    report = run_validate(root)

    assert where(report, unit="A02") == {("enum-error", CENSUS, 8, "性别")}
    census = snapshot_table(root, "census")
    assert census["_row"].to_list() == [5, 8]
    assert census["name"].to_list() == ["赵某一", "赵某二"]
    assert_other_unit_checked(report)


def test_columns_in_any_order(tmp_path):
    names = list(reversed(list(census_row())))
    title, rows = sheet("census", [census_row(id_number=kid(1), guardian_phone="13511112222"),
                                   census_row(id_number=kid(2), name="赵某二", grade="十年级")],
                        names=names)
    root = make(tmp_path, a02((title, rows)))

    report = run_validate(root)

    assert where(report, unit="A02") == {("enum-error", CENSUS, 3, "年级")}
    census = snapshot_table(root, "census")
    assert census.select("id_number", "name", "school", "grade").rows() == [
        (kid(1), "赵某一", "甲镇第一小学", "三年级"),
        (kid(2), "赵某二", "甲镇第一小学", "十年级"),
    ]
    # guardian_phone was not among the columns written: an optional column may be absent
    assert census["guardian_phone"].to_list() == [None, None]
    assert_other_unit_checked(report)


def test_header_and_sheet_title_spellings(tmp_path):
    title, rows = sheet("census", [census_row(id_number=kid(1)),
                                   census_row(id_number=kid(2), name="赵某二", sex="女")])
    variants = {"户籍乡镇（街道）": "户籍乡镇(街道)", "姓名": " 姓 名 ",
                "村（居）民小组": "村(居)民小组", "户籍行政村（社区）": "户籍行政村（ 社区 ）",
                "监护人姓名": "监护人姓名\u3000"}
    rows[0] = [variants.get(h, h) for h in rows[0]]
    _, roster_rows = sheet("roster", [roster_row(id_number=kid(1))])
    assert CENSUS == "适龄儿童少年摸底表（户籍线）" and ROSTER == "在校学生名册（学校线）"
    root = make(tmp_path, a02(("适龄儿童少年摸底表", rows),  # without the bracketed suffix
                              ("在校学生名册(学校线)", roster_rows)))  # half-width brackets

    report = run_validate(root)

    # every header matched (no extra/missing label), only the planted ID-2 on row 3
    assert where(report, unit="A02") == {("ID-2", "适龄儿童少年摸底表", 3, "性别")}
    census = snapshot_table(root, "census")
    assert census.select("name", "township", "village", "group", "guardian").rows()[0] == (
        "赵某一", "甲镇", "一村", "1组", "赵某父")
    assert census["_sheet"].to_list() == ["适龄儿童少年摸底表"] * 2
    assert snapshot_table(root, "roster")["name"].to_list() == ["赵某一"]
    assert_other_unit_checked(report)


# --------------------------------------------------------------------------------------
# Cell values: NFKC, dates, 报送月份, IDs as numbers, formulas, merged cells
# --------------------------------------------------------------------------------------


def test_full_width_text_is_normalised(tmp_path):
    wide_id = kid(24).translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert wide_id != kid(24) and kid(24).endswith("X")
    title, rows = sheet("census", [
        census_row(id_number=wide_id, name="赵某一"),
        census_row(id_number=kid(2), name="赵某二", status="出国(境)", school=None, grade=None),
        census_row(id_number=kid(3), name="赵某三", grade="３年级"),
    ])
    roster_title, roster_rows = sheet("roster", [
        roster_row(id_number=kid(24), absent_days="１２"),
        roster_row(id_number=kid(4), name="赵某四", absent_days="３２"),
    ])
    root = make(tmp_path, a02((title, rows), (roster_title, roster_rows)))

    report = run_validate(root)

    assert where(report, unit="A02") == {
        ("enum-error", CENSUS, 4, "年级"),  # “3年级” is not a choice: NFKC does not guess
        ("range-error", ROSTER, 3, "本月缺课天数"),  # “３２” read as 32 > 31
    }
    census = snapshot_table(root, "census")
    assert census["id_number"].to_list() == [kid(24), kid(2), kid(3)]
    assert census["status"].to_list() == ["在校就读", "出国（境）", "在校就读"]
    assert snapshot_table(root, "roster")["absent_days"].to_list() == ["12", "32"]
    assert_other_unit_checked(report)


def test_dates_as_people_type_them(tmp_path):
    birth = dt.date(2014, 5, 6)
    serial = (birth - dt.date(1899, 12, 30)).days
    typed = ["2014-05-06", "2014/5/6", "2014.5.6", "2014年5月6日", "2014-5-6", " 2014/05/06 ",
             birth, dt.datetime(2014, 5, 6, 0, 0), serial, float(serial), "２０１４年５月６日"]
    records = [census_row(id_number=kid(i), name=f"赵某{i}", birth_date=value)
               for i, value in enumerate(typed)]
    n = len(typed)
    records += [
        census_row(id_number=kid(n), name="赵某错1", birth_date="2014/5/7"),  # a real date, wrong
        census_row(id_number=kid(n + 1), name="赵某错2", birth_date="2014年13月6日"),  # no date
        census_row(id_number=kid(n + 2), name="赵某错3", birth_date="去年五月"),
    ]
    root = make(tmp_path, a02(sheet("census", records)))

    report = run_validate(root)

    assert where(report, unit="A02") == {
        ("ID-2", CENSUS, n + 2, "出生日期"),
        ("type-error", CENSUS, n + 3, "出生日期"),
        ("type-error", CENSUS, n + 4, "出生日期"),
    }
    dates = snapshot_table(root, "census")["birth_date"].to_list()
    assert dates[:n] == ["2014-05-06"] * n
    assert dates[n] == "2014-05-07"
    assert_other_unit_checked(report)


@pytest.mark.parametrize("period", [dt.date(2022, 10, 1), dt.datetime(2022, 10, 1), "2022-10"])
def test_period_typed_as_a_date_cell_reads_as_month(tmp_path, period):
    root = make(tmp_path, book(sheet("cover", [cover("A02", period=period)])))

    report = run_validate(root)

    assert where(report, unit="A02") == set()
    assert snapshot_table(root, "cover")["period"].to_list() == ["2022-10"]
    assert_other_unit_checked(report)


def test_id_number_that_arrived_as_a_number(tmp_path):
    as_number = int(kid(5))  # Excel keeps 15 significant digits of an 18-digit number
    other = kid(6, birth=dt.date(2013, 2, 3))
    title, rows = sheet("census", [census_row(id_number=kid(1)),
                                   census_row(id_number=as_number, name="赵某五"),
                                   census_row(id_number=float(other), name="赵某六",
                                              birth=dt.date(2013, 2, 3))])
    root = make(tmp_path, a02((title, rows)))

    report = run_validate(root)

    # ID-1 alone: no type, unique or ID-2 finding beside it
    assert where(report, unit="A02") == {("ID-1", CENSUS, 3, "身份证号"),
                                         ("ID-1", CENSUS, 4, "身份证号")}
    for f in report.findings:
        if f.unit_code == "A02" and f.rule == "ID-1":
            assert "改成了数字" in f.message
            assert f.value is not None and kid(5) != f.value and "E+17" in f.value.upper()
    assert_other_unit_checked(report)


def test_two_ids_mangled_into_the_same_number_are_id1_alone(tmp_path):
    first, second = kid(7), kid(8)  # differ only in the last digits Excel drops
    assert format(float(first), ".15G") == format(float(second), ".15G")
    title, rows = sheet("census", [census_row(id_number=int(first), name="赵某七"),
                                   census_row(id_number=int(second), name="赵某八")])
    root = make(tmp_path, a02((title, rows)))

    report = run_validate(root)

    assert where(report, unit="A02") == {("ID-1", CENSUS, 2, "身份证号"),
                                         ("ID-1", CENSUS, 3, "身份证号")}


def test_formulas_read_their_cached_values_and_equals_text_stays_data(tmp_path):
    title, rows = sheet("census", [
        census_row(id_number=kid(1), grade=Formula('="三"&"年级"', "三年级"),
                   sex=Formula('=IF(MOD(MID(A2,17,1),2)=1,"男","女")', "男")),
        census_row(id_number=kid(2), name=Text("=赵某二"), remark=Text("=见户口簿"),
                   sex=Formula('=IF(1=1,"男生","女")', "男生")),
        census_row(id_number=kid(3), name="赵某三", grade=Formula("=1+2", 3)),
    ])
    root = tmp_path / "ws"
    workspace(root, {"A01.xlsx": good_a01()})
    write_book_xlsxwriter(root / A02_FILE, a02((title, rows)))

    report = run_validate(root)

    assert where(report, unit="A02") == {
        ("enum-error", CENSUS, 3, "性别"),  # the cached “男生”, not the formula text
        ("enum-error", CENSUS, 4, "年级"),  # the cached 3
    }
    census = snapshot_table(root, "census")
    assert census.select("name", "sex", "grade", "remark").rows() == [
        ("赵某一", "男", "三年级", None),
        ("=赵某二", "男生", "三年级", "=见户口簿"),
        ("赵某三", "男", "3", None),
    ]
    assert_other_unit_checked(report)


def test_merged_cells_down_a_column_give_every_row_the_value(tmp_path):
    title, rows = sheet("census", [
        census_row(id_number=kid(1), group="2组"),
        census_row(id_number=kid(2), name="赵某二", village=None, group=None, school=None),
        census_row(id_number=kid(3), name="赵某三", village=None, group=None),
    ])
    root = make(tmp_path, a02((title, rows)))
    # 户籍行政村 is column G, 村民小组 H, 就读学校 O: merged over the three children
    merge_cells(root / A02_FILE, title, "G2:G4", "H2:H4", "O2:O3")

    report = run_validate(root)

    assert where(report, unit="A02") == set()
    census = snapshot_table(root, "census")
    assert census.select("village", "group", "school").rows() == [
        ("一村", "2组", "甲镇第一小学"), ("一村", "2组", "甲镇第一小学"),
        ("一村", "2组", "甲镇第一小学")]
    assert_other_unit_checked(report)


# --------------------------------------------------------------------------------------
# Bad input: one unit's problem never stops the others
# --------------------------------------------------------------------------------------


def _valid_xlsx_bytes(tmp_path: Path) -> bytes:
    path = write_book(tmp_path / "full.xlsx", a02(sheet("census", [census_row()])))
    return path.read_bytes()


@pytest.mark.parametrize("kind, words", [
    ("csv", "CSV"),
    ("empty", "0 字节"),
    ("truncated", "损坏"),
])
def test_unreadable_file_is_one_error_and_others_are_read(tmp_path, kind, words):
    root = make(tmp_path)
    if kind == "csv":
        data = "单位代码,报送月份,填报人\nA02,2022-10,李某\n".encode()
    elif kind == "empty":
        data = b""
    else:  # a valid workbook cut in half, as an interrupted upload leaves it
        whole = _valid_xlsx_bytes(tmp_path)
        data = whole[: len(whole) // 2]
    (root / A02_FILE).write_bytes(data)

    report = run_validate(root)

    mine = [f for f in report.findings if f.unit_code == "A02" and schema_layer(f.rule)]
    assert [(f.rule, f.severity, f.file, f.sheet, f.row) for f in mine] == [
        ("file-error", ERROR, A02_FILE, None, None)]
    assert words in mine[0].message
    assert_other_unit_checked(report)


@pytest.mark.parametrize("suffix, words", [
    (".xlsb", "这是 Excel 二进制格式（.xlsb）的文件，kcbx 不读取：请另存为 .xlsx 后重新报送"),
    (".et", "这是 WPS 表格格式（.et）的文件，kcbx 不读取：请另存为 .xlsx 后重新报送"),
])
def test_a_binary_or_wps_workbook_is_told_to_be_saved_as_xlsx(tmp_path, suffix, words):
    """A school that saved its form as .xlsb (Excel) or .et (WPS) learns what to do; the file
    is kept with the pull as it came, the other units are read."""
    root = make(tmp_path)
    sent = root / "submissions" / f"A02{suffix}"
    sent.write_bytes(_valid_xlsx_bytes(tmp_path))  # whatever its bytes: it is not opened

    report = run_validate(root)

    mine = [f for f in report.findings if f.unit_code == "A02" and schema_layer(f.rule)]
    assert [(f.rule, f.severity, f.file) for f in mine] == [
        ("file-error", ERROR, f"submissions/A02{suffix}")]
    assert mine[0].message == words
    assert not [f for f in report.findings if "不是 Excel 工作簿" in f.message]
    assert_other_unit_checked(report)
    snap, _ = pipeline.current_snapshot(load_config(root))
    assert (snap.path / "raw" / "submissions" / sent.name).read_bytes() == sent.read_bytes()


def test_workbook_without_cover_is_attributed_to_its_file_name(tmp_path):
    title, rows = sheet("census", [census_row(id_number=kid(1)),
                                   census_row(id_number=kid(2), name="赵某二", sex="男生")])
    root = make(tmp_path, book((title, rows)))

    report = run_validate(root)

    assert where(report, unit="A02") == {
        ("missing-sheet", COVER, None, None),
        ("enum-error", CENSUS, 3, "性别"),
    }
    missing = next(f for f in report.findings if f.rule == "missing-sheet")
    assert (missing.severity, missing.file) == (ERROR, A02_FILE)
    assert "A02" in missing.message
    assert snapshot_table(root, "census")["_unit"].to_list() == ["A02", "A02"]
    assert_other_unit_checked(report)


def test_missing_required_column(tmp_path):
    names = [n for n in census_row() if n not in ("name", "remark")]  # 姓名 required, 备注 not
    title, rows = sheet("census", [census_row(id_number=kid(1)),
                                   census_row(id_number=kid(2), sex="男生")],
                        names=names, above=[["甲镇第一小学摸底表"]])
    root = make(tmp_path, a02((title, rows)))

    report = run_validate(root)

    # one finding for the column (naming the header row), none per row for 姓名
    assert where(report, unit="A02") == {
        ("missing-label", CENSUS, 2, "姓名"),
        ("enum-error", CENSUS, 4, "性别"),
    }
    label = next(f for f in report.findings if f.rule == "missing-label")
    assert label.severity == ERROR
    assert "第2行" in label.message and "姓名" in label.message
    assert_other_unit_checked(report)


def test_unknown_column_is_a_warning_and_the_rest_is_read(tmp_path):
    title, rows = sheet("census", [census_row(id_number=kid(1)),
                                   census_row(id_number=kid(2), sex="男生")])
    rows[0].insert(3, "家庭住址")
    rows[1].insert(3, "甲镇一村1组8号")
    rows[2].insert(3, "甲镇一村1组9号")
    root = make(tmp_path, a02((title, rows)))

    report = run_validate(root)

    assert where(report, unit="A02") == {
        ("extra-label", CENSUS, 1, "家庭住址"),
        ("enum-error", CENSUS, 3, "性别"),
    }
    extra = next(f for f in report.findings if f.rule == "extra-label")
    assert extra.severity == WARNING
    assert snapshot_table(root, "census")["birth_date"].to_list() == ["2014-05-06"] * 2
    assert_other_unit_checked(report)


def test_unknown_sheet_is_a_warning_named_by_its_own_title(tmp_path):
    root = make(tmp_path, a02(("学生花名册", [["姓名", "班级"], ["赵某一", "3班"]])))

    report = run_validate(root)

    assert where(report, unit="A02") == {("extra-sheet", "学生花名册", None, None)}
    extra = next(f for f in report.findings if f.rule == "extra-sheet")
    assert extra.severity == WARNING and extra.file == A02_FILE
    assert_other_unit_checked(report)


def test_instruction_sheet_is_skipped_silently(tmp_path):
    notes = [["填报说明"], ["1. 身份证号列请设为文本格式"], ["姓名", "身份证号", "性别"]]
    root = make(tmp_path, book(("填报说明", notes), sheet("cover", [cover("A02")]),
                               sheet("census", [census_row(id_number=kid(1))])))

    report = run_validate(root)

    assert where(report, unit="A02") == set()
    assert_other_unit_checked(report)


def test_excel_lock_file_is_ignored(tmp_path):
    root = make(tmp_path, a02())
    (root / "submissions" / "~$A01.xlsx").write_bytes(b"\x08\x00lock-owner\x00" * 10)

    report = run_validate(root)

    assert not [f for f in report.findings if f.file and "~$" in f.file]
    assert where(report, unit="A02") == set()
    assert_other_unit_checked(report)


def test_large_census_is_read_completely(tmp_path):
    n = 20_000
    start = dt.date(2008, 1, 1)
    records = []
    for i in range(n):
        birth = start + dt.timedelta(days=i // 400)
        order = 2 * (i % 400) + 1  # odd: 男
        records.append({"id_number": make_id(birth, order), "name": "某", "sex": "男",
                        "birth_date": birth.isoformat(), "hukou_type": "本地户籍",
                        "township": "甲镇", "village": "一村", "group": "1组",
                        "guardian": "某父", "disability": "无", "key_group": "无",
                        "status": "在校就读", "school": "A02", "grade": "五年级"})
    records[-1]["sex"] = "男生"
    title, rows = sheet("census", records)
    root = make(tmp_path)
    write_book_xlsxwriter(root / A02_FILE, a02((title, rows)), constant_memory=True)

    report = run_validate(root)

    assert where(report, unit="A02") == {("enum-error", CENSUS, n + 1, "性别")}
    census = snapshot_table(root, "census")
    assert census.height == n
    assert census["_row"][-1] == n + 1
    assert_other_unit_checked(report)


# --------------------------------------------------------------------------------------
# Snapshots
# --------------------------------------------------------------------------------------


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_pulling_identical_files_again_keeps_the_snapshot(tmp_path):
    root = make(tmp_path, a02())
    config = load_config(root)
    first, pulled_first = pipeline.current_snapshot(config)
    again, pulled_again = pipeline.current_snapshot(load_config(root))

    assert (pulled_first, pulled_again) == (True, False)
    assert again.path == first.path
    assert [s.path for s in list_snapshots(first.path.parent)] == [first.path]


def test_a_changed_file_makes_a_new_snapshot_with_raw_copies(tmp_path):
    root = make(tmp_path, a02())
    first, _ = pipeline.current_snapshot(load_config(root))
    before = _tree(first.path)
    write_book(root / A02_FILE, a02(sheet("census", [census_row(id_number=kid(1))])))

    second, pulled = pipeline.current_snapshot(load_config(root))

    assert pulled and second.path != first.path
    # (as a set: within one second the order is the bug of test_pulls_within_the_same_second)
    assert {s.path for s in list_snapshots(first.path.parent)} == {first.path, second.path}
    for name in ("基础数据.xlsx", "submissions/A01.xlsx", "submissions/A02.xlsx"):
        assert (second.path / "raw" / name).read_bytes() == (root / name).read_bytes()
    assert _tree(first.path) == before  # the earlier snapshot is untouched
    assert second.table("census").filter(pl.col("_unit") == "A02").height == 1
    assert first.table("census").filter(pl.col("_unit") == "A02").height == 0


def test_a_failed_pull_leaves_the_earlier_snapshot_alone(tmp_path, monkeypatch):
    root = make(tmp_path, a02())
    first, _ = pipeline.current_snapshot(load_config(root))
    folder = first.path.parent
    before = _tree(folder)
    write_book(root / A02_FILE, a02(sheet("census", [census_row(id_number=kid(1))])))

    def broken_writer(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_csv", broken_writer)
    with pytest.raises(PullError, match="无法写入输出文件夹.*No space left"):  # said in Chinese
        pipeline.current_snapshot(load_config(root))
    monkeypatch.undo()

    assert sorted(p.name for p in folder.iterdir()) == [first.path.name]  # no .pull-* left
    assert _tree(folder) == before
    # and the next pull, with a working writer, succeeds
    second, pulled = pipeline.current_snapshot(load_config(root))
    assert pulled and second.path != first.path


class _FrozenClock:
    """Stands in for the ``datetime`` module in kcbx.tables.snapshot: every pull happens
    in the same second (as when a clerk re-pulls right after fixing a file)."""

    date = dt.date
    timedelta = dt.timedelta

    class datetime(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2022, 11, 4, 9, 30, 0)


def test_pulls_within_the_same_second(tmp_path, monkeypatch):
    from kcbx.tables import snapshot as snapshot_module

    monkeypatch.setattr(snapshot_module, "dt", _FrozenClock)
    root = make(tmp_path, a02())
    original = (root / A02_FILE).read_bytes()
    first, _ = pipeline.current_snapshot(load_config(root))
    # the changed file: one whose pull sorts after the first (the order a clock would give)
    for n in range(100):
        write_book(root / A02_FILE, a02(sheet("census", [census_row(id_number=kid(n))])))
        config = load_config(root)
        parts = [f"{s.key} {s.digest()}" for s in active_sources(config)]
        digest = snapshot_module.pull_digest(
            config, snapshot_module.sources_digest(config, load_package(), parts))
        if digest[:8] > first.digest[:8]:
            break
    changed, pulled = pipeline.current_snapshot(load_config(root))
    assert pulled
    (root / A02_FILE).write_bytes(original)  # the clerk undoes the change

    back, _ = pipeline.current_snapshot(load_config(root))
    again, pulled_again = pipeline.current_snapshot(load_config(root))

    assert back.table("census").filter(pl.col("_unit") == "A02").height == 0
    assert (again.path, pulled_again) == (back.path, False)


def test_snapshot_package_is_accepted_by_frictionless(tmp_path):
    title, rows = sheet("census", [census_row(id_number=kid(1)),
                                   census_row(id_number=kid(2), sex="男生")])
    root = make(tmp_path, a02((title, rows)))
    snap, _ = pipeline.current_snapshot(load_config(root))
    descriptor = snap.path / "tables" / "datapackage.json"

    package = frictionless.Package(str(descriptor))
    assert [r.name for r in package.resources] == json.loads(
        (snap.path / "manifest.json").read_text(encoding="utf-8"))["tables"]

    report = frictionless.validate(str(descriptor))
    errors = report.flatten(["type", "rowNumber", "fieldName"])
    data_errors = {"type-error", "constraint-error", "unique-error", "primary-key",
                   "foreign-key", "missing-cell"}
    assert errors, "the planted mistakes must show"
    assert {e[0] for e in errors} <= data_errors, errors
    census = snap.table("census")
    found = {(census["_unit"][e[1] - 2], census["_row"][e[1] - 2], e[2])
             for e in errors if e[0] == "constraint-error"}
    assert found == {("A01", 3, "sex"), ("A02", 3, "sex")}
