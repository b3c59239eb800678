"""The clean district of ``district.py`` with every name, ID, phone and address as long as
a school could type it: what the printed pages must hold without a glyph crossing a ruling
line or a line spread out.

Where the schemas bound a value it is at its bound: an 18-character ID ending in the wide
check digit X, a 19-character 全国学籍号, a 20-character 单位代码, a phone of the longest
form the 单位名录 pattern allows (0371-12345678). Names, unit names and addresses are free
text in the schemas; they are set well past anything real: 15-character names (the length
of a long minority name with its 间隔号), 28-character unit names, 50-character addresses.
Typed text keeps the ASCII , ; : ? ! ( ) of a school's keyboard, and every step of the
四步法 has a case, so that every kind of 文书 is printed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from district import KIDS, REF, District, new_kid
from workbooks import make_id

D = dt.date
PHONE = "0371-12345678"  # ^0[0-9]{2,3}-?[0-9]{7,8}$ at its longest
REGION = "659001"
UNITS = {  # code → (a 20-character code, a long name)
    "JYJ": ("JYJ0000000000000000A", "某某某某自治县某某某某某某某某某教育和体育局（区教育局）"),
    "ZX1": ("ZX10000000000000000B", "某某某某自治县某某某某某某某某某某镇中心学校（中心校）"),
    "XX1": ("XX10000000000000000C", "某某某某自治县某某某某某某某某某某镇第一九年一贯制学校"),
    "XX2": ("XX20000000000000000D", "某某某某自治县某某某某某某某某某某镇第二初级中学（分校）"),
}
PLACES = {"甲镇": "某某某某某某某某蒙古族满族乡", "城区": "某某某某某某某某某某城区街道",
          "一村": "某某某某某某某某某某某某社区居委会", "二村": "某某某某某某某某某某某某村民委员会"}
ADDRESS = ("某某某某某某某某蒙古族满族乡某某某某某某某某某某某某村民委员会"
           "第十二村民小组某某路某某巷一百二十八号院")
TYPED = "因病(肺炎)长期在家,病愈后不愿返校;家长称:孩子体弱?需再观察!"
PEOPLE = ("guardian", "owner", "mentor", "head_teacher", "lead_teacher", "made_by", "person", "head",
          "filled_by", "approved_by", "followed_by", "teachers", "group_members")


def long_name(n: int) -> str:
    """A fake 15-character name, a different one for each ``n`` below 100."""
    return f"阿卜杜某某{'甲乙丙丁戊己庚辛壬癸'[n // 10]}{'子丑寅卯辰巳午未申酉'[n % 10]}·买买提某某某某"


def x_id(birth: D, sex: str, order: int) -> str:
    """A valid ID ending in X for the birth date and sex (an odd order is 男)."""
    order += (order % 2 == 1) != (sex == "男")
    while not (number := make_id(birth, order, REGION)).endswith("X"):
        order += 2
    return number


def longest_district(root: Path) -> Path:
    """Write the district into ``root``."""
    d = District()
    for n, (key, birth, steps) in enumerate((
            ("S1", D(2009, 3, 21), {"step1_on": D(2022, 10, 12)}),
            ("S3", D(2008, 12, 30), {"step1_on": D(2022, 9, 6), "step2_on": D(2022, 9, 13),
                                     "step2_deadline": D(2022, 9, 30), "step3_on": D(2022, 10, 14)}))):
        case = {**District.open_case(key, "C5"), "step2_on": None, "step2_deadline": None, **steps,
                **new_kid(f"新某{n}", "男", birth, 301 + 2 * n), "found_on": D(2022, 10, 11),
                "reported_on": D(2022, 10, 11)}
        d.add("XX2", "dropouts", case)
    kids = [(r["id_number"], r["name"], r["birth_date"], r["sex"])
            for unit in d.books.values() for t in ("dropouts",) for r in unit.get(t, [])]
    kids += [(k["id_number"], k["name"], k["birth_date"], k["sex"]) for k in KIDS.values()]
    exact: dict[str, str] = {}
    for n, (number, name, birth, sex) in enumerate(dict.fromkeys(kids)):
        exact.setdefault(number, x_id(birth, sex, 101 + 2 * n))
        exact[f"G{number}"] = f"G{exact[number]}"
        exact.setdefault(name, long_name(n))
    for unit in d.books.values():
        for records in unit.values():
            for rec in records:
                for field in PEOPLE:
                    for person in str(rec.get(field) or "").split("、"):
                        exact.setdefault(person, long_name(len(exact) % 100))
    exact.update({r["name"]: UNITS[r["code"]][1] for r in d.rows(REF, "units")})
    exact.update({code: long for code, (long, _) in UNITS.items()})
    exact.update(PLACES)
    exact.pop("", None)
    for unit in d.books.values():
        for table, records in unit.items():
            for rec in records:
                _stretch(table, rec, exact)
    for old, (new, _) in UNITS.items():
        if old in d.books:
            d.books[new] = d.books.pop(old)
    d.configure(district="某某某某某某某某自治县")
    return d.write(root)


def _stretch(table: str, rec: dict[str, Any], exact: dict[str, str]) -> None:
    for field, value in list(rec.items()):
        if field == "_key" or not isinstance(value, str):
            continue
        if "phone" in field:
            rec[field] = PHONE
        elif field in ("teachers", "group_members"):
            rec[field] = "、".join(exact.get(p, p) for p in value.split("、"))
        else:
            rec[field] = exact.get(value, value)
    plan = "班主任每周谈心一次(周五下午),安排数学学业辅导;家长每月到校沟通:学习情况?" * 2
    extra = {
        "home_students": {"address": ADDRESS, "remark": TYPED},
        "dropouts": {"reason_detail": TYPED} | ({"plan": plan} if rec.get("plan") else {}),
        "care": {"content": f"{rec.get('content')},了解学习困难(数学),与家长沟通:在校表现良好!" * 2},
        "visits": {"content": f"{rec.get('content')}(家长在场),复习上次内容;布置家庭训练:每天十分钟!",
                   "remark": TYPED},
    }
    rec.update(extra.get(table, {}))
