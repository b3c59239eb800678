"""The story children, and the single-row mistakes planted among the bulk.

``make_people`` creates every story child in a fixed order (so both months see the same
IDs); ``build_story`` lays out the rows for one pull: the 台账 cases, 送教上门, and the
one-cell mistakes below, each next to a clean row of the same kind.
"""

from __future__ import annotations

import datetime as dt

from .cases import add_cases
from .dates import birth_window, d
from .homeschool import add_home_school
from .names import IdFactory, as_excel_number, bad_check_digit
from .people import People, Person, Story
from .population import OUTSIDE_SCHOOLS
from .rows import head_teacher

# key, unit keeping the child's 户籍 group, age, group index, disability
_CHILDREN: tuple[tuple[str, str, int, int, tuple[str, str] | None], ...] = (
    ("A", "QSZZ", 13, 0, None), ("B", "LHZZ", 14, 0, None), ("C", "BYJN", 13, 1, None),
    ("D", "XGXX", 14, 0, None), ("E", "QSXX", 10, 0, None),
    ("F", "LHXX", 8, 0, ("智力残疾", "二级")), ("G", "BYXX", 11, 0, ("听力残疾", "二级")),
    ("H", "DGXX", 12, 1, None), ("I", "BYZX", 9, 0, None), ("J", "DGXX", 11, 2, None),
    ("K", "LHZZ", 13, 1, None), ("L", "XGXX", 10, 1, None), ("M", "QSZZ", 14, 2, None),
    ("N", "XGXX", 9, 2, None), ("O", "BYJN", 12, 2, None), ("P", "QSZZ", 13, 3, None),
    ("S1", "QSXX", 9, 0, ("智力残疾", "二级")), ("S2", "QSXX", 12, 1, ("肢体残疾", "一级")),
    ("S3", "QSXX", 7, 2, ("多重残疾", "一级")), ("S4", "LHXX", 10, 1, ("精神残疾", "二级")),
    ("S5", "LHXX", 13, 0, ("智力残疾", "一级")), ("S6", "DGXX", 8, 0, ("视力残疾", "一级")),
    ("S7", "XGXX", 11, 1, ("多重残疾", "一级")), ("S9", "QSXX", 9, 1, ("肢体残疾", "一级")),
    ("ID1B", "QSZX", 11, 0, None), ("ID2", "LHXX", 10, 1, None), ("ID3", "LHXX", 10, 0, None),
    ("AGE1", "LHZX", 16, 0, None), ("AGE2", "BYXX", 12, 1, None),
    ("MATCH1", "BYJN", 9, 0, None), ("MATCH2", "XGXX", 11, 0, None),
    ("MATCH4", "DGXX", 8, 0, None), ("ENUM", "QSXX", 8, 2, None), ("DATE", "DGXX", 9, 3, None),
    ("REQ", "BYJN", 8, 1, None), ("UNIQ", "QSXX", 11, 0, None), ("FK", "BYXX", 10, 2, None),
    ("X1", "BYJN", 12, 3, None), ("X2", "QSXX", 9, 1, None), ("X3", "LHZX", 16, 0, None),
    ("X4", "QSXX", 5, 0, None),
)


# the two-year demo: two 送教上门 children in 六年级 whose 小学 must hand them on to a 初中
# (HOME-7) — one is taken on by the 初中 in September of the next year, one is not
HANDED_ON = (("S8", "QSXX", 11, 3, ("肢体残疾", "二级")), ("S10", "LHXX", 11, 2, ("智力残疾", "二级")))


def make_people(ids: IdFactory, seed: int, *, second_year: bool = False) -> dict[str, Person]:
    make = People(ids, seed)
    for key, unit, age, group, disability in _CHILDREN:
        make(key, unit, age, group=group, disability=disability,
             key_group="脱贫户" if key in ("E", "O") else "无")
    make.outsider("ID1A", "SYXX", 10)
    make.outsider("CHG1", "YZ", 13)
    if second_year:  # after every other child: the one-year demo's people stay the same
        for key, unit, age, group, disability in HANDED_ON:
            make(key, unit, age, group=group, disability=disability, key_group="无")
    return make.made


def build_story(people: dict[str, Person], *, current: bool, pulled_on: dt.date) -> Story:
    story = Story(current=current, pulled_on=pulled_on)
    add_cases(story, people)
    add_home_school(story, people)
    add_singles(story, people)
    return story


