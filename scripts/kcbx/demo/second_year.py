"""The demo's second work year (``kcbx demo --years 2``): September 2023 after October 2022.

The workspace goes into the new year the way a coordinator takes it there — kcbx's own pull
of October 2022, ``kcbx year 2023`` (:func:`~kcbx.init.year.start_year`) and the forms'
carry — and the schools' September returns are written from the carried rows plus what
schools do in September: the 小学's 六年级 enrolled by the 初中 of their township (roster and
census follow), a new term's 个别化教学计划 and weekly 送教 for every child still taught at
home, 关爱帮扶 for the children brought back last year. Two mistakes are planted: the 送教
child S10 that no 初中 takes on (HOME-7, while S8 is taken on by 青石镇初级中学), and an open
台账 case one unit drops from its carried ledger (REP-4 across the year boundary).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from ..config import CONFIG_NAME, Config, load_config
from ..district import District, load_district, unit_tables
from ..init.yaml_text import set_key
from ..init.year import start_year
from ..schema import DataPackage
from .district import UNIT, UNITS, head_of, principal_of, unit_phone
from .homeschool import DOMAINS, PAIRS
from .model import Plant, Row
from .people import Person, Story
from .rows import head_teacher
from .sheets import BookWriter, Layout, Written
from .workspace import SUBMISSIONS

YEAR = 2023
PERIOD = "2023-09"
PULLED_ON = dt.date(2023, 10, 9)
IEP_MADE = dt.date(2023, 8, 30)
CARE_ON = dt.date(2023, 9, 15)
SEMESTER = f"{YEAR}年秋季学期"
PRIMARY = ("小学", "教学点")
RECEIVER = "QSZZ"  # takes S8 on; S10 (LHXX) is taken on by nobody
RECEIVER_TEACHERS = (("杨某刚", "男", "康复训练"), ("何某琴", "女", "语文"))
PLAIN = Layout(text_dates=0)


def write_second_year(dest: Path, package: DataPackage, seed: int, people: dict[str, Person],
                      story: Story, written: dict[tuple[str, str], Written]) -> list[Plant]:
    """Take the written one-year demo in ``dest`` into work year 2023 and write the units'
    September returns; returns the planted mistakes (rows: those of the 2022 workbooks)."""
    from ..outputs.forms.carry import carried_rows, previous_pull
    from ..pipeline import reports

    reports(load_config(dest))  # October 2022 pulled and published, as the coordinator did
    start_year(dest, YEAR)
    path = dest / CONFIG_NAME
    path.write_text(set_key(path.read_text(encoding="utf-8"), "pulled_on", str(PULLED_ON)),
                    encoding="utf-8")
    config = load_config(dest)
    district = load_district(config, package)
    carried = carried_rows(config, package, district)
    last = previous_pull(config)
    assert carried is not None and last is not None, "the October 2022 pull was just made"
    books: dict[str, dict[str, list[Row]]] = {
        unit: {table: [dict(zip(package.table(table).field_names, row, strict=True))
                       for row in rows] for table, rows in tables.items()}
        for unit, tables in carried.rows.items()}
    rows = _Rows(books)
    _enrol_primary_leavers(rows, last.tables({"roster"})["roster"], people)
    _hand_on(rows, people["S8"], story)
    _teach_at_home(rows, config)
    _care(rows)
    plants = [Plant("HOME-7", "LHXX", "home_students", "S10/home", "id_number",
                    "六年级送教上门学生小学毕业后没有初中接续（送教不断线）", f"{SUBMISSIONS}/LHXX.xlsx")]
    plants += _drop_an_open_case(rows, story)
    for unit in (u for u in UNITS if u.must_report):
        _write_unit(dest, package, district, unit.code, rows, seed)
    return plants


class _Rows:
    """The units' September rows, per unit and table."""

    def __init__(self, books: dict[str, dict[str, list[Row]]]) -> None:
        self.books = books

    def of(self, unit: str, table: str) -> list[Row]:
        return self.books.setdefault(unit, {}).setdefault(table, [])


