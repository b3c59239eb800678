"""Schema checks (``rules.md`` layer 1) and ID-1 / ID-2, one constraint kind at a time.

Each test writes a real workspace in which unit A02 submits rows that keep a constraint
and rows that break it, and asserts the exact set of findings as (rule, sheet, row,
column) — rows as the school sees them (header on row 1, first data row 2).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import frictionless
import polars as pl
import pytest

from kcbx import pipeline
from kcbx.config import load_config
from kcbx.findings import ERROR
from kcbx.schema import load_package
from workbooks import (
    GRID,
    UNITS,
    absence_row,
    book,
    care_row,
    census_row,
    change_row,
    cover,
    dropout_row,
    home_row,
    iep_row,
    kid,
    make_id,
    roster_row,
    run_validate,
    schema_layer,
    sheet,
    table_title,
    teacher_row,
    visit_row,
    where,
    workspace,
)

T = {name: table_title(name) for name in (
    "units", "grid", "cover", "census", "roster", "dropouts", "absences", "changes", "care",
    "home_students", "iep", "visits", "teachers")}
ROWS = {"census": census_row, "roster": roster_row, "dropouts": dropout_row,
        "absences": absence_row, "changes": change_row, "care": care_row,
        "home_students": home_row, "iep": iep_row, "visits": visit_row, "teachers": teacher_row}
# Sheets a table's rows refer to, so that only the constraint under test can fire.
CONTEXT = {
    "absences": lambda: [sheet("roster", [roster_row()])],
    "care": lambda: [sheet("dropouts", [dropout_row(result="已复学")])],
    "iep": lambda: [sheet("home_students", [home_row()])],
    "visits": lambda: [sheet("home_students", [home_row()])],
}


HOME_BIRTH = dt.date(2012, 4, 3)  # home_row's birth date


def validate(tmp_path: Path, a02_sheets=(), *, others=None, units=UNITS, grid=GRID):
    books = {"A02.xlsx": book(sheet("cover", [cover("A02")]), *a02_sheets)}
    books.update(others or {})
    return run_validate(workspace(tmp_path / "ws", books, units=units, grid=grid))


def only(report, *, unit="A02"):
    return where(report, unit=unit)


# --------------------------------------------------------------------------------------
# Field constraints: a keeping row (2) and a breaking row (3) in the same sheet
# --------------------------------------------------------------------------------------

FIELD_CASES = [
    # kind,           table,      field,            keeps,              breaks
    ("type-error", "changes", "on", "2022/9/5", "九月五日"),  # date
    ("type-error", "absences", "days", 3, "三天"),  # integer
    ("type-error", "roster", "absent_days", "2", "2.5"),  # integer, not a fraction
    ("type-error", "visits", "hours", "1.5", "两小时"),  # number
    ("type-error", "visits", "parent_signed", "否", "对"),  # boolean
    ("required-error", "teachers", "phone", "13700000000", None),
    ("required-error", "absences", "follow_up", "已家访", "  "),  # spaces only = empty
    ("required-error", "iep", "made_on", dt.date(2022, 9, 10), None),
    ("enum-error", "changes", "proof", "不齐全", "缺一份"),
    ("enum-error", "dropouts", "kind", "疑似辍学", "退学"),
    ("enum-error", "iep", "domain", "语言交流", "唱歌"),
    ("enum-error", "visits", "site_type", "送教点陪学", "学校"),
    ("pattern-error", "roster", "student_no", "L20140506ABCDEF1234", "G123"),
    ("pattern-error", "iep", "semester", "2023年春季学期", "2022秋季"),
    ("range-error", "roster", "absent_days", 0, -1),  # minimum 0
    ("range-error", "roster", "absent_days", 31, 32),  # maximum 31
    ("range-error", "absences", "days", 1, 0),  # minimum 1
    ("range-error", "visits", "hours", 8, 8.5),  # maximum 8
    ("range-error", "visits", "hours", 0.5, 0),  # exclusiveMinimum 0
    ("range-error", "iep", "planned_visits", 1, 0),
    ("enum-error", "visits", "domains", "认知，生活自理;学习能力", "认知、唱歌、跳舞"),  # itemEnum
]


@pytest.mark.parametrize("kind, table, name, keeps, breaks", FIELD_CASES,
                         ids=[f"{c[0]}-{c[1]}.{c[2]}-{c[4]}" for c in FIELD_CASES])
def test_field_constraint(tmp_path, kind, table, name, keeps, breaks):
    second = {"name": "周某"} if table == "teachers" and name != "name" else {}
    rows = [ROWS[table](**{name: keeps}), ROWS[table](**{**second, name: breaks})]
    context = CONTEXT.get(table, list)()
    report = validate(tmp_path, [*context, sheet(table, rows)])

    title = load_package().table(table).field(name).title
    assert only(report) == {(kind, T[table], 3, title)}
    f = next(f for f in report.findings if f.unit_code == "A02" and f.rule == kind)
    assert f.severity == ERROR and f.file == "submissions/A02.xlsx"
    assert "第3行" in f.message and title in f.message


def test_cover_period_pattern(tmp_path):
    report = validate(tmp_path, [], others={
        "A01.xlsx": book(sheet("cover", [cover("A01", period="2022-10")])),
        "A02.xlsx": book(sheet("cover", [cover("A02", period="22-10")])),
    })
    assert only(report, unit="A01") == set()
    assert only(report) == {("pattern-error", T["cover"], 2, "报送月份")}


def test_reference_table_constraints(tmp_path):
    units = [*UNITS,
             {"code": "A-03", "name": "甲镇第二小学", "type": "小学", "parent_code": "A01",
              "township": "甲镇", "must_report": "是"},  # row 5: pattern
             {"code": "A04", "name": "甲镇第三小学", "type": "小学", "parent_code": "ZZZ",
              "township": "甲镇", "phone": "1380000", "must_report": "也许"},  # row 6
             {"code": "A05", "name": "甲镇教学点", "type": "村小", "parent_code": None,
              "township": "甲镇", "phone": "0771-5551234"},  # row 7: enum, requiredIf
             {"code": "A06", "name": "甲镇第一小学", "type": "小学", "parent_code": "A01",
              "township": None}]  # row 8: name not unique (with row 4), township required
    grid = [*GRID,
            {"township": "甲镇", "village": "一村", "group": "1组", "unit_code": "A02",
             "person": "李某"},  # row 4: same key as row 2
            {"township": "甲镇", "village": "二村", "group": "1组", "unit_code": "Q01",
             "person": "李某"}]  # row 5: unit not in 单位名录
    report = validate(tmp_path, [], units=units, grid=grid)

    grid_key = "「乡镇（街道）」、「行政村（社区）」、「村（居）民小组」"
    assert only(report, unit=None) == {
        ("pattern-error", T["units"], 5, "单位代码"),
        ("foreign-key-error", T["units"], 6, "上级单位代码"),
        ("pattern-error", T["units"], 6, "联系电话"),
        ("type-error", T["units"], 6, "是否报送月报"),
        ("enum-error", T["units"], 7, "单位类型"),
        ("required-error", T["units"], 7, "上级单位代码"),
        ("unique-error", T["units"], 4, "单位名称"),
        ("unique-error", T["units"], 8, "单位名称"),
        ("required-error", T["units"], 8, "所在乡镇（街道）"),
        ("primary-key-error", T["grid"], 2, grid_key),
        ("primary-key-error", T["grid"], 4, grid_key),
        ("foreign-key-error", T["grid"], 5, "包保单位代码"),
    }
    pk = sorted((f for f in report.findings if f.rule == "primary-key-error"),
                key=lambda f: f.row)
    assert "第4行" in pk[0].message.split("另见")[1]
    assert "第2行" in pk[1].message.split("另见")[1]


# --------------------------------------------------------------------------------------
# Keys across rows, units and tables
# --------------------------------------------------------------------------------------


def test_census_id_unique_across_units_reports_every_copy(tmp_path):
    shared = kid(1)
    report = validate(tmp_path, [sheet("census", [census_row(id_number=kid(2), name="赵某二"),
                                                  census_row(id_number=shared)])], others={
        "A01.xlsx": book(sheet("cover", [cover("A01")]),
                         sheet("census", [census_row(id_number=shared),
                                          census_row(id_number=kid(3), name="赵某三")])),
    })
    assert only(report, unit="A01") == {("unique-error", T["census"], 2, "身份证号")}
    assert only(report) == {("unique-error", T["census"], 3, "身份证号")}
    by_unit = {f.unit_code: f for f in report.findings if f.rule == "unique-error"}
    assert f"另见 submissions/A02.xlsx「{T['census']}」第3行" in by_unit["A01"].message
    assert f"另见 submissions/A01.xlsx「{T['census']}」第2行" in by_unit["A02"].message


def test_home_students_id_unique(tmp_path):
    report = validate(tmp_path, [sheet("home_students", [home_row(), home_row(name="吴某五")])])
    assert only(report) == {("unique-error", T["home_students"], 2, "身份证号"),
                            ("unique-error", T["home_students"], 3, "身份证号")}


def test_census_village_group_must_be_in_grid(tmp_path):
    report = validate(tmp_path, [sheet("census", [
        census_row(id_number=kid(1)),
        census_row(id_number=kid(2), group="2组"),
        census_row(id_number=kid(3), group="9组"),
        census_row(id_number=kid(4), village="二村"),
    ])])
    assert only(report) == {("foreign-key-error", T["census"], 4, "村（居）民小组"),
                            ("foreign-key-error", T["census"], 5, "村（居）民小组")}
    values = sorted(f.value for f in report.findings if f.rule == "foreign-key-error")
    assert values == ["甲镇/一村/9组", "甲镇/二村/1组"]


def test_cover_unit_code_must_be_in_units(tmp_path):
    report = validate(tmp_path, [], others={"B99.xlsx": book(sheet("cover", [cover("B99")]))})
    assert only(report) == set()
    assert only(report, unit="B99") == {("foreign-key-error", T["cover"], 2, "单位代码")}


def test_visits_and_iep_refer_to_home_students(tmp_path):
    stranger = make_id(dt.date(2011, 1, 1), 51)
    report = validate(tmp_path, [
        sheet("home_students", [home_row()]),
        sheet("iep", [iep_row(), iep_row(id_number=stranger)]),
        sheet("visits", [visit_row(), visit_row(id_number=stranger)]),
    ])
    assert only(report) == {("foreign-key-error", T["iep"], 3, "身份证号"),
                            ("foreign-key-error", T["visits"], 3, "身份证号")}


# --------------------------------------------------------------------------------------
# Conditional constraints (the ``kcbx`` key of each field)
# --------------------------------------------------------------------------------------


def test_census_conditional_requirements(tmp_path):
    records = [
        census_row(id_number=kid(1)),  # 2 keeps everything
        census_row(id_number=None, name="赵某三"),  # 3 本地户籍 without ID
        census_row(id_number=None, name="赵某四", hukou_type="常住未取得户籍"),  # 4 fine
        census_row(id_number=None, name="赵某五", hukou_type="常住未取得户籍"),  # 5 fine (no dup)
        census_row(id_number=kid(6), disability="视力残疾"),  # 6 grade of disability missing
        census_row(id_number=kid(7), disability="听力残疾", disability_grade="二级"),  # 7 fine
        census_row(id_number=kid(8), school=None),  # 8 在校就读 without school
        census_row(id_number=kid(9), status="失学", school=None, grade=None),  # 9 fine
        census_row(id_number=kid(10), status="区外就读", school="外县实验小学",
                   grade=None),  # 10 fine: grade not needed, school outside the district
        census_row(id_number=kid(11), status="区外就读", school=None),  # 11 school missing
        census_row(id_number=kid(12), status="送教上门", grade=None),  # 12 grade missing
        census_row(id_number=kid(13), school="外县实验小学"),  # 13 not a district unit
        census_row(id_number=kid(14), school="A02"),  # 14 fine: a 单位代码
        census_row(id_number=kid(15), status="送教上门", school="外县特校"),  # 15 unitRef
    ]
    report = validate(tmp_path, [sheet("census", records)])
    assert only(report) == {
        ("required-error", T["census"], 3, "身份证号"),
        ("required-error", T["census"], 6, "残疾等级"),
        ("required-error", T["census"], 8, "就读学校"),
        ("required-error", T["census"], 11, "就读学校"),
        ("required-error", T["census"], 12, "年级"),
        ("foreign-key-error", T["census"], 13, "就读学校"),
        ("foreign-key-error", T["census"], 15, "就读学校"),
    }
    message = next(f.message for f in report.findings
                   if f.row == 6 and f.rule == "required-error")
    assert "残疾类别" in message and "视力残疾" in message


def test_roster_id_required_unless_temporary_student_no(tmp_path):
    report = validate(tmp_path, [sheet("roster", [
        roster_row(),
        roster_row(id_number=None, student_no="G" + kid(5)),
        roster_row(id_number=None, student_no="L20140506ABCDEF1234"),
    ])])
    assert only(report) == {("required-error", T["roster"], 3, "身份证号")}


def test_roster_id_required_when_student_no_is_empty(tmp_path):
    report = validate(tmp_path, [sheet("roster", [roster_row(id_number=None)])])
    assert only(report) == {("required-error", T["roster"], 2, "身份证号")}


def test_changes_school_required_by_kind(tmp_path):
    report = validate(tmp_path, [sheet("changes", [
        change_row(),  # 转入 with 原学校
        change_row(kind="转入", from_school=None),  # 3
        change_row(kind="转出", from_school=None, to_school="乙县第一中学"),  # fine
        change_row(kind="转出", from_school="本校", to_school=None),  # 5
        change_row(kind="休学", from_school=None),  # fine
    ])])
    assert only(report) == {("required-error", T["changes"], 3, "原学校"),
                            ("required-error", T["changes"], 5, "去向学校")}


def test_dropouts_step2_deadline(tmp_path):
    sent = dt.date(2022, 10, 12)
    report = validate(tmp_path, [sheet("dropouts", [
        dropout_row(step2_on=sent, step2_deadline=dt.date(2022, 10, 27)),  # fine
        dropout_row(step2_on=sent, step2_deadline=None),  # 3 required with step2_on
        dropout_row(step2_on=sent, step2_deadline=sent),  # 4 must be after, not the same day
        dropout_row(step2_on=sent, step2_deadline=dt.date(2022, 10, 1)),  # 5 before
        dropout_row(step2_on=None, step2_deadline=None),  # fine
    ])])
    column = "限期复学截止日期"
    assert only(report) == {("required-error", T["dropouts"], 3, column),
                            ("date-order-error", T["dropouts"], 4, column),
                            ("date-order-error", T["dropouts"], 5, column)}


def test_home_students_assessed_not_before_applied(tmp_path):
    applied = dt.date(2022, 9, 1)
    report = validate(tmp_path, [sheet("home_students", [
        home_row(id_number=kid(1, birth=HOME_BIRTH), applied_on=applied,
                 assessed_on=applied),  # same day: fine
        home_row(id_number=kid(2, birth=HOME_BIRTH), applied_on=applied,
                 assessed_on=dt.date(2022, 8, 30)),
    ])])
    assert only(report) == {("date-order-error", T["home_students"], 3, "评估日期")}


def test_absences_refer_to_the_same_units_roster(tmp_path):
    mine, theirs, nobody = kid(1), kid(2), kid(3)
    report = validate(tmp_path, [
        sheet("roster", [roster_row(id_number=mine)]),
        sheet("absences", [absence_row(id_number=mine), absence_row(id_number=theirs),
                           absence_row(id_number=nobody)]),
    ], others={"A01.xlsx": book(sheet("cover", [cover("A01")]),
                                sheet("roster", [roster_row(id_number=theirs)]))})
    assert only(report) == {("foreign-key-error", T["absences"], 3, "身份证号"),
                            ("foreign-key-error", T["absences"], 4, "身份证号")}
    assert only(report, unit="A01") == set()


def test_care_refers_to_a_resolved_case_of_the_same_unit(tmp_path):
    back, open_case, other = kid(1), kid(2), kid(3)
    report = validate(tmp_path, [
        sheet("dropouts", [dropout_row(id_number=back, result="已复学", birth=dt.date(2014, 5, 6)),
                           dropout_row(id_number=open_case, birth=dt.date(2014, 5, 6))]),
        sheet("care", [care_row(id_number=back), care_row(id_number=open_case),
                       care_row(id_number=other)]),
    ], others={"A01.xlsx": book(sheet("cover", [cover("A01")]), sheet("dropouts", [
        dropout_row(id_number=other, result="已复学", birth=dt.date(2014, 5, 6))]))})
    assert only(report) == {("foreign-key-error", T["care"], 3, "身份证号"),
                            ("foreign-key-error", T["care"], 4, "身份证号")}


def test_teacher_names_unique_within_a_unit_only(tmp_path):
    report = validate(tmp_path, [sheet("teachers", [
        teacher_row(name="孙某"), teacher_row(name="周某", sex="女"),
        teacher_row(name="孙某", phone="13700000001")])],
        others={"A01.xlsx": book(sheet("cover", [cover("A01")]),
                                 sheet("teachers", [teacher_row(name="周某")]))})
    assert only(report) == {("unique-error", T["teachers"], 2, "教师姓名"),
                            ("unique-error", T["teachers"], 4, "教师姓名")}
    assert only(report, unit="A01") == set()


# --------------------------------------------------------------------------------------
# ID-1 and ID-2
# --------------------------------------------------------------------------------------


def _with_check(body: str) -> str:
    from stdnum.cn import ric

    return body + ric.calc_check_digit(body + "0")


ID_CASES = [
    ("too short", kid(1)[:17], "18位"),
    ("too long", kid(1) + "1", "18位"),
    ("wrong check digit", kid(1)[:17] + ("0" if kid(1)[17] != "0" else "1"), "校验位"),
    ("no such date", _with_check("11010120141340001"), "出生日期"),
    ("letters", kid(1)[:8] + "O" + kid(1)[9:], "只能是17位数字"),
    ("inner space", kid(1)[:6] + " " + kid(1)[6:], "18位"),
]


@pytest.mark.parametrize("case, value, words", ID_CASES, ids=[c[0] for c in ID_CASES])
def test_id1_invalid_numbers(tmp_path, case, value, words):
    report = validate(tmp_path, [sheet("roster", [
        roster_row(id_number=kid(24).lower(), student_no="G" + kid(24)),  # x → X: valid
        roster_row(id_number=value, student_no="G" + kid(1))])])
    assert only(report) == {("ID-1", T["roster"], 3, "身份证号")}
    f = next(f for f in report.findings if f.unit_code == "A02" and f.rule == "ID-1")
    assert f.severity == ERROR and words in f.message and f.value == value


def test_id2_birth_date_and_sex_agree_with_the_id(tmp_path):
    report = validate(tmp_path, [sheet("census", [
        census_row(id_number=kid(1)),
        census_row(id_number=kid(2), birth_date=dt.date(2014, 6, 5)),
        census_row(id_number=kid(3), sex="女"),
        census_row(id_number=kid(4, male=False), sex="女"),
        census_row(id_number=kid(5, male=False), sex="男", birth_date="2014年5月7日"),
    ])])
    assert only(report) == {("ID-2", T["census"], 3, "出生日期"),
                            ("ID-2", T["census"], 4, "性别"),
                            ("ID-2", T["census"], 6, "出生日期"),
                            ("ID-2", T["census"], 6, "性别")}


def test_id_checks_run_on_every_table_with_an_id(tmp_path):
    bad = kid(1)[:17]
    report = validate(tmp_path, [
        sheet("census", [census_row(id_number=bad)]),
        sheet("roster", [roster_row(id_number=bad, student_no=None)]),
        sheet("dropouts", [dropout_row(id_number=bad)]),
        sheet("changes", [change_row(id_number=bad)]),
        sheet("home_students", [home_row(id_number=bad, student_no=None)]),
    ])
    assert only(report) == {("ID-1", T[t], 2, "身份证号")
                            for t in ("census", "roster", "dropouts", "changes",
                                      "home_students")}


# --------------------------------------------------------------------------------------
# One mistake, one finding
# --------------------------------------------------------------------------------------


def test_one_mistake_one_finding(tmp_path):
    report = validate(tmp_path, [
        sheet("roster", [roster_row(absent_days="很多"),  # type only, no range
                         roster_row(grade=None, class_name=None)]),  # required only
        sheet("census", [census_row(id_number=kid(1), name=None, school=None),
                         census_row(id_number=kid(2), status=None, school=None, grade=None)]),
        sheet("home_students", [home_row()]),
        sheet("visits", [visit_row(hours=None), visit_row(hours="零")]),
    ], units=[*UNITS, {"code": None, "name": "无代码学校", "type": "小学",
                       "parent_code": "A01", "township": "甲镇"},
              {"code": None, "name": "无代码学校二", "type": "小学", "parent_code": "A01",
               "township": "甲镇"}])
    assert only(report) == {
        ("type-error", T["roster"], 2, "本月缺课天数"),
        ("required-error", T["roster"], 3, "班级"),
        ("required-error", T["census"], 2, "姓名"),
        ("required-error", T["census"], 2, "就读学校"),  # no unitRef finding on empty
        ("required-error", T["visits"], 2, "课时"),  # no range finding on empty
        ("type-error", T["visits"], 3, "课时"),
    }
    # two empty 单位代码: required twice, never pattern or unique among the empties
    assert only(report, unit=None) == {("required-error", T["units"], 5, "单位代码"),
                                       ("required-error", T["units"], 6, "单位代码")}


def test_missing_conditionally_required_column_names_the_header_row(tmp_path):
    names = [n for n in census_row() if n != "school"]
    report = validate(tmp_path, [sheet("census", [census_row(id_number=kid(1))], names=names,
                                       above=[["摸底表"]])])
    assert only(report) == {("missing-label", T["census"], 2, "就读学校")}
    assert "第2行" in next(f.message for f in report.findings if f.rule == "missing-label")


# --------------------------------------------------------------------------------------
# Cross-check with stock frictionless on the snapshot's data package
# --------------------------------------------------------------------------------------

# Checks kcbx derives from each field's "kcbx" key — beyond stock frictionless — and the
# finding kind each one gives. Findings of exactly these (table, field, kind) are dropped.
KCBX_KEY_KINDS = {"requiredIf": "required-error", "after": "date-order-error",
                  "notBefore": "date-order-error", "unitRef": "foreign-key-error",
                  "sameUnitRef": "foreign-key-error", "itemEnum": "enum-error",
                  "uniqueInUnit": "unique-error"}
KCBX_ONLY = {(t.name, f.name, kind) for t in load_package().tables for f in t.fields
             for key, kind in KCBX_KEY_KINDS.items() if key in f.extra}


def test_schema_findings_agree_with_stock_frictionless(tmp_path):
    shared = kid(1)
    units = [*UNITS, {"code": "A03", "name": "甲镇第二小学", "type": "小学", "parent_code": "ZZZ",
                      "township": "甲镇", "must_report": "是"}]
    grid = [*GRID, {"township": "甲镇", "village": "一村", "group": "1组", "unit_code": "A02",
                    "person": "李某"}]
    report = validate(tmp_path, [
        sheet("census", [census_row(id_number=shared),
                         census_row(id_number=kid(2), sex="男孩", group="9组"),
                         census_row(id_number=kid(3), birth_date="2014年5月", name=None),
                         census_row(id_number=kid(4)[:17], status="在家", school="外县小学")]),
        sheet("roster", [roster_row(absent_days=40, student_no="G12"),
                         roster_row(absent_days="两天", class_name=None)]),
        sheet("home_students", [home_row()]),
        sheet("visits", [visit_row(hours=0, domains="唱歌"),
                         visit_row(id_number=kid(9), parent_signed="签了")]),
        sheet("teachers", [teacher_row(), teacher_row()]),
    ], others={"A01.xlsx": book(sheet("cover", [cover("A01", period="2022年10月份")]),
                                sheet("census", [census_row(id_number=shared)]))},
        units=units, grid=grid)
    root = tmp_path / "ws"
    snap, pulled = pipeline.current_snapshot(load_config(root))
    assert not pulled  # the same snapshot validate() used

    package = load_package()
    frames = snap.tables()
    fl_kind = {"type-error": "type-error", "unique-error": "unique-error",
               "primary-key": "primary-key-error", "foreign-key": "foreign-key-error"}
    fl_constraint = {"required": "required-error", "enum": "enum-error",
                     "pattern": "pattern-error", "minimum": "range-error",
                     "maximum": "range-error", "exclusiveMinimum": "range-error",
                     "unique": "unique-error"}
    theirs = set()
    fl = frictionless.validate(str(snap.path / "tables" / "datapackage.json"))
    for task in fl.tasks:
        resource = task.name
        names = [*package.table(resource).field_names, "_unit", "_file", "_sheet", "_row"]
        for error in task.errors:
            assert error.type in (*fl_kind, "constraint-error"), error  # data errors only
            if error.type == "constraint-error":  # note: 'constraint "enum" is "[...]"'
                kind = fl_constraint[error.note.split('"')[1]]
            else:
                kind = fl_kind[error.type]
            # where the row came from: the provenance cells of the snapshot row
            cells = dict(zip(names, error.cells, strict=True))
            field = getattr(error, "field_name", None)
            if kind in ("primary-key-error", "foreign-key-error"):
                field = None  # row errors: compared by row only
            theirs.add((kind, resource, cells["_file"], int(cells["_row"]), field))

    ours = set()
    for f in report.findings:
        table = package.table_for_sheet(f.sheet) if f.sheet else None
        if table is None or f.rule in ("ID-1", "ID-2") or not schema_layer(f.rule):
            continue  # intake findings; ID-1/ID-2 and policy rules are beyond frictionless
        field = next((x.name for x in table.fields if x.title == f.column), None)
        if (table.name, field, f.rule) in KCBX_ONLY:
            continue  # requiredIf / after / unitRef / sameUnitRef / uniqueInUnit / itemEnum
        if f.rule in ("primary-key-error", "foreign-key-error"):
            field = None
        ours.add((f.rule, table.name, f.file, f.row, field))

    # Deliberate difference: kcbx reports every copy of a duplicate, frictionless only the
    # later ones — drop kcbx's copies that frictionless (package order) sees first.
    firsts = set()
    for kind in ("unique-error", "primary-key-error"):
        groups: dict = {}
        for key in sorted(k for k in ours if k[0] == kind):
            table = key[1]
            frame = frames[table].with_row_index("_i")
            at = frame.filter((pl.col("_file") == key[2]) & (pl.col("_row") == key[3]))
            idx = at["_i"][0]
            if kind == "unique-error":
                value = frame[key[4]][idx]
            else:
                value = tuple(frame[n][idx] for n in package.table(table).primary_key)
            groups.setdefault((table, value), []).append((idx, key))
        for members in groups.values():
            firsts.add(min(members)[1])
    ours -= firsts

    assert ours == theirs
    # the comparison is not vacuous: each error kind occurs
    assert {k[0] for k in ours} == {"type-error", "required-error", "enum-error", "pattern-error",
                                    "range-error", "unique-error", "primary-key-error",
                                    "foreign-key-error"}