def _shifted_birth(p: Person) -> dt.date:
    """A birth date a month off the ID's, still of the same age (ID-2 and nothing else)."""
    first, last = birth_window(p.age)
    shifted = p.birth + dt.timedelta(days=31)
    if shifted.toordinal() > last:
        shifted = p.birth - dt.timedelta(days=31)
    assert first <= shifted.toordinal() <= last
    return shifted


def add_singles(story: Story, people: dict[str, Person]) -> None:
    P = people
    add, plant = story.add, story.plant

    def census(key: str, *args: object, **kw: object) -> None:
        p = P[key]
        add(p.group.unit, "census", p.census(*args, **kw))  # type: ignore[arg-type]

    # Clean rows that look unusual: 休学, 转出, out-of-range ages with a 备注.
    census("X1", "休学", "BYJN", 7, remark="因病休学（已办理休学手续）")
    add("BYJN", "roster", P["X1"].roster("BYJN", "休学", grade=7))
    add("BYJN", "changes", {**P["X1"].ledger(), "kind": "休学", "on": d("2022-09-15"),
                            "proof": "齐全", "remark": "因病休学，附医院诊断证明"})
    census("X2", "区外就读", OUTSIDE_SCHOOLS[0], 4, remark="2022年9月随父母转学")
    add("QSXX", "changes", {**P["X2"].ledger(), "kind": "转出", "on": d("2022-09-09"),
                            "to_school": OUTSIDE_SCHOOLS[0], "proof": "齐全",
                            "remark": "随父母务工转学，已办理转学手续"})
    census("X3", "已完成义务教育", remark="已满16周岁，2022年7月初中毕业")
    census("X4", "在校就读", "QSXX", 1, remark="提前入学（经学校同意，家长申请）")
    add("QSXX", "roster", P["X4"].roster("QSXX", grade=1))

    # ID-1: a wrong check character (a child from outside), and an ID turned into a number.
    p = P["ID1A"]
    bad = bad_check_digit(p.id)
    add("SYXX", "roster", p.roster("SYXX", student_no=f"G{bad}", id_number=bad,
                                   hukou_township=None, hukou_village=None))
    plant("ID-1", "SYXX", "roster", "ID1A/roster/SYXX", "id_number", "身份证号校验位错误")
    p = P["ID1B"]
    census("ID1B", "区外就读", OUTSIDE_SCHOOLS[2], p.grade, id_number=as_excel_number(p.id))
    plant("ID-1", "QSZX", "census", "ID1B/census", "id_number",
          "身份证号被表格软件存成了数字（4.1E+17 式），后几位丢失")
    # ID-2: the census birth date a month off the ID.
    p = P["ID2"]
    census("ID2", "在校就读", "LHXX", p.grade, birth_date=_shifted_birth(p))
    add("LHXX", "roster", p.roster("LHXX"))
    plant("ID-2", "LHXX", "census", "ID2/census", "birth_date", "出生日期与身份证号不一致")
    # ID-3: on 柳河乡中心小学's roster and, after moving, on 实验学校's as well.
    p = P["ID3"]
    census("ID3", "在校就读", "SYXX", p.grade, remark="2022年9月转入示例区实验学校")
    add("LHXX", "roster", p.roster("LHXX"))
    add("SYXX", "roster", p.roster("SYXX"))
    add("SYXX", "changes", {**p.ledger(), "kind": "转入", "on": d("2022-09-05"),
                            "from_school": "柳河乡中心小学", "proof": "齐全",
                            "remark": "随父母进城务工转入"})
    plant("ID-3", "SYXX", "roster", "ID3/roster/SYXX", "id_number",
          "转学后原校（柳河乡中心小学）未删除，两校名册都有此生（一人两籍）")
    # AGE-1 / AGE-2.
    census("AGE1", "已完成义务教育")
    plant("AGE-1", "LHZX", "census", "AGE1/census", "birth_date", "已满16周岁，未填备注说明")
    census("AGE2", "辍学", remark="原白云镇山口小学学生")
    plant("AGE-2", "BYXX", "census", "AGE2/census", "status",
          "摸底表登记为辍学，但没有任何台账记录")
    # MATCH-1/2/3/4.
    census("MATCH1", "在校就读", "BYJN", P["MATCH1"].grade)
    plant("MATCH-1", "BYJN", "census", "MATCH1/census", "school",
          "摸底表登记在本校就读，但本校在校学生名册中没有此生")
    census("MATCH2", "在校就读", "XGXX", P["MATCH2"].grade)
    add("XGXX", "roster", P["MATCH2"].roster("XGXX", "疑似辍学", 6))
    plant("MATCH-2", "XGXX", "roster", "MATCH2/roster/XGXX", "attendance",
          "名册中为疑似辍学，但台账中没有此生")
    census("S9", "送教上门", "QSXX", P["S9"].grade, remark="经评估送教上门")
    plant("MATCH-3", "QSXX", "census", "S9/census", "status",
          "摸底表为送教上门，但送教上门学生信息表中没有此生")
    add("DGXX", "roster", P["MATCH4"].roster("DGXX"))
    plant("MATCH-4", "DGXX", "roster", "MATCH4/roster/DGXX", "hukou_village",
          "户籍在本区东关社区，但摸底表中没有此生（户籍线漏登）")
    # CHG-1: a transfer in without complete papers.
    p = P["CHG1"]
    add("YZ", "roster", p.roster("YZ", hukou_township=None, hukou_village=None))
    add("YZ", "changes", {**p.ledger(), "kind": "转入", "on": d("2022-09-01"),
                          "from_school": OUTSIDE_SCHOOLS[1], "proof": "不齐全",
                          "remark": "转学联系单未交", "_tag": "CHG1/changes"})
    plant("CHG-1", "YZ", "changes", "CHG1/changes", "proof", "转入手续不全（证明材料不齐全）")
    _schema_mistakes(story, people)
    _reporting(story)


