"""Rows of the bulk population, per unit and table, produced lazily as the writer asks.

Rows are dicts keyed by field name; a ``dt.date`` becomes a date cell (or, in a few rows
the writer picks, text typed the Chinese way), a ``str`` text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from .dates import is_school_day
from .district import GRID, ORDER, UNITS
from .model import Row
from .names import phone, staff_name
from .population import (
    ATTENDANCE,
    DISABILITIES,
    DISABILITY_GRADES,
    ELSEWHERE,
    KEY_GROUPS,
    OUTSIDE_SCHOOLS,
    STATUSES,
    Population,
)

GRADES = (
    "", "一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级",
)
DEFERRED_REMARK = "因病经乡镇人民政府批准延缓入学一年"
ABROAD_REMARK = "随父母出国，已办理相关手续"
COMPLETED_REMARK = "2022年7月初中毕业"


def head_teacher(school: str, grade: int, klass: int) -> str:
    return staff_name(ORDER[school] * 97 + grade * 11 + klass)


def census_rows(pop: Population, unit: str) -> Iterator[Row]:
    for i in pop.by_census_unit.get(unit, ()):
        g = GRID[pop.group[i]]
        status = pop.status[i]
        school = pop.school[i]
        grade = pop.grade[i]
        disability = pop.disability[i]
        id_number = pop.ids[i]
        remark = None
        if status == 4:
            remark = DEFERRED_REMARK
        elif status == 2:
            remark = ABROAD_REMARK
        elif status == 3:
            remark = COMPLETED_REMARK
        yield {
            "id_number": id_number,
            "name": pop.names[i],
            "sex": "男" if pop.male[i] else "女",
            "birth_date": dt.date.fromordinal(pop.birth[i]),
            "hukou_type": "本地户籍" if id_number else "常住未取得户籍",
            "township": g.township,
            "village": g.village,
            "group": g.group,
            "guardian": pop.guardian[i],
            "guardian_phone": phone(pop.phone[i]),
            "disability": DISABILITIES[disability],
            "disability_grade": DISABILITY_GRADES[pop.disability_grade[i]] if disability else None,
            "key_group": KEY_GROUPS[pop.key_group[i]],
            "status": STATUSES[status],
            "school": (UNITS[school].name if status == 0
                       else OUTSIDE_SCHOOLS[school] if status == ELSEWHERE else None),
            "grade": GRADES[grade] if grade else None,
            "remark": remark,
        }


def student_no(pop: Population, i: int) -> str:
    id_number = pop.ids[i]
    return f"G{id_number}" if id_number else f"L2022{pop.birth[i]:07d}{i:07d}"


def roster_rows(pop: Population, school: str, month: str) -> Iterator[Row]:
    attendance = pop.attendance[month]
    absent = pop.absent[month]
    for i in pop.by_school.get(school, ()):
        grade = pop.grade[i]
        klass = pop.klass[i]
        shown = pop.hukou_shown[i]
        g = GRID[pop.group[i]] if shown else None
        yield {
            "student_no": student_no(pop, i),
            "id_number": pop.ids[i],
            "name": pop.names[i],
            "sex": "男" if pop.male[i] else "女",
            "birth_date": dt.date.fromordinal(pop.birth[i]),
            "grade": GRADES[grade],
            "class_name": f"{klass + 1}班",
            "attendance": ATTENDANCE[attendance[i]],
            "absent_days": absent[i],
            "head_teacher": head_teacher(school, grade, klass),
            "hukou_township": g.township if g else None,
            "hukou_village": g.village if g else None,
            "remark": None,
        }


REASONS = {1: ("事假", "病假"), 2: ("其他", "无故缺课")}
_FOLLOW = {
    "病假": "班主任电话联系家长，学生感冒发烧在家休息，已嘱按时服药",
    "事假": "家长提前请假，学生随家长回老家办事，按时返校",
    "无故缺课": "班主任当天电话联系家长并家访，学生已返校，已对家长进行宣传教育",
    "其他": "班主任联系家长核实情况，学生已正常返校",
}


def _school_day(year: int, month: int, k: int) -> dt.date:
    days = [dt.date(year, month, d) for d in range(1, 29)]
    days = [day for day in days if is_school_day(day)]
    return days[k % len(days)]


def absence_rows(pop: Population, school: str, months: tuple[str, ...]) -> Iterator[Row]:
    """缺课登记: every 请假/缺课 of the year so far, month by month (a cumulative ledger)."""
    for month in months:
        year, mon = (int(p) for p in month.split("-"))
        attendance = pop.attendance[month]
        absent = pop.absent[month]
        for i in pop.by_school.get(school, ()):
            kind = attendance[i]
            if not kind:
                continue
            reason = REASONS[kind][i % 2 if kind == 2 else min(i % 3, 1)]
            grade = pop.grade[i]
            klass = pop.klass[i]
            start = _school_day(year, mon, i)
            yield {
                "id_number": pop.ids[i],
                "name": pop.names[i],
                "grade": GRADES[grade],
                "class_name": f"{klass + 1}班",
                "from_on": start,
                "days": absent[i],
                "reason": reason,
                "followed_by": head_teacher(school, grade, klass),
                "follow_up": _FOLLOW[reason],
                "reported_on": start,
                "outcome": "已返校",
            }


def change_rows(pop: Population, school: str) -> Iterator[Row]:
    """学籍变动: children from outside the district who transferred in at term start."""
    for i in pop.by_school.get(school, ()):
        if not pop.transferred_in[i]:
            continue
        yield {
            "id_number": pop.ids[i],
            "name": pop.names[i],
            "kind": "转入",
            "on": dt.date(2022, 9, 1 + i % 2),
            "from_school": OUTSIDE_SCHOOLS[i % len(OUTSIDE_SCHOOLS)],
            "to_school": None,
            "proof": "齐全",
            "remark": "随父母务工迁入",
        }