def _receiver(school: str) -> str | None:
    """The unit that takes a 小学's 六年级 on: a school of its township teaching 七年级."""
    township = UNIT[school].township
    return next((u.code for u in UNITS if u.township == township and u.grades
                 and u.grades[0] <= 7 <= u.grades[1] and u.type not in (*PRIMARY, "特殊教育学校")),
                None)


def _enrol_primary_leavers(rows: _Rows, roster: pl.DataFrame, people: dict[str, Person]) -> None:
    """The 小学's 六年级 of last year on the 七年级 roster of their township's 初中, and the
    census saying so (the 送教 children follow their own way: :func:`_hand_on`)."""
    home = {p.id for key, p in people.items() if key in ("S8", "S10")}
    moved: dict[str, str] = {}
    leavers = roster.filter((pl.col("grade") == "六年级") & pl.col("_unit").is_in(
        [u.code for u in UNITS if u.type in PRIMARY]))
    for row in leavers.iter_rows(named=True):
        target = _receiver(row["_unit"])
        if target is None or row["id_number"] in home:
            continue
        moved[row["id_number"]] = UNIT[target].name
        rows.of(target, "roster").append({
            **{k: v for k, v in row.items() if not k.startswith("_")},
            "grade": "七年级", "class_name": "1班", "attendance": "正常在校", "absent_days": "0",
            "head_teacher": head_teacher(target, 7, 0)})
    for tables in rows.books.values():
        for row in tables.get("census", []):
            if row.get("id_number") in moved:
                row["school"] = moved[row["id_number"]]


def _hand_on(rows: _Rows, child: Person, story: Story) -> None:
    """S8 goes on at 青石镇初级中学: its 送教 list, roster and teachers; census names it."""
    old = next(r for r in story.rows["QSXX"]["home_students"] if r["id_number"] == child.id)
    lead = RECEIVER_TEACHERS[0][0]
    rows.of(RECEIVER, "home_students").append({
        **{k: v for k, v in old.items() if not k.startswith("_")}, "grade": "七年级",
        "lead_teacher": lead, "remark": "由青石镇中心小学衔接转入"})
    rows.of(RECEIVER, "roster").append(child.roster(RECEIVER, "送教上门", grade=7))
    for n, (name, sex, subject) in enumerate(RECEIVER_TEACHERS):
        rows.of(RECEIVER, "teachers").append({"name": name, "sex": sex, "subject": subject,
                                              "phone": f"1380000{7000 + n:04d}"})
    for tables in rows.books.values():
        for row in tables.get("census", []):
            if row.get("id_number") == child.id:
                row.update(school=UNIT[RECEIVER].name, grade="七年级")


def _school_days(config: Config) -> list[dt.date]:
    """One 送教 day (the week's first school day from Tuesday) in every teaching week of
    September's term ended by the pull."""
    holidays = {h.start + dt.timedelta(days=i) for h in config.holidays
                for i in range((h.end - h.start).days + 1)}
    term = config.terms[0]

    def school(day: dt.date) -> bool:
        return term.start <= day <= term.end and (
            day in config.workdays or (day.weekday() < 5 and day not in holidays))

    days = []
    week = term.start - dt.timedelta(days=term.start.weekday())
    while week + dt.timedelta(days=6) <= PULLED_ON:
        week_days = [week + dt.timedelta(days=i) for i in (1, 2, 3, 4, 0, 5, 6)]
        found = next((day for day in week_days if school(day)), None)
        if found is not None:
            days.append(found)
        week += dt.timedelta(days=7)
    return days