def _schema_mistakes(story: Story, people: dict[str, Person]) -> None:
    P = people
    add, plant = story.add, story.plant
    p = P["ENUM"]
    add(p.group.unit, "census", p.census("在校就读", "QSXX", p.grade))
    row = p.roster("QSXX")
    row["grade"] = "三年纪"
    add("QSXX", "roster", row)
    plant("enum-error", "QSXX", "roster", "ENUM/roster/QSXX", "grade", "年级写成“三年纪”")
    p = P["DATE"]
    add(p.group.unit, "census", p.census("在校就读", "DGXX", p.grade))
    add("DGXX", "roster", p.roster("DGXX"))
    add("DGXX", "absences", {
        **p.ledger(), "grade": p.roster("DGXX")["grade"], "class_name": "1班",
        "from_on": "9月30号", "days": 2, "reason": "病假",
        "followed_by": head_teacher("DGXX", p.grade, 0),
        "follow_up": "家长电话请假，学生发烧在家休息，已返校", "reported_on": d("2022-09-30"),
        "outcome": "已返校", "_tag": "DATE/absences"})
    plant("type-error", "DGXX", "absences", "DATE/absences", "from_on",
          "缺课开始日期写成“9月30号”，没有年份，无法识别")
    p = P["REQ"]
    add(p.group.unit, "census", p.census("在校就读", "BYJN", p.grade))
    add("BYJN", "roster", p.roster("BYJN", head_teacher=None))
    plant("required-error", "BYJN", "roster", "REQ/roster/BYJN", "head_teacher", "班主任未填")
    p = P["UNIQ"]
    add("QSXX", "census", p.census("在校就读", "QSXX", p.grade))
    add("QSXX", "roster", p.roster("QSXX"))
    add("LHZX", "census", p.census("在校就读", "QSXX", p.grade, township="柳河乡",
                                   village="柳河村", group="3组", _tag="UNIQ/census2"))
    plant("unique-error", "LHZX", "census", "UNIQ/census2", "id_number",
          "同一儿童在两个单位的摸底表中都有登记（另一处在青石镇中心小学）")
    p = P["FK"]
    add(p.group.unit, "census", p.census("在校就读", "BYXX", p.grade, group="9组"))
    add("BYXX", "roster", p.roster("BYXX"))
    plant("foreign-key-error", "BYXX", "census", "FK/census", "group",
          "山口村没有9组（户籍网格包保表中只有1—3组）")
    plant("extra-label", "LHZZ", "roster", None, "家庭住址", "名册中多加了一列“家庭住址”")


def _reporting(story: Story) -> None:
    if not story.current:
        return
    story.plant("REP-3", "CQFDZ", "units", "CQFDZ", "code",
                "城区教育辅导组本月未报送", file="基础数据.xlsx")
    story.plant("REP-3", "QSJD", "cover", "cover", "submitted_on", "11月2日才报送（逾期）")
    story.cover["QSJD"] = {"submitted_on": d("2022-11-02")}

