"""A small, completely clean district written from the contract alone.

The contract is ``shared/spec/tables.md`` (sheet and column titles), ``rules.md`` (rules)
and ``config.md`` (``kcbx.yml``). Nothing here is taken from kcbx's own rule code or
demo: the titles below are copied from tables.md by hand.

The district (work year 2022, period 2022-10, pulled 2022-11-04):

* 基础数据.xlsx: 单位名录 = 测试区教育局 (JYJ, 不报送), 甲镇中心校 (ZX1), 甲镇第一小学 (XX1),
  甲镇初级中学 (XX2); 户籍网格包保表 = 甲镇 一村 1组/2组 → XX1, 二村 1组/2组 → XX2.
* ZX1 submits only 报送信息 (零报告 是).
* XX1 (甲镇第一小学): census of 一村, roster, one resolved dropout case (R, 赵某强) with
  关爱帮扶记录 in 2022-09, -10, -11, a 缺课 row (病假), a 转入 row, and the 送教上门 child
  吴某明 (C3) with IEP and a visit every teaching week from 2022-09-05 to 2022-10-30.
* XX2 (甲镇初级中学): census of 二村, roster, one open case (O, 孙某丽, 劝返中, steps 1–2),
  a 转出 row.

Every record carries a ``_key`` so a test can change one cell, drop one row or add one
row, and learn the spreadsheet row number the school sees (:meth:`District.row_of`).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from workbooks import make_id, write_book

D = dt.date
REF = "基础数据"  # pseudo unit holding the reference tables (units, grid)

# ---------------------------------------------------------------------------------------
# Sheet and column titles — copied by hand from tables.md
# ---------------------------------------------------------------------------------------

SHEETS: dict[str, str] = {
    "units": "单位名录",
    "grid": "户籍网格包保表",
    "cover": "报送信息",
    "census": "适龄儿童少年摸底表（户籍线）",
    "roster": "在校学生名册（学校线）",
    "dropouts": "失学辍学学生工作台账",
    "absences": "缺课登记追踪表",
    "changes": "学籍变动登记",
    "care": "关爱帮扶记录",
    "home_students": "送教上门学生信息表",
    "iep": "个别化教学计划",
    "visits": "送教记录表",
    "teachers": "送教教师",
}

COLUMNS: dict[str, dict[str, str]] = {
    "units": {"code": "单位代码", "name": "单位名称", "type": "单位类型", "parent_code": "上级单位代码",
              "township": "所在乡镇（街道）", "head": "控辍保学负责人", "phone": "联系电话",
              "must_report": "是否报送月报"},
    "grid": {"township": "乡镇（街道）", "village": "行政村（社区）", "group": "村（居）民小组",
             "unit_code": "包保单位代码", "person": "包保责任人", "phone": "联系电话"},
    "cover": {"unit_code": "单位代码", "period": "报送月份", "filled_by": "填报人", "phone": "联系电话",
              "submitted_on": "填报日期", "zero_report": "本月无失学辍学（零报告）",
              "approved_by": "单位负责人"},
    "census": {"id_number": "身份证号", "name": "姓名", "sex": "性别", "birth_date": "出生日期",
               "hukou_type": "户籍类型", "township": "户籍乡镇（街道）", "village": "户籍行政村（社区）",
               "group": "村（居）民小组", "guardian": "监护人姓名", "guardian_phone": "监护人电话",
               "disability": "残疾类别", "disability_grade": "残疾等级", "key_group": "重点人群",
               "status": "就学状态", "school": "就读学校", "grade": "年级", "remark": "备注"},
    "roster": {"student_no": "全国学籍号", "id_number": "身份证号", "name": "姓名", "sex": "性别",
               "birth_date": "出生日期", "grade": "年级", "class_name": "班级", "attendance": "在校状态",
               "absent_days": "本月缺课天数", "head_teacher": "班主任",
               "hukou_township": "户籍乡镇（街道）", "hukou_village": "户籍行政村（社区）", "remark": "备注"},
    "dropouts": {"id_number": "身份证号", "name": "姓名", "sex": "性别", "birth_date": "出生日期",
                 "grade": "原就读年级", "former_school": "原就读学校", "township": "户籍乡镇（街道）",
                 "village": "户籍行政村（社区）", "kind": "类型", "found_on": "发现日期",
                 "reported_on": "上报日期", "reason": "主要原因", "reason_detail": "具体情况",
                 "group_members": "工作小组成员", "owner": "包保责任人", "owner_phone": "责任人电话",
                 "step1_on": "宣传教育日期", "step2_on": "《限期复学通知书》下发日期",
                 "step2_deadline": "限期复学截止日期", "step3_on": "《行政处罚决定书》下发日期",
                 "step4_on": "提起诉讼或申请强制执行日期", "result": "劝返状态",
                 "returned_on": "复学（安置）日期", "placement": "安置方式", "plan": "一人一方案",
                 "mentor": "结对帮扶教师", "remark": "备注"},
    "absences": {"id_number": "身份证号", "name": "姓名", "grade": "年级", "class_name": "班级",
                 "from_on": "缺课开始日期", "days": "缺课天数", "reason": "缺课原因", "followed_by": "追踪人",
                 "follow_up": "追踪情况", "reported_on": "报告日期", "outcome": "处理结果"},
    "changes": {"id_number": "身份证号", "name": "姓名", "kind": "变动类型", "on": "变动日期",
                "from_school": "原学校", "to_school": "去向学校", "proof": "证明材料", "remark": "备注"},
    "care": {"id_number": "身份证号", "name": "姓名", "mentor": "帮扶教师", "on": "帮扶日期",
             "kind": "帮扶方式", "content": "帮扶内容"},
    "home_students": {"id_number": "身份证号", "student_no": "全国学籍号", "name": "姓名", "sex": "性别",
                      "birth_date": "出生日期", "disability": "残疾类别", "disability_grade": "残疾等级",
                      "grade": "年级", "township": "户籍乡镇（街道）", "village": "户籍行政村（社区）",
                      "guardian": "监护人姓名", "guardian_phone": "监护人电话", "address": "送教地址",
                      "site_type": "送教地点类型", "applied_on": "申请日期", "assessed_on": "评估日期",
                      "assessment": "评估结论", "started_on": "首次送教日期", "lead_teacher": "负责教师",
                      "remark": "备注"},
    "iep": {"id_number": "身份证号", "semester": "学期", "domain": "领域", "long_goal": "长期目标",
            "short_goal": "短期目标", "methods": "教学方法与措施", "planned_visits": "计划送教次数",
            "made_on": "制定日期", "made_by": "制定人", "evaluation": "学期评价"},
    "visits": {"id_number": "身份证号", "name": "姓名", "on": "送教日期", "hours": "课时",
               "teachers": "送教教师", "site_type": "送教地点", "domains": "涉及领域", "content": "送教内容",
               "family_task": "家庭训练布置", "parent_training": "家长培训内容", "effect": "效果评价",
               "parent_signed": "家长签字确认", "remark": "备注"},
    "teachers": {"name": "教师姓名", "sex": "性别", "phone": "联系电话", "subject": "任教学科"},
}


def title(table: str, field: str) -> str:
    """The Chinese column title of ``table.field`` (as in tables.md)."""
    return COLUMNS[table][field]


# ---------------------------------------------------------------------------------------
# The children (all names fake: 某)
# ---------------------------------------------------------------------------------------


def person(name: str, sex: str, birth: D, order: int) -> dict[str, Any]:
    """Name, sex, birth date and a valid GB 11643 ID agreeing with them (odd order = 男)."""
    assert (order % 2 == 1) == (sex == "男")
    return {"name": name, "sex": sex, "birth_date": birth, "id_number": make_id(birth, order, "110101")}


KIDS: dict[str, dict[str, Any]] = {
    "C1": person("王某华", "男", D(2014, 5, 6), 11),
    "C2": person("李某芳", "女", D(2015, 3, 12), 12),
    "C3": person("吴某明", "男", D(2012, 4, 3), 13),   # 送教上门
    "C4": person("赵某强", "男", D(2010, 6, 18), 15),  # resolved dropout case
    "C5": person("孙某丽", "女", D(2008, 11, 15), 16),  # open dropout case
    "C6": person("冯某亮", "男", D(2009, 7, 7), 17),   # only in a previous pull (REP-4 tests)
    "C7": person("钱某军", "男", D(2008, 2, 20), 19),
    "C8": person("周某婷", "女", D(2010, 1, 9), 20),
    "C9": person("郑某宇", "男", D(2009, 9, 9), 21),   # transferred out of XX2
}


def kid(key: str, *fields: str) -> dict[str, Any]:
    k = KIDS[key]
    return {f: k[f] for f in (fields or ("id_number", "name", "sex", "birth_date"))}


def new_kid(name: str, sex: str, birth: D, order: int) -> dict[str, Any]:
    """A further child for a test (order ≥ 100 keeps IDs distinct from the district's)."""
    return person(name, sex, birth, order)


SCHOOL1, SCHOOL2 = "甲镇第一小学", "甲镇初级中学"


def _census(key: str, **over: Any) -> dict[str, Any]:
    return {"_key": key, **kid(key), "hukou_type": "本地户籍", "township": "甲镇", "guardian": "某监护人",
            "guardian_phone": "13900000001", "disability": "无", "key_group": "无", **over}


def census_record(k: dict[str, Any], key: str, **over: Any) -> dict[str, Any]:
    """A census record for a further child ``k`` (from :func:`new_kid`)."""
    return {"_key": key, **k, "hukou_type": "本地户籍", "township": "甲镇", "village": "一村", "group": "1组",
            "guardian": "某监护人", "disability": "无", "key_group": "无", **over}


def _roster(key: str, **over: Any) -> dict[str, Any]:
    k = kid(key)
    return {"_key": key, "student_no": "G" + k["id_number"], **k, "attendance": "正常在校",
            "absent_days": 0, **over}


def roster_record(k: dict[str, Any], key: str, **over: Any) -> dict[str, Any]:
    return {"_key": key, "student_no": "G" + k["id_number"], **k, "grade": "三年级", "class_name": "1班",
            "attendance": "正常在校", "absent_days": 0, "head_teacher": "钱某师", **over}


VISIT_DATES = [D(2022, 9, 5), D(2022, 9, 13), D(2022, 9, 20), D(2022, 9, 27), D(2022, 10, 8),
               D(2022, 10, 11), D(2022, 10, 18), D(2022, 10, 25)]
VISIT_CONTENT = [
    "访谈了解现状，认识水果卡片：苹果、香蕉和梨",
    "复习水果卡片，练习用勺子独立吃饭十分钟",
    "做上肢康复操二十分钟，练习抓握积木五块",
    "认识颜色：红黄蓝三色卡片配对，练习洗手",
    "节后复习颜色配对，练习自己穿脱外套两次",
    "认识数字一到五，用积木点数，练习扣扣子",
    "上肢康复操，练习握笔画直线和圆圈各三次",
    "复习数字一到五，练习整理书包和收拾玩具",
]


def _visit(i: int, on: D, content: str) -> dict[str, Any]:
    return {"_key": f"V{i}", **kid("C3", "id_number", "name"), "on": on, "hours": 2,
            "teachers": "孙某、李某梅", "site_type": "家庭", "domains": "认知、生活自理",
            "content": content, "family_task": "每天练习十分钟卡片认读",
            "parent_training": "指导家长做康复操", "effect": "能完成大部分练习", "parent_signed": "是"}


# ---------------------------------------------------------------------------------------
# The district as data
# ---------------------------------------------------------------------------------------


class District:
    """The clean district as records; mutate, then :meth:`write`."""

    def __init__(self) -> None:
        self.config: dict[str, Any] = {
            "district": "测试区",
            "year": 2022,
            "terms": [{"name": "2022年秋季学期", "start": D(2022, 9, 1), "end": D(2023, 1, 13)}],
            "holidays": [{"name": "国庆节", "start": D(2022, 10, 1), "end": D(2022, 10, 7)}],
            "workdays": [D(2022, 10, 8), D(2022, 10, 9)],
            "period": "2022-10",
            "pulled_on": D(2022, 11, 4),
            "thresholds": {"absence_days": 5, "stall_days": 30, "min_content_chars": 15},
            "sources": {"reference": "基础数据.xlsx", "submissions": "submissions"},
        }
        self.books: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.above: dict[tuple[str, str], list[list[Any]]] = {}
        self.dirty: set[str] = set()
        self.removed: set[str] = set()
        self._build()

    # -- the clean content --------------------------------------------------------------
    def _build(self) -> None:
        self.books[REF] = {
            "units": [
                {"_key": "JYJ", "code": "JYJ", "name": "测试区教育局", "type": "区教育局",
                 "township": "城区", "head": "刘某局", "phone": "0371-12345678", "must_report": "否"},
                {"_key": "ZX1", "code": "ZX1", "name": "甲镇中心校", "type": "乡镇中心校",
                 "parent_code": "JYJ", "township": "甲镇", "head": "吴某校", "phone": "13800000001",
                 "must_report": "是"},
                {"_key": "XX1", "code": "XX1", "name": SCHOOL1, "type": "小学", "parent_code": "ZX1",
                 "township": "甲镇", "head": "陈某校", "phone": "13800000002", "must_report": "是"},
                {"_key": "XX2", "code": "XX2", "name": SCHOOL2, "type": "初中", "parent_code": "ZX1",
                 "township": "甲镇", "head": "杨某校", "phone": "13800000003", "must_report": "是"},
            ],
            "grid": [
                {"_key": f"{v}{g}", "township": "甲镇", "village": v, "group": g, "unit_code": u,
                 "person": p, "phone": "13800000009"}
                for v, u, p in (("一村", "XX1", "陈某师"), ("二村", "XX2", "杨某师"))
                for g in ("1组", "2组")
            ],
        }
        cover = {"period": "2022-10", "filled_by": "某填报人", "phone": "13800000010",
                 "submitted_on": D(2022, 10, 28), "approved_by": "某负责人"}
        self.books["ZX1"] = {"cover": [{"_key": "cover", "unit_code": "ZX1", **cover, "zero_report": "是"}]}

        # ---- XX1 甲镇第一小学 ----------------------------------------------------------
        c3_id = KIDS["C3"]["id_number"]
        self.books["XX1"] = {
            "cover": [{"_key": "cover", "unit_code": "XX1", **cover, "zero_report": "否"}],
            "census": [
                _census("C1", village="一村", group="1组", status="在校就读", school=SCHOOL1, grade="三年级"),
                _census("C2", village="一村", group="1组", status="在校就读", school=SCHOOL1, grade="二年级"),
                _census("C3", village="一村", group="2组", status="送教上门", school=SCHOOL1, grade="四年级",
                        disability="肢体残疾", disability_grade="一级"),
                _census("C4", village="一村", group="2组", status="在校就读", school=SCHOOL1, grade="六年级",
                        key_group="脱贫户"),
            ],
            "roster": [
                _roster("C1", grade="三年级", class_name="1班", head_teacher="陈某师",
                        hukou_township="甲镇", hukou_village="一村"),
                _roster("C2", grade="二年级", class_name="2班", head_teacher="林某师", absent_days=2),
                _roster("C3", grade="四年级", class_name="1班", head_teacher="孙某", attendance="送教上门"),
                _roster("C4", grade="六年级", class_name="1班", head_teacher="钱某"),
            ],
            "dropouts": [
                {"_key": "R", **kid("C4"), "grade": "六年级", "former_school": SCHOOL1, "township": "甲镇",
                 "village": "一村", "kind": "辍学", "found_on": D(2022, 9, 5), "reported_on": D(2022, 9, 5),
                 "reason": "厌学", "reason_detail": "开学后连续多日未到校",
                 "group_members": "甲镇刘某、一村张某、甲镇第一小学钱某、甲镇中心校吴某",
                 "owner": "张某", "owner_phone": "13800000011",
                 "step1_on": D(2022, 9, 6), "result": "已复学", "returned_on": D(2022, 9, 20),
                 "placement": "原校原班", "plan": "班主任每周谈心一次，安排数学学业辅导", "mentor": "钱某"},
            ],
            "absences": [
                {"_key": "A1", **kid("C2", "id_number", "name"), "grade": "二年级", "class_name": "2班",
                 "from_on": D(2022, 10, 10), "days": 2, "reason": "病假", "followed_by": "林某师",
                 "follow_up": "电话联系家长，已就医", "reported_on": D(2022, 10, 10), "outcome": "已返校"},
            ],
            "changes": [
                {"_key": "T1", **kid("C2", "id_number", "name"), "kind": "转入", "on": D(2022, 9, 1),
                 "from_school": "乙县第二小学", "proof": "齐全"},
            ],
            "care": [
                {"_key": f"K{m}", **kid("C4", "id_number", "name"), "mentor": "钱某", "on": on,
                 "kind": kind, "content": content}
                for m, on, kind, content in (
                    (9, D(2022, 9, 27), "谈心谈话", "谈心，了解学习困难"),
                    (10, D(2022, 10, 18), "学业辅导", "辅导数学分数运算"),
                    (11, D(2022, 11, 2), "家访", "家访，与家长沟通在校表现"),
                )
            ],
            "home_students": [
                {"_key": "C3", **kid("C3"), "student_no": "G" + c3_id, "disability": "肢体残疾",
                 "disability_grade": "一级", "grade": "四年级", "township": "甲镇", "village": "一村",
                 "guardian": "吴某父", "guardian_phone": "13900000002", "address": "甲镇一村2组8号",
                 "site_type": "家庭", "applied_on": D(2022, 8, 25), "assessed_on": D(2022, 8, 30),
                 "assessment": "适合送教上门", "started_on": D(2022, 9, 5), "lead_teacher": "孙某"},
            ],
            "iep": [
                {"_key": f"P{i}", "id_number": c3_id, "semester": "2022年秋季学期", "domain": domain,
                 "long_goal": goal[0], "short_goal": goal[1], "methods": goal[2], "planned_visits": 18,
                 "made_on": D(2022, 9, 2), "made_by": "孙某"}
                for i, (domain, goal) in enumerate((
                    ("康复训练", ("上肢能完成抓握", "能抓握积木", "康复操与游戏")),
                    ("认知", ("认识常见物品与颜色", "认识十种水果", "实物与卡片教学")),
                    ("生活自理", ("能独立进食和穿衣", "能用勺子吃饭", "示范与反复练习")),
                ), start=1)
            ],
            "visits": [_visit(i, on, c) for i, (on, c) in enumerate(zip(VISIT_DATES, VISIT_CONTENT,
                                                                          strict=True), start=1)],
            "teachers": [
                {"_key": "孙某", "name": "孙某", "sex": "男", "phone": "13700000001", "subject": "语文"},
                {"_key": "李某梅", "name": "李某梅", "sex": "女", "phone": "13700000002", "subject": "数学"},
                {"_key": "周某", "name": "周某", "sex": "女", "phone": "13700000003", "subject": "体育"},
            ],
        }
        self.above[("XX1", "dropouts")] = [["甲镇第一小学失学辍学学生工作台账"]]
        self.above[("XX1", "visits")] = [["送教记录表（2022年秋季学期）"]]

        # ---- XX2 甲镇初级中学 ----------------------------------------------------------
        self.books["XX2"] = {
            "cover": [{"_key": "cover", "unit_code": "XX2", **cover, "zero_report": "否"}],
            "census": [
                _census("C5", village="二村", group="1组", status="辍学"),
                _census("C7", village="二村", group="1组", status="在校就读", school=SCHOOL2, grade="八年级"),
                _census("C8", village="二村", group="2组", status="在校就读", school=SCHOOL2, grade="七年级"),
            ],
            "roster": [
                _roster("C7", grade="八年级", class_name="2班", head_teacher="杨某师",
                        hukou_township="甲镇", hukou_village="二村"),
                _roster("C8", grade="七年级", class_name="1班", head_teacher="何某师"),
            ],
            "dropouts": [self.open_case("O", "C5")],
            "changes": [
                {"_key": "T1", **kid("C9", "id_number", "name"), "kind": "转出", "on": D(2022, 9, 15),
                 "to_school": "乙县实验中学", "proof": "齐全", "remark": "随父母迁居"},
            ],
        }
        self.above[("XX2", "dropouts")] = [["甲镇初级中学失学辍学学生工作台账"], []]

    @staticmethod
    def open_case(key: str, kid_key: str, **over: Any) -> dict[str, Any]:
        """An open (劝返中) 台账 case, steps 1–2 done, moved 15 days before the pull."""
        return {"_key": key, **kid(kid_key), "grade": "八年级", "former_school": SCHOOL2, "township": "甲镇",
                "village": "二村", "kind": "辍学", "found_on": D(2022, 10, 10),
                "reported_on": D(2022, 10, 10), "reason": "家长观念", "reason_detail": "家长带外出，未返校",
                "group_members": "甲镇刘某、二村周某、甲镇初级中学杨某、甲镇中心校吴某",
                "owner": "周某村", "owner_phone": "13800000012",
                "step1_on": D(2022, 10, 11), "step2_on": D(2022, 10, 20), "step2_deadline": D(2022, 10, 27),
                "result": "劝返中", **over}

    # -- access and mutation ------------------------------------------------------------
    def rows(self, unit: str, table: str) -> list[dict[str, Any]]:
        return self.books[unit][table]

    def index(self, unit: str, table: str, key: str) -> int:
        for i, rec in enumerate(self.books[unit][table]):
            if rec["_key"] == key:
                return i
        raise KeyError(f"{unit}/{table}/{key}")

    def get(self, unit: str, table: str, key: str) -> dict[str, Any]:
        return self.books[unit][table][self.index(unit, table, key)]

    def set(self, unit: str, table: str, key: str, **values: Any) -> District:
        """Change cells of one row (``None`` empties a cell)."""
        self.get(unit, table, key).update(values)
        self.dirty.add(unit)
        return self

    def drop(self, unit: str, table: str, key: str) -> District:
        del self.books[unit][table][self.index(unit, table, key)]
        self.dirty.add(unit)
        return self

    def add(self, unit: str, table: str, record: dict[str, Any]) -> District:
        """Append one row (``record`` needs a ``_key``)."""
        self.books[unit].setdefault(table, []).append(dict(record))
        self.dirty.add(unit)
        return self

    def remove_book(self, unit: str) -> District:
        """The unit submits nothing."""
        self.removed.add(unit)
        self.dirty.add(unit)
        return self

    def configure(self, **values: Any) -> District:
        """Set top-level config keys; ``thresholds`` is merged."""
        for k, v in values.items():
            if k == "thresholds":
                self.config["thresholds"] = {**self.config["thresholds"], **v}
            else:
                self.config[k] = v
        self.dirty.add("config")
        return self

    def header_row(self, unit: str, table: str) -> int:
        return len(self.above.get((unit, table), [])) + 1

    def row_of(self, unit: str, table: str, key: str) -> int:
        """The 1-based spreadsheet row of a record, as the school sees it."""
        return self.header_row(unit, table) + 1 + self.index(unit, table, key)

    # -- writing ------------------------------------------------------------------------
    def sheet_rows(self, unit: str, table: str) -> list[list[Any]]:
        fields = list(COLUMNS[table])
        rows = [list(r) for r in self.above.get((unit, table), [])]
        rows.append([COLUMNS[table][f] for f in fields])
        rows.extend([rec.get(f) for f in fields] for rec in self.books[unit][table])
        return rows

    def write_config(self, root: Path) -> None:
        text = yaml.safe_dump(self.config, allow_unicode=True, sort_keys=False)
        (root / "kcbx.yml").write_text(text, encoding="utf-8")

    def write_book(self, root: Path, unit: str) -> None:
        if unit == REF:
            path = root / self.config["sources"]["reference"]
        else:
            path = root / self.config["sources"]["submissions"] / f"{unit}.xlsx"
        if unit in self.removed:
            path.unlink(missing_ok=True)
            return
        write_book(path, {SHEETS[t]: self.sheet_rows(unit, t) for t in self.books[unit]})

    def write(self, root: Path, *, only_dirty: bool = False) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        (root / self.config["sources"]["submissions"]).mkdir(parents=True, exist_ok=True)
        if not only_dirty or "config" in self.dirty:
            self.write_config(root)
        for unit in self.books:
            if not only_dirty or unit in self.dirty:
                self.write_book(root, unit)
        return root


Override = Callable[[District], Any]


def _apply(district: District, overrides: Override | Iterable[Override] | None) -> District:
    if overrides is None:
        return district
    for fn in [overrides] if callable(overrides) else list(overrides):
        fn(district)
    return district


def clean_district(root: Path, *, overrides: Override | Iterable[Override] | None = None) -> Path:
    """Write the clean district (optionally changed by ``overrides``) into ``root``."""
    return _apply(District(), overrides).write(Path(root))


def district(overrides: Override | Iterable[Override] | None = None) -> District:
    """The district's records after ``overrides`` (for expected rows), not written."""
    return _apply(District(), overrides)


def plant(clean: Path, root: Path, overrides: Override | Iterable[Override] | None) -> District:
    """Copy the clean workspace ``clean`` to ``root`` and rewrite only what ``overrides`` changed."""
    shutil.copytree(clean, root)
    d = _apply(District(), overrides)
    d.write(root, only_dirty=True)
    return d