def _teach_at_home(rows: _Rows, config: Config) -> None:
    """A new term: an 个别化教学计划 of three domains and a visit every teaching week for every
    child on a 送教上门学生信息表 (two teachers of the unit, one a man)."""
    days = _school_days(config)
    domains = ("康复训练", "认知", "生活自理")
    for unit, tables in rows.books.items():
        children = tables.get("home_students", [])
        if not children:
            continue
        pairs = PAIRS.get(unit) or ((RECEIVER_TEACHERS[0][0], RECEIVER_TEACHERS[1][0]),)
        for child in children:
            lead = child.get("lead_teacher") or pairs[0][0]
            for domain in domains:
                _content, _task, long_goal, short_goal, methods = DOMAINS[domain]
                rows.of(unit, "iep").append({
                    "id_number": child["id_number"], "semester": SEMESTER, "domain": domain,
                    "long_goal": long_goal, "short_goal": short_goal, "methods": methods,
                    "planned_visits": 18, "made_on": IEP_MADE, "made_by": lead})
            for n, day in enumerate(days):
                first, second = domains[n % 3], domains[(n + 1) % 3]
                content, task, *_ = DOMAINS[first]
                rows.of(unit, "visits").append({
                    "id_number": child["id_number"], "name": child["name"], "on": day, "hours": 2,
                    "teachers": "、".join(pairs[n % len(pairs)]), "site_type": child.get("site_type"),
                    "domains": f"{first}、{second}", "content": content, "family_task": task,
                    "parent_training": "指导家长掌握辅助要领和正面鼓励的方法，示范后请家长练习一遍",
                    "effect": "开学后情绪稳定，能在提示下完成大部分练习", "parent_signed": "是"})


def _care(rows: _Rows) -> None:
    """关爱帮扶 in September for every case brought back last year (CARE-1)."""
    for unit, tables in rows.books.items():
        for case in tables.get("dropouts", []):
            if case.get("result") not in (None, "劝返中") and case.get("returned_on"):
                rows.of(unit, "care").append({
                    "id_number": case["id_number"], "name": case["name"],
                    "mentor": case.get("mentor") or head_of(unit), "on": CARE_ON, "kind": "谈心谈话",
                    "content": "开学谈心，了解暑假生活和新学期的学习打算，鼓励按时到校"})


def _drop_an_open_case(rows: _Rows, story: Story) -> list[Plant]:
    """One unit leaves a carried open case out of its September 台账 (REP-4)."""
    for unit in (u.code for u in UNITS):
        ledger = rows.books.get(unit, {}).get("dropouts", [])
        case = next((r for r in ledger if r.get("result") in (None, "劝返中")), None)
        tag = next((r["_tag"] for r in story.rows.get(unit, {}).get("dropouts", [])
                    if case and r.get("id_number") == case["id_number"] and r.get("_tag")), None)
        if case is not None and tag is not None:
            ledger.remove(case)
            return [Plant("REP-4", unit, "dropouts", tag, "id_number",
                          "上一学年劝返中的个案没有带入新学年的台账（台账记录被删除）",
                          f"{SUBMISSIONS}/{unit}.xlsx")]
    raise AssertionError("the demo's 2022 台账 has an open case")


def _write_unit(dest: Path, package: DataPackage, district: District, code: str, rows: _Rows,
                seed: int) -> None:
    tables = rows.books.get(code, {})
    has_open = any(r.get("result") in (None, "劝返中") for r in tables.get("dropouts", []))
    cover = {"unit_code": code, "period": PERIOD, "filled_by": head_of(code),
             "phone": unit_phone(code), "submitted_on": dt.date(2023, 9, 25),
             "zero_report": "否" if has_open else "是", "approved_by": principal_of(code)}
    book = BookWriter(str(dest / SUBMISSIONS / f"{code}.xlsx"), f"kcbx-demo-{seed}-{PERIOD}-{code}")
    for table in unit_tables(package, district, code):
        book.write(table, [cover] if table.name == "cover" else tables.get(table.name, []), PLAIN)
    book.close()
