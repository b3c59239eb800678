"""送教上门: the children taught at home, their IEPs, weekly visits and the teachers.

A visit falls in every teaching week from the first visit to the last week ended by the
pull, with two teachers of the unit's 送教教师 sheet, one of them a man. The planted
HOME-x mistakes each break one cell or one week of an otherwise complete record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .dates import d, visit_days
from .model import SEMESTER
from .people import Person, Story
from .rows import GRADES

TEACHERS = {
    "QSXX": (("赵某明", "男", "语文"), ("钱某芳", "女", "数学"), ("孙某丽", "女", "康复训练"),
             ("李某强", "男", "体育")),
    "LHXX": (("周某军", "男", "数学"), ("吴某红", "女", "语文"), ("郑某敏", "女", "美术")),
    "TJXX": (("王某刚", "男", "康复训练"), ("冯某琳", "女", "生活语文"),
             ("陈某静", "女", "生活数学"), ("褚某伟", "男", "运动康复")),
}
PAIRS = {
    "QSXX": (("赵某明", "钱某芳"), ("李某强", "孙某丽")),
    "LHXX": (("周某军", "吴某红"), ("周某军", "郑某敏")),
    "TJXX": (("王某刚", "冯某琳"), ("褚某伟", "陈某静")),
}

# domain → (送教内容, 家庭训练布置, IEP 长期目标, 短期目标, 教学方法与措施)
DOMAINS = {
    "康复训练": ("康复训练：进行下肢关节活动度训练和扶站平衡练习，每组10次，共完成3组",
             "每天早晚各做一次关节活动操，每次15分钟，家长记录完成情况",
             "提高下肢力量和平衡能力，能扶物站立5分钟", "能在辅助下扶站2分钟",
             "被动与主动关节活动训练，逐步减少辅助"),
    "认知": ("认知训练：用实物和图片卡认识常见水果与颜色，完成配对练习，能正确指认5种",
           "用家中的水果和餐具做“指一指、说一说”游戏，每天10分钟",
           "认识常见物品、颜色和形状，建立简单分类概念", "能指认5种常见水果和3种颜色",
           "实物操作、图片配对、游戏化教学"),
    "语言交流": ("语言交流：模仿发音“爸爸、妈妈、吃饭”，练习用手势和图片卡表达需要",
             "吃饭、喝水前引导孩子用图片卡或手势表达，每天不少于5次",
             "能用简单词语或沟通卡表达基本需要", "能模仿说出3个常用词",
             "口型示范、图片交换沟通、情境练习"),
    "生活自理": ("生活自理：练习独立洗手、用勺子进餐和穿脱外套，分解步骤逐项示范并辅助完成",
             "每天饭前洗手、进餐时让孩子自己用勺，家长只做必要辅助",
             "基本做到独立进餐、洗手和穿脱简单衣物", "能在提示下完成洗手的6个步骤",
             "任务分析法分解步骤，示范、辅助、逐步撤除提示"),
    "学习能力": ("学习能力：学习数字1至10的认读和点数，用小棒进行10以内的实物计数练习",
             "每天用豆子或小棒数数10分钟，并说出数量",
             "掌握10以内数的认读与点数", "能唱数到10并点数5以内实物",
             "多感官教学，操作学具，及时强化"),
    "社会适应": ("社会适应：模拟打招呼、排队等待和礼貌用语情境，带领到院子里认识邻居",
             "外出时提醒孩子主动向熟人问好，每周到附近超市练习排队一次",
             "适应家庭和社区生活，能与熟悉的人友好相处", "能在提示下向熟人问好",
             "情境模拟、社区实践、同伴示范"),
    "特长培养": ("特长培养：用彩笔涂色和简单折纸，完成一幅作品并在家长面前展示",
             "每天安排15分钟涂色或折纸，作品贴在墙上鼓励孩子",
             "培养绘画兴趣，能独立完成简单涂色作品", "能沿轮廓线涂色",
             "示范、作品展示、正向鼓励"),
}
ASSESSMENT = "经区残疾儿童少年入学评估，目前不能正常到校就读，建议送教上门，每周不少于1次"


@dataclass
class HomeChild:
    person: Person
    unit: str  # the unit that delivers the teaching (also the school in the census)
    applied: dt.date
    assessed: dt.date
    started: dt.date
    iep_made: dt.date
    domains: tuple[str, ...]
    site: str = "家庭"
    address: str | None = None
    student_no: bool = True
    skip: dt.date | None = None  # a teaching week without a visit (HOME-2)


def add_home_child(story: Story, child: HomeChild) -> None:
    p = child.person
    unit = child.unit
    lead = PAIRS[unit][0][0]
    story.add(p.group.unit, "census", p.census("送教上门", unit, p.grade,
                                               remark="经评估送教上门"))
    if child.student_no:
        story.add(unit, "roster", p.roster(unit, "送教上门"))
    story.add(unit, "home_students", {
        **p.ledger(),
        "student_no": f"G{p.id}" if child.student_no else None,
        "sex": p.sex, "birth_date": p.birth,
        "disability": p.disability, "disability_grade": p.disability_grade,
        "grade": GRADES[p.grade],
        "township": p.group.township, "village": p.group.village,
        "guardian": p.guardian, "guardian_phone": p.phone,
        "address": child.address or p.group.address, "site_type": child.site,
        "applied_on": child.applied, "assessed_on": child.assessed,
        "assessment": ASSESSMENT, "started_on": child.started, "lead_teacher": lead,
        "_tag": f"{p.key}/home"})
    if story.known(child.iep_made):
        for n, domain in enumerate(child.domains):
            _content, _task, long_goal, short_goal, methods = DOMAINS[domain]
            story.add(unit, "iep", {
                "id_number": p.id, "semester": SEMESTER, "domain": domain,
                "long_goal": long_goal, "short_goal": short_goal, "methods": methods,
                "planned_visits": 18, "made_on": child.iep_made, "made_by": lead,
                "_tag": f"{p.key}/iep/{n}"})
    skip = child.skip if story.current else None
    for n, day in enumerate(visit_days(child.started, story.pulled_on, skip)):
        first, second = child.domains[n % len(child.domains)], child.domains[
            (n + 1) % len(child.domains)]
        content, task, *_ = DOMAINS[first]
        teachers = PAIRS[unit][n % 2]
        story.add(unit, "visits", {
            **p.ledger(), "on": day, "hours": 2 if n % 3 else 1.5,
            "teachers": "、".join(teachers),
            "site_type": child.site, "domains": f"{first}、{second}",
            "content": content, "family_task": task,
            "parent_training": "指导家长掌握辅助要领和正面鼓励的方法，示范后请家长练习一遍",
            "effect": "能在提示下完成大部分练习，情绪稳定，配合度较好",
            "parent_signed": "是", "_tag": f"{p.key}/visit/{n}"})


def add_home_school(story: Story, people: dict[str, Person]) -> None:
    """Seven children taught at home (plus the 劝返 case placed 送教上门) and their units."""
    P = people
    children = [
        HomeChild(P["S1"], "QSXX", d("2021-06-10"), d("2021-06-25"), d("2021-09-13"),
                  d("2022-08-30"), ("认知", "生活自理", "语言交流", "社会适应")),
        HomeChild(P["S2"], "QSXX", d("2020-06-15"), d("2020-07-02"), d("2020-09-14"),
                  d("2022-08-30"), ("康复训练", "学习能力", "社会适应")),
        HomeChild(P["S3"], "QSXX", d("2022-08-15"), d("2022-08-29"), d("2022-09-05"),
                  d("2022-09-02"), ("康复训练", "认知", "生活自理"), student_no=False),
        HomeChild(P["S4"], "LHXX", d("2021-01-11"), d("2021-02-26"), d("2021-03-08"),
                  d("2022-08-30"), ("认知", "语言交流", "社会适应"), skip=d("2022-10-19")),
        HomeChild(P["S5"], "LHXX", d("2019-06-10"), d("2019-06-28"), d("2019-09-09"),
                  d("2022-09-09"), ("康复训练", "生活自理", "社会适应", "学习能力")),
        HomeChild(P["S6"], "TJXX", d("2022-01-10"), d("2022-02-21"), d("2022-03-07"),
                  d("2022-08-30"), ("康复训练", "生活自理")),
        HomeChild(P["S7"], "TJXX", d("2021-05-10"), d("2021-06-04"), d("2021-09-06"),
                  d("2022-08-30"), ("康复训练", "认知", "语言交流", "生活自理"),
                  site="儿童福利机构", address="示例区儿童福利院（虚构）"),
        HomeChild(P["F"], "LHXX", d("2022-09-05"), d("2022-09-14"), d("2022-09-19"),
                  d("2022-09-16"), ("认知", "生活自理", "语言交流")),
    ]
    for key, unit in (("S8", "QSXX"), ("S10", "LHXX")):  # the two-year demo's 六年级 children
        if key in P:
            children.append(HomeChild(P[key], unit, d("2021-08-16"), d("2021-08-27"),
                                      d("2021-09-06"), d("2022-08-30"),
                                      ("康复训练", "认知", "生活自理")))
    for child in children:
        add_home_child(story, child)
    for unit, teachers in TEACHERS.items():
        for n, (name, sex, subject) in enumerate(teachers):
            story.add(unit, "teachers", {"name": name, "sex": sex,
                                         "phone": f"1380000{6000 + 10 * len(unit) + n:04d}",
                                         "subject": subject})
    if story.current:
        story.plant("HOME-1", "QSXX", "home_students", "S3/home", "student_no",
                    "送教上门学生没有全国学籍号（未建学籍）")
        story.plant("HOME-2", "LHXX", "home_students", "S4/home", "started_on",
                    "10月17日—23日这一教学周没有送教记录")
        story.plant("HOME-3", "QSXX", "visits", "S1/visit/3", "teachers",
                    "这次送教的两位教师都是女教师")
        story.plant("HOME-4", "LHXX", "visits", "S5/visit/0", "on",
                    "本学期首次送教（9月1日）时个别化教学计划尚未制定（9月9日才制定）")
        story.plant("HOME-5", "QSXX", "visits", "S2/visit/5", "content",
                    "送教内容过于简略（少于15个字）")
        story.plant("HOME-6", "TJXX", "iep", "S6/iep/0", "domain",
                    "本学期个别化教学计划只涉及2个领域")
    for row in story.rows.get("QSXX", {}).get("visits", ()):
        if row["_tag"] == "S1/visit/3":
            row["teachers"] = "钱某芳、孙某丽"
        elif row["_tag"] == "S2/visit/5":
            row["content"] = "认知训练，效果良好"
