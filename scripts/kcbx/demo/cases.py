"""失学辍学 cases: a 工作台账 row at every stage of the 四步法, as a pull on a given day sees it.

A case's dates are fixed; :class:`~.people.Story` hides whatever happened after the pull,
so the previous month's workspace shows the same case earlier in its life (an open case
there may be resolved now). Each case also puts its child in the census and on a roster
consistently with its state, and keeps monthly 关爱帮扶记录 once the child is back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .dates import DAY, d, months
from .district import UNIT
from .model import Row
from .names import phone, staff_name
from .people import Person, Story

OPEN = "劝返中"


@dataclass
class Case:
    person: Person
    unit: str  # whose 台账
    kind: str  # 失学 / 辍学 / 疑似辍学
    school: str | None  # the school the child left (None: never enrolled)
    found: dt.date
    step1: dt.date
    reason: str
    detail: str
    reported: dt.date | None = None
    step2: dt.date | None = None
    deadline: dt.date | None = None
    step3: dt.date | None = None
    step4: dt.date | None = None
    result: str = OPEN
    returned: dt.date | None = None
    placement: str | None = None
    plan: str | None = "每周一次谈心谈话，安排学习小组结对补习，每月家访一次，动态跟踪在校情况"
    mentor_k: int = 0
    after: str | None = None  # where the child is once back (a school code)
    deleted: bool = False  # REP-4: gone from this month's 台账
    care_skip: tuple[int, int] | None = None  # a month without 关爱帮扶 (CARE-1)
    absent: int = 0  # 疑似辍学: days of 无故缺课 in the roster

    @property
    def mentor(self) -> str:
        return staff_name(300 + self.mentor_k)

    @property
    def owner(self) -> str:
        return staff_name(200 + self.mentor_k)


def add_case(story: Story, case: Case) -> str:
    """Add a case's rows as the pull sees them; returns the child's state (for the census)."""
    p = case.person
    seen = story.known(case.found) is not None and not (case.deleted and story.current)
    returned = story.known(case.returned) if case.result != OPEN else None
    if not seen:
        _before(story, case)
        return "before"
    known = story.known
    step2 = known(case.step2)
    row: Row = {
        **p.ledger(),
        "sex": p.sex,
        "birth_date": p.birth,
        "grade": "未入学" if case.school is None else _grade(p),
        "former_school": UNIT[case.school].name if case.school else None,
        "township": p.group.township,
        "village": p.group.village,
        "kind": case.kind,
        "found_on": case.found,
        "reported_on": case.reported or case.found,
        "reason": case.reason,
        "reason_detail": case.detail,
        "group_members": _members(case),
        "owner": case.owner,
        "owner_phone": phone(7000 + case.mentor_k),
        "step1_on": known(case.step1),
        "step2_on": step2,
        "step2_deadline": case.deadline if step2 else None,
        "step3_on": known(case.step3),
        "step4_on": known(case.step4),
        "result": case.result if returned else OPEN,
        "_tag": f"{p.key}/dropouts",
    }
    if returned:
        row.update(returned_on=returned, placement=case.placement, plan=case.plan,
                   mentor=case.mentor)
        story.add(case.unit, "dropouts", row)
        _care(story, case, returned)
        _after(story, case)
        return "back"
    story.add(case.unit, "dropouts", row)
    _open(story, case)
    return "open"


def _grade(p: Person) -> str:
    from .rows import GRADES

    return GRADES[p.grade]


def _members(case: Case) -> str:
    p = case.person
    school = UNIT[case.unit].name
    k = case.mentor_k
    return (f"{p.group.township}干部{staff_name(400 + k)}、{p.group.village}村干部"
            f"{staff_name(410 + k)}、{school}{staff_name(300 + k)}、中心校{staff_name(420 + k)}")


def _before(story: Story, case: Case) -> None:
    """The child before the case was found (or, REP-4, after the school deleted it)."""
    p = case.person
    if case.school is None:
        story.add(p.group.unit, "census", p.census("其他", remark="户籍在本村，就学情况待核实"))
        return
    story.add(p.group.unit, "census", p.census("在校就读", case.school, p.grade))
    story.add(case.school, "roster", p.roster(case.school))


def _open(story: Story, case: Case) -> None:
    p = case.person
    if case.kind == "疑似辍学":
        assert case.school is not None
        story.add(p.group.unit, "census", p.census("在校就读", case.school, p.grade))
        story.add(case.school, "roster", p.roster(case.school, "疑似辍学", case.absent))
        return
    remark = f"原{UNIT[case.school].name}学生" if case.school else "未入学"
    story.add(p.group.unit, "census", p.census(case.kind, remark=remark))


def _after(story: Story, case: Case) -> None:
    p = case.person
    school = case.after or case.school
    assert school is not None
    if case.placement == "送教上门":
        return  # the 送教 story puts this child in the census and on the roster
    story.add(p.group.unit, "census", p.census("在校就读", school, p.grade))
    story.add(school, "roster", p.roster(school))
    if case.after and case.after != case.school and case.school:
        on = story.known(case.returned)
        story.add(case.school, "changes", {
            **p.ledger(), "kind": "转出", "on": on, "to_school": UNIT[school].name,
            "proof": "齐全", "remark": "劝返后经评估转入特殊教育学校就读"})
        story.add(school, "changes", {
            **p.ledger(), "kind": "转入", "on": on, "from_school": UNIT[case.school].name,
            "proof": "齐全", "remark": "劝返复学，经评估安置"})


_CARE = (
    ("谈心谈话", "了解返校后的学习和生活情况，鼓励其按时到校，树立学习信心"),
    ("家访", "到家中与家长沟通孩子在校表现，宣传义务教育法，督促家长履行监护责任"),
    ("学业辅导", "课后补习数学和语文落下的内容，安排同桌结对帮助"),
    ("心理辅导", "由心理老师进行一对一疏导，缓解厌学情绪和同伴交往压力"),
)


def care_days(returned: dt.date, pulled_on: dt.date,
              skip: tuple[int, int] | None = None) -> list[dt.date]:
    """One 关爱帮扶 a calendar month from the return's month to the pull's, on or after it."""
    days = []
    for year, month in months(returned, pulled_on):
        if (year, month) == skip:
            continue
        if (year, month) == (returned.year, returned.month):
            day = returned + 2 * DAY
        else:
            day = dt.date(year, month, 3 if month == 10 else 1)
        if day <= pulled_on:
            days.append(day)
    return days


def _care(story: Story, case: Case, returned: dt.date) -> None:
    for n, day in enumerate(care_days(returned, story.pulled_on, case.care_skip)):
        kind, content = _CARE[n % len(_CARE)]
        story.add(case.unit, "care", {**case.person.ledger(), "mentor": case.mentor, "on": day,
                                      "kind": kind, "content": content})


def add_cases(story: Story, people: dict[str, Person]) -> None:
    """Every 四步法 stage, the resolved ones, and the 台账 mistakes (REP-1/2/4, STEP-1/2/3,
    CARE-1)."""
    P = people
    cases = [
        Case(P["A"], "QSZZ", "辍学", "QSZZ", d("2022-10-17"), d("2022-10-18"), "厌学",
             "学习成绩下滑，沉迷手机游戏，不愿到校", mentor_k=1),
        Case(P["B"], "LHZZ", "辍学", "LHZZ", d("2022-09-26"), d("2022-09-27"), "外出务工",
             "随亲戚到外地打工，家长默许", step2=d("2022-10-17"), deadline=d("2022-10-31"),
             mentor_k=2),
        Case(P["C"], "BYJN", "辍学", "BYJN", d("2022-09-05"), d("2022-09-06"), "家长观念",
             "家长认为读书无用，让孩子在家帮忙务农", step2=d("2022-09-16"),
             deadline=d("2022-09-30"), step3=d("2022-10-20"), mentor_k=3),
        Case(P["D"], "YZ", "辍学", "YZ", d("2022-09-02"), d("2022-09-05"), "厌学",
             "开学后未到校，多次劝返无效", step2=d("2022-09-13"), deadline=d("2022-09-23"),
             step3=d("2022-09-26"), step4=d("2022-10-24"), mentor_k=4),
        Case(P["E"], "QSXX", "辍学", "QSXX", d("2022-09-05"), d("2022-09-06"), "家庭经济困难",
             "父亲因病不能劳动，孩子在家照顾弟妹", result="已复学", returned=d("2022-09-19"),
             placement="原校原班", mentor_k=5),
        Case(P["F"], "LHXX", "失学", None, d("2022-09-01"), d("2022-09-02"), "残疾",
             "智力残疾，家长认为无法上学，未申请入学", result="已安置送教上门",
             returned=d("2022-09-19"), placement="送教上门",
             plan="经评估安置送教上门，每周送教一次，制定个别化教学计划，每月回访家长",
             mentor_k=6, after="LHXX"),
        Case(P["G"], "BYXX", "辍学", "BYXX", d("2022-09-08"), d("2022-09-08"), "残疾",
             "听力残疾，跟不上普通班教学，家长让其在家", result="已转入特殊教育学校",
             returned=d("2022-10-10"), placement="特殊教育学校",
             plan="转入特殊教育学校听障班，配备助听设备，原校老师每月回访",
             mentor_k=7, after="TJXX"),
        Case(P["H"], "SYXX", "疑似辍学", "SYXX", d("2022-10-24"), d("2022-10-25"), "厌学",
             "连续一周无故缺课，家长称劝说无效", absent=7, mentor_k=8),
        Case(P["I"], "BYZX", "失学", None, d("2022-10-10"), d("2022-10-11"), "家长观念",
             "家长外出务工，孩子随祖父母生活，一直未入学", mentor_k=9),
        Case(P["J"], "DGXX", "辍学", "DGXX", d("2022-10-11"), d("2022-10-12"), "疾病",
             "因病长期在家，病愈后不愿返校", reported=d("2022-10-12"), mentor_k=10),
        Case(P["K"], "LHZZ", "辍学", "LHZZ", d("2022-10-09"), d("2022-10-13"), "早婚早育",
             "家长安排外出，经村干部反映后发现", reported=d("2022-10-12"), mentor_k=11),
        Case(P["L"], "XGXX", "辍学", "XGXX", d("2022-09-20"), d("2022-09-21"), "厌学",
             "与同学发生矛盾后不愿到校", step3=d("2022-10-21"), mentor_k=12),
        Case(P["M"], "QSZZ", "辍学", "QSZZ", d("2022-09-05"), d("2022-09-06"), "外出务工",
             "随父母外出务工，联系不上", mentor_k=13),
        Case(P["N"], "SYXX", "辍学", "SYXX", d("2022-09-13"), d("2022-09-14"), "厌学",
             "沉迷网络游戏不愿到校", result="已复学", returned=d("2022-09-26"),
             placement="原校原班", plan=None, mentor_k=14),
        Case(P["O"], "BYJN", "辍学", "BYJN", d("2022-09-07"), d("2022-09-08"), "家庭经济困难",
             "家中突发变故，缺少学习用品和生活费", result="已复学", returned=d("2022-09-22"),
             placement="原校原班", care_skip=(2022, 10), mentor_k=15),
        Case(P["P"], "QSZZ", "辍学", "QSZZ", d("2022-09-19"), d("2022-09-20"), "厌学",
             "开学三周后不再到校", deleted=True, mentor_k=16),
    ]
    for case in cases:
        add_case(story, case)
    if story.current:
        _tag = "{}/dropouts".format
        story.plant("REP-1", "DGXX", "dropouts", _tag("J"), "reported_on",
                    "上报日期比发现日期晚1天（提醒）")
        story.plant("REP-1", "LHZZ", "dropouts", _tag("K"), "reported_on",
                    "上报日期比发现日期晚3天（错误）")
        story.plant("REP-2", "BYZX", "cover", "cover", "zero_report",
                    "有劝返中的失学个案，却报了零报告")
        story.cover["BYZX"] = {"zero_report": "是"}
        story.plant("REP-4", "QSZZ", "dropouts", _tag("P"), "id_number",
                    "上月台账中劝返中的个案，本月台账中被删除",
                    file="previous/submissions/QSZZ.xlsx")
        story.plant("STEP-1", "XGXX", "dropouts", _tag("L"), "step3_on",
                    "跳过第二步（未下发限期复学通知书）直接下发行政处罚决定书")
        story.plant("STEP-2", "QSZZ", "dropouts", _tag("M"), "result",
                    "劝返中的个案自9月6日宣传教育后再无进展，超过30天")
        story.plant("STEP-3", "SYXX", "dropouts", _tag("N"), "plan",
                    "已复学个案未填一人一方案")
        story.plant("CARE-1", "BYJN", "dropouts", _tag("O"), "mentor",
                    "已复学个案缺少10月的关爱帮扶记录")
    h = people["H"]
    if story.known(d("2022-10-24")):
        story.add("SYXX", "absences", {
            **h.ledger(), "grade": _grade(h), "class_name": "1班", "from_on": d("2022-10-17"),
            "days": 7, "reason": "无故缺课", "followed_by": staff_name(308),
            "follow_up": "班主任每天电话联系，两次家访，家长称孩子不愿上学",
            "reported_on": d("2022-10-24"), "outcome": "转为疑似辍学"})
